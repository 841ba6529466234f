// SPDX-License-Identifier: MIT
/*
 * args - the quern command line; see args.h.
 *
 * Two tables drive the parse: the commands (name, operand needed) and the
 * options (long and short names, whether they take a value, and the set of
 * commands they belong to). An option given to a command it does not belong
 * to is an error rather than silently ignored.
 */
#include "common/compat.h"

#include <string.h>

#include "client/args.h"
#include "common/qstr.h"

#define CMD_BIT(c) (1u << (c))
#define ALL_CMDS 0xffffffffu

struct cmd_def {
    const char *name;
    enum args_cmd cmd;
    const char *operand; /* what the operand is called, NULL when none */
};

static const struct cmd_def cmds[] = {
    {"help", ARGS_CMD_HELP, NULL},           {"version", ARGS_CMD_VERSION, NULL},
    {"processes", ARGS_CMD_PROCESSES, NULL}, {"describe", ARGS_CMD_DESCRIBE, "PROCESS"},
    {"run", ARGS_CMD_RUN, "PROCESS"},        {"status", ARGS_CMD_STATUS, "JOB"},
    {"wait", ARGS_CMD_WAIT, "JOB"},          {"logs", ARGS_CMD_LOGS, "JOB"},
    {"results", ARGS_CMD_RESULTS, "JOB"},    {"dismiss", ARGS_CMD_DISMISS, "JOB"},
    {"jobs", ARGS_CMD_JOBS, NULL},
};

enum opt_id {
    OPT_URL,
    OPT_USER,
    OPT_TOKEN,
    OPT_JSON,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_VERSION,
    OPT_INPUT,
    OPT_ASYNC,
    OPT_WAIT,
    OPT_OUTPUT_DIR,
    OPT_FOLLOW,
    OPT_STATUS,
    OPT_PROCESS,
    OPT_LIMIT,
};

struct opt_def {
    const char *lng;
    char shrt;
    bool has_value;
    enum opt_id id;
    unsigned cmds; /* CMD_BIT set of the commands that accept it */
};

static const struct opt_def opts[] = {
    {"url", 'U', true, OPT_URL, ALL_CMDS},
    {"user", 'u', true, OPT_USER, ALL_CMDS},
    {"token", 't', true, OPT_TOKEN, ALL_CMDS},
    {"json", 'j', false, OPT_JSON, ALL_CMDS},
    {"verbose", 'v', false, OPT_VERBOSE, ALL_CMDS},
    {"help", 'h', false, OPT_HELP, ALL_CMDS},
    {"version", 'V', false, OPT_VERSION, ALL_CMDS},
    {"input", 'i', true, OPT_INPUT, CMD_BIT(ARGS_CMD_RUN)},
    {"async", 'a', false, OPT_ASYNC, CMD_BIT(ARGS_CMD_RUN)},
    {"wait", 'w', false, OPT_WAIT, CMD_BIT(ARGS_CMD_RUN)},
    {"output-dir", 'o', true, OPT_OUTPUT_DIR, CMD_BIT(ARGS_CMD_RUN) | CMD_BIT(ARGS_CMD_RESULTS)},
    {"follow", 'f', false, OPT_FOLLOW, CMD_BIT(ARGS_CMD_LOGS)},
    {"status", 's', true, OPT_STATUS, CMD_BIT(ARGS_CMD_JOBS)},
    {"process", 'p', true, OPT_PROCESS, CMD_BIT(ARGS_CMD_JOBS)},
    {"limit", 'n', true, OPT_LIMIT, CMD_BIT(ARGS_CMD_JOBS)},
};

static const char *const job_statuses[] = {"accepted", "running", "successful", "failed",
                                           "dismissed"};

const char *args_cmd_name(enum args_cmd cmd)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cmds); i++) {
        if (cmds[i].cmd == cmd) {
            return cmds[i].name;
        }
    }
    return "";
}

void args_usage(FILE *f)
{
    fputs("usage: quern [--url URL] [--user U:P | --token T] [--json] [--verbose] COMMAND [ARGS]\n"
          "\n"
          "commands:\n"
          "  processes                    list the processes\n"
          "  describe PROCESS             show a process's inputs and outputs\n"
          "  run PROCESS [-i NAME=VALUE | -i NAME=@FILE]... [--async] [--wait]\n"
          "                               [--output-dir DIR]\n"
          "                               execute a process\n"
          "  status JOB                   show a job's status\n"
          "  wait JOB                     wait for a job to finish, showing its progress\n"
          "  logs JOB [--follow]          print a job's log lines\n"
          "  results JOB [--output-dir DIR]\n"
          "                               print a job's results, download its files\n"
          "  dismiss JOB                  cancel a job or delete its results\n"
          "  jobs [--status S] [--process P] [--limit N]\n"
          "                               list jobs\n"
          "\n"
          "The URL also comes from QUERN_URL, credentials from QUERN_USER or QUERN_TOKEN.\n"
          "Exit status: 0 success, 1 job failed, 2 usage, 3 server or network error.\n"
          "See quern(1).\n",
          f);
}

