// SPDX-License-Identifier: MIT
/* netaddr - address classes and allowed networks; see netaddr.h. */
#include "common/compat.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "common/netaddr.h"
#include "common/qstr.h"

/* a in host order. */
static bool v4_private(uint32_t a)
{
    static const struct {
        uint32_t net, mask;
    } v4[] = {
        {0x00000000, 0xFF000000}, /* 0.0.0.0/8 "this network" */
        {0x0A000000, 0xFF000000}, /* 10/8 */
        {0x64400000, 0xFFC00000}, /* 100.64/10 shared (CGN) */
        {0x7F000000, 0xFF000000}, /* 127/8 loopback */
        {0xA9FE0000, 0xFFFF0000}, /* 169.254/16 link-local */
        {0xAC100000, 0xFFF00000}, /* 172.16/12 */
        {0xC0000000, 0xFFFFFF00}, /* 192.0.0/24 protocol assignments */
        {0xC0A80000, 0xFFFF0000}, /* 192.168/16 */
        {0xC6120000, 0xFFFE0000}, /* 198.18/15 benchmarking */
        {0xE0000000, 0xF0000000}, /* 224/4 multicast */
        {0xF0000000, 0xF0000000}, /* 240/4 reserved, broadcast */
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(v4); i++) {
        if ((a & v4[i].mask) == v4[i].net) {
            return true;
        }
    }
    return false;
}

static bool v6_private(const uint8_t b[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const uint8_t zero[16] = {0};
    if (memcmp(b, mapped, 12) == 0 || (memcmp(b, zero, 12) == 0 && memcmp(b, zero, 16) != 0)) {
        /* v4-mapped (::ffff:a.b.c.d) or v4-compatible (::a.b.c.d, ::1 included) */
        uint32_t a = ((uint32_t)b[12] << 24) | ((uint32_t)b[13] << 16) |
                     ((uint32_t)b[14] << 8) | b[15];
        return memcmp(b, zero, 15) == 0 || v4_private(a);
    }
    return memcmp(b, zero, 16) == 0 ||                    /* :: */
           (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) ||    /* fe80::/10 link-local */
           (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) ||    /* fec0::/10 site-local */
           (b[0] & 0xFE) == 0xFC ||                      /* fc00::/7 unique local */
           b[0] == 0xFF;                                 /* multicast */
}

/* The address bytes of sa (4 or 16) into out; returns the count, 0 for other families. */
static size_t addr_bytes(const struct sockaddr *sa, uint8_t out[16])
{
    sa_family_t family;
    memcpy(&family, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof family);
    if (family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        memcpy(out, &in.sin_addr.s_addr, 4);
        return 4;
    }
    if (family == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        memcpy(out, in6.sin6_addr.s6_addr, 16);
        return 16;
    }
    return 0;
}

bool netaddr_private(const struct sockaddr *sa)
{
    uint8_t b[16];
    size_t n = addr_bytes(sa, b);
    if (n == 4) {
        return v4_private(((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
                          ((uint32_t)b[2] << 8) | b[3]);
    }
    if (n == 16) {
        return v6_private(b);
    }
    return true; /* anything else (unix sockets...) is never a public target */
}

/* Parses "addr[/bits]" into bytes, their count and the prefix length; false if malformed. */
static bool cidr_parse(const char *s, uint8_t net[16], size_t *len, long *bits)
{
    char a[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof a) {
        return false;
    }
    memcpy(a, s, alen);
    a[alen] = '\0';
    if (inet_pton(AF_INET, a, net) == 1) {
        *len = 4;
    } else if (inet_pton(AF_INET6, a, net) == 1) {
        *len = 16;
    } else {
        return false;
    }
    *bits = (long)*len * 8;
    return slash == NULL || qstr_to_long(slash + 1, 0, (long)*len * 8, bits) == 0;
}

static bool prefix_match(const uint8_t *a, const uint8_t *net, long bits)
{
    long whole = bits / 8, rest = bits % 8;
    if (memcmp(a, net, (size_t)whole) != 0) {
        return false;
    }
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return rest == 0 || (a[whole] & mask) == (net[whole] & mask);
}

bool netaddr_in_list(const struct sockaddr *sa, const struct cfg_list *nets)
{
    uint8_t b[16];
    size_t n = addr_bytes(sa, b);
    for (size_t i = 0; n > 0 && nets != NULL && i < nets->n; i++) {
        uint8_t net[16];
        size_t len;
        long bits;
        if (cidr_parse(nets->items[i], net, &len, &bits) && len == n && prefix_match(b, net, bits)) {
            return true;
        }
    }
    return false;
}

int netaddr_list_check(const char *key, const struct cfg_list *nets, struct qerr *err)
{
    for (size_t i = 0; nets != NULL && i < nets->n; i++) {
        uint8_t net[16];
        size_t len;
        long bits;
        if (!cidr_parse(nets->items[i], net, &len, &bits)) {
            qerr_set(err, QERR_INVALID, "%s: '%.80s' is not a network (CIDR such as 10.0.0.0/8 or "
                     "fd00::/8, or one address)", key, nets->items[i]);
            return -1;
        }
    }
    return 0;
}

/* The host of url as a socket address; 1 when it is an address (or localhost), 0 a name. */
static int host_addr(const char *host, struct sockaddr_storage *ss)
{
    char h[64];
    size_t n = strlen(host);
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    size_t nd = n > 0 && host[n - 1] == '.' ? n - 1 : n; /* "localhost." is localhost too */
    if ((nd == 9 && strncasecmp(host, "localhost", 9) == 0) ||
        (nd > 10 && strncasecmp(host + nd - 10, ".localhost", 10) == 0)) {
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(0x7F000001);
        return 1;
    }
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof h) {
        memcpy(h, host + 1, n - 2);
        h[n - 2] = '\0';
        h[strcspn(h, "%")] = '\0'; /* zone id */
        in6->sin6_family = AF_INET6;
        return inet_pton(AF_INET6, h, &in6->sin6_addr) == 1 ? 1 : -1;
    }
    if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        return 1;
    }
    return 0;
}

int netaddr_url_check(const char *url, bool allow_private, const struct cfg_list *nets,
                      struct qerr *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int rc = -1;
    if (u == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        qerr_set(err, QERR_INVALID, "href must be an http(s) URL with a host");
        goto out;
    }
    struct sockaddr_storage ss;
    int a = host_addr(host, &ss);
    if (a < 0) {
        qerr_set(err, QERR_INVALID, "href: '%.80s' is not a valid address", host);
        goto out;
    }
    if (a == 1 && !allow_private && netaddr_private((struct sockaddr *)&ss) &&
        !netaddr_in_list((struct sockaddr *)&ss, nets)) {
        qerr_set(err, QERR_INVALID,
                 "href: %.80s is a loopback, link-local or private address; quern does not "
                 "point jobs there (an operator may allow networks with api.href_allow_networks)",
                 host);
        goto out;
    }
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}
