// SPDX-License-Identifier: MIT
/*
 * auth - identity resolution and authorisation predicates; see auth.h.
 *
 * auth_resolve() tries the sources in a fixed order and stops at the first
 * one present: front server, then the Authorization header, then
 * anonymous. Credentials that are present but wrong never fall through to
 * anonymous: a client that tried to log in and failed gets 401, not less.
 */
#include "common/compat.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/auth.h"
#include "common/b64.h"
#include "common/db_auth.h"
#include "common/log.h"

/* --- roles --- */

bool auth_roles_has(const struct auth_roles *r, const char *role)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->items[i], role) == 0) {
            return true;
        }
    }
    return false;
}

int auth_roles_add(struct auth_roles *r, const char *role, size_t len, struct qerr *err)
{
    if (len == 0 || len > AUTH_ROLE_MAX || memchr(role, '\0', len) != NULL) {
        return 0; /* not a role anyone can hold: ignored */
    }
    for (size_t i = 0; i < r->n; i++) {
        if (strlen(r->items[i]) == len && memcmp(r->items[i], role, len) == 0) {
            return 0;
        }
    }
    if (r->n >= AUTH_ROLES_MAX) {
        log_debug("auth: more than %d roles, the rest ignored", AUTH_ROLES_MAX);
        return 0;
    }
    char **items = realloc(r->items, (r->n + 1) * sizeof *items);
    if (items == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    r->items = items;
    r->items[r->n] = strndup(role, len);
    if (r->items[r->n] == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    r->n++;
    return 0;
}

int auth_roles_parse(const char *s, struct auth_roles *out, struct qerr *err)
{
    const char *sep = ", \t\r\n";
    while (s != NULL && *s != '\0') {
        s += strspn(s, sep);
        size_t len = strcspn(s, sep);
        if (len > 0 && auth_roles_add(out, s, len, err) < 0) {
            return -1;
        }
        s += len;
    }
    return 0;
}

void auth_roles_cleanup(struct auth_roles *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i]);
    }
    QFREE(r->items);
    r->n = 0;
}

static bool all_of(const char *s, size_t max, const char *extra)
{
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && strchr(extra, c) == NULL) {
            return false;
        }
    }
    return true;
}

bool auth_role_valid(const char *role)
{
    return role != NULL && all_of(role, AUTH_ROLE_MAX, "._:/@-");
}

bool auth_user_name_valid(const char *name)
{
    return name != NULL && all_of(name, 128, "._@-");
}

/* --- the Authorization header --- */

static bool printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

static void parse_basic(const char *cred, size_t n, struct auth_credentials *out)
{
    unsigned char dec[B64_DECODED_MAX(AUTH_HEADER_MAX)];
    size_t len = 0;
    out->scheme = AUTH_SCHEME_INVALID;
    if (b64_decode(cred, n, dec, sizeof dec, &len) < 0) {
        return;
    }
    const unsigned char *colon = memchr(dec, ':', len);
    size_t ulen = colon != NULL ? (size_t)(colon - dec) : 0;
    size_t plen = colon != NULL ? len - ulen - 1 : 0;
    if (colon != NULL && ulen > 0 && ulen <= AUTH_USER_MAX && plen <= CRED_PASSWORD_MAX &&
        printable((const char *)dec, len)) {
        memcpy(out->user, dec, ulen);
        out->user[ulen] = '\0';
        memcpy(out->secret, colon + 1, plen);
        out->secret[plen] = '\0';
        out->scheme = AUTH_SCHEME_BASIC;
    }
    cred_wipe(dec, sizeof dec);
}

