// SPDX-License-Identifier: MIT
/*
 * cli - what every quern command shares: the parsed arguments, the HTTP
 * client, and the exit codes the man page documents.
 *
 * One struct cli is made in main() and passed down; nothing in client/ keeps
 * global state. Commands return an exit code (CLI_EXIT_OK or
 * CLI_EXIT_JOB_FAILED) or -1 with err filled in; main() turns err into
 * CLI_EXIT_USAGE (QERR_INVALID: the user's mistake, found before or without
 * the server) or CLI_EXIT_SERVER (anything the server or network said);
 * with --json it also prints the server's exception document, when the
 * error came with one, on stdout.
 */
#ifndef QUERN_CLIENT_CLI_H
#define QUERN_CLIENT_CLI_H

#include "common/compat.h"

#include <jansson.h>
#include <stdio.h>

#include "client/args.h"
#include "client/http.h"

enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_JOB_FAILED = 1, /* the job ended failed or dismissed */
    CLI_EXIT_USAGE = 2,      /* bad arguments or input values */
    CLI_EXIT_SERVER = 3,     /* the server answered an error, or the network failed */
};

struct cli {
    const struct args *args;
    struct http_client http;
    FILE *out;         /* results, tables, JSON: stdout */
    FILE *msg;         /* progress and notes: stderr */
    bool msg_is_tty;   /* msg is a terminal: draw the progress bar */
    json_t *exception; /* the last exception document the server sent (owned), or NULL */
};

#endif
