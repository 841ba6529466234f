// SPDX-License-Identifier: MIT
/* daemon - the running runner's loop glue (see daemon.c). */
#ifndef QUERN_DAEMON_H
#define QUERN_DAEMON_H

#include "runner/runner.h"

/* Signals, LISTEN, timers and the pass hook; r is set up and registered. */
int runner_daemon_start(struct runner *r, struct qerr *err) QUERN_MUSTCHECK;
/* After ev_run returned: last words to the database. */
void runner_daemon_finish(struct runner *r);
/* Syncs plugin files into quern.processes (at start and on SIGHUP); in main.c. */
void runner_sync_plugins(struct runner *r);

#endif
