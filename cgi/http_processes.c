// SPDX-License-Identifier: MIT
/*
 * http_processes - the process list (/processes, keyset paging on id with
 * next/prev links) and one process description (/processes/{id}). The
 * description's JSON is served as the stored bytes with the links spliced
 * in before the closing brace: no parse, no re-serialisation.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "cgi/db_api.h"
#include "cgi/http_auth.h"
#include "cgi/http_error.h"
#include "cgi/http_handlers.h"
#include "cgi/http_params.h"
#include "cgi/http_resp.h"
#include "cgi/pcache.h"
#include "common/qstr.h"

#define OGC_REL "http://www.opengis.net/def/rel/ogc/1.0/"

static json_t *process_links(const struct http_req *r, const char *id, bool self)
{
    char url[2048];
    json_t *links = json_array();
    snprintf(url, sizeof url, "%s/processes/%s", r->base, id);
    if (self) {
        http_links_self(r, links);
    } else {
        http_link_add(links, url, "self", "application/json", "process description");
        snprintf(url, sizeof url, "%s/processes/%s?f=html", r->base, id);
        http_link_add(links, url, "alternate", "text/html", "process description as HTML");
    }
    snprintf(url, sizeof url, "%s/processes/%s/execution", r->base, id);
    http_link_add(links, url, OGC_REL "execute", "application/json", "execute the process");
    snprintf(url, sizeof url, "%s/jobs?processID=%s", r->base, id);
    http_link_add(links, url, OGC_REL "job-list", "application/json", "jobs of this process");
    return links;
}

static void page_link(const struct http_req *r, json_t *links, const char *rel, const char *key,
                      const char *id, long limit)
{
    char url[2048];
    snprintf(url, sizeof url, "%s/processes?limit=%ld&%s=%s%s", r->base, limit, key, id,
             r->fmt == HTTP_FMT_HTML ? "&f=html" : "");
    http_link_add(links, url, rel, r->fmt == HTTP_FMT_HTML ? "text/html" : "application/json",
                  strcmp(rel, "next") == 0 ? "next page" : "previous page");
}

static bool id_param_ok(const char *v)
{
    return v == NULL || qstr_is_id(v, 128);
}

/* Whether a process roles may see exists on the other side of id (after: ids > id). */
static int exists_beyond(struct db *db, const char *id, bool after, const char *roles, bool *yes,
                         struct qerr *err)
{
    json_t *one = db_api_process_page(db, after ? id : NULL, after ? NULL : id, 1, roles, err);
    if (one == NULL) {
        return -1;
    }
    *yes = json_array_size(one) > 0;
    json_decref(one);
    return 0;
}

void http_processes_list(struct http_req *r)
{
    static const char *const allowed[] = {"limit", "after", "before", NULL};
    struct qerr err = QERR_INIT;
    json_t *items = NULL, *doc = NULL;
    long limit;
    const char *after = http_param(r, "after"), *before = http_param(r, "before");
    if (http_params_check(r, allowed, &err) < 0 ||
        http_param_long(r, "limit", 1, 10000, 10, &limit, &err) < 0) {
        goto out;
    }
    if (!id_param_ok(after) || !id_param_ok(before) || (after != NULL && before != NULL)) {
        qerr_set(&err, QERR_INVALID, "after/before must be one process id");
        goto out;
    }
    struct db *db = api_db(r->ctx, &err);
    if (db == NULL) {
        goto out;
    }
    /* A page depends on who asks: the roles filter is part of its cache key. */
    const char *roles = http_auth_roles_filter(r);
    char key[4096];
    size_t len;
    const char *cached = NULL;
    if (r->fmt != HTTP_FMT_HTML) {
        http_self_url(r, NULL, key, sizeof key);
        size_t n = strlen(key);
        snprintf(key + n, sizeof key - n, "\x1f%s", roles != NULL ? roles : "*admin*");
        cached = pcache_page(r->ctx, key, &len);
    }
    if (cached != NULL) {
        http_send(r, 200, "application/json", cached, len);
        goto out;
    }
    items = db_api_process_page(db, after, before, limit + 1, roles, &err);
    if (items == NULL) {
        goto out;
    }
    bool more = json_array_size(items) > (size_t)limit;
    if (more) {
        json_array_remove(items, before != NULL ? 0 : json_array_size(items) - 1);
    }
    size_t n = json_array_size(items);
    bool has_next = before == NULL ? more : false;
    bool has_prev = before != NULL ? more : false;
    const char *first = n > 0 ? json_string_value(json_object_get(json_array_get(items, 0), "id"))
                              : NULL;
    const char *last =
        n > 0 ? json_string_value(json_object_get(json_array_get(items, n - 1), "id")) : NULL;
    if (before == NULL && after != NULL && first != NULL &&
        exists_beyond(db, first, false, roles, &has_prev, &err) < 0) {
        goto out;
    }
    if (before != NULL && last != NULL && exists_beyond(db, last, true, roles, &has_next, &err) < 0) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(items, i);
        const char *id = json_string_value(json_object_get(s, "id"));
        json_object_set_new(s, "links", process_links(r, id != NULL ? id : "", false));
    }
    json_t *links = json_array();
    http_links_self(r, links);
    if (has_next && last != NULL) {
        page_link(r, links, "next", "after", last, limit);
    }
    if (has_prev && first != NULL) {
        page_link(r, links, "prev", "before", first, limit);
    }
    doc = json_pack("{s:O, s:o}", "processes", items, "links", links);
    if (r->fmt == HTTP_FMT_HTML) {
        http_send_doc(r, 200, "Processes", doc);
    } else {
        char *text = json_dumps(doc, JSON_COMPACT);
        if (text != NULL) {
            http_send(r, 200, "application/json", text, strlen(text));
            pcache_set_page(r->ctx, key, text, strlen(text));
            free(text);
        }
    }
