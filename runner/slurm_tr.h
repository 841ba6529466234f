// SPDX-License-Identifier: MIT
/*
 * slurm_tr - the two ways be_slurm talks to Slurm, behind one table:
 * slurm_cli (sbatch --parsable, squeue, scancel run through spawn_child
 * with an argv, never a shell) and slurm_rest (slurmrestd over libcurl on
 * the runner's loop, local auth on a unix socket or JWT).
 *
 * Every call is asynchronous: it returns at once and its callback fires
 * exactly once from inside the loop, unless the transport is freed first
 * (then no callback fires). Callbacks receive borrowed data.
 * Use: slurm_cli_new / slurm_rest_new -> submit/query/cancel ... -> free.
 */
#ifndef QUERN_SLURM_TR_H
#define QUERN_SLURM_TR_H

#include "common/cfg.h"
#include "common/qerr.h"
#include "runner/ev.h"
#include "runner/slurm_script.h"
#include "runner/slurm_state.h"

struct slurm_tr;

/* slurm_id is the new job's id, or NULL with a message in error. */
typedef void (*slurm_submit_cb)(void *arg, const char *slurm_id, const char *error);
/*
 * The statuses Slurm still has for the asked ids (ids it does not know are
 * simply absent), or error != NULL when the query itself failed.
 */
typedef void (*slurm_query_cb)(void *arg, const struct slurm_status *st, size_t n,
                               const char *error);
typedef void (*slurm_cancel_cb)(void *arg, const char *error);

struct slurm_tr_ops {
    const char *name;
    /* script_path is the script on the shared file system, script its text. */
    int (*submit)(struct slurm_tr *t, const struct slurm_spec *spec, const char *script,
                  slurm_submit_cb cb, void *arg, struct qerr *err);
    int (*query)(struct slurm_tr *t, const char *const *ids, size_t n, slurm_query_cb cb,
                 void *arg, struct qerr *err);
    int (*cancel)(struct slurm_tr *t, const char *id, slurm_cancel_cb cb, void *arg,
                  struct qerr *err);
    /* Abandons calls in flight (no callbacks) and frees t. */
    void (*free)(struct slurm_tr *t);
};

struct slurm_tr {
    const struct slurm_tr_ops *ops;
};

/* The transport slurm.transport names; NULL with err (bad URL, no curl...). */
struct slurm_tr *slurm_cli_new(struct ev *ev, const struct cfg *cfg, struct qerr *err);
struct slurm_tr *slurm_rest_new(struct ev *ev, const struct cfg *cfg, struct qerr *err);

#endif
