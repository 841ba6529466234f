// SPDX-License-Identifier: MIT
/*
 * quern-admin user: quern's own users, their roles and API tokens.
 *
 * Passwords are read from standard input (one line; prompted twice with
 * echo off on a terminal), never from argv where `ps` shows them. A new
 * token is printed once on stdout, alone, so `TOKEN=$(quern-admin user
 * token alice)` works; what it is goes to stderr. Only its hash is kept.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "admin/admin.h"
#include "common/auth.h"
#include "common/db_auth.h"
#include "common/qstr.h"

#define USER_PASSWORD_MIN 8

static const char user_usage[] =
    "usage: quern-admin user add NAME [--role ROLE]... [--password-stdin | --no-password]\n"
    "       quern-admin user passwd NAME [--password-stdin | --no-password]\n"
    "       quern-admin user role NAME add|remove ROLE\n"
    "       quern-admin user token NAME [--expires DAYS] [--label TEXT]\n"
    "       quern-admin user tokens NAME\n"
    "       quern-admin user revoke TOKEN-ID\n"
    "       quern-admin user disable|enable NAME\n"
    "       quern-admin user delete NAME\n"
    "       quern-admin user list [--json]\n"
    "Passwords are read from standard input (never from the command line).\n";

static int usage_error(const char *msg)
{
    if (msg != NULL) {
        fprintf(stderr, "quern-admin user: %s\n", msg);
    }
    fputs(user_usage, stderr);
    return 2;
}

static int fail(const struct qerr *err)
{
    fprintf(stderr, "quern-admin user: %s\n", err->msg);
    return 1;
}

/* Reads one line (without its newline) into buf; -1 at EOF or when longer than the buffer. */
static int read_line(FILE *f, char *buf, size_t bufsz)
{
    if (fgets(buf, (int)bufsz, f) == NULL) {
        return -1;
    }
    size_t n = strlen(buf);
    bool newline = n > 0 && buf[n - 1] == '\n';
    if (!newline && !feof(f)) {
        cred_wipe(buf, bufsz);
        int c;
        while ((c = fgetc(f)) != EOF && c != '\n') {
        }
        return -2;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int prompt(const char *text, char *buf, size_t bufsz)
{
    struct termios old, quiet;
    if (tcgetattr(STDIN_FILENO, &old) < 0) {
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    fputs(text, stderr);
    fflush(stderr);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    int rc = read_line(stdin, buf, bufsz);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputs("\n", stderr);
    return rc;
}

/* The new password, from a terminal (asked twice) or one line of stdin. */
static int read_password(const char *user, char *pw, size_t pwsz)
{
    int rc;
    if (isatty(STDIN_FILENO)) {
        char again[CRED_PASSWORD_MAX + 2];
        char text[200];
        snprintf(text, sizeof text, "New password for %s: ", user);
        rc = prompt(text, pw, pwsz);
        if (rc == 0 && prompt("Again: ", again, sizeof again) == 0 && strcmp(pw, again) != 0) {
            fputs("quern-admin user: the passwords differ\n", stderr);
            rc = -3;
        }
        cred_wipe(again, sizeof again);
    } else {
        rc = read_line(stdin, pw, pwsz);
    }
    if (rc == -1) {
        fputs("quern-admin user: no password on standard input\n", stderr);
    } else if (rc == -2) {
        fprintf(stderr, "quern-admin user: password longer than %d bytes\n", CRED_PASSWORD_MAX);
    } else if (rc == 0 && strlen(pw) < USER_PASSWORD_MIN) {
        fprintf(stderr, "quern-admin user: a password needs at least %d characters\n",
                USER_PASSWORD_MIN);
        rc = -3;
    }
    return rc == 0 ? 0 : -1;
}

/* Reads a password and hashes it; *hash stays NULL with no_password. 0, or the exit status. */
static int new_hash(const char *user, bool no_password, char **hash)
{
    char pw[CRED_PASSWORD_MAX + 2];
    struct qerr err = QERR_INIT;
    *hash = NULL;
    if (no_password) {
        return 0;
    }
    int rc = 1;
    if (read_password(user, pw, sizeof pw) == 0) {
        *hash = cred_password_hash(pw, &err);
        rc = *hash != NULL ? 0 : fail(&err);
    }
    cred_wipe(pw, sizeof pw);
    return rc;
}

static int password_flag(const char *arg, bool *no_password)
{
    if (strcmp(arg, "--password-stdin") == 0) {
        *no_password = false;
        return 0;
    }
    if (strcmp(arg, "--no-password") == 0) {
        *no_password = true;
        return 0;
    }
    return -1;
}

static int cmd_add(struct db *db, int argc, char **argv)
{
    const char *name = argv[1];
    bool no_password = false;
    json_t *roles = json_array();
    char *hash = NULL, *roles_text = NULL;
    int rc = 2;
    struct qerr err = QERR_INIT;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--role") == 0 && i + 1 < argc && auth_role_valid(argv[i + 1])) {
            i++;
            bool seen = false;
            for (size_t j = 0; j < json_array_size(roles); j++) {
                seen = seen || strcmp(json_string_value(json_array_get(roles, j)), argv[i]) == 0;
            }
            if (!seen) {
                json_array_append_new(roles, json_string(argv[i]));
            }
        } else if (password_flag(argv[i], &no_password) < 0) {
            rc = usage_error(strcmp(argv[i], "--role") == 0 ? "--role needs a valid role name "
                                                              "([A-Za-z0-9._:/@-], 1-128)"
                                                            : "unknown option");
            goto out;
        }
    }
    roles_text = json_dumps(roles, JSON_COMPACT);
    rc = new_hash(name, no_password, &hash);
    if (rc != 0) {
        goto out;
    }
    if (roles_text == NULL || db_auth_user_add(db, name, hash, roles_text, &err) < 0) {
        rc = fail(&err);
        goto out;
    }
    fprintf(stderr, "added user %s with roles %s%s\n", name, roles_text,
            no_password ? " (no password: tokens or front server only)" : "");
out:
    free(hash);
    free(roles_text);
    json_decref(roles);
    return rc;
}

static int cmd_passwd(struct db *db, int argc, char **argv)
{
    bool no_password = false;
    char *hash = NULL;
    struct qerr err = QERR_INIT;
    if (argc > 3 || (argc == 3 && password_flag(argv[2], &no_password) < 0)) {
        return usage_error("unknown option");
    }
    int rc = new_hash(argv[1], no_password, &hash);
    if (rc == 0 && db_auth_user_set_password(db, argv[1], hash, &err) < 0) {
        rc = fail(&err);
    } else if (rc == 0) {
        fprintf(stderr, "%s password of %s\n", no_password ? "removed the" : "changed the",
                argv[1]);
    }
    free(hash);
    return rc;
}

static int cmd_role(struct db *db, int argc, char **argv)
{
    struct qerr err = QERR_INIT;
    char *roles = NULL;
    if (argc != 4 || (strcmp(argv[2], "add") != 0 && strcmp(argv[2], "remove") != 0)) {
        return usage_error(NULL);
    }
    if (!auth_role_valid(argv[3])) {
        return usage_error("a role is 1-128 of [A-Za-z0-9._:/@-]");
    }
    if (db_auth_user_role(db, argv[1], argv[3], strcmp(argv[2], "add") == 0, &roles, &err) < 0) {
        return fail(&err);
    }
    fprintf(stderr, "roles of %s: %s\n", argv[1], roles != NULL ? roles : "[]");
    free(roles);
    return 0;
}

static int cmd_token(struct db *db, int argc, char **argv)
{
    long days = 0;
    const char *label = NULL;
    struct cred_token t;
    struct qerr err = QERR_INIT;
    char *expires = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--expires") == 0 && i + 1 < argc &&
            qstr_to_long(argv[i + 1], 1, 36500, &days) == 0) {
            i++;
        } else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc && strlen(argv[i + 1]) <= 200) {
            label = argv[++i];
        } else {
            return usage_error("--expires takes 1 to 36500 days, --label up to 200 bytes");
        }
    }
    struct db_auth_user u;
    int found = db_auth_user_get(db, argv[1], &u, &err);
    db_auth_user_cleanup(&u);
    if (found <= 0) {
        qerr_set(&err, QERR_NOTFOUND, "no user '%s'", argv[1]);
        return fail(&err);
    }
    if (cred_token_new(&t, &err) < 0 ||
        db_auth_token_add(db, &t, argv[1], label, days, &expires, &err) < 0) {
        cred_wipe(&t, sizeof t);
        return fail(&err);
    }
    printf("%s\n", t.text);
    fflush(stdout);
    cred_wipe(&t.text, sizeof t.text);
    fprintf(stderr, "token %s for %s, %s%s; shown once, keep it secret\n", t.id, argv[1],
            expires != NULL ? "expires " : "never expires", expires != NULL ? expires : "");
    free(expires);
    return 0;
}

