// SPDX-License-Identifier: MIT
/*
 * docker_api - requests to and responses from the Docker Engine API, as
 * data. No I/O here; see docker_api.h for the contract and be_docker.c for
 * the order in which a job uses them.
 */
#include "common/compat.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "runner/docker_api.h"

#define PATH_MAX_LEN 4096

void docker_req_cleanup(struct docker_req *r)
{
    if (r == NULL) {
        return;
    }
    QFREE(r->path);
    QFREE(r->body);
    r->method = NULL;
}

/* Container ids and names: what both engines accept, nothing to escape. */
static int check_id(const char *id, struct qerr *err)
{
    size_t n = id == NULL ? 0 : strlen(id);
    if (n == 0 || n > 128) {
        qerr_set(err, QERR_INVALID, "container id: empty or longer than 128 bytes");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (!isalnum(c) && c != '_' && c != '.' && c != '-') {
            qerr_set(err, QERR_INVALID, "container id: unexpected character 0x%02x", c);
            return -1;
        }
    }
    return 0;
}

int docker_api_check_version(const char *ver, struct qerr *err)
{
    if (ver == NULL || ver[0] != 'v' || strlen(ver) > 16 ||
        strspn(ver + 1, "0123456789.") != strlen(ver + 1)) {
        qerr_set(err, QERR_INVALID, "docker.api_version: expected v<major>.<minor>, got '%s'",
                 ver == NULL ? "" : ver);
        return -1;
    }
    return 0;
}

