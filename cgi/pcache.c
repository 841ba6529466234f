// SPDX-License-Identifier: MIT
/* pcache - process descriptions cached per worker, dropped on NOTIFY; see pcache.h. */
#include "common/compat.h"

#include <string.h>

#include "cgi/pcache.h"

#define PCACHE_MAX 256
/* GET /processes pages kept: clients page with a handful of limit/after values. */
#define PCACHE_PAGES 16

/* Why: GET /processes built every page from a database read and ten re-parsed
 * descriptions, ~20x slower than the same bytes as a static file (bench/run
 * scenario 1); the registry changes rarely and every change sends a NOTIFY. */
struct pcache_page {
    char *key;  /* the page's JSON self URL */
    char *body; /* the whole JSON response */
    size_t len;
};

struct pcache_entry {
    char *id, *version, *description;
    size_t description_len;
    bool available;
    /* The parsed definition, kept once an execution asked for it. Why: every
     * POST .../execution read it from PostgreSQL and parsed it again (bench/run
     * scenario 3); shared by reference, never modified. */
    json_t *definition;
    json_t *access;  /* the definition's access member (owned reference) or NULL */
    char *body_base; /* the base URL body was built for */
    char *body;      /* the whole JSON response with links */
    size_t body_len;
};

static void entry_free(struct pcache_entry *e)
{
    free(e->id);
    free(e->version);
    free(e->description);
    json_decref(e->definition);
    json_decref(e->access);
    free(e->body_base);
    free(e->body);
}

void pcache_clear(struct api_ctx *ctx)
{
    for (size_t i = 0; i < ctx->pcache_n; i++) {
        entry_free(&ctx->pcache[i]);
    }
    QFREE(ctx->pcache);
    ctx->pcache_n = 0;
    for (size_t i = 0; i < ctx->pages_n; i++) {
        free(ctx->pages[i].key);
        free(ctx->pages[i].body);
    }
    QFREE(ctx->pages);
    ctx->pages_n = 0;
}

/* Drops the cache unless it is still known to be current. After a reconnect the
 * db module has LISTENed again, so what is read from then on may be cached. */
static void revalidate(struct api_ctx *ctx)
{
    if (ctx->db != NULL && db_reconnects(ctx->db) != ctx->pcache_epoch) {
        pcache_clear(ctx);
        ctx->pcache_epoch = db_reconnects(ctx->db);
    }
    if ((ctx->pcache_n > 0 || ctx->pages_n > 0) && (ctx->db == NULL || db_api_registry_changed(ctx->db))) {
        pcache_clear(ctx);
    }
}

static struct pcache_entry *find(struct api_ctx *ctx, const char *id)
{
    for (size_t i = 0; i < ctx->pcache_n; i++) {
        if (strcmp(ctx->pcache[i].id, id) == 0) {
            return &ctx->pcache[i];
        }
    }
    return NULL;
}

const char *pcache_body(struct api_ctx *ctx, const char *id, const char *base, size_t *len,
                        const json_t **access)
{
    if (ctx->one_shot) {
        return NULL;
    }
    revalidate(ctx);
    const struct pcache_entry *e = find(ctx, id);
    if (e == NULL || e->body == NULL || strcmp(e->body_base, base) != 0) {
        return NULL;
    }
    *len = e->body_len;
    *access = e->access;
    return e->body;
}

static char *dup_n(const char *s, size_t n);