/* RFC 7235 token68: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool token68(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (isalnum((unsigned char)s[i]) || strchr("-._~+/", s[i]) != NULL)) {
        i++;
    }
    if (i == 0) {
        return false;
    }
    while (i < n && s[i] == '=') {
        i++;
    }
    return i == n;
}

void auth_header_parse(const char *value, struct auth_credentials *out)
{
    memset(out, 0, sizeof *out);
    if (value == NULL || value[strspn(value, " \t")] == '\0') {
        out->scheme = AUTH_SCHEME_NONE;
        return;
    }
    out->scheme = AUTH_SCHEME_INVALID;
    if (strnlen(value, AUTH_HEADER_MAX + 1) > AUTH_HEADER_MAX) {
        return;
    }
    const char *s = value + strspn(value, " \t");
    size_t slen = strcspn(s, " \t");
    const char *cred = s + slen + strspn(s + slen, " \t");
    size_t n = strlen(cred);
    while (n > 0 && (cred[n - 1] == ' ' || cred[n - 1] == '\t')) {
        n--;
    }
    if (n == 0) {
        return;
    }
    if (slen == 5 && strncasecmp(s, "Basic", 5) == 0) {
        parse_basic(cred, n, out);
    } else if (slen == 6 && strncasecmp(s, "Bearer", 6) == 0 && n <= CRED_PASSWORD_MAX &&
               token68(cred, n)) {
        memcpy(out->secret, cred, n);
        out->secret[n] = '\0';
        out->scheme = AUTH_SCHEME_BEARER;
    }
}

/* --- identity --- */

void auth_identity_cleanup(struct auth_identity *id)
{
    if (id == NULL) {
        return;
    }
    QFREE(id->user);
    auth_roles_cleanup(&id->roles);
    id->is_admin = false;
    id->anonymous = false;
    id->source = AUTH_SOURCE_NONE;
}

const char *auth_source_name(enum auth_source s)
{
    switch (s) {
    case AUTH_SOURCE_FRONT:
        return "front";
    case AUTH_SOURCE_BASIC:
        return "basic";
    case AUTH_SOURCE_TOKEN:
        return "token";
    case AUTH_SOURCE_ANONYMOUS:
        return "anonymous";
    case AUTH_SOURCE_NONE:
        break;
    }
    return "none";
}

void auth_challenge(const struct cfg *cfg, char *out, size_t outsz)
{
    char realm[128];
    size_t j = 0;
    const char *r = cfg->auth_realm != NULL && *cfg->auth_realm != '\0' ? cfg->auth_realm : "quern";
    /* The realm is a quoted-string: quotes, backslashes and controls are left out. */
    for (size_t i = 0; r[i] != '\0' && j + 1 < sizeof realm; i++) {
        unsigned char c = (unsigned char)r[i];
        if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\') {
            realm[j++] = (char)c;
        }
    }
    realm[j] = '\0';
    snprintf(out, outsz, "Basic realm=\"%s\", charset=\"UTF-8\", Bearer realm=\"%s\"", realm,
             realm);
}

/* Sets user (copied), merges roles and derives is_admin. */
static int identity_set(const struct cfg *cfg, const char *user, const struct auth_roles *roles,
                        enum auth_source source, struct auth_identity *out, struct qerr *err)
{
    if (user != NULL) {
        out->user = strdup(user);
        if (out->user == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            return -1;
        }
    }
    for (size_t i = 0; roles != NULL && i < roles->n; i++) {
        if (auth_roles_add(&out->roles, roles->items[i], strlen(roles->items[i]), err) < 0) {
            return -1;
        }
    }
    out->source = source;
    out->anonymous = source == AUTH_SOURCE_ANONYMOUS;
    out->is_admin = cfg->auth_admin_role != NULL && *cfg->auth_admin_role != '\0' &&
                    auth_roles_has(&out->roles, cfg->auth_admin_role);
    return 0;
}