out:
    if (!r->answered) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    }
    json_decref(items);
    json_decref(doc);
}

/* The stored description with ,"links":[...] spliced before its final '}'. */
static void send_description_json(struct http_req *r, const struct db_api_process *p)
{
    json_t *links = process_links(r, p->id, true);
    char *ltext = json_dumps(links, JSON_COMPACT);
    json_decref(links);
    const char *d = p->description;
    size_t n = p->description_len;
    while (n > 0 && d[n - 1] != '}') {
        n--;
    }
    bool empty = true;
    for (size_t i = 1; i + 1 < n && empty; i++) {
        empty = d[i] == ' ' || d[i] == '\n';
    }
    struct buf out;
    buf_init(&out, 256 * 1024 * 1024);
    struct qerr e = QERR_INIT;
    if (ltext == NULL || n == 0 || buf_append(&out, d, n - 1, &e) < 0 ||
        buf_puts(&out, empty ? "\"links\":" : ", \"links\": ", &e) < 0 ||
        buf_puts(&out, ltext, &e) < 0 || buf_puts(&out, "}", &e) < 0) {
        qerr_set(&e, QERR_NOMEM, "out of memory");
        http_error_send(r, HTTP_EXC_FROM_CODE, &e);
    } else {
        http_send(r, 200, "application/json", buf_cstr(&out), out.len);
        pcache_set_body(r->ctx, p->id, r->base, buf_cstr(&out), out.len);
    }
    free(ltext);
    buf_cleanup(&out);
}

void http_process_get(struct http_req *r)
{
    struct qerr err = QERR_INIT;
    struct db_api_process p = {0};
    const char *id = r->segs[1];
    if (http_params_check(r, NULL, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return;
    }
    if (!qstr_is_id(id, 128)) {
        qerr_set(&err, QERR_NOTFOUND, "no process with that id");
        http_error_send(r, HTTP_EXC_NO_SUCH_PROCESS, &err);
        return;
    }
    struct db *db = api_db(r->ctx, &err);
    if (db == NULL) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return;
    }
    size_t len;
    const json_t *access = NULL;
    const char *body =
        r->fmt != HTTP_FMT_HTML ? pcache_body(r->ctx, id, r->base, &len, &access) : NULL;
    if (body != NULL) {
        if (auth_may_execute_access(&r->auth, access)) {
            http_send(r, 200, "application/json", body, len);
        } else {
            http_auth_deny(r, "use this process");
        }
        return;
    }
    if (!pcache_get(r->ctx, id, false, &p)) {
        if (db_api_process_get(db, id, false, &p, &err) < 0) {
            http_error_send(r,
                            err.code == QERR_NOTFOUND ? HTTP_EXC_NO_SUCH_PROCESS : HTTP_EXC_FROM_CODE,
                            &err);
            return;
        }
        pcache_put(r->ctx, &p);
    }
    if (!auth_may_execute_access(&r->auth, p.access)) {
        http_auth_deny(r, "use this process");
        db_api_process_cleanup(&p);
        return;
    }
    if (r->fmt != HTTP_FMT_HTML) {
        send_description_json(r, &p);
    } else {
        json_t *doc = json_loadb(p.description, p.description_len, 0, NULL);
        if (doc == NULL) {
            doc = json_object();
        }
        json_object_set_new(doc, "links", process_links(r, p.id, true));
        const char *title = json_string_value(json_object_get(doc, "title"));
        http_send_doc(r, 200, title != NULL ? title : p.id, doc);
        json_decref(doc);
    }
    db_api_process_cleanup(&p);
}
