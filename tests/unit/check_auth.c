// SPDX-License-Identifier: MIT
/*
 * Unit tests of common/b64, common/cred and common/auth. The pure parts
 * (base64, hashing, tokens, header parsing, roles, delays, predicates) run
 * everywhere; identity resolution runs against the run's real PostgreSQL
 * (QUERN_TEST_PGHOST, set by ./dev test) in its own database, check_auth.
 */
#include "common/compat.h"

#include <check.h>
#include <crypt.h>
#include <stdio.h>
#include <string.h>

#include "common/auth.h"
#include "common/b64.h"
#include "common/cred.h"
#include "common/db_auth.h"
#include "common/proc_def.h"
#include "common/schema.h"

/* --- base64 --- */

static const struct {
    const char *in;
    const char *out; /* NULL: must be rejected */
} b64_cases[] = {
    {"", ""},
    {"Zg==", "f"},
    {"Zm8=", "fo"},
    {"Zm9v", "foo"},
    {"Zm9vYg==", "foob"},
    {"YWxpY2U6c2VjcmV0", "alice:secret"},
    {"Pz8/Pw==", "????"},
    {"Zg=", NULL},      /* length not a multiple of 4 */
    {"Zg", NULL},       /* padding missing */
    {"Z===", NULL},     /* too much padding */
    {"Zh==", NULL},     /* non-zero bits after the last byte */
    {"Zm9=", NULL},     /* same, one '=' */
    {"Zm9v\n", NULL},   /* whitespace */
    {"Zm=v", NULL},     /* character after padding */
    {"Zg==Zg==", NULL}, /* padding in the middle */
    {"Zm9v_-==", NULL}, /* URL-safe alphabet is not the standard one */
    {"====", NULL},
};

START_TEST(b64_decode_table)
{
    const char *in = b64_cases[_i].in;
    const char *want = b64_cases[_i].out;
    unsigned char out[64];
    size_t n = 99;
    int rc = b64_decode(in, strlen(in), out, sizeof out, &n);
    if (want == NULL) {
        ck_assert_msg(rc == -1, "'%s' accepted", in);
    } else {
        ck_assert_msg(rc == 0, "'%s' rejected", in);
        ck_assert_uint_eq(n, strlen(want));
        ck_assert_str_eq((const char *)out, want);
    }
}
END_TEST

START_TEST(b64_bounds_and_url_encoding)
{
    unsigned char small[3];
    size_t n;
    ck_assert_int_eq(b64_decode("Zm9v", 4, small, sizeof small, &n), -1); /* no room for NUL */
    unsigned char room[4];
    ck_assert_int_eq(b64_decode("Zm9v", 4, room, sizeof room, &n), 0);
    char enc[16];
    const unsigned char bytes[] = {0xfb, 0xff, 0xfe};
    ck_assert_int_eq(b64url_encode(bytes, 3, enc, sizeof enc), 0);
    ck_assert_str_eq(enc, "-__-");
    ck_assert_int_eq(b64url_encode((const unsigned char *)"fo", 2, enc, sizeof enc), 0);
    ck_assert_str_eq(enc, "Zm8");
    ck_assert_int_eq(b64url_encode((const unsigned char *)"f", 1, enc, sizeof enc), 0);
    ck_assert_str_eq(enc, "Zg");
    ck_assert_int_eq(b64url_encode(bytes, 3, enc, 4), -1);
    ck_assert(b64url_valid("AZaz09-_", 8));
    ck_assert(!b64url_valid("ab+/", 4));
}
END_TEST

/* --- passwords, tokens, hashes --- */