void pcache_set_body(struct api_ctx *ctx, const char *id, const char *base, const char *body,
                     size_t len)
{
    struct pcache_entry *e = ctx->one_shot ? NULL : find(ctx, id);
    if (e == NULL) {
        return;
    }
    QFREE(e->body);
    QFREE(e->body_base);
    e->body = dup_n(body, len);
    e->body_base = strdup(base);
    e->body_len = len;
    if (e->body == NULL || e->body_base == NULL) {
        QFREE(e->body);
        QFREE(e->body_base);
    }
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* LISTEN before the first read that may be cached: a change committed after the
 * LISTEN is notified, one committed before it is seen by the read. */
static bool ensure_listen(struct api_ctx *ctx)
{
    if (!ctx->listening_registry) {
        struct qerr err = QERR_INIT;
        if (ctx->db == NULL || db_listen(ctx->db, "quern_processes", &err) < 0) {
            return false;
        }
        ctx->listening_registry = true;
        ctx->pcache_epoch = db_reconnects(ctx->db);
    }
    return true;
}

const char *pcache_page(struct api_ctx *ctx, const char *key, size_t *len)
{
    if (ctx->one_shot) {
        return NULL;
    }
    revalidate(ctx);
    if (!ensure_listen(ctx)) {
        return NULL;
    }
    for (size_t i = 0; i < ctx->pages_n; i++) {
        if (strcmp(ctx->pages[i].key, key) == 0) {
            *len = ctx->pages[i].len;
            return ctx->pages[i].body;
        }
    }
    return NULL;
}

void pcache_set_page(struct api_ctx *ctx, const char *key, const char *body, size_t len)
{
    /* As pcache_put: only what was read after the LISTEN, on the same connection. */
    if (ctx->one_shot || ctx->db == NULL || !ctx->listening_registry ||
        db_reconnects(ctx->db) != ctx->pcache_epoch) {
        return;
    }
    if (ctx->pages_n == PCACHE_PAGES) {
        pcache_clear(ctx);
    }
    if (ctx->pages == NULL && (ctx->pages = calloc(PCACHE_PAGES, sizeof *ctx->pages)) == NULL) {
        return;
    }
    struct pcache_page *pg = &ctx->pages[ctx->pages_n];
    pg->key = strdup(key);
    pg->body = dup_n(body, len);
    pg->len = len;
    if (pg->key == NULL || pg->body == NULL) {
        QFREE(pg->key);
        QFREE(pg->body);
        return;
    }
    ctx->pages_n++;
}

bool pcache_get(struct api_ctx *ctx, const char *id, bool with_definition,
                struct db_api_process *out)
{
    if (ctx->one_shot) {
        return false;
    }
    revalidate(ctx);
    if (!ensure_listen(ctx)) {
        return false;
    }
    const struct pcache_entry *e = find(ctx, id);
    if (e != NULL && (!with_definition || e->definition != NULL)) {
        memset(out, 0, sizeof *out);
        out->definition = with_definition ? json_incref(e->definition) : NULL;
        out->id = strdup(e->id);
        out->version = strdup(e->version);
        out->description = dup_n(e->description, e->description_len);
        out->description_len = e->description_len;
        out->available = e->available;
        out->access = json_incref(e->access);
        if (out->id == NULL || out->version == NULL || out->description == NULL) {
            db_api_process_cleanup(out);
            return false;
        }
        return true;
    }
    return false;
}

void pcache_put(struct api_ctx *ctx, const struct db_api_process *p)
{
    /* Only what was read after the LISTEN, on the same connection, may be kept. */
    if (ctx->one_shot) {
        return;
    }
    if (ctx->db == NULL || !ctx->listening_registry ||
        db_reconnects(ctx->db) != ctx->pcache_epoch) {
        pcache_clear(ctx);
        return;
    }
    if (ctx->pcache_n == PCACHE_MAX) {
        pcache_clear(ctx);
    }
    if (ctx->pcache == NULL) {
        ctx->pcache = calloc(PCACHE_MAX, sizeof *ctx->pcache);
        if (ctx->pcache == NULL) {
            return;
        }
    }
    struct pcache_entry *known = find(ctx, p->id);
    if (known != NULL) {
        if (known->definition == NULL && p->definition != NULL) {
            known->definition = json_incref(p->definition);
        }
        return;
    }
    struct pcache_entry *e = &ctx->pcache[ctx->pcache_n];
    memset(e, 0, sizeof *e);
    e->id = strdup(p->id);
    e->version = strdup(p->version);
    e->description = dup_n(p->description, p->description_len);
    e->description_len = p->description_len;
    e->available = p->available;
    e->definition = json_incref(p->definition);
    e->access = json_incref(p->access);
    if (e->id == NULL || e->version == NULL || e->description == NULL) {
        entry_free(e);
        memset(e, 0, sizeof *e);
        return;
    }
    ctx->pcache_n++;
}