static int cmd_revoke(struct db *db, int argc, char **argv)
{
    struct qerr err = QERR_INIT;
    char *user = NULL;
    char id[CRED_TOKEN_ID_LEN + 1];
    const char *key = argv[1];
    /* A whole token works too: its id is inside. */
    if (cred_token_parse(argv[1], id) == 0) {
        key = id;
    }
    if (db_auth_token_revoke(db, key, &user, &err) < 0) {
        return fail(&err);
    }
    fprintf(stderr, "revoked token %s of %s\n", key, user != NULL ? user : "?");
    free(user);
    return 0;
}

static int cmd_enable(struct db *db, int argc, char **argv)
{
    struct qerr err = QERR_INIT;
    bool disable = strcmp(argv[0], "disable") == 0;
    if (db_auth_user_set_disabled(db, argv[1], disable, &err) < 0) {
        return fail(&err);
    }
    fprintf(stderr, "%s user %s\n", disable ? "disabled" : "enabled", argv[1]);
    return 0;
}

static int cmd_delete(struct db *db, int argc, char **argv)
{
    struct qerr err = QERR_INIT;
    if (db_auth_user_delete(db, argv[1], &err) < 0) {
        return fail(&err);
    }
    fprintf(stderr, "deleted user %s and its tokens (its jobs keep the name)\n", argv[1]);
    return 0;
}