START_TEST(password_hash_and_verify)
{
    struct qerr err = QERR_INIT;
    char *h = cred_password_hash("correct horse", &err);
    ck_assert_msg(h != NULL, "%s", err.msg);
    ck_assert_msg(strncmp(h, "$y$", 3) == 0, "yescrypt expected, got %.3s", h);
    ck_assert(cred_password_verify("correct horse", h));
    ck_assert(!cred_password_verify("correct hors", h));
    ck_assert(!cred_password_verify("correct horse ", h));
    ck_assert(!cred_password_verify("", h));
    char *h2 = cred_password_hash("correct horse", &err);
    ck_assert_str_ne(h, h2); /* fresh salt each time */
    free(h2);
    free(h);
    /* SHA-512 crypt hashes made elsewhere are accepted. */
    struct crypt_data cd;
    memset(&cd, 0, sizeof cd);
    const char *h6 = crypt_r("s3cret-pass", "$6$saltsaltsalt$", &cd);
    ck_assert(cred_hash_supported(h6));
    ck_assert(cred_password_verify("s3cret-pass", h6));
    ck_assert(!cred_password_verify("s3cret-pasS", h6));
    /* Unsupported or absent hashes never verify. */
    const char *h1 = crypt_r("pw", "$1$saltsalt$", &cd);
    ck_assert(!cred_hash_supported(h1));
    ck_assert(!cred_password_verify("pw", h1));
    ck_assert(!cred_password_verify("pw", NULL));
    ck_assert(!cred_password_verify("pw", "*"));
    ck_assert(!cred_password_verify(NULL, NULL));
}
END_TEST

START_TEST(password_limits)
{
    struct qerr err = QERR_INIT;
    ck_assert_ptr_null(cred_password_hash("", &err));
    ck_assert_int_eq(err.code, QERR_INVALID);
    static char long_pw[CRED_PASSWORD_MAX + 2];
    memset(long_pw, 'a', CRED_PASSWORD_MAX + 1);
    qerr_clear(&err);
    ck_assert_ptr_null(cred_password_hash(long_pw, &err));
    ck_assert_int_eq(err.code, QERR_INVALID);
    long_pw[CRED_PASSWORD_MAX] = '\0';
    char *h = cred_password_hash(long_pw, &err);
    ck_assert_ptr_nonnull(h);
    ck_assert(cred_password_verify(long_pw, h));
    free(h);
}
END_TEST

START_TEST(constant_time_equal)
{
    ck_assert(cred_equal("abcdef", "abcdef", 6));
    ck_assert(!cred_equal("abcdef", "abcdeF", 6));
    ck_assert(!cred_equal("Xbcdef", "abcdef", 6));
    ck_assert(cred_equal("a", "b", 0));
}
END_TEST

