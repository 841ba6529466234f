// SPDX-License-Identifier: MIT
/*
 * db_auth - quern.users, quern.api_tokens and quern.auth_failures: the
 * statements of sql/queries/auth.sql, with rows copied into the structs
 * below (no PGresult leaves this file). Roles cross the boundary as JSON
 * arrays, so no array literal is ever built or parsed by hand.
 * Lookups return 1 found, 0 absent, -1 error; changes return 0, or -1 with
 * QERR_NOTFOUND for a missing user or token, QERR_CONFLICT for a duplicate.
 */
#ifndef QUERN_DB_AUTH_H
#define QUERN_DB_AUTH_H

#include <jansson.h>

#include "common/auth.h"
#include "common/db.h"

struct db_auth_user {
    char *name;
    char *password_hash; /* NULL: no password */
    struct auth_roles roles;
    bool disabled;
};

struct db_auth_token {
    char *user;
    char hash[CRED_SHA256_HEX_LEN + 1];
    bool expired; /* decided by the database clock */
    bool revoked;
    bool user_disabled;
    struct auth_roles roles; /* the user's */
};

int db_auth_user_get(struct db *db, const char *name, struct db_auth_user *out,
                     struct qerr *err) QUERN_MUSTCHECK;
void db_auth_user_cleanup(struct db_auth_user *u);
/* Records a successful login (at most once a minute per user). */
int db_auth_user_touch(struct db *db, const char *name, struct qerr *err) QUERN_MUSTCHECK;

int db_auth_token_get(struct db *db, const char *id, struct db_auth_token *out,
                      struct qerr *err) QUERN_MUSTCHECK;
void db_auth_token_cleanup(struct db_auth_token *t);
/* Records a use of the token (at most once a minute) and its user's login. */
int db_auth_token_touch(struct db *db, const char *id, struct qerr *err) QUERN_MUSTCHECK;

/* Failures of client within the last window seconds (0 when none). */
int db_auth_failures_get(struct db *db, const char *client, long window, long *out,
                         struct qerr *err) QUERN_MUSTCHECK;
/* Counts one more failure of client (a new window when the last is older); prunes old rows. */
int db_auth_failure_add(struct db *db, const char *client, long window,
                        struct qerr *err) QUERN_MUSTCHECK;
int db_auth_failures_clear(struct db *db, const char *client, struct qerr *err) QUERN_MUSTCHECK;

/* --- quern-admin user --- */
/* hash may be NULL (no password); roles_json is a JSON array text. */
int db_auth_user_add(struct db *db, const char *name, const char *hash, const char *roles_json,
                     struct qerr *err) QUERN_MUSTCHECK;
int db_auth_user_set_password(struct db *db, const char *name, const char *hash,
                              struct qerr *err) QUERN_MUSTCHECK;
int db_auth_user_set_disabled(struct db *db, const char *name, bool disabled,
                              struct qerr *err) QUERN_MUSTCHECK;
/* Adds or removes role; *roles_json_out (new string, may be NULL) receives the new roles. */
int db_auth_user_role(struct db *db, const char *name, const char *role, bool add,
                      char **roles_json_out, struct qerr *err) QUERN_MUSTCHECK;
/* Removes the user and its tokens (its jobs keep the name). */
int db_auth_user_delete(struct db *db, const char *name, struct qerr *err) QUERN_MUSTCHECK;
/* days <= 0: never expires. *expires_out: RFC 3339 text or NULL, new string. */
int db_auth_token_add(struct db *db, const struct cred_token *t, const char *user,
                      const char *label, long days, char **expires_out,
                      struct qerr *err) QUERN_MUSTCHECK;
/* Revokes (idempotently); *user_out (new string) is the token's user. */
int db_auth_token_revoke(struct db *db, const char *id, char **user_out,
                         struct qerr *err) QUERN_MUSTCHECK;
/* Every user: array of {name, roles, password, disabled, created, last_login, tokens}. New ref. */
json_t *db_auth_user_list(struct db *db, struct qerr *err);
/* Tokens of user: array of {id, label, created, expires, revoked, last_used, active}. New ref. */
json_t *db_auth_token_list(struct db *db, const char *user, struct qerr *err);

#endif