/* Appends s percent-encoded (RFC 3986 unreserved characters kept). */
static int put_escaped(struct buf *b, const char *s, struct qerr *err)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            if (buf_append(b, s, 1, err) != 0) {
                return -1;
            }
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            if (buf_append(b, e, 3, err) != 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* Fills out with method and "/<ver>" + the formatted rest of the path. */
static int make_req(struct docker_req *out, const char *method, const char *ver, struct qerr *err,
                    const char *fmt, ...) QUERN_PRINTF(5, 6);

static int make_req(struct docker_req *out, const char *method, const char *ver, struct qerr *err,
                    const char *fmt, ...)
{
    memset(out, 0, sizeof(*out));
    if (docker_api_check_version(ver, err) != 0) {
        return -1;
    }
    char rest[PATH_MAX_LEN];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(rest, sizeof(rest), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(rest)) {
        qerr_set(err, QERR_TOO_LARGE, "docker request path too long");
        return -1;
    }
    struct buf b;
    buf_init(&b, PATH_MAX_LEN);
    if (buf_printf(&b, err, "/%s%s", ver, rest) != 0) {
        buf_cleanup(&b);
        return -1;
    }
    out->method = method;
    out->path = buf_steal(&b);
    return 0;
}

/* The percent-encoded form of s in a new string, or NULL. */
static char *escaped(const char *s, struct qerr *err)
{
    struct buf b;
    buf_init(&b, PATH_MAX_LEN);
    if (put_escaped(&b, s, err) != 0) {
        buf_cleanup(&b);
        return NULL;
    }
    return buf_steal(&b);
}

static int check_image(const char *image, struct qerr *err)
{
    if (image == NULL || image[0] == '\0' || strlen(image) > 255) {
        qerr_set(err, QERR_INVALID, "image name: empty or longer than 255 bytes");
        return -1;
    }
    return 0;
}

/* A JSON array of the strings of a NULL-terminated list. New reference. */
static json_t *string_array(char *const *list)
{
    json_t *a = json_array();
    if (a == NULL) {
        return NULL;
    }
    for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
        if (json_array_append_new(a, json_string(list[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *host_config(const struct docker_spec *spec)
{
    json_t *hc = json_pack(
        "{s:s, s:b}", "NetworkMode",
        spec->network != NULL && spec->network[0] != '\0' ? spec->network : "none", "Init", 1);
    if (hc == NULL) {
        return NULL;
    }
    int rc = 0;
    if (spec->memory_mib > 0) {
        json_int_t bytes = (json_int_t)spec->memory_mib * 1024 * 1024;
        /* MemorySwap equal to Memory: no swap, so exceeding the limit is an OOM kill. */
        rc |= json_object_set_new(hc, "Memory", json_integer(bytes));
        rc |= json_object_set_new(hc, "MemorySwap", json_integer(bytes));
    }
    if (spec->cpus > 0) {
        rc |= json_object_set_new(hc, "NanoCpus", json_integer((json_int_t)(spec->cpus * 1e9)));
    }
    if (spec->binds != NULL && spec->binds[0] != NULL) {
        rc |= json_object_set_new(hc, "Binds", string_array(spec->binds));
    }
    if (rc != 0) {
        json_decref(hc);
        return NULL;
    }
    return hc;
}

int docker_api_create(const char *ver, const struct docker_spec *spec, struct docker_req *out,
                      struct qerr *err)
{
    json_t *doc = NULL;
    int rc = -1;
    if (check_image(spec->image, err) != 0 || spec->argv == NULL || spec->argv[0] == NULL) {
        qerr_set(err, QERR_INVALID, "container: an image and a command are required");
        memset(out, 0, sizeof(*out));
        return -1;
    }
    doc = json_pack("{s:s, s:o, s:o, s:{s:s, s:s}, s:b, s:b, s:b, s:b, s:o*}", "Image", spec->image,
                    "Cmd", string_array(spec->argv), "Env", string_array(spec->envp),
                    "Labels", DOCKER_LABEL_JOB, spec->job_id != NULL ? spec->job_id : "",
                    DOCKER_LABEL_RUNNER, spec->runner_id != NULL ? spec->runner_id : "", "Tty", 0,
                    "OpenStdin", 0, "AttachStdout", 0, "AttachStderr", 0, "HostConfig",
                    host_config(spec));
    if (doc == NULL || json_object_get(doc, "HostConfig") == NULL) {
        qerr_set(err, QERR_NOMEM, "container: cannot build the create request");
        goto out;
    }
    if (spec->workdir != NULL &&
        json_object_set_new(doc, "WorkingDir", json_string(spec->workdir)) != 0) {
        qerr_set(err, QERR_NOMEM, "container: cannot build the create request");
        goto out;
    }
    if (make_req(out, "POST", ver, err, "/containers/create") != 0) {
        goto out;
    }
    out->body = json_dumps(doc, JSON_COMPACT);
    if (out->body == NULL) {
        qerr_set(err, QERR_NOMEM, "container: cannot serialise the create request");
        docker_req_cleanup(out);
        goto out;
    }
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

int docker_api_start(const char *ver, const char *id, struct docker_req *out, struct qerr *err)
{
    memset(out, 0, sizeof(*out));
    if (check_id(id, err) != 0) {
        return -1;
    }
    return make_req(out, "POST", ver, err, "/containers/%s/start", id);
}

int docker_api_wait(const char *ver, const char *id, bool libpod, struct docker_req *out,
                    struct qerr *err)
{
    memset(out, 0, sizeof(*out));
    if (check_id(id, err) != 0) {
        return -1;
    }
    if (libpod) {
        /* podman's native API lives under its own version prefix. */
        return make_req(out, "POST", "v4.0.0", err,
                        "/libpod/containers/%s/wait?condition=stopped&interval=10ms", id);
    }
    return make_req(out, "POST", ver, err, "/containers/%s/wait", id);
}

int docker_api_logs(const char *ver, const char *id, bool follow, struct docker_req *out,
                    struct qerr *err)
{
    memset(out, 0, sizeof(*out));
    if (check_id(id, err) != 0) {
        return -1;
    }
    return make_req(out, "GET", ver, err, "/containers/%s/logs?stdout=1&stderr=1&follow=%d", id,
                    follow ? 1 : 0);
}

int docker_api_kill(const char *ver, const char *id, const char *signal, struct docker_req *out,
                    struct qerr *err)
{
    memset(out, 0, sizeof(*out));
    if (check_id(id, err) != 0) {
        return -1;
    }
    if (signal == NULL || strncmp(signal, "SIG", 3) != 0 || strlen(signal) > 12 ||
        strspn(signal + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(signal + 3)) {
        qerr_set(err, QERR_INVALID, "kill: bad signal name");
        return -1;
    }
    return make_req(out, "POST", ver, err, "/containers/%s/kill?signal=%s", id, signal);
}

int docker_api_delete(const char *ver, const char *id, struct docker_req *out, struct qerr *err)
{
    memset(out, 0, sizeof(*out));
    if (check_id(id, err) != 0) {
        return -1;
    }
    return make_req(out, "DELETE", ver, err, "/containers/%s?force=1&v=1", id);
}

int docker_api_inspect(const char *ver, const char *id, struct docker_req *out, struct qerr *err)
{
    memset(out, 0, sizeof(*out));
    if (check_id(id, err) != 0) {
        return -1;
    }
    return make_req(out, "GET", ver, err, "/containers/%s/json", id);
}

int docker_api_stats(const char *ver, const char *id, struct docker_req *out, struct qerr *err)
{
    memset(out, 0, sizeof(*out));
    if (check_id(id, err) != 0) {
        return -1;
    }
    return make_req(out, "GET", ver, err, "/containers/%s/stats?stream=false&one-shot=true", id);
}

int docker_api_image_inspect(const char *ver, const char *image, struct docker_req *out,
                             struct qerr *err)
{
    memset(out, 0, sizeof(*out));
    char *e = NULL;
    if (check_image(image, err) != 0) {
        return -1;
    }
    e = escaped(image, err);
    if (e == NULL) {
        return -1;
    }
    int rc = make_req(out, "GET", ver, err, "/images/%s/json", e);
    free(e);
    return rc;
}

int docker_api_list_by_label(const char *ver, const char *key, const char *value,
                             struct docker_req *out, struct qerr *err)
{
    memset(out, 0, sizeof(*out));
    char label[300];
    char *filters = NULL, *e = NULL;
    int rc = -1;
    int n = snprintf(label, sizeof(label), "%s=%s", key, value);
    if (n < 0 || (size_t)n >= sizeof(label)) {
        qerr_set(err, QERR_TOO_LARGE, "label filter too long");
        return -1;
    }
    json_t *f = json_pack("{s:[s]}", "label", label);
    filters = f != NULL ? json_dumps(f, JSON_COMPACT) : NULL;
    json_decref(f);
    if (filters == NULL) {
        qerr_set(err, QERR_NOMEM, "label filter");
        goto out;
    }
    e = escaped(filters, err);
    if (e == NULL) {
        goto out;
    }
    rc = make_req(out, "GET", ver, err, "/containers/json?all=1&filters=%s", e);
out:
    free(e);
    free(filters);
    return rc;
}

int docker_api_pull(const char *ver, const char *image, struct docker_req *out, struct qerr *err)
{
    memset(out, 0, sizeof(*out));
    char *e = NULL;
    if (check_image(image, err) != 0) {
        return -1;
    }
    e = escaped(image, err);
    if (e == NULL) {
        return -1;
    }
    /* A reference without a tag or digest means :latest, as for `docker pull`. */
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash != NULL ? slash : image, ':');
    bool tagged = colon != NULL || strchr(image, '@') != NULL;
    int rc = make_req(out, "POST", ver, err, "/images/create?fromImage=%s%s", e,
                      tagged ? "" : "&tag=latest");
    free(e);
    return rc;
}

/* --- responses ---------------------------------------------------------- */

/* Copies s (or "") into out, replacing control characters by spaces. */
static void copy_clean(char *out, size_t outsz, const char *s, size_t len)
{
    size_t j = 0;
    for (size_t i = 0; s != NULL && i < len && j + 1 < outsz; i++) {
        unsigned char c = (unsigned char)s[i];
        out[j++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    while (j > 0 && out[j - 1] == ' ') {
        j--;
    }
    if (outsz > 0) {
        out[j] = '\0';
    }
}

static json_t *load(const char *body, size_t len, size_t flags, const char *what, struct qerr *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body != NULL ? body : "", len, flags, &jerr);
    if (doc == NULL) {
        qerr_set(err, QERR_BACKEND, "engine: %s: response is not JSON (%s)", what, jerr.text);
    }
    return doc;
}

void docker_api_error(long status, const char *body, size_t len, char *out, size_t outsz)
{
    char msg[DOCKER_API_MSG_MAX] = "";
    json_t *doc = json_loadb(body != NULL ? body : "", len, 0, NULL);
    const char *m = json_string_value(json_object_get(doc, "message"));
    if (m != NULL) {
        copy_clean(msg, sizeof(msg), m, strlen(m));
    } else {
        copy_clean(msg, sizeof(msg), body, len);
    }
    json_decref(doc);
    if (msg[0] != '\0') {
        snprintf(out, outsz, "engine: HTTP %ld: %s", status, msg);
    } else {
        snprintf(out, outsz, "engine: HTTP %ld", status);
    }
}

int docker_api_parse_created(const char *body, size_t len, char **id, struct qerr *err)
{
    *id = NULL;
    json_t *doc = load(body, len, 0, "create", err);
    if (doc == NULL) {
        return -1;
    }
    const char *s = json_string_value(json_object_get(doc, "Id"));
    struct qerr tmp = QERR_INIT;
    if (s == NULL || check_id(s, &tmp) != 0) {
        qerr_set(err, QERR_BACKEND, "engine: create: no usable container Id in the response");
    } else {
        *id = strdup(s);
        if (*id == NULL) {
            qerr_set(err, QERR_NOMEM, "container id");
        }
    }
    json_decref(doc);
    return *id != NULL ? 0 : -1;
}

int docker_api_parse_wait(const char *body, size_t len, long *status, struct qerr *err)
{
    *status = -1;
    json_t *doc = load(body, len, JSON_DECODE_ANY, "wait", err);
    if (doc == NULL) {
        return -1;
    }
    int rc = -1;
    if (json_is_integer(doc)) {
        *status = (long)json_integer_value(doc);
        rc = 0;
        goto out;
    }
    json_t *e = json_object_get(doc, "Error");
    const char *m = json_string_value(json_object_get(e, "Message"));
    if (m != NULL && m[0] != '\0') {
        char msg[DOCKER_API_MSG_MAX];
        copy_clean(msg, sizeof(msg), m, strlen(m));
        qerr_set(err, QERR_BACKEND, "engine: wait: %s", msg);
        goto out;
    }
    json_t *sc = json_object_get(doc, "StatusCode");
    if (!json_is_integer(sc)) {
        qerr_set(err, QERR_BACKEND, "engine: wait: no StatusCode in the response");
        goto out;
    }
    *status = (long)json_integer_value(sc);
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

static void copy_str(char *out, size_t outsz, json_t *v)
{
    const char *s = json_string_value(v);
    copy_clean(out, outsz, s, s != NULL ? strlen(s) : 0);
}

int docker_api_parse_inspect(const char *body, size_t len, struct docker_state *st,
                             struct qerr *err)
{
    memset(st, 0, sizeof(*st));
    json_t *doc = load(body, len, 0, "inspect", err);
    if (doc == NULL) {
        return -1;
    }
    json_t *state = json_object_get(doc, "State");
    int rc = -1;
    if (!json_is_object(state)) {
        qerr_set(err, QERR_BACKEND, "engine: inspect: no State in the response");
        goto out;
    }
    st->running = json_is_true(json_object_get(state, "Running"));
    st->oom_killed = json_is_true(json_object_get(state, "OOMKilled"));
    st->exit_code = (long)json_integer_value(json_object_get(state, "ExitCode"));
    copy_str(st->status, sizeof(st->status), json_object_get(state, "Status"));
    copy_str(st->error, sizeof(st->error), json_object_get(state, "Error"));
    copy_str(st->image_id, sizeof(st->image_id), json_object_get(doc, "Image"));
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

int docker_api_parse_cpu(const char *body, size_t len, unsigned long long *ns, struct qerr *err)
{
    json_t *doc = load(body, len, 0, "stats", err);
    if (doc == NULL) {
        return -1;
    }
    json_t *v = json_object_get(json_object_get(json_object_get(doc, "cpu_stats"), "cpu_usage"),
                                "total_usage");
    int rc = 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *ns = (unsigned long long)json_integer_value(v);
    } else if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 1.8e19) {
        *ns = (unsigned long long)json_real_value(v);
    } else {
        qerr_set(err, QERR_BACKEND, "engine: stats: no cpu_stats.cpu_usage.total_usage");
        rc = -1;
    }
    json_decref(doc);
    return rc;
}

int docker_api_parse_image(const char *body, size_t len, char *id, size_t idsz, char *digest,
                           size_t digestsz, struct qerr *err)
{
    json_t *doc = load(body, len, 0, "image inspect", err);
    if (doc == NULL) {
        return -1;
    }
    copy_str(id, idsz, json_object_get(doc, "Id"));
    copy_str(digest, digestsz, json_array_get(json_object_get(doc, "RepoDigests"), 0));
    json_decref(doc);
    return 0;
}

static const char *bare_image_id(const char *id)
{
    return strncmp(id, "sha256:", 7) == 0 ? id + 7 : id;
}

bool docker_api_same_image(const char *a, const char *b)
{
    return a != NULL && b != NULL && a[0] != '\0' &&
           strcmp(bare_image_id(a), bare_image_id(b)) == 0;
}

json_t *docker_api_image_info(const char *cid, const char *image, const char *ctr_image,
                              const char *img_id, const char *img_digest)
{
    const char *id = ctr_image != NULL && ctr_image[0] != '\0' ? ctr_image : img_id;
    if (cid == NULL || image == NULL || id == NULL || id[0] == '\0') {
        return NULL;
    }
    json_t *info = json_pack("{s:s, s:s, s:s}", "container", cid, "image", image, "imageId", id);
    if (info != NULL && img_digest != NULL && img_digest[0] != '\0' &&
        docker_api_same_image(id, img_id)) {
        json_object_set_new(info, "imageDigest", json_string(img_digest));
    }
    return info;
}

int docker_api_parse_list(const char *body, size_t len, char **id, char *state, size_t statesz,
                          size_t *n, struct qerr *err)
{
    *id = NULL;
    *n = 0;
    if (statesz > 0) {
        state[0] = '\0';
    }
    json_t *doc = load(body, len, 0, "list", err);
    if (doc == NULL) {
        return -1;
    }
    int rc = -1;
    if (!json_is_array(doc)) {
        qerr_set(err, QERR_BACKEND, "engine: list: expected an array");
        goto out;
    }
    *n = json_array_size(doc);
    json_t *first = json_array_get(doc, 0);
    const char *s = json_string_value(json_object_get(first, "Id"));
    struct qerr tmp = QERR_INIT;
    if (*n > 0 && (s == NULL || check_id(s, &tmp) != 0)) {
        qerr_set(err, QERR_BACKEND, "engine: list: a container without a usable Id");
        goto out;
    }
    if (s != NULL) {
        *id = strdup(s);
        if (*id == NULL) {
            qerr_set(err, QERR_NOMEM, "container id");
            goto out;
        }
    }
    copy_str(state, statesz, json_object_get(first, "State"));
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

/* The error an object of the pull stream reports, or NULL. */
static const char *pull_error(json_t *o)
{
    const char *m = json_string_value(json_object_get(o, "error"));
    if (m == NULL) {
        m = json_string_value(json_object_get(json_object_get(o, "errorDetail"), "message"));
    }
    return m;
}

int docker_api_parse_pull(const char *body, size_t len, struct qerr *err)
{
    size_t off = 0;
    while (off < len) {
        if (isspace((unsigned char)body[off])) {
            off++;
            continue;
        }
        json_error_t jerr;
        json_t *o = json_loadb(body + off, len - off, JSON_DISABLE_EOF_CHECK, &jerr);
        if (o == NULL) {
            qerr_set(err, QERR_BACKEND, "engine: pull: progress stream is not JSON (%s)",
                     jerr.text);
            return -1;
        }
        const char *m = pull_error(o);
        if (m != NULL) {
            char msg[DOCKER_API_MSG_MAX];
            copy_clean(msg, sizeof(msg), m, strlen(m));
            qerr_set(err, QERR_BACKEND, "engine: pull: %s", msg);
            json_decref(o);
            return -1;
        }
        json_decref(o);
        off += jerr.position > 0 ? (size_t)jerr.position : len - off;
    }
    return 0;
}