/* A user name or client address fit for a log line: printable, bounded. */
static void log_safe(const char *s, char *out, size_t outsz)
{
    size_t j = 0;
    for (size_t i = 0; s != NULL && s[i] != '\0' && j + 1 < outsz && i < 64; i++) {
        unsigned char c = (unsigned char)s[i];
        out[j++] = c > 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[j] = '\0';
    if (j == 0 && outsz > 1) {
        snprintf(out, outsz, "-");
    }
}

/* --- the front server --- */

static enum auth_result resolve_front(const struct cfg *cfg, struct db *db, auth_var_fn var,
                                      void *arg, const char *remote_user, struct auth_identity *out,
                                      struct qerr *err)
{
    struct auth_roles roles = {0};
    struct db_auth_user row = {0};
    enum auth_result res = AUTH_ERROR;
    char safe[80];
    log_safe(remote_user, safe, sizeof safe);
    if (strnlen(remote_user, AUTH_USER_MAX + 1) > AUTH_USER_MAX ||
        !printable(remote_user, strlen(remote_user))) {
        log_warn("auth: front server user refused (too long or control characters) user=%s", safe);
        res = AUTH_BAD;
        goto out;
    }
    const char *rv = cfg->auth_roles_variable;
    if (rv != NULL && *rv != '\0') {
        const char *v = var(arg, rv);
        if (cfg->auth_trust_front_roles) {
            if (v != NULL && auth_roles_parse(v, &roles, err) < 0) {
                goto out;
            }
        } else if (v != NULL) {
            log_debug("auth: %s ignored: auth.trust_front_roles is false", rv);
        }
    }
    int found = db_auth_user_get(db, remote_user, &row, err);
    if (found < 0) {
        goto out;
    }
    if (found > 0 && row.disabled) {
        log_warn("auth: login refused method=front user=%s reason=disabled", safe);
        res = AUTH_FORBIDDEN;
        goto out;
    }
    for (size_t i = 0; i < row.roles.n; i++) {
        if (auth_roles_add(&roles, row.roles.items[i], strlen(row.roles.items[i]), err) < 0) {
            goto out;
        }
    }
    if (identity_set(cfg, remote_user, &roles, AUTH_SOURCE_FRONT, out, err) < 0) {
        goto out;
    }
    res = AUTH_OK;
out:
    db_auth_user_cleanup(&row);
    auth_roles_cleanup(&roles);
    return res;
}

/* --- slowing repeated failures --- */

long auth_failure_delay_ms(const struct cfg *cfg, long failures)
{
    if (failures <= 0 || cfg->auth_failure_delay_ms <= 0) {
        return 0;
    }
    long d = cfg->auth_failure_delay_ms;
    for (long i = 1; i < failures && d < cfg->auth_failure_delay_max_ms; i++) {
        d *= 2;
    }
    return d < cfg->auth_failure_delay_max_ms ? d : cfg->auth_failure_delay_max_ms;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/*
 * Waits before checking the credentials of a client that failed recently;
 * *failures gets its count (-1 when not looked up: slowing is off).
 */
static int throttle(const struct cfg *cfg, struct db *db, const char *client, long *failures_out,
                    struct qerr *err)
{
    long failures = 0;
    *failures_out = -1;
    if (cfg->auth_failure_delay_ms <= 0) {
        return 0;
    }
    if (db_auth_failures_get(db, client, cfg->auth_failure_window, &failures, err) < 0) {
        return -1;
    }
    *failures_out = failures;
    long ms = auth_failure_delay_ms(cfg, failures);
    if (ms > 0) {
        char safe[80];
        log_safe(client, safe, sizeof safe);
        log_info("auth: slowing client=%s failures=%ld delay_ms=%ld", safe, failures, ms);
        sleep_ms(ms);
    }
    return 0;
}

/* Logs a failed login (user and token id, never a secret) and counts it against the client. */
static enum auth_result failed(const struct cfg *cfg, struct db *db, const char *client,
                               const char *method, const char *user, const char *token_id,
                               const char *reason, struct qerr *err)
{
    char su[80], sc[80], st[80];
    log_safe(user, su, sizeof su);
    log_safe(client, sc, sizeof sc);
    log_safe(token_id, st, sizeof st);
    log_warn("auth: login failed method=%s user=%s token=%s client=%s reason=%s", method, su, st,
             sc, reason);
    if (db_auth_failure_add(db, client, cfg->auth_failure_window, err) < 0) {
        return AUTH_ERROR;
    }
    return AUTH_BAD;
}

/* --- quern's own Basic and bearer tokens --- */

static enum auth_result resolve_basic(const struct cfg *cfg, struct db *db,
                                      const struct auth_credentials *c, const char *client,
                                      struct auth_identity *out, struct qerr *err)
{
    struct db_auth_user row = {0};
    enum auth_result res = AUTH_ERROR;
    int found = 0;
    if (auth_user_name_valid(c->user)) {
        found = db_auth_user_get(db, c->user, &row, err);
        if (found < 0) {
            goto out;
        }
    }
    /* Always one hash computation: an unknown user costs what a wrong password does. */
    bool match = cred_password_verify(c->secret, found > 0 ? row.password_hash : NULL);
    if (!match || row.disabled) {
        const char *why = found == 0                  ? "unknown user"
                          : row.password_hash == NULL ? "no password set"
                          : !match                    ? "wrong password"
                                                      : "disabled";
        res = failed(cfg, db, client, "basic", c->user, NULL, why, err);
        goto out;
    }
    if (identity_set(cfg, row.name, &row.roles, AUTH_SOURCE_BASIC, out, err) < 0 ||
        db_auth_user_touch(db, row.name, err) < 0) {
        goto out;
    }
    res = AUTH_OK;
out:
    db_auth_user_cleanup(&row);
    return res;
}

static enum auth_result resolve_bearer(const struct cfg *cfg, struct db *db,
                                       const struct auth_credentials *c, const char *client,
                                       struct auth_identity *out, struct qerr *err)
{
    struct db_auth_token row = {0};
    enum auth_result res = AUTH_ERROR;
    char id[CRED_TOKEN_ID_LEN + 1] = "";
    char hash[CRED_SHA256_HEX_LEN + 1];
    int found = 0;
    if (cred_token_parse(c->secret, id) == 0) {
        found = db_auth_token_get(db, id, &row, err);
        if (found < 0) {
            goto out;
        }
    }
    cred_sha256_hex(c->secret, strlen(c->secret), hash);
    bool match = found > 0 && cred_equal(hash, row.hash, CRED_SHA256_HEX_LEN);
    if (!match || row.revoked || row.expired || row.user_disabled) {
        const char *why = id[0] == '\0' ? "not a quern token"
                          : found == 0  ? "unknown token"
                          : !match      ? "wrong secret"
                          : row.revoked ? "token revoked"
                          : row.expired ? "token expired"
                                        : "user disabled";
        res = failed(cfg, db, client, "token", match ? row.user : NULL, id, why, err);
        goto out;
    }
    if (identity_set(cfg, row.user, &row.roles, AUTH_SOURCE_TOKEN, out, err) < 0 ||
        db_auth_token_touch(db, id, err) < 0) {
        goto out;
    }
    res = AUTH_OK;
out:
    db_auth_token_cleanup(&row);
    return res;
}

static enum auth_result resolve_header(const struct cfg *cfg, struct db *db, const char *header,
                                       const char *client, struct auth_identity *out,
                                       struct qerr *err)
{
    struct auth_credentials c;
    enum auth_result res = AUTH_ERROR;
    long failures = -1;
    auth_header_parse(header, &c);
    if (throttle(cfg, db, client, &failures, err) < 0) {
        goto out;
    }
    switch (c.scheme) {
    case AUTH_SCHEME_BASIC:
        res = resolve_basic(cfg, db, &c, client, out, err);
        break;
    case AUTH_SCHEME_BEARER:
        res = resolve_bearer(cfg, db, &c, client, out, err);
        break;
    case AUTH_SCHEME_NONE:
    case AUTH_SCHEME_INVALID:
        res = failed(cfg, db, client, "header", NULL, NULL,
                     "malformed or unsupported Authorization", err);
        break;
    }
    /* A success forgets the client's failures; with none on record there is nothing to write. */
    if (res == AUTH_OK && failures != 0 && db_auth_failures_clear(db, client, err) < 0) {
        res = AUTH_ERROR;
    }
out:
    cred_wipe(&c, sizeof c);
    return res;
}

enum auth_result auth_resolve(const struct cfg *cfg, struct db *db, auth_var_fn var, void *arg,
                              struct auth_identity *out, struct qerr *err)
{
    memset(out, 0, sizeof *out);
    const char *remote_user = cfg->auth_remote_user ? var(arg, "REMOTE_USER") : NULL;
    const char *header = var(arg, "HTTP_AUTHORIZATION");
    bool has_front = remote_user != NULL && *remote_user != '\0';
    bool has_header = header != NULL && header[strspn(header, " \t")] != '\0';
    if ((has_front || has_header) && db == NULL) {
        qerr_set(err, QERR_DB, "the user database is unavailable");
        return AUTH_ERROR;
    }
    if (has_front) {
        return resolve_front(cfg, db, var, arg, remote_user, out, err);
    }
    if (has_header) {
        char client[257];
        const char *addr = var(arg, "REMOTE_ADDR");
        snprintf(client, sizeof client, "%s", addr != NULL && *addr != '\0' ? addr : "unknown");
        return resolve_header(cfg, db, header, client, out, err);
    }
    if (!cfg->auth_anonymous) {
        return AUTH_MISSING;
    }
    struct auth_roles roles = {0};
    for (size_t i = 0; i < cfg->auth_anonymous_roles.n; i++) {
        const char *r = cfg->auth_anonymous_roles.items[i];
        if (auth_roles_add(&roles, r, strlen(r), err) < 0) {
            auth_roles_cleanup(&roles);
            return AUTH_ERROR;
        }
    }
    int rc = identity_set(cfg, NULL, &roles, AUTH_SOURCE_ANONYMOUS, out, err);
    auth_roles_cleanup(&roles);
    return rc < 0 ? AUTH_ERROR : AUTH_OK;
}

/* --- authorisation --- */

bool auth_may_execute(const struct auth_identity *id, const json_t *definition)
{
    return auth_may_execute_access(id, json_object_get(definition, "access"));
}

bool auth_may_execute_access(const struct auth_identity *id, const json_t *access)
{
    const json_t *roles = json_object_get(access, "roles");
    if (!json_is_array(roles) || id->is_admin) {
        return true;
    }
    size_t i;
    const json_t *v;
    json_array_foreach (roles, i, v) {
        if (json_is_string(v) && auth_roles_has(&id->roles, json_string_value(v))) {
            return true;
        }
    }
    return false;
}

bool auth_may_see_job(const struct auth_identity *id, const char *submitter)
{
    if (id->is_admin) {
        return true;
    }
    if (id->anonymous || id->user == NULL) {
        return submitter == NULL;
    }
    return submitter != NULL && strcmp(submitter, id->user) == 0;
}

const char *auth_job_submitter(const struct auth_identity *id)
{
    return id->anonymous ? NULL : id->user;
}

const char *auth_job_scope(const struct auth_identity *id)
{
    if (id->is_admin) {
        return NULL;
    }
    return id->anonymous || id->user == NULL ? "" : id->user;
}

char *auth_roles_json(const struct auth_identity *id)
{
    json_t *a = json_array();
    char *s = NULL;
    for (size_t i = 0; a != NULL && i < id->roles.n; i++) {
        json_t *r = json_string(id->roles.items[i]);
        if (r == NULL) {
            continue; /* not UTF-8: no process can name it either */
        }
        if (json_array_append_new(a, r) < 0) {
            goto out;
        }
    }
    if (a != NULL) {
        s = json_dumps(a, JSON_COMPACT);
    }
out:
    json_decref(a);
    return s;
}
