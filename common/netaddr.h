// SPDX-License-Identifier: MIT
/*
 * netaddr - which network addresses quern may send requests to, or let a
 * job be pointed at: the server-side request forgery guard shared by the
 * runner's subscriber callbacks (checked on the resolved address right
 * before connecting) and the API's input hrefs (checked on the URL's host
 * when the job is submitted; names other than localhost are not resolved
 * there, since the process resolves them where it runs).
 * Private means loopback, link-local, RFC 1918, shared (CGN), unique-local,
 * multicast, reserved or unspecified. An operator opens chosen private
 * networks with a list of CIDRs (callbacks.allow_networks, api.href_allow_networks).
 */
#ifndef QUERN_NETADDR_H
#define QUERN_NETADDR_H

#include <sys/socket.h>

#include "common/cfg.h"
#include "common/compat.h"
#include "common/qerr.h"

/* True for loopback, link-local, private, shared, multicast, reserved or unspecified addresses. */
bool netaddr_private(const struct sockaddr *sa);

/* True when sa lies in one of the CIDRs of nets ("10.0.0.0/8", "fd00::/8", "192.0.2.7"). */
bool netaddr_in_list(const struct sockaddr *sa, const struct cfg_list *nets);

/* 0 when every entry of nets is a CIDR or an address; else -1 naming the first bad one. */
int netaddr_list_check(const char *key, const struct cfg_list *nets, struct qerr *err)
    QUERN_MUSTCHECK;

/*
 * The href guard: 0 when url is http(s) and its host is not a private address
 * (an IP literal in any notation libcurl accepts, or localhost) unless allow_private
 * or the address is in nets; else -1 with an actionable message in err (QERR_INVALID).
 */
int netaddr_url_check(const char *url, bool allow_private, const struct cfg_list *nets,
                      struct qerr *err) QUERN_MUSTCHECK;

#endif
