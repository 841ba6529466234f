// SPDX-License-Identifier: MIT
/* pcache - process descriptions cached per worker, dropped on NOTIFY; see pcache.h. */
#include "common/compat.h"

#include <string.h>

#include "cgi/pcache.h"

#define PCACHE_MAX 256

struct pcache_entry {
    char *id, *version, *description;
    size_t description_len;
    bool available;
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
}

/* Drops the cache unless it is still known to be current. After a reconnect the
 * db module has LISTENed again, so what is read from then on may be cached. */
static void revalidate(struct api_ctx *ctx)
{
    if (ctx->db != NULL && db_reconnects(ctx->db) != ctx->pcache_epoch) {
        pcache_clear(ctx);
        ctx->pcache_epoch = db_reconnects(ctx->db);
    }
    if (ctx->pcache_n > 0 && (ctx->db == NULL || db_api_registry_changed(ctx->db))) {
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

bool pcache_get(struct api_ctx *ctx, const char *id, struct db_api_process *out)
{
    if (ctx->one_shot) {
        return false;
    }
    revalidate(ctx);
    if (!ensure_listen(ctx)) {
        return false;
    }
    const struct pcache_entry *e = find(ctx, id);
    if (e != NULL) {
        memset(out, 0, sizeof *out);
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
    if (find(ctx, p->id) != NULL) {
        return;
    }
    struct pcache_entry *e = &ctx->pcache[ctx->pcache_n];
    memset(e, 0, sizeof *e);
    e->id = strdup(p->id);
    e->version = strdup(p->version);
    e->description = dup_n(p->description, p->description_len);
    e->description_len = p->description_len;
    e->available = p->available;
    e->access = json_incref(p->access);
    if (e->id == NULL || e->version == NULL || e->description == NULL) {
        entry_free(e);
        memset(e, 0, sizeof *e);
        return;
    }
    ctx->pcache_n++;
}
