// SPDX-License-Identifier: MIT
/*
 * http_deploy - OGC API - Processes Part 2: deploy (POST /processes),
 * replace (PUT /processes/{id}), undeploy (DELETE /processes/{id}) and the
 * deployed package (GET /processes/{id}/package). Admins only.
 *
 * A body is one of: an OGC application package (application/ogcapppkg+json,
 * converted by common/proc_appkg.c), or quern's own definition as
 * application/yaml or application/json. Every body goes through the plugin
 * loader (proc_def_load_text), so a deployed process passes exactly the
 * checks a plugin file does; its problems come back as one 400 with a
 * "problems" list. Relative paths in a deployed definition are taken from
 * "/" (there is no plugin directory). The body is stored as sent, with its
 * media type, for GET .../package. Rows of plugin files are never changed
 * (403 immutable-process). Writes: cgi/db_deploy.c.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cgi/db_deploy.h"
#include "cgi/http_auth.h"
#include "cgi/http_error.h"
#include "cgi/http_handlers.h"
#include "cgi/http_params.h"
#include "cgi/http_req.h"
#include "cgi/http_resp.h"
#include "common/log.h"
#include "common/proc_appkg.h"
#include "common/proc_def.h"
#include "common/qstr.h"

#define OGC_REL "http://www.opengis.net/def/rel/ogc/1.0/"
#define DEPLOY_MAX_PROBLEMS 50

enum body_kind { BODY_APPKG, BODY_YAML, BODY_JSON };

/* The media types a deploy reads: the first of each kind is the one stored. */
static const struct {
    const char *type;
    enum body_kind kind;
} media_types[] = {
    {"application/ogcapppkg+json", BODY_APPKG},
    {"application/yaml", BODY_YAML},
    {"application/x-yaml", BODY_YAML},
    {"text/yaml", BODY_YAML},
    {"application/json", BODY_JSON},
};

static const char *const kind_type[] = {
    [BODY_APPKG] = "application/ogcapppkg+json",
    [BODY_YAML] = "application/yaml",
    [BODY_JSON] = "application/json",
};

/* Finds the kind of r's Content-Type; false after answering 415. */
static bool body_kind_of(struct http_req *r, enum body_kind *kind)
{
    struct qerr err = QERR_INIT;
    const char *ct = r->content_type != NULL ? r->content_type : "";
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t')) {
        n--;
    }
    for (size_t i = 0; i < QUERN_ARRAY_LEN(media_types); i++) {
        if (strlen(media_types[i].type) == n && strncasecmp(ct, media_types[i].type, n) == 0) {
            *kind = media_types[i].kind;
            return true;
        }
    }
    if (n >= 15 && strncasecmp(ct, "application/cwl", 15) == 0) {
        qerr_set(&err, QERR_INVALID,
                 "CWL is not executed by quern: deploy an OGC application package with a "
                 "container image (application/ogcapppkg+json) or quern's own definition "
                 "(application/yaml or application/json)");
    } else if (n == 0) {
        qerr_set(&err, QERR_INVALID,
                 "the request has no Content-Type: send application/ogcapppkg+json (an OGC "
                 "application package with a docker image), application/yaml or "
                 "application/json (quern's own definition, as a plugin file)");
    } else {
        qerr_set(&err, QERR_INVALID,
                 "Content-Type '%.*s' is not deployable: use application/ogcapppkg+json (an OGC "
                 "application package with a docker image), application/yaml or "
                 "application/json (quern's own definition, as a plugin file)",
                 (int)(n > 100 ? 100 : n), ct);
    }
    http_error_send(r, HTTP_EXC_UNSUPPORTED_MEDIA, &err);
    return false;
}

