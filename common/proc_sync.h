// SPDX-License-Identifier: MIT
/*
 * proc_sync - plugin directories into quern.processes, all or nothing.
 *
 * A sync loads every plugin file (*.yaml, *.yml) of the given directories
 * and of their immediate subdirectories, then, in one transaction: inserts
 * new ids, updates changed ones (bumping `updated`), and for ids whose file
 * is gone deletes the row, or marks it unavailable when jobs reference it
 * (history stays readable). A single invalid file, a duplicate id or a
 * clash with a process deployed through the API aborts the sync and changes
 * nothing. quern-admin sync and the runner (at start and on SIGHUP) call
 * proc_sync_dirs; quern-admin check uses the loading half alone.
 */
#ifndef QUERN_PROC_SYNC_H
#define QUERN_PROC_SYNC_H

#include <stdio.h>

#include "common/cfg.h"
#include "common/db.h"
#include "common/proc_def.h"
#include "common/proc_diag.h"

#define PROC_SYNC_MAX_FILES 10000

struct proc_sync_set {
    struct proc_def **v; /* owned, sorted by file name within each directory */
    size_t n;
};

/*
 * Loads the files named (check) or found in dirs (sync) into set, adding
 * every problem to diags, including ids defined by two files and missing
 * directories. Returns 0 when all files are valid, -1 otherwise (err says
 * how many problems; the valid definitions are still in set).
 */
int proc_sync_load_files(char *const *files, size_t n, struct proc_sync_set *set,
                         struct proc_diags *diags, struct qerr *err) QUERN_MUSTCHECK;
int proc_sync_load_dirs(const struct cfg_list *dirs, struct proc_sync_set *set,
                        struct proc_diags *diags, struct qerr *err) QUERN_MUSTCHECK;
/* Frees every definition of set and leaves it empty. */
void proc_sync_set_cleanup(struct proc_sync_set *set);

struct proc_sync_stats {
    size_t added, updated, removed, unavailable, unchanged;
};

/*
 * Writes set into quern.processes in one transaction (db must not be in
 * one). Each change is printed to report (NULL: silent) as a line such as
 * "added echo 1.0.0 (/path/echo.yaml)". Returns the number of changes, or
 * -1 with err set (QERR_CONFLICT for an id deployed through the API) after
 * rolling back.
 */
int proc_sync_apply(struct db *db, const struct proc_sync_set *set, FILE *report,
                    struct proc_sync_stats *stats, struct qerr *err) QUERN_MUSTCHECK;

/*
 * The whole sync: load dirs, print problems (as file:line:column lines) or
 * changes to report (NULL: silent), apply. Returns the number of changes,
 * or -1 with err set when a file is invalid (QERR_INVALID; nothing changed)
 * or the database failed. The runner calls it at start and on SIGHUP with
 * its own connection (not inside a transaction) and stderr as report.
 */
int proc_sync_dirs(struct db *db, const struct cfg_list *dirs, FILE *report,
                   struct qerr *err) QUERN_MUSTCHECK;

#endif
