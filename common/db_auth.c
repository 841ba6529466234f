// SPDX-License-Identifier: MIT
/* db_auth - users, tokens and login failures in PostgreSQL; see db_auth.h. */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include "common/db_auth.h"

static bool field_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* Appends the roles of a JSON array text to out. */
static int roles_from_json(const char *text, struct auth_roles *out, struct qerr *err)
{
    json_error_t jerr;
    json_t *a = json_loads(text, 0, &jerr);
    int rc = -1;
    if (a == NULL || !json_is_array(a)) {
        qerr_set(err, QERR_INTERNAL, "roles are not a JSON array");
        goto out;
    }
    size_t i;
    json_t *v;
    json_array_foreach (a, i, v) {
        if (json_is_string(v) &&
            auth_roles_add(out, json_string_value(v), json_string_length(v), err) < 0) {
            goto out;
        }
    }
    rc = 0;
out:
    json_decref(a);
    return rc;
}

int db_auth_user_get(struct db *db, const char *name, struct db_auth_user *out, struct qerr *err)
{
    PGresult *r = NULL;
    const char *params[] = {name};
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (db_exec(db, SQL_AUTH_USER_GET, params, &r, err) < 0) {
        goto out;
    }
    if (PQntuples(r) == 0) {
        rc = 0;
        goto out;
    }
    out->name = db_strdup_field(r, 0, 0);
    out->password_hash = db_strdup_field(r, 0, 1);
    out->disabled = field_bool(r, 0, 3);
    if (out->name == NULL || (!PQgetisnull(r, 0, 1) && out->password_hash == NULL)) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        goto out;
    }
    if (roles_from_json(PQgetvalue(r, 0, 2), &out->roles, err) < 0) {
        goto out;
    }
    rc = 1;
out:
    PQclear(r);
    if (rc < 0) {
        db_auth_user_cleanup(out);
    }
    return rc;
}

void db_auth_user_cleanup(struct db_auth_user *u)
{
    if (u == NULL) {
        return;
    }
    QFREE(u->name);
    if (u->password_hash != NULL) {
        cred_wipe(u->password_hash, strlen(u->password_hash));
    }
    QFREE(u->password_hash);
    auth_roles_cleanup(&u->roles);
}

int db_auth_user_touch(struct db *db, const char *name, struct qerr *err)
{
    const char *params[] = {name};
    return db_exec(db, SQL_AUTH_USER_TOUCH, params, NULL, err);
}

int db_auth_token_get(struct db *db, const char *id, struct db_auth_token *out, struct qerr *err)
{
    PGresult *r = NULL;
    const char *params[] = {id};
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (db_exec(db, SQL_AUTH_TOKEN_GET, params, &r, err) < 0) {
        goto out;
    }
    if (PQntuples(r) == 0) {
        rc = 0;
        goto out;
    }
    out->user = db_strdup_field(r, 0, 0);
    if (out->user == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        goto out;
    }
    snprintf(out->hash, sizeof out->hash, "%s", PQgetvalue(r, 0, 1));
    out->expired = field_bool(r, 0, 2);
    out->revoked = field_bool(r, 0, 3);
    out->user_disabled = field_bool(r, 0, 4);
    if (roles_from_json(PQgetvalue(r, 0, 5), &out->roles, err) < 0) {
        goto out;
    }
    rc = 1;
out:
    PQclear(r);
    if (rc < 0) {
        db_auth_token_cleanup(out);
    }
    return rc;
}

void db_auth_token_cleanup(struct db_auth_token *t)
{
    if (t == NULL) {
        return;
    }
    QFREE(t->user);
    auth_roles_cleanup(&t->roles);
}

int db_auth_token_touch(struct db *db, const char *id, struct qerr *err)
{
    const char *params[] = {id};
    return db_exec(db, SQL_AUTH_TOKEN_TOUCH, params, NULL, err);
}

int db_auth_failures_get(struct db *db, const char *client, long window, long *out,
                         struct qerr *err)
{
    PGresult *r = NULL;
    char w[24];
    snprintf(w, sizeof w, "%ld", window);
    const char *params[] = {client, w};
    *out = 0;
    if (db_exec(db, SQL_AUTH_FAILURES_GET, params, &r, err) < 0) {
        return -1;
    }
    if (PQntuples(r) > 0) {
        *out = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    }
    PQclear(r);
    return 0;
}