/* The problems of a body that did not load, as one 400 naming each field. */
static void send_problems(struct http_req *r, enum body_kind kind, bool positions,
                          struct proc_diags *diags, const struct qerr *load_err)
{
    struct buf detail;
    buf_init(&detail, 8192);
    json_t *problems = json_array();
    struct qerr e = QERR_INIT;
    size_t n = proc_diags_count(diags);
    proc_diags_sort(diags);
    /* At most DEPLOY_MAX_PROBLEMS are listed; the detail stops growing at 8 KiB. */
    bool full =
        buf_printf(&detail, &e, "the %s has %zu problem%s%s: ",
                   kind == BODY_APPKG ? "application package" : "definition", n, n == 1 ? "" : "s",
                   kind == BODY_APPKG ? " (read as quern's definition: processDescription "
                                        "is info, inputs and outputs; executionUnit is "
                                        "host, command and config)"
                                      : "") < 0;
    for (size_t i = 0; i < diags->n && i < DEPLOY_MAX_PROBLEMS; i++) {
        const struct proc_diag *d = &diags->v[i];
        json_t *p = json_pack("{s:s}", "message", d->msg);
        bool at = positions && d->line > 0;
        if (at) {
            json_object_set_new(p, "line", json_integer(d->line));
            json_object_set_new(p, "column", json_integer(d->column));
        }
        if (!full && at) {
            full = buf_printf(&detail, &e, "%s%u:%u: %s", i > 0 ? "; " : "", d->line, d->column,
                              d->msg) < 0;
        } else if (!full) {
            full = buf_printf(&detail, &e, "%s%s", i > 0 ? "; " : "", d->msg) < 0;
        }
        json_array_append_new(problems, p);
    }
    if (n == 0 && !full && buf_puts(&detail, load_err->msg, &e) < 0) {
        full = true;
    }
    json_t *extra = json_pack("{s:o}", "problems", problems);
    http_error_send_long(r, HTTP_EXC_FROM_CODE, QERR_INVALID, buf_cstr(&detail), extra);
    json_decref(extra);
    buf_cleanup(&detail);
}

/* libyaml reads JSON as YAML, except tab characters, which in valid JSON are always
 * whitespace between tokens (a tab inside a string must be escaped): they become spaces,
 * so lines and columns stay those of the body. */
static char *json_as_yaml(const char *body, size_t len)
{
    char *t = malloc(len + 1);
    if (t != NULL) {
        for (size_t i = 0; i < len; i++) {
            t[i] = body[i] == '\t' ? ' ' : body[i];
        }
        t[len] = '\0';
    }
    return t;
}

/* What the loader reads for a body. */
struct body_text {
    char *text;     /* owned */
    json_t *doc;    /* JSON bodies: the parsed body (owned), else NULL */
    bool positions; /* the loader's lines and columns are the body's */
};

static void body_text_cleanup(struct body_text *bt)
{
    QFREE(bt->text);
    json_decref(bt->doc);
    bt->doc = NULL;
}