static const struct opt_def *opt_find(const char *arg, const char **value)
{
    *value = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t n = eq != NULL ? (size_t)(eq - name) : strlen(name);
        for (size_t i = 0; i < QUERN_ARRAY_LEN(opts); i++) {
            if (strlen(opts[i].lng) == n && strncmp(opts[i].lng, name, n) == 0) {
                *value = eq != NULL ? eq + 1 : NULL;
                return &opts[i];
            }
        }
        return NULL;
    }
    for (size_t i = 0; i < QUERN_ARRAY_LEN(opts); i++) {
        if (opts[i].shrt == arg[1]) {
            *value = arg[2] != '\0' ? arg + 2 : NULL;
            return &opts[i];
        }
    }
    return NULL;
}

static int check_list(const char *what, const char *list, bool statuses, struct qerr *err)
{
    const char *p = list;
    while (true) {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        bool ok = n > 0 && n <= 255;
        if (ok && statuses) {
            ok = false;
            for (size_t i = 0; i < QUERN_ARRAY_LEN(job_statuses); i++) {
                ok = ok || (strlen(job_statuses[i]) == n && strncmp(job_statuses[i], p, n) == 0);
            }
        }
        for (size_t i = 0; ok && !statuses && i < n; i++) {
            ok = p[i] != ' ' && p[i] != '&' && p[i] != '#';
        }
        if (!ok) {
            qerr_set(err, QERR_INVALID, "bad --%s '%.*s'%s", what, (int)n, p,
                     statuses ? " (accepted, running, successful, failed or dismissed)" : "");
            return -1;
        }
        if (comma == NULL) {
            return 0;
        }
        p = comma + 1;
    }
}

/* Stores one option's value (or flag) in out. */
static int opt_apply(const struct opt_def *o, const char *v, struct args *out, struct qerr *err)
{
    switch (o->id) {
    case OPT_URL:
        out->url = v;
        break;
    case OPT_USER:
        out->user = v;
        break;
    case OPT_TOKEN:
        out->token = v;
        break;
    case OPT_JSON:
        out->json = true;
        break;
    case OPT_VERBOSE:
        out->verbose = true;
        break;
    case OPT_HELP:
        out->cmd = ARGS_CMD_HELP;
        break;
    case OPT_VERSION:
        out->cmd = ARGS_CMD_VERSION;
        break;
    case OPT_ASYNC:
        out->async = true;
        break;
    case OPT_WAIT:
        out->wait = true;
        break;
    case OPT_FOLLOW:
        out->follow = true;
        break;
    case OPT_OUTPUT_DIR:
        out->output_dir = v;
        break;
    case OPT_STATUS:
        out->status = v;
        return check_list("status", v, true, err);
    case OPT_PROCESS:
        out->process = v;
        return check_list("process", v, false, err);
    case OPT_LIMIT:
        if (qstr_to_long(v, 1, 10000, &out->limit) < 0) {
            qerr_set(err, QERR_INVALID, "--limit wants a number from 1 to 10000, not '%s'", v);
            return -1;
        }
        break;
    case OPT_INPUT:
        if (out->n_inputs == ARGS_MAX_INPUTS) {
            qerr_set(err, QERR_INVALID, "more than %d inputs", ARGS_MAX_INPUTS);
            return -1;
        }
        if (strchr(v, '=') == NULL || v[0] == '=') {
            qerr_set(err, QERR_INVALID, "-i wants NAME=VALUE or NAME=@FILE, not '%s'", v);
            return -1;
        }
        out->inputs[out->n_inputs++] = v;
        break;
    }
    return 0;
}

static int positional(const char *arg, struct args *out, bool *have_cmd, struct qerr *err)
{
    if (!*have_cmd) {
        for (size_t i = 0; i < QUERN_ARRAY_LEN(cmds); i++) {
            if (strcmp(cmds[i].name, arg) == 0) {
                /* --help or --version given before the command still wins. */
                if (out->cmd == ARGS_CMD_NONE) {
                    out->cmd = cmds[i].cmd;
                }
                *have_cmd = true;
                return 0;
            }
        }
        qerr_set(err, QERR_INVALID, "unknown command '%s'", arg);
        return -1;
    }
    if (out->operand != NULL) {
        qerr_set(err, QERR_INVALID, "unexpected argument '%s'", arg);
        return -1;
    }
    out->operand = arg;
    return 0;
}

