// SPDX-License-Identifier: MIT
/*
 * auth - who a request comes from, and what that identity may do.
 *
 * auth_resolve() turns one request's CGI variables into a struct
 * auth_identity, trying in order: the front server's REMOTE_USER (roles
 * from auth.roles_variable only when auth.trust_front_roles says the front
 * server sets it), quern's own HTTP Basic and bearer tokens (quern.users,
 * quern.api_tokens), anonymous when auth.anonymous allows. A client with
 * recent failures waits before its credentials are checked; failures are
 * logged without the secret. The predicates below (may execute, may see a
 * job) are the only place authorisation is decided. Secrets live in cred.c.
 * Use: auth_resolve -> auth_may_* ... -> auth_identity_cleanup.
 */
#ifndef QUERN_AUTH_H
#define QUERN_AUTH_H

#include <jansson.h>

#include "common/cfg.h"
#include "common/compat.h"
#include "common/cred.h"
#include "common/db.h"
#include "common/qerr.h"

#define AUTH_USER_MAX 256    /* longest user name, bytes (quern.users allows 128) */
#define AUTH_ROLE_MAX 128    /* longest role name, bytes */
#define AUTH_ROLES_MAX 64    /* roles kept per identity; more are ignored */
#define AUTH_HEADER_MAX 4096 /* longest Authorization header accepted */

struct auth_roles {
    char **items; /* n strings, owned, no duplicates */
    size_t n;
};

enum auth_source {
    AUTH_SOURCE_NONE,
    AUTH_SOURCE_FRONT, /* REMOTE_USER from Apache/lighttpd */
    AUTH_SOURCE_BASIC, /* quern's own password */
    AUTH_SOURCE_TOKEN, /* quern's own bearer token */
    AUTH_SOURCE_ANONYMOUS,
};

struct auth_identity {
    char *user;              /* owned; NULL when anonymous */
    struct auth_roles roles; /* roles the identity holds */
    bool is_admin;           /* holds auth.admin_role */
    bool anonymous;
    enum auth_source source;
};

enum auth_result {
    AUTH_OK,        /* the identity is filled in (maybe anonymous) */
    AUTH_MISSING,   /* no credentials and anonymous access is off: 401 */
    AUTH_BAD,       /* credentials that are wrong, malformed, expired or revoked: 401 */
    AUTH_FORBIDDEN, /* the front server's user is disabled in quern.users: 403 */
    AUTH_ERROR,     /* the database failed: err is set */
};

/* Reads one request variable ("REMOTE_USER", "HTTP_AUTHORIZATION", ...); NULL when absent. */
typedef const char *(*auth_var_fn)(void *arg, const char *name);

/*
 * Resolves the identity of the request whose variables var(arg, name)
 * returns. db is used for quern's own users and tokens, the failure
 * counter and the roles of front-server users who have a row. Fills out
 * (auth_identity_cleanup it whatever the result). May sleep up to
 * auth.failure_delay_max_ms when the client failed recently.
 */
enum auth_result auth_resolve(const struct cfg *cfg, struct db *db, auth_var_fn var, void *arg,
                              struct auth_identity *out, struct qerr *err);
void auth_identity_cleanup(struct auth_identity *id);

/* "front", "basic", "token", "anonymous", "none". */
const char *auth_source_name(enum auth_source s);

/*
 * The value of a 401 answer's WWW-Authenticate header (both schemes quern
 * accepts, with auth.realm), written into out.
 */
void auth_challenge(const struct cfg *cfg, char *out, size_t outsz);

/*
 * True when id may execute a process with this definition: a definition
 * without access.roles (an array) is open to everyone who got this far;
 * otherwise id needs one of the roles, or admin.
 */
bool auth_may_execute(const struct auth_identity *id, const json_t *definition);
/* The same, given only the definition's access member (NULL when it has none). */
bool auth_may_execute_access(const struct auth_identity *id, const json_t *access);

/* True when id may see a job submitted by submitter (NULL: anonymously). */
bool auth_may_see_job(const struct auth_identity *id, const char *submitter);

/* What a job submitted by id records as its submitter: borrowed, NULL when anonymous. */
const char *auth_job_submitter(const struct auth_identity *id);

/*
 * The submitter filter of the job statements (sql/queries/api_jobs.sql):
 * NULL for admins (every job), "" for anonymous requests (jobs without a
 * submitter), else the user name. Borrowed.
 */
const char *auth_job_scope(const struct auth_identity *id);

/*
 * The roles as a JSON array text, for SQL that filters by role
 * ($n::jsonb). New string, NULL when out of memory.
 */
char *auth_roles_json(const struct auth_identity *id);

/* --- building blocks, public for quern-admin and the unit tests --- */

enum auth_scheme { AUTH_SCHEME_NONE, AUTH_SCHEME_BASIC, AUTH_SCHEME_BEARER, AUTH_SCHEME_INVALID };

struct auth_credentials {
    enum auth_scheme scheme;
    char user[AUTH_USER_MAX + 1];       /* Basic only */
    char secret[CRED_PASSWORD_MAX + 1]; /* the password or the token */
};

/*
 * Parses an Authorization header value. NULL or empty: AUTH_SCHEME_NONE.
 * Basic needs canonical base64 of "user:password" with a user of 1 to
 * AUTH_USER_MAX printable bytes; Bearer a token68. Anything else, other
 * schemes included, is AUTH_SCHEME_INVALID. Wipe out with cred_wipe.
 */
void auth_header_parse(const char *value, struct auth_credentials *out);

/* Splits a comma- or whitespace-separated list into out (appending, no duplicates). */
int auth_roles_parse(const char *s, struct auth_roles *out, struct qerr *err) QUERN_MUSTCHECK;
/* Appends len bytes of role unless present; roles past AUTH_ROLES_MAX are dropped. */
int auth_roles_add(struct auth_roles *r, const char *role, size_t len,
                   struct qerr *err) QUERN_MUSTCHECK;
bool auth_roles_has(const struct auth_roles *r, const char *role);
void auth_roles_cleanup(struct auth_roles *r);

/* True for a role quern-admin accepts: 1 to AUTH_ROLE_MAX of [A-Za-z0-9._:/@-]. */
bool auth_role_valid(const char *role);
/* True for a quern.users name: 1 to 128 of [A-Za-z0-9._@-]. */
bool auth_user_name_valid(const char *name);

/* The delay before checking credentials of a client with this many recent failures. */
long auth_failure_delay_ms(const struct cfg *cfg, long failures);

#endif