int db_auth_failure_add(struct db *db, const char *client, long window, struct qerr *err)
{
    char w[24];
    snprintf(w, sizeof w, "%ld", window);
    const char *params[] = {client, w};
    return db_exec(db, SQL_AUTH_FAILURE_ADD, params, NULL, err);
}

int db_auth_failures_clear(struct db *db, const char *client, struct qerr *err)
{
    const char *params[] = {client};
    return db_exec(db, SQL_AUTH_FAILURES_CLEAR, params, NULL, err);
}

int db_auth_user_add(struct db *db, const char *name, const char *hash, const char *roles_json,
                     struct qerr *err)
{
    const char *params[] = {name, hash, roles_json};
    if (db_exec(db, SQL_AUTH_USER_ADD, params, NULL, err) < 0) {
        if (err != NULL && err->code == QERR_CONFLICT) {
            snprintf(err->msg, sizeof err->msg, "user '%s' already exists", name);
        }
        return -1;
    }
    return 0;
}

/* Runs a statement that RETURNs a row when it found its user or token; *first gets column 0. */
static int change_one(struct db *db, enum sql_stmt id, const char *const *params, const char *what,
                      const char *key, char **first, struct qerr *err)
{
    PGresult *r = NULL;
    int rc = -1;
    if (db_exec(db, id, params, &r, err) < 0) {
        goto out;
    }
    if (PQntuples(r) == 0) {
        qerr_set(err, QERR_NOTFOUND, "no %s '%s'", what, key);
        goto out;
    }
    if (first != NULL) {
        *first = db_strdup_field(r, 0, 0);
        if (*first == NULL && !PQgetisnull(r, 0, 0)) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    PQclear(r);
    return rc;
}

int db_auth_user_set_password(struct db *db, const char *name, const char *hash, struct qerr *err)
{
    const char *params[] = {name, hash};
    return change_one(db, SQL_AUTH_USER_SET_PASSWORD, params, "user", name, NULL, err);
}

int db_auth_user_set_disabled(struct db *db, const char *name, bool disabled, struct qerr *err)
{
    const char *params[] = {name, disabled ? "true" : "false"};
    return change_one(db, SQL_AUTH_USER_SET_DISABLED, params, "user", name, NULL, err);
}

int db_auth_user_role(struct db *db, const char *name, const char *role, bool add,
                      char **roles_json_out, struct qerr *err)
{
    const char *params[] = {name, role};
    return change_one(db, add ? SQL_AUTH_USER_ROLE_ADD : SQL_AUTH_USER_ROLE_REMOVE, params, "user",
                      name, roles_json_out, err);
}

int db_auth_user_delete(struct db *db, const char *name, struct qerr *err)
{
    const char *params[] = {name};
    return change_one(db, SQL_AUTH_USER_DELETE, params, "user", name, NULL, err);
}

int db_auth_token_add(struct db *db, const struct cred_token *t, const char *user,
                      const char *label, long days, char **expires_out, struct qerr *err)
{
    char d[24];
    snprintf(d, sizeof d, "%ld", days);
    const char *params[] = {t->id, user, t->hash, label, days > 0 ? d : NULL};
    return change_one(db, SQL_AUTH_TOKEN_ADD, params, "user", user, expires_out, err);
}

int db_auth_token_revoke(struct db *db, const char *id, char **user_out, struct qerr *err)
{
    const char *params[] = {id};
    return change_one(db, SQL_AUTH_TOKEN_REVOKE, params, "token", id, user_out, err);
}

/* Runs a statement answering one JSON text and parses it. New reference or NULL. */
static json_t *json_query(struct db *db, enum sql_stmt id, const char *const *params,
                          struct qerr *err)
{
    PGresult *r = NULL;
    json_t *out = NULL;
    if (db_exec(db, id, params, &r, err) < 0) {
        return NULL;
    }
    if (PQntuples(r) == 1) {
        json_error_t jerr;
        out = json_loads(PQgetvalue(r, 0, 0), 0, &jerr);
    }
    if (out == NULL) {
        qerr_set(err, QERR_INTERNAL, "%s: no JSON answer", sql_stmts[id].name);
    }
    PQclear(r);
    return out;
}

json_t *db_auth_user_list(struct db *db, struct qerr *err)
{
    return json_query(db, SQL_AUTH_USER_LIST, NULL, err);
}

json_t *db_auth_token_list(struct db *db, const char *user, struct qerr *err)
{
    const char *params[] = {user};
    return json_query(db, SQL_AUTH_TOKEN_LIST, params, err);
}