/* Options after the command must belong to it; checked once the command is known. */
static int check_fits(const struct args *out, enum args_cmd cmd, const unsigned *seen,
                      struct qerr *err)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(opts); i++) {
        if (seen[i] != 0 && (opts[i].cmds & CMD_BIT(cmd)) == 0) {
            qerr_set(err, QERR_INVALID, "--%s does not apply to '%s'", opts[i].lng,
                     args_cmd_name(cmd));
            return -1;
        }
    }
    const struct cmd_def *def = NULL;
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cmds); i++) {
        def = cmds[i].cmd == cmd ? &cmds[i] : def;
    }
    QASSERT(def != NULL);
    if (def->operand != NULL && out->operand == NULL) {
        qerr_set(err, QERR_INVALID, "'%s' needs a %s", def->name, def->operand);
        return -1;
    }
    if (def->operand == NULL && out->operand != NULL) {
        qerr_set(err, QERR_INVALID, "'%s' takes no argument, got '%s'", def->name, out->operand);
        return -1;
    }
    return 0;
}

static int finish(struct args *out, const struct args_env *env, const unsigned *seen,
                  struct qerr *err)
{
    if (out->cmd == ARGS_CMD_HELP || out->cmd == ARGS_CMD_VERSION) {
        return 0;
    }
    if (out->cmd == ARGS_CMD_NONE) {
        qerr_set(err, QERR_INVALID, "no command given");
        return -1;
    }
    if (check_fits(out, out->cmd, seen, err) < 0) {
        return -1;
    }
    if (out->user != NULL && out->token != NULL) {
        qerr_set(err, QERR_INVALID, "--user and --token exclude each other");
        return -1;
    }
    if (out->user == NULL && out->token == NULL && env != NULL) {
        out->token = env->token;
        out->user = out->token == NULL ? env->user : NULL;
    }
    if (out->user != NULL && strchr(out->user, ':') == NULL) {
        qerr_set(err, QERR_INVALID, "--user wants USER:PASSWORD");
        return -1;
    }
    if (out->url == NULL) {
        out->url =
            env != NULL && env->url != NULL && env->url[0] != '\0' ? env->url : ARGS_DEFAULT_URL;
    }
    if (strncmp(out->url, "http://", 7) != 0 && strncmp(out->url, "https://", 8) != 0) {
        qerr_set(err, QERR_INVALID, "the server URL must start with http:// or https://");
        return -1;
    }
    const char *host = out->url + strcspn(out->url, ":") + 3;
    if (memchr(host, '@', strcspn(host, "/?#")) != NULL) {
        qerr_set(err, QERR_INVALID, "put credentials in --user or --token, not in the URL");
        return -1;
    }
    if (out->async && out->cmd == ARGS_CMD_RUN && out->output_dir != NULL && !out->wait) {
        qerr_set(err, QERR_INVALID, "--output-dir with --async needs --wait (or use 'results')");
        return -1;
    }
    return 0;
}

int args_parse(int argc, char *const *argv, const struct args_env *env, struct args *out,
               struct qerr *err)
{
    unsigned seen[QUERN_ARRAY_LEN(opts)] = {0};
    bool have_cmd = false;
    bool opts_done = false;
    memset(out, 0, sizeof *out);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (opts_done || arg[0] != '-' || arg[1] == '\0') {
            if (positional(arg, out, &have_cmd, err) < 0) {
                return -1;
            }
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            opts_done = true;
            continue;
        }
        const char *value = NULL;
        const struct opt_def *o = opt_find(arg, &value);
        if (o == NULL) {
            qerr_set(err, QERR_INVALID, "unknown option '%s'", arg);
            return -1;
        }
        if (!o->has_value && value != NULL) {
            qerr_set(err, QERR_INVALID, "--%s takes no value", o->lng);
            return -1;
        }
        if (o->has_value && value == NULL) {
            if (i + 1 >= argc) {
                qerr_set(err, QERR_INVALID, "--%s needs a value", o->lng);
                return -1;
            }
            value = argv[++i];
        }
        seen[o - opts]++;
        if (opt_apply(o, value, out, err) < 0) {
            return -1;
        }
    }
    return finish(out, env, seen, err);
}
