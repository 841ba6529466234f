// SPDX-License-Identifier: MIT
/*
 * quern - the command-line client of an OGC API - Processes server.
 *
 * main() parses the command line (args), sets up the HTTP client (http)
 * and runs one command (cmd_*) from the table below; it alone turns an
 * error into a message on stderr and an exit code: 0 success, 1 the job
 * failed, 2 usage, 3 the server or the network. Credentials come from
 * --user/--token or QUERN_USER/QUERN_TOKEN and are never printed.
 */
#include "common/compat.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/api.h"
#include "client/args.h"
#include "client/cli.h"
#include "client/cmd.h"
#include "client/fmt.h"
#include "common/log.h"

typedef int (*cmd_fn)(struct cli *cli, struct qerr *err);

struct cmd_entry {
    enum args_cmd cmd;
    cmd_fn fn;
};

static const struct cmd_entry commands[] = {
    {ARGS_CMD_PROCESSES, cmd_processes},
    {ARGS_CMD_DESCRIBE, cmd_describe},
    {ARGS_CMD_RUN, cmd_run},
    {ARGS_CMD_STATUS, cmd_status},
    {ARGS_CMD_WAIT, cmd_wait},
    {ARGS_CMD_LOGS, cmd_logs},
    {ARGS_CMD_RESULTS, cmd_results},
    {ARGS_CMD_DISMISS, cmd_dismiss},
    {ARGS_CMD_JOBS, cmd_jobs},
};

static int fail(const struct qerr *err)
{
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    fmt_clean(msg);
    fprintf(stderr, "quern: error: %s\n", msg);
    return err->code == QERR_INVALID ? CLI_EXIT_USAGE : CLI_EXIT_SERVER;
}

/*
 * Ctrl-C while a progress bar is drawn: end its line so the shell's prompt
 * starts on a fresh one, then die of the signal as usual. write(), signal()
 * and raise() are async-signal-safe.
 */
static void on_interrupt(int sig)
{
    ssize_t n = write(STDERR_FILENO, "\n", 1);
    (void)n;
    signal(sig, SIG_DFL);
    raise(sig);
}

/*
 * Blanks a credential given on the command line once it has been copied, so
 * `ps` and /proc/PID/cmdline stop showing it (for the short time before,
 * QUERN_USER/QUERN_TOKEN are the safe way).
 */
static void hide_arg(int argc, char **argv, const char *value)
{
    for (int i = 1; value != NULL && i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (value >= argv[i] && value <= argv[i] + n) {
            memset(argv[i] + (value - argv[i]), '*', strlen(value));
        }
    }
}

static int run_command(const struct args *a, int argc, char **argv)
{
    struct qerr err = QERR_INIT;
    struct cli cli = {a, {0}, stdout, stderr, isatty(STDERR_FILENO) != 0, NULL};
    cmd_fn fn = NULL;
    for (size_t i = 0; i < QUERN_ARRAY_LEN(commands); i++) {
        fn = commands[i].cmd == a->cmd ? commands[i].fn : fn;
    }
    QASSERT(fn != NULL);
    if (cli.msg_is_tty) {
        signal(SIGINT, on_interrupt);
    }
    if (http_client_init(&cli.http, a->url, a->user, a->token, &err) < 0) {
        return fail(&err);
    }
    hide_arg(argc, argv, a->user);
    hide_arg(argc, argv, a->token);
    int rc = fn(&cli, &err);
    http_client_cleanup(&cli.http);
    if (rc < 0 && a->json && cli.exception != NULL) {
        api_print_json(stdout, cli.exception);
    }
    json_decref(cli.exception);
    fflush(stdout);
    return rc < 0 ? fail(&err) : rc;
}

int main(int argc, char **argv)
{
    struct args a;
    struct qerr err = QERR_INIT;
    struct args_env env = {getenv("QUERN_URL"), getenv("QUERN_USER"), getenv("QUERN_TOKEN")};
    if (args_parse(argc, argv, &env, &a, &err) < 0) {
        fprintf(stderr, "quern: %s\n", err.msg);
        fputs("Try 'quern --help'.\n", stderr);
        return CLI_EXIT_USAGE;
    }
    log_init("quern", a.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
    if (a.cmd == ARGS_CMD_HELP) {
        args_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (a.cmd == ARGS_CMD_VERSION) {
        printf("quern %s\n", PACKAGE_VERSION);
        return CLI_EXIT_OK;
    }
    return run_command(&a, argc, argv);
}
