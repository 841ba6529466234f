// SPDX-License-Identifier: MIT
/*
 * args - the quern command line: global options, one command, its operand
 * and its options, checked completely before anything touches the network.
 *
 * Options may come before or after the command; "--" ends them. Every
 * string in struct args is borrowed from argv or the environment.
 * args_parse() fills err (QERR_INVALID) with a one-line reason on any
 * mistake; args_usage() prints the synopsis.
 */
#ifndef QUERN_CLIENT_ARGS_H
#define QUERN_CLIENT_ARGS_H

#include "common/compat.h"

#include <stdio.h>

#include "common/qerr.h"

#define ARGS_MAX_INPUTS 256
#define ARGS_DEFAULT_URL "http://127.0.0.1:8080"

enum args_cmd {
    ARGS_CMD_NONE = 0,
    ARGS_CMD_HELP,
    ARGS_CMD_VERSION,
    ARGS_CMD_PROCESSES,
    ARGS_CMD_DESCRIBE,
    ARGS_CMD_RUN,
    ARGS_CMD_STATUS,
    ARGS_CMD_WAIT,
    ARGS_CMD_LOGS,
    ARGS_CMD_RESULTS,
    ARGS_CMD_DISMISS,
    ARGS_CMD_JOBS,
};

struct args {
    const char *url;   /* --url, else $QUERN_URL, else ARGS_DEFAULT_URL */
    const char *user;  /* --user U:P, else $QUERN_USER */
    const char *token; /* --token T, else $QUERN_TOKEN */
    bool json;
    bool verbose; /* log each request (method, URL, status, size, time) on stderr */
    enum args_cmd cmd;
    const char *operand;                 /* process id (describe, run) or job id */
    const char *inputs[ARGS_MAX_INPUTS]; /* -i NAME=VALUE, in order */
    size_t n_inputs;
    bool async;
    bool wait;
    bool follow;
    const char *output_dir;
    const char *status;  /* jobs --status, comma-separated */
    const char *process; /* jobs --process, comma-separated */
    long limit;          /* jobs --limit, 0 = the server's default */
};

/* The environment values a parse may fall back to (any may be NULL). */
struct args_env {
    const char *url;
    const char *user;
    const char *token;
};

/* Parses argv into out. 0 on success; -1 with err (QERR_INVALID) otherwise. */
int args_parse(int argc, char *const *argv, const struct args_env *env, struct args *out,
               struct qerr *err) QUERN_MUSTCHECK;

/* Prints the synopsis and the commands to f. */
void args_usage(FILE *f);

/* The command's name as typed ("run"), "" for none. */
const char *args_cmd_name(enum args_cmd cmd);

#endif