static const char *str_or(const json_t *o, const char *key, const char *def)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : def;
}

static int print_json(json_t *a)
{
    int rc = json_dumpf(a, stdout, JSON_INDENT(2)) == 0 ? 0 : 1;
    fputs("\n", stdout);
    json_decref(a);
    return rc;
}

static int cmd_list(struct db *db, int argc, char **argv)
{
    struct qerr err = QERR_INIT;
    bool as_json = argc == 2 && strcmp(argv[1], "--json") == 0;
    if (argc > 2 || (argc == 2 && !as_json)) {
        return usage_error(NULL);
    }
    json_t *users = db_auth_user_list(db, &err);
    if (users == NULL) {
        return fail(&err);
    }
    if (as_json) {
        return print_json(users);
    }
    printf("%-24s %-8s %-9s %-6s %-20s %s\n", "NAME", "STATUS", "PASSWORD", "TOKENS", "LAST LOGIN",
           "ROLES");
    size_t i;
    json_t *u;
    json_array_foreach (users, i, u) {
        char *roles = json_dumps(json_object_get(u, "roles"), JSON_COMPACT);
        printf("%-24s %-8s %-9s %-6lld %-20s %s\n", str_or(u, "name", "?"),
               json_is_true(json_object_get(u, "disabled")) ? "disabled" : "active",
               json_is_true(json_object_get(u, "password")) ? "yes" : "no",
               json_integer_value(json_object_get(u, "tokens")), str_or(u, "last_login", "-"),
               roles != NULL ? roles : "[]");
        free(roles);
    }
    json_decref(users);
    return 0;
}

static int cmd_tokens(struct db *db, int argc, char **argv)
{
    struct qerr err = QERR_INIT;
    json_t *tokens = db_auth_token_list(db, argv[1], &err);
    if (tokens == NULL) {
        return fail(&err);
    }
    printf("%-12s %-8s %-20s %-20s %-20s %s\n", "ID", "STATUS", "CREATED", "EXPIRES", "LAST USED",
           "LABEL");
    size_t i;
    json_t *t;
    json_array_foreach (tokens, i, t) {
        const char *status = json_is_true(json_object_get(t, "active"))      ? "active"
                             : json_is_string(json_object_get(t, "revoked")) ? "revoked"
                                                                             : "expired";
        printf("%-12s %-8s %-20s %-20s %-20s %s\n", str_or(t, "id", "?"), status,
               str_or(t, "created", "-"), str_or(t, "expires", "never"),
               str_or(t, "last_used", "-"), str_or(t, "label", ""));
    }
    json_decref(tokens);
    return 0;
}

struct user_cmd {
    const char *name;
    int (*fn)(struct db *db, int argc, char **argv);
    int min_args, max_args; /* counting the subcommand itself */
    bool names_user;        /* argv[1] is a user name to validate */
};

static const struct user_cmd user_cmds[] = {
    {"add", cmd_add, 2, 64, true},       {"passwd", cmd_passwd, 2, 3, true},
    {"role", cmd_role, 4, 4, true},      {"token", cmd_token, 2, 6, true},
    {"tokens", cmd_tokens, 2, 2, true},  {"revoke", cmd_revoke, 2, 2, false},
    {"disable", cmd_enable, 2, 2, true}, {"enable", cmd_enable, 2, 2, true},
    {"delete", cmd_delete, 2, 2, true},  {"list", cmd_list, 1, 2, false},
};

int admin_cmd_user(struct admin_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(user_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const struct user_cmd *cmd = NULL;
    for (size_t i = 0; i < QUERN_ARRAY_LEN(user_cmds); i++) {
        if (strcmp(user_cmds[i].name, argv[1]) == 0) {
            cmd = &user_cmds[i];
        }
    }
    int n = argc - 1;
    if (cmd == NULL) {
        return usage_error("unknown subcommand");
    }
    if (n < cmd->min_args || n > cmd->max_args) {
        return usage_error(NULL);
    }
    if (cmd->names_user && !auth_user_name_valid(argv[2])) {
        return usage_error("a user name is 1-128 of [A-Za-z0-9._@-]");
    }
    struct db *db = admin_db(ctx);
    if (db == NULL) {
        return 1;
    }
    return cmd->fn(db, n, argv + 1);
}