START_TEST(sha256_known_vectors)
{
    char hex[CRED_SHA256_HEX_LEN + 1];
    cred_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cred_sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(token_format)
{
    struct cred_token a, b;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(cred_token_new(&a, &err), 0);
    ck_assert_int_eq(cred_token_new(&b, &err), 0);
    ck_assert_uint_eq(strlen(a.text), CRED_TOKEN_LEN);
    ck_assert(strncmp(a.text, "qrn_", 4) == 0);
    ck_assert_str_ne(a.text, b.text);
    ck_assert_str_ne(a.id, b.id);
    char id[CRED_TOKEN_ID_LEN + 1];
    ck_assert_int_eq(cred_token_parse(a.text, id), 0);
    ck_assert_str_eq(id, a.id);
    char hex[CRED_SHA256_HEX_LEN + 1];
    cred_sha256_hex(a.text, strlen(a.text), hex);
    ck_assert_str_eq(hex, a.hash);
    ck_assert(strstr(a.hash, a.text + 17) == NULL);
    /* Near misses are not tokens. */
    char t[CRED_TOKEN_LEN + 2];
    snprintf(t, sizeof t, "%s", a.text);
    t[0] = 'Q';
    ck_assert_int_eq(cred_token_parse(t, id), -1);
    snprintf(t, sizeof t, "%s", a.text);
    t[5] = 'G'; /* not hex */
    ck_assert_int_eq(cred_token_parse(t, id), -1);
    snprintf(t, sizeof t, "%s", a.text);
    t[16] = '-';
    ck_assert_int_eq(cred_token_parse(t, id), -1);
    snprintf(t, sizeof t, "%s", a.text);
    t[30] = '+';
    ck_assert_int_eq(cred_token_parse(t, id), -1);
    snprintf(t, sizeof t, "%sA", a.text);
    ck_assert_int_eq(cred_token_parse(t, id), -1);
    t[CRED_TOKEN_LEN - 1] = '\0';
    ck_assert_int_eq(cred_token_parse(t, id), -1);
    ck_assert_int_eq(cred_token_parse(NULL, id), -1);
}
END_TEST

/* --- the Authorization header --- */

static const struct {
    const char *hdr;
    enum auth_scheme scheme;
    const char *user, *secret;
} hdr_cases[] = {
    {NULL, AUTH_SCHEME_NONE, "", ""},
    {"", AUTH_SCHEME_NONE, "", ""},
    {"   ", AUTH_SCHEME_NONE, "", ""},
    {"Basic YWxpY2U6c2VjcmV0", AUTH_SCHEME_BASIC, "alice", "secret"},
    {"basic   YWxpY2U6c2VjcmV0  ", AUTH_SCHEME_BASIC, "alice", "secret"},
    {"BASIC YWxpY2U6c2U6Y3JldA==", AUTH_SCHEME_BASIC, "alice", "se:cret"}, /* alice:se:cret */
    {"Basic YWxpY2U6", AUTH_SCHEME_BASIC, "alice", ""},                    /* alice: */
    {"Basic YWxpY2U=", AUTH_SCHEME_INVALID, "", ""},                       /* no colon */
    {"Basic OnNlY3JldA==", AUTH_SCHEME_INVALID, "", ""},                   /* :secret */
    {"Basic YWxpY2UKOng=", AUTH_SCHEME_INVALID, "", ""},                   /* alice\n:x */
    {"Basic YWxp Y2U6c2VjcmV0", AUTH_SCHEME_INVALID, "", ""},
    {"Basic !!!!", AUTH_SCHEME_INVALID, "", ""},
    {"Basic", AUTH_SCHEME_INVALID, "", ""},
    {"Bearer qrn_0123456789ab_abc", AUTH_SCHEME_BEARER, "", "qrn_0123456789ab_abc"},
    {"bearer  abc.def~ghi+/== ", AUTH_SCHEME_BEARER, "", "abc.def~ghi+/=="},
    {"Bearer", AUTH_SCHEME_INVALID, "", ""},
    {"Bearer a b", AUTH_SCHEME_INVALID, "", ""},
    {"Bearer a=b", AUTH_SCHEME_INVALID, "", ""},
    {"Digest username=\"alice\"", AUTH_SCHEME_INVALID, "", ""},
    {"Basicx YWxpY2U6c2VjcmV0", AUTH_SCHEME_INVALID, "", ""},
};

START_TEST(header_parse_table)
{
    struct auth_credentials c;
    auth_header_parse(hdr_cases[_i].hdr, &c);
    ck_assert_msg(c.scheme == hdr_cases[_i].scheme, "'%s': scheme %d", hdr_cases[_i].hdr, c.scheme);
    ck_assert_str_eq(c.user, hdr_cases[_i].user);
    ck_assert_str_eq(c.secret, hdr_cases[_i].secret);
}
END_TEST

START_TEST(header_limits)
{
    static char big[AUTH_HEADER_MAX + 16];
    struct auth_credentials c;
    snprintf(big, sizeof big, "Bearer ");
    memset(big + 7, 'a', AUTH_HEADER_MAX);
    big[AUTH_HEADER_MAX + 7] = '\0';
    auth_header_parse(big, &c);
    ck_assert_int_eq(c.scheme, AUTH_SCHEME_INVALID);
    /* A bearer longer than any secret quern keeps. */
    big[7 + CRED_PASSWORD_MAX + 1] = '\0';
    auth_header_parse(big, &c);
    ck_assert_int_eq(c.scheme, AUTH_SCHEME_INVALID);
    big[7 + CRED_PASSWORD_MAX] = '\0';
    auth_header_parse(big, &c);
    ck_assert_int_eq(c.scheme, AUTH_SCHEME_BEARER);
}
END_TEST

/* --- roles, delays, predicates --- */

START_TEST(roles_parse_and_limits)
{
    struct auth_roles r = {0};
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(auth_roles_parse(" ops, analysts\tops ,,/team-a  ", &r, &err), 0);
    ck_assert_uint_eq(r.n, 3);
    ck_assert_str_eq(r.items[0], "ops");
    ck_assert_str_eq(r.items[1], "analysts");
    ck_assert_str_eq(r.items[2], "/team-a");
    ck_assert(auth_roles_has(&r, "analysts"));
    ck_assert(!auth_roles_has(&r, "admin"));
    char many[AUTH_ROLES_MAX * 8];
    size_t o = 0;
    for (int i = 0; i < AUTH_ROLES_MAX + 10; i++) {
        o += (size_t)snprintf(many + o, sizeof many - o, "r%d,", i);
        if (o >= sizeof many - 8) {
            break;
        }
    }
    ck_assert_int_eq(auth_roles_parse(many, &r, &err), 0);
    ck_assert_uint_eq(r.n, AUTH_ROLES_MAX);
    auth_roles_cleanup(&r);
    char longrole[AUTH_ROLE_MAX + 2];
    memset(longrole, 'x', sizeof longrole - 1);
    longrole[sizeof longrole - 1] = '\0';
    ck_assert_int_eq(auth_roles_parse(longrole, &r, &err), 0);
    ck_assert_uint_eq(r.n, 0);
    ck_assert(auth_role_valid("team/a:b@c.d-e_f"));
    ck_assert(!auth_role_valid("a b"));
    ck_assert(!auth_role_valid(""));
    ck_assert(auth_user_name_valid("alice@example.org"));
    ck_assert(!auth_user_name_valid("al ice"));
    ck_assert(!auth_user_name_valid("alice:x"));
}
END_TEST

START_TEST(failure_delay_doubles_to_cap)
{
    struct cfg c = {0};
    c.auth_failure_delay_ms = 250;
    c.auth_failure_delay_max_ms = 5000;
    const long want[] = {0, 250, 500, 1000, 2000, 4000, 5000, 5000};
    for (long f = 0; f < (long)QUERN_ARRAY_LEN(want); f++) {
        ck_assert_int_eq(auth_failure_delay_ms(&c, f), want[f]);
    }
    ck_assert_int_eq(auth_failure_delay_ms(&c, 1000000), 5000);
    c.auth_failure_delay_ms = 0;
    ck_assert_int_eq(auth_failure_delay_ms(&c, 10), 0);
}
END_TEST

static void identity(struct auth_identity *id, const char *user, const char *roles, bool admin)
{
    struct qerr err = QERR_INIT;
    memset(id, 0, sizeof *id);
    id->user = user != NULL ? strdup(user) : NULL;
    id->anonymous = user == NULL;
    id->is_admin = admin;
    ck_assert_int_eq(auth_roles_parse(roles, &id->roles, &err), 0);
}

START_TEST(predicates)
{
    struct auth_identity alice, anon, root;
    identity(&alice, "alice", "ops", false);
    identity(&anon, NULL, "", false);
    identity(&root, "root", "admin", true);
    json_t *open = json_pack("{s:s}", "id", "echo");
    json_t *ops = json_pack("{s:{s:[s,s]}}", "access", "roles", "ops", "dev");
    json_t *none = json_pack("{s:{s:[]}}", "access", "roles");
    json_t *odd = json_pack("{s:{s:s}}", "access", "roles", "ops");
    ck_assert(auth_may_execute(&alice, open));
    ck_assert(auth_may_execute(&anon, open));
    ck_assert(auth_may_execute(&alice, ops));
    ck_assert(!auth_may_execute(&anon, ops));
    ck_assert(auth_may_execute(&root, ops));
    ck_assert(!auth_may_execute(&alice, none));
    ck_assert(auth_may_execute(&root, none));
    ck_assert(auth_may_execute(&alice, odd)); /* not an array: no restriction (as the SQL) */
    ck_assert(auth_may_execute_access(&alice, NULL));
    ck_assert(!auth_may_execute_access(&anon, json_object_get(ops, "access")));
    ck_assert(auth_may_execute_access(&alice, json_object_get(ops, "access")));
    ck_assert(auth_may_see_job(&alice, "alice"));
    ck_assert(!auth_may_see_job(&alice, "bob"));
    ck_assert(!auth_may_see_job(&alice, NULL));
    ck_assert(auth_may_see_job(&anon, NULL));
    ck_assert(!auth_may_see_job(&anon, "alice"));
    ck_assert(auth_may_see_job(&root, "bob"));
    ck_assert(auth_may_see_job(&root, NULL));
    ck_assert_str_eq(auth_job_submitter(&alice), "alice");
    ck_assert_ptr_null(auth_job_submitter(&anon));
    char *j = auth_roles_json(&alice);
    ck_assert_str_eq(j, "[\"ops\"]");
    free(j);
    json_decref(open);
    json_decref(ops);
    json_decref(none);
    json_decref(odd);
    auth_identity_cleanup(&alice);
    auth_identity_cleanup(&anon);
    auth_identity_cleanup(&root);
}
END_TEST

START_TEST(plugin_access_reaches_the_definition)
{
    static const char text[] = "info: {id: p, title: P, version: 1.0.0}\n"
                               "host: {type: local}\n"
                               "command: [/bin/true]\n"
                               "access: {roles: [analysts, admin, analysts]}\n"
                               "outputs: {r: {schema: {type: string}}}\n";
    struct proc_diags diags;
    struct qerr err = QERR_INIT;
    proc_diags_init(&diags);
    struct proc_def *d = proc_def_load_text("p.yaml", "/tmp", text, strlen(text), &diags, &err);
    ck_assert_msg(d != NULL && proc_diags_count(&diags) == 0, "%s", err.msg);
    char *roles = json_dumps(json_object_get(json_object_get(d->definition, "access"), "roles"),
                             JSON_COMPACT);
    ck_assert_str_eq(roles, "[\"analysts\",\"admin\"]");
    free(roles);
    struct auth_identity bob, ann;
    identity(&bob, "bob", "ops", false);
    identity(&ann, "ann", "analysts", false);
    ck_assert(!auth_may_execute(&bob, d->definition));
    ck_assert(auth_may_execute(&ann, d->definition));
    auth_identity_cleanup(&bob);
    auth_identity_cleanup(&ann);
    proc_def_free(d);
    proc_diags_cleanup(&diags);
}
END_TEST

START_TEST(challenge_names_both_schemes)
{
    struct cfg c = {0};
    char buf[256];
    c.auth_realm = (char *)"my \"realm\"\\x";
    auth_challenge(&c, buf, sizeof buf);
    ck_assert_str_eq(buf,
                     "Basic realm=\"my realmx\", charset=\"UTF-8\", Bearer realm=\"my realmx\"");
}
END_TEST

/* --- identity resolution against PostgreSQL --- */

static char conninfo[512];
static struct db *tdb;
static struct cfg tcfg;

struct var {
    const char *name, *value;
};

static const char *var_get(void *arg, const char *name)
{
    for (const struct var *v = arg; v->name != NULL; v++) {
        if (strcmp(v->name, name) == 0) {
            return v->value;
        }
    }
    return NULL;
}

static void exec_sql(const char *sql)
{
    struct qerr err = QERR_INIT;
    ck_assert_msg(db_command(tdb, sql, &err) == 0, "%s: %s", sql, err.msg);
}

static void add_user(const char *name, const char *password, const char *roles_json)
{
    struct qerr err = QERR_INIT;
    char *h = password != NULL ? cred_password_hash(password, &err) : NULL;
    ck_assert_msg(db_auth_user_add(tdb, name, h, roles_json, &err) == 0, "%s", err.msg);
    free(h);
}

static void db_setup(void)
{
    struct qerr err = QERR_INIT;
    struct db_opts o = {.conninfo = conninfo, .appname = "check_auth", .connect_timeout = 5};
    tdb = db_open(&o, &err);
    ck_assert_msg(tdb != NULL, "%s", err.msg);
    ck_assert_msg(cfg_load("/dev/null", &tcfg, &err) == 0, "%s", err.msg);
    tcfg.auth_failure_delay_ms = 1;
    tcfg.auth_failure_delay_max_ms = 2;
    exec_sql("TRUNCATE quern.users, quern.api_tokens, quern.auth_failures");
    add_user("alice", "alice-password", "[\"ops\"]");
    add_user("bob", "bob-password", "[]");
    add_user("root", NULL, "[\"admin\"]");
    add_user("frank", NULL, "[\"analysts\"]");
}

static void db_teardown(void)
{
    db_close(tdb);
    cfg_free(&tcfg);
}

static enum auth_result resolve(const struct var *vars, struct auth_identity *id)
{
    struct qerr err = QERR_INIT;
    enum auth_result r = auth_resolve(&tcfg, tdb, var_get, (void *)vars, id, &err);
    ck_assert_msg(r != AUTH_ERROR, "%s", err.msg);
    return r;
}

/* "Basic base64(user:pw)" for the simple ASCII credentials of these tests. */
static const char *basic(const char *user, const char *pw, char *out, size_t outsz)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char plain[256];
    int n = snprintf(plain, sizeof plain, "%s:%s", user, pw);
    size_t o = (size_t)snprintf(out, outsz, "Basic ");
    for (int i = 0; i < n; i += 3) {
        unsigned long w = (unsigned long)(unsigned char)plain[i] << 16;
        w |= i + 1 < n ? (unsigned long)(unsigned char)plain[i + 1] << 8 : 0;
        w |= i + 2 < n ? (unsigned char)plain[i + 2] : 0;
        out[o++] = tab[(w >> 18) & 63];
        out[o++] = tab[(w >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(w >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[w & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

START_TEST(front_server_user_comes_first)
{
    struct auth_identity id;
    char b[128];
    struct var vars[] = {{"REMOTE_USER", "carol"},
                         {"HTTP_AUTHORIZATION", basic("alice", "alice-password", b, sizeof b)},
                         {NULL, NULL}};
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    ck_assert_str_eq(id.user, "carol");
    ck_assert_int_eq(id.source, AUTH_SOURCE_FRONT);
    ck_assert_uint_eq(id.roles.n, 0);
    ck_assert(!id.anonymous && !id.is_admin);
    auth_identity_cleanup(&id);
    /* A front user with a quern.users row gets its roles, and admin from them. */
    vars[0].value = "root";
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    ck_assert(id.is_admin);
    auth_identity_cleanup(&id);
    /* auth.remote_user off: REMOTE_USER is not looked at. */
    tcfg.auth_remote_user = false;
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    ck_assert_str_eq(id.user, "alice");
    ck_assert_int_eq(id.source, AUTH_SOURCE_BASIC);
    auth_identity_cleanup(&id);
}
END_TEST

START_TEST(forged_roles_header_ignored_unless_trusted)
{
    struct auth_identity id;
    char b[128];
    free(tcfg.auth_roles_variable);
    tcfg.auth_roles_variable = strdup("HTTP_X_QUERN_ROLES");
    struct var vars[] = {
        {"REMOTE_USER", "carol"}, {"HTTP_X_QUERN_ROLES", "admin, ops"}, {NULL, NULL}, {NULL, NULL}};
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    ck_assert_uint_eq(id.roles.n, 0);
    ck_assert(!id.is_admin);
    auth_identity_cleanup(&id);
    tcfg.auth_trust_front_roles = true;
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    ck_assert_uint_eq(id.roles.n, 2);
    ck_assert(id.is_admin);
    auth_identity_cleanup(&id);
    /* Trusted, and merged with the roles of the user's row. */
    vars[0].value = "frank";
    vars[1].value = "ops";
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    ck_assert(auth_roles_has(&id.roles, "ops") && auth_roles_has(&id.roles, "analysts"));
    auth_identity_cleanup(&id);
    /* Even trusted, the header never adds roles to quern's own logins. */
    vars[0].name = "HTTP_AUTHORIZATION";
    vars[0].value = basic("bob", "bob-password", b, sizeof b);
    vars[1].value = "admin";
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    ck_assert_str_eq(id.user, "bob");
    ck_assert_uint_eq(id.roles.n, 0);
    ck_assert(!id.is_admin);
    auth_identity_cleanup(&id);
}
END_TEST

START_TEST(basic_login)
{
    struct auth_identity id;
    char b[128];
    struct var vars[] = {{"HTTP_AUTHORIZATION", basic("alice", "alice-password", b, sizeof b)},
                         {"REMOTE_ADDR", "192.0.2.7"},
                         {NULL, NULL}};
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    ck_assert_str_eq(id.user, "alice");
    ck_assert(auth_roles_has(&id.roles, "ops"));
    auth_identity_cleanup(&id);
    const char *bad[][2] = {{"alice", "wrong-password"},
                            {"nobody", "alice-password"},
                            {"root", ""},
                            {"root", "anything"}};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(bad); i++) {
        vars[0].value = basic(bad[i][0], bad[i][1], b, sizeof b);
        ck_assert_int_eq(resolve(vars, &id), AUTH_BAD);
        ck_assert_ptr_null(id.user);
        auth_identity_cleanup(&id);
    }
    /* Wrong credentials never fall back to anonymous, which is on by default. */
    ck_assert(tcfg.auth_anonymous);
    vars[0].value = "Basic !!!!";
    ck_assert_int_eq(resolve(vars, &id), AUTH_BAD);
    /* Every failure counted against the client; a success clears them. */
    struct qerr err = QERR_INIT;
    long failures = 0;
    ck_assert_int_eq(db_auth_failures_get(tdb, "192.0.2.7", 900, &failures, &err), 0);
    ck_assert_int_eq(failures, 5);
    exec_sql("UPDATE quern.users SET disabled = true WHERE name = 'alice'");
    vars[0].value = basic("alice", "alice-password", b, sizeof b);
    ck_assert_int_eq(resolve(vars, &id), AUTH_BAD);
    exec_sql("UPDATE quern.users SET disabled = false WHERE name = 'alice'");
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    auth_identity_cleanup(&id);
    ck_assert_int_eq(db_auth_failures_get(tdb, "192.0.2.7", 900, &failures, &err), 0);
    ck_assert_int_eq(failures, 0);
}
END_TEST

START_TEST(bearer_tokens)
{
    struct auth_identity id;
    struct qerr err = QERR_INIT;
    struct cred_token t;
    char hdr[128], sql[256];
    ck_assert_int_eq(cred_token_new(&t, &err), 0);
    ck_assert_int_eq(db_auth_token_add(tdb, &t, "root", "test", 0, NULL, &err), 0);
    snprintf(hdr, sizeof hdr, "Bearer %s", t.text);
    struct var vars[] = {{"HTTP_AUTHORIZATION", hdr}, {NULL, NULL}};
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    ck_assert_str_eq(id.user, "root");
    ck_assert_int_eq(id.source, AUTH_SOURCE_TOKEN);
    ck_assert(id.is_admin);
    auth_identity_cleanup(&id);
    /* Right id, wrong secret. */
    hdr[strlen(hdr) - 1] = hdr[strlen(hdr) - 1] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(resolve(vars, &id), AUTH_BAD);
    snprintf(hdr, sizeof hdr, "Bearer %s", t.text);
    snprintf(sql, sizeof sql,
             "UPDATE quern.api_tokens SET expires = now() - interval '1 s' WHERE id = '%s'", t.id);
    exec_sql(sql);
    ck_assert_int_eq(resolve(vars, &id), AUTH_BAD);
    snprintf(sql, sizeof sql, "UPDATE quern.api_tokens SET expires = NULL WHERE id = '%s'", t.id);
    exec_sql(sql);
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    auth_identity_cleanup(&id);
    char *user = NULL;
    ck_assert_int_eq(db_auth_token_revoke(tdb, t.id, &user, &err), 0);
    ck_assert_str_eq(user, "root");
    free(user);
    ck_assert_int_eq(resolve(vars, &id), AUTH_BAD);
    vars[0].value = "Bearer not-a-quern-token";
    ck_assert_int_eq(resolve(vars, &id), AUTH_BAD);
}
END_TEST

START_TEST(anonymous_only_when_allowed)
{
    struct auth_identity id;
    struct var vars[] = {{"REMOTE_USER", ""}, {NULL, NULL}};
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    ck_assert(id.anonymous);
    ck_assert_ptr_null(id.user);
    ck_assert(!id.is_admin);
    auth_identity_cleanup(&id);
    tcfg.auth_anonymous_roles.items = calloc(1, sizeof(char *));
    tcfg.auth_anonymous_roles.items[0] = strdup("admin");
    tcfg.auth_anonymous_roles.n = 1;
    ck_assert_int_eq(resolve(vars, &id), AUTH_OK);
    ck_assert(id.anonymous && id.is_admin);
    auth_identity_cleanup(&id);
    tcfg.auth_anonymous = false;
    ck_assert_int_eq(resolve(vars, &id), AUTH_MISSING);
    auth_identity_cleanup(&id);
}
END_TEST

START_TEST(failures_age_out_of_the_window)
{
    struct qerr err = QERR_INIT;
    long f = 0;
    ck_assert_int_eq(db_auth_failure_add(tdb, "198.51.100.1", 900, &err), 0);
    ck_assert_int_eq(db_auth_failure_add(tdb, "198.51.100.1", 900, &err), 0);
    ck_assert_int_eq(db_auth_failures_get(tdb, "198.51.100.1", 900, &f, &err), 0);
    ck_assert_int_eq(f, 2);
    exec_sql("UPDATE quern.auth_failures SET last_failure = now() - interval '1 hour'");
    ck_assert_int_eq(db_auth_failures_get(tdb, "198.51.100.1", 900, &f, &err), 0);
    ck_assert_int_eq(f, 0);
    /* The next failure starts a new window; another client's stale row is pruned. */
    ck_assert_int_eq(db_auth_failure_add(tdb, "198.51.100.2", 900, &err), 0);
    ck_assert_int_eq(db_auth_failure_add(tdb, "198.51.100.1", 900, &err), 0);
    ck_assert_int_eq(db_auth_failures_get(tdb, "198.51.100.1", 900, &f, &err), 0);
    ck_assert_int_eq(f, 1);
}
END_TEST

static bool db_available(void)
{
    const char *host = getenv("QUERN_TEST_PGHOST");
    if (host == NULL || *host == '\0') {
        return false;
    }
    struct qerr err = QERR_INIT;
    char admin[512];
    snprintf(admin, sizeof admin, "host=%s dbname=postgres user=quern", host);
    snprintf(conninfo, sizeof conninfo, "host=%s dbname=check_auth user=quern", host);
    struct db_opts o = {.conninfo = admin, .appname = "check_auth", .connect_timeout = 5};
    struct db *db = db_open(&o, &err);
    if (db == NULL || db_command(db, "DROP DATABASE IF EXISTS check_auth WITH (FORCE)", &err) < 0 ||
        db_command(db, "CREATE DATABASE check_auth", &err) < 0) {
        fprintf(stderr, "check_auth: %s\n", err.msg);
        db_close(db);
        return false;
    }
    db_close(db);
    o.conninfo = conninfo;
    db = db_open(&o, &err);
    bool ok = db != NULL && schema_migrate(db, NULL, &err) >= 0;
    if (!ok) {
        fprintf(stderr, "check_auth: %s\n", err.msg);
    }
    db_close(db);
    return ok;
}

int main(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("pure");
    tcase_add_loop_test(tc, b64_decode_table, 0, (int)QUERN_ARRAY_LEN(b64_cases));
    tcase_add_test(tc, b64_bounds_and_url_encoding);
    tcase_add_test(tc, password_hash_and_verify);
    tcase_add_test(tc, password_limits);
    tcase_add_test(tc, constant_time_equal);
    tcase_add_test(tc, sha256_known_vectors);
    tcase_add_test(tc, token_format);
    tcase_add_loop_test(tc, header_parse_table, 0, (int)QUERN_ARRAY_LEN(hdr_cases));
    tcase_add_test(tc, header_limits);
    tcase_add_test(tc, roles_parse_and_limits);
    tcase_add_test(tc, failure_delay_doubles_to_cap);
    tcase_add_test(tc, predicates);
    tcase_add_test(tc, challenge_names_both_schemes);
    tcase_add_test(tc, plugin_access_reaches_the_definition);
    suite_add_tcase(s, tc);
    if (db_available()) {
        TCase *dbt = tcase_create("resolve");
        tcase_set_timeout(dbt, 30);
        tcase_add_checked_fixture(dbt, db_setup, db_teardown);
        tcase_add_test(dbt, front_server_user_comes_first);
        tcase_add_test(dbt, forged_roles_header_ignored_unless_trusted);
        tcase_add_test(dbt, basic_login);
        tcase_add_test(dbt, bearer_tokens);
        tcase_add_test(dbt, anonymous_only_when_allowed);
        tcase_add_test(dbt, failures_age_out_of_the_window);
        suite_add_tcase(s, dbt);
    } else {
        puts("QUERN_TEST_PGHOST not set: identity resolution against PostgreSQL not tested");
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
