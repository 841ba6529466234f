// SPDX-License-Identifier: MIT
/*
 * cmd - the quern commands, one function each, grouped by what they touch:
 * cmd_proc.c (processes, describe), cmd_run.c (run), cmd_job.c (status,
 * dismiss, jobs), cmd_wait.c (wait and the watching loop run --wait uses),
 * cmd_logs.c (logs), cmd_results.c (results and the result printing run
 * uses). Each returns CLI_EXIT_OK or CLI_EXIT_JOB_FAILED, or -1 with err.
 */
#ifndef QUERN_CLIENT_CMD_H
#define QUERN_CLIENT_CMD_H

#include "common/compat.h"

#include <jansson.h>

#include "client/cli.h"
#include "common/qerr.h"

int cmd_processes(struct cli *cli, struct qerr *err);
int cmd_describe(struct cli *cli, struct qerr *err);
int cmd_run(struct cli *cli, struct qerr *err);
int cmd_status(struct cli *cli, struct qerr *err);
int cmd_wait(struct cli *cli, struct qerr *err);
int cmd_logs(struct cli *cli, struct qerr *err);
int cmd_results(struct cli *cli, struct qerr *err);
int cmd_dismiss(struct cli *cli, struct qerr *err);
int cmd_jobs(struct cli *cli, struct qerr *err);

/*
 * Polls the job until it ends, drawing its progress on cli->msg (a bar on
 * a terminal, a line per change otherwise, nothing with --json). *final is
 * the last statusInfo (new reference). Returns 0 or -1 with err.
 */
int cmd_wait_job(struct cli *cli, const char *job_id, json_t **final,
                 struct qerr *err) QUERN_MUSTCHECK;

/*
 * Reports a job that ended: "job ID STATUS[: message]" on stdout, the
 * failure's exception on stderr; with --json the statusInfo. Returns the
 * exit code its status means.
 */
int cmd_job_report(struct cli *cli, const char *job_id, const json_t *info);

/*
 * Shows a results document: inline values as "output: value" lines,
 * references downloaded into output_dir (or their links when it is NULL);
 * with --json the document itself. Returns 0 or -1 with err.
 */
int cmd_results_show(struct cli *cli, const json_t *results, const char *output_dir,
                     struct qerr *err) QUERN_MUSTCHECK;

#endif
