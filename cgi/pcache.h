// SPDX-License-Identifier: MIT
/*
 * pcache - the worker's cache of stored process descriptions, so
 * GET /processes/{id} costs no database round trip.
 *
 * Invariant: an entry is served only while the connection that filled it
 * is still the same (db_reconnects unchanged) and no NOTIFY quern_processes
 * has arrived since (the registry's trigger sends one on every change).
 * The check is a non-blocking read of the connection's socket, so a change
 * shows a moment after its commit, once the notification arrived. Anything
 * unusual - a broken connection, a full cache - empties it, and the caller
 * reads from PostgreSQL as if there were no cache.
 * Use: pcache_get -> (miss) db read -> pcache_put; pcache_clear at exit.
 */
#ifndef QUERN_CGI_PCACHE_H
#define QUERN_CGI_PCACHE_H

#include "cgi/api.h"
#include "cgi/db_api.h"

/* Copies the cached process id into out (strings owned by out, the definition a new
 * reference: read it, never change it); false on a miss, and when with_definition is
 * asked of an entry cached without one. */
bool pcache_get(struct api_ctx *ctx, const char *id, bool with_definition,
                struct db_api_process *out);
/* Remembers p (copied; its definition, if any, by reference); LISTENs for registry
 * changes first. Failures only skip caching. */
void pcache_put(struct api_ctx *ctx, const struct db_api_process *p);
/* The complete JSON response last built for id under base (borrowed, valid until the
 * next pcache call), or NULL; *access gets the process's access member (borrowed, NULL
 * when it has none) for the caller to check before serving. */
const char *pcache_body(struct api_ctx *ctx, const char *id, const char *base, size_t *len,
                        const json_t **access);
/* Remembers the JSON response built for id under base (copied) if id is cached. */
void pcache_set_body(struct api_ctx *ctx, const char *id, const char *base, const char *body,
                     size_t len);
/* GET /processes: the whole JSON response last built for this self URL (the key
 * holds the base URL and every parameter), or NULL. Borrowed until the next pcache call.
 * Calling it also LISTENs, so a page read from the database after a miss may be kept. */
const char *pcache_page(struct api_ctx *ctx, const char *key, size_t *len);
/* Remembers the response built for key (copied); failures only skip caching. */
void pcache_set_page(struct api_ctx *ctx, const char *key, const char *body, size_t len);
/* Forgets every entry. */
void pcache_clear(struct api_ctx *ctx);

#endif
