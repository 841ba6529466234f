// SPDX-License-Identifier: MIT
/*
 * rjob_prep - a claimed job's argv, environment, limits and directories
 * (see rjob_prep.c for what a process is granted).
 */
#ifndef QUERN_RJOB_PREP_H
#define QUERN_RJOB_PREP_H

#include "common/compat.h"
#include "common/qerr.h"
#include "runner/rjob.h"

/*
 * Fills job's argv, envp, inputs_json, job_dir, output_dir and limits from
 * its definition and request; make_dirs: (re)creates the directories.
 * The strings are owned by job (freed by the core).
 */
int rjob_prepare(struct rjob *job, const char *work_dir, bool make_dirs, struct qerr *err)
    QUERN_MUSTCHECK;
/* Removes dir and everything under it without following symlinks. */
int rjob_dir_remove(const char *dir);
/* Frees a NULL-terminated string vector. */
void rjob_strv_free(char **v);
/* True for a variable name a definition may set (not PATH, not QUERN_*). */
bool rjob_env_name_ok(const char *name);

#endif