/* Fills bt for r's body; false after answering. */
static bool loader_text(struct http_req *r, enum body_kind kind, const char *url_id,
                        struct body_text *bt)
{
    struct qerr err = QERR_INIT;
    bt->positions = kind != BODY_APPKG;
    if (kind == BODY_YAML) {
        bt->text = strdup(r->body);
    } else {
        bt->doc = http_req_json_body(r, &err); /* JSON syntax, depth, duplicate keys */
        if (bt->doc == NULL) {
            http_error_send(r, HTTP_EXC_FROM_CODE, &err);
            return false;
        }
        if (kind == BODY_JSON) {
            bt->text = json_as_yaml(r->body, r->body_len);
        } else {
            json_t *def = proc_appkg_to_def(bt->doc, url_id, &err);
            if (def == NULL) {
                http_error_send(r, HTTP_EXC_FROM_CODE, &err);
                return false;
            }
            bt->text = json_dumps(def, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            json_decref(def);
        }
    }
    if (bt->text == NULL) {
        qerr_set(&err, QERR_NOMEM, "out of memory");
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return false;
    }
    return true;
}

static bool yaml_refused(const struct proc_diags *diags)
{
    for (size_t i = 0; i < diags->n; i++) {
        if (strncmp(diags->v[i].msg, "YAML syntax error", 17) == 0) {
            return true;
        }
    }
    return false;
}

/* Loads bt. libyaml refuses a few spellings of valid JSON (a surrogate pair such as
 * \ud83d\ude00, which YAML writes \U0001F600; keys over 1024 characters): a JSON body
 * it refuses is loaded again from jansson's rendering of the same document, whose
 * positions are not the body's. */
static struct proc_def *load_text(struct body_text *bt, struct proc_diags *diags, struct qerr *err)
{
    struct proc_def *d = proc_def_load_text("body", "/", bt->text, strlen(bt->text), diags, err);
    if (d != NULL || err->code != QERR_INVALID || !bt->positions || bt->doc == NULL ||
        !yaml_refused(diags)) {
        return d;
    }
    QFREE(bt->text);
    bt->text = json_dumps(bt->doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    bt->positions = false;
    proc_diags_cleanup(diags);
    proc_diags_init(diags);
    qerr_clear(err);
    if (bt->text == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    return proc_def_load_text("body", "/", bt->text, strlen(bt->text), diags, err);
}

/* Reads, converts and loads r's body; NULL after answering. url_id: PUT's id, else NULL. */
static struct proc_def *load_body(struct http_req *r, enum body_kind kind, const char *url_id)
{
    struct qerr err = QERR_INIT;
    struct body_text bt = {0};
    if (http_req_read_body(r, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return NULL;
    }
    if (r->body_len == 0 || strlen(r->body) != r->body_len) {
        qerr_set(&err, QERR_INVALID,
                 r->body_len == 0 ? "the request body is empty; a process "
                                    "definition is expected"
                                  : "the request body contains a NUL byte");
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return NULL;
    }
    if (!loader_text(r, kind, url_id, &bt)) {
        body_text_cleanup(&bt);
        return NULL;
    }
    struct proc_diags diags;
    proc_diags_init(&diags);
    struct proc_def *d = load_text(&bt, &diags, &err);
    if (d == NULL && err.code == QERR_INVALID) {
        send_problems(r, kind, bt.positions, &diags, &err);
    } else if (d == NULL) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    } else if (url_id != NULL && strcmp(d->id, url_id) != 0) {
        qerr_set(&err, QERR_INVALID, "info.id '%s' differs from the process id in the URL '%s'",
                 d->id, url_id);
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        proc_def_free(d);
        d = NULL;
    }
    proc_diags_cleanup(&diags);
    body_text_cleanup(&bt);
    return d;
}

/* The process summary of d as the list shows it, with mutable and links (new reference). */
static json_t *summary_of(const struct http_req *r, const struct proc_def *d, enum body_kind kind)
{
    json_t *s = json_deep_copy(d->description);
    if (s == NULL) {
        return NULL;
    }
    json_object_del(s, "inputs");
    json_object_del(s, "outputs");
    json_object_set_new(s, "mutable", json_true());
    json_t *links = json_array();
    char url[2048];
    snprintf(url, sizeof url, "%s/processes/%s", r->base, d->id);
    http_link_add(links, url, "self", "application/json", "process description");
    snprintf(url, sizeof url, "%s/processes/%s/execution", r->base, d->id);
    http_link_add(links, url, OGC_REL "execute", "application/json", "execute the process");
    snprintf(url, sizeof url, "%s/processes/%s/package", r->base, d->id);
    http_link_add(links, url, "describedby", kind_type[kind], "the deployed package");
    json_object_set_new(s, "links", links);
    return s;
}

/* Common start of every Part 2 request: admin, no query parameters, a database. */
static struct db *begin(struct http_req *r, const char *what)
{
    struct qerr err = QERR_INIT;
    if (!http_auth_require_admin(r, what)) {
        return NULL;
    }
    if (http_params_check(r, NULL, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
        return NULL;
    }
    struct db *db = api_db(r->ctx, &err);
    if (db == NULL) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    }
    return db;
}

/* Answers the outcome of a write that did not happen (404 or 403); false when it did. */
static bool refused(struct http_req *r, const char *id, enum db_deploy_outcome o)
{
    struct qerr err = QERR_INIT;
    switch (o) {
    case DB_DEPLOY_DONE:
        return false;
    case DB_DEPLOY_EXISTS:
        qerr_set(&err, QERR_CONFLICT,
                 "a process with id '%s' exists: replace it with PUT /processes/%s, or undeploy "
                 "it first",
                 id, id);
        http_error_send(r, HTTP_EXC_DUPLICATED_PROCESS, &err);
        return true;
    case DB_DEPLOY_IMMUTABLE:
        qerr_set(&err, QERR_INVALID,
                 "process '%s' comes from a plugin file: change the file and run quern-admin "
                 "sync (only processes deployed through the API can be replaced or undeployed)",
                 id);
        http_error_send(r, HTTP_EXC_IMMUTABLE_PROCESS, &err);
        return true;
    case DB_DEPLOY_MISSING:
        break;
    }
    qerr_set(&err, QERR_NOTFOUND, "no process with id '%s'", id);
    http_error_send(r, HTTP_EXC_NO_SUCH_PROCESS, &err);
    return true;
}

/* POST /processes and PUT /processes/{id}: url_id is NULL for a deploy. */
static void deploy(struct http_req *r, const char *url_id)
{
    struct qerr err = QERR_INIT;
    enum body_kind kind;
    struct db *db = begin(r, url_id == NULL ? "deploy processes" : "replace processes");
    if (db == NULL || !body_kind_of(r, &kind)) {
        return;
    }
    struct proc_def *d = load_body(r, kind, url_id);
    if (d == NULL) {
        return;
    }
    struct db_deploy_row row = {d->id,         d->version, d->description,
                                d->definition, r->body,    kind_type[kind]};
    enum db_deploy_outcome o;
    int rc = url_id == NULL ? db_deploy_insert(db, &row, &o, &err)
                            : db_deploy_replace(db, &row, &o, &err);
    if (rc < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    } else if (!refused(r, d->id, o)) {
        log_info("deploy: %s process=%s version=%s type=%s bytes=%zu user=%s",
                 url_id == NULL ? "deployed" : "replaced", d->id, d->version, kind_type[kind],
                 r->body_len, r->auth.user != NULL ? r->auth.user : "-");
        if (url_id != NULL) {
            http_send(r, 204, "text/plain", "", 0);
        } else {
            json_t *s = summary_of(r, d, kind);
            http_header_add(r, "Location", "%s/processes/%s", r->base, d->id);
            if (s != NULL) {
                http_send_json(r, 201, s);
            } else {
                http_send(r, 201, "application/json", "{}", 2);
            }
            json_decref(s);
        }
    }
    proc_def_free(d);
}

void http_deploy_post(struct http_req *r)
{
    deploy(r, NULL);
}

/* The {id} of /processes/{id}[/...]; NULL after answering 404 for one no process can have. */
static const char *path_id(struct http_req *r)
{
    const char *id = r->segs[1];
    if (!qstr_is_id(id, PROC_DEF_MAX_ID)) {
        struct qerr err = QERR_INIT;
        qerr_set(&err, QERR_NOTFOUND, "no process with that id");
        http_error_send(r, HTTP_EXC_NO_SUCH_PROCESS, &err);
        return NULL;
    }
    return id;
}

void http_deploy_put(struct http_req *r)
{
    if (!http_auth_require_admin(r, "replace processes")) {
        return;
    }
    const char *id = path_id(r);
    if (id != NULL) {
        deploy(r, id);
    }
}

void http_deploy_delete(struct http_req *r)
{
    struct qerr err = QERR_INIT;
    struct db *db = begin(r, "undeploy processes");
    const char *id = db != NULL ? path_id(r) : NULL;
    enum db_deploy_outcome o;
    if (id == NULL) {
        return;
    }
    if (db_deploy_delete(db, id, &o, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    } else if (!refused(r, id, o)) {
        log_info("deploy: undeployed process=%s user=%s", id,
                 r->auth.user != NULL ? r->auth.user : "-");
        http_send(r, 204, "text/plain", "", 0);
    }
}

void http_deploy_package_get(struct http_req *r)
{
    struct qerr err = QERR_INIT;
    struct db *db = begin(r, "read deployed packages");
    const char *id = db != NULL ? path_id(r) : NULL;
    char *package = NULL, *type = NULL;
    size_t len = 0;
    enum db_deploy_outcome o;
    if (id == NULL) {
        return;
    }
    if (db_deploy_package(db, id, &package, &len, &type, &o, &err) < 0) {
        http_error_send(r, HTTP_EXC_FROM_CODE, &err);
    } else if (o == DB_DEPLOY_IMMUTABLE) {
        qerr_set(&err, QERR_NOTFOUND,
                 "process '%s' comes from a plugin file, not from a deploy: it has no package "
                 "(quern-admin check -p FILE shows what the file becomes)",
                 id);
        http_error_send(r, HTTP_EXC_NOT_FOUND, &err);
    } else if (!refused(r, id, o)) {
        http_send(r, 200, type, package, len);
    }
    free(package);
    free(type);
}
