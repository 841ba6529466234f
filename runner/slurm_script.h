// SPDX-License-Identifier: MIT
/*
 * slurm_script - what quern hands Slurm for one job: the batch script, the
 * sbatch argv (command-line transport) and the slurmrestd submit body.
 *
 * The script runs the definition's command with the inputs JSON as its
 * last argument. Every word is single-quoted for sh (a ' becomes '\''), so
 * no byte of the command or of a path is ever split or expanded; the
 * inputs travel in the file inputs.json of the job's directory and reach
 * the command as one argument through "$(cat ...)". After the command the
 * script writes the completion marker `exit N` (atomically, by rename):
 * the backend trusts it when Slurm has already forgotten the job.
 * The environment is not in the script: sbatch passes its own (the job's
 * envp, --export=ALL) and slurmrestd gets it in the body, so secrets never
 * reach a file or an argv.
 * Nothing here touches the file system: slurm_script_* only build text.
 */
#ifndef QUERN_SLURM_SCRIPT_H
#define QUERN_SLURM_SCRIPT_H

#include <jansson.h>

#include "common/buf.h"
#include "common/compat.h"
#include "common/qerr.h"

/* File names inside a job's directory. */
#define SLURM_FILE_SCRIPT "job.sh"
#define SLURM_FILE_INPUTS "inputs.json"
#define SLURM_FILE_STDOUT "stdout"
#define SLURM_FILE_STDERR "stderr"
#define SLURM_FILE_MARKER "exit"
#define SLURM_DIR_OUTPUT "output"

struct slurm_spec {
    const char *job_id;      /* quern's job uuid: job name quern-<id> */
    const char *dir;         /* absolute path of the job's directory, shared with the nodes */
    char *const *command;    /* the definition's command, NULL-terminated (no inputs) */
    char *const *envp;       /* "K=V", NULL-terminated */
    const char *partition;   /* NULL or "": Slurm's default */
    const char *account;
    const char *qos;
    long timeout_s;          /* 0: no time limit asked */
    double cpus;             /* 0: Slurm's default */
    long memory_mib;         /* 0: Slurm's default */
};

/* Appends s single-quoted for sh to b. */
int slurm_sh_quote(struct buf *b, const char *s, struct qerr *err) QUERN_MUSTCHECK;

/* The batch script; new string owned by the caller, NULL with err. */
char *slurm_script_text(const struct slurm_spec *s, struct qerr *err);

/* Slurm's --time in minutes for a timeout in seconds (rounded up; 0 = none). */
long slurm_time_limit_minutes(long timeout_s);

/*
 * The argv of `sbatch --parsable ... <dir>/job.sh` (sbatch_path first),
 * NULL-terminated; free with slurm_argv_free. NULL with err.
 */
char **slurm_sbatch_argv(const struct slurm_spec *s, const char *sbatch_path, struct qerr *err);
void slurm_argv_free(char **argv);

/*
 * The body of POST /slurm/<version>/job/submit (new reference). version
 * "v0.0.38" sends the environment as an object, later ones as "K=V" list.
 */
json_t *slurm_rest_submit_body(const struct slurm_spec *s, const char *script,
                               const char *version, struct qerr *err);

#endif
