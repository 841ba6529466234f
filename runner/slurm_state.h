// SPDX-License-Identifier: MIT
/*
 * slurm_state - what Slurm says about a job, read from either transport:
 * squeue's `-O JobID:|,State:|,Reason:|,exit_code:|` lines, a
 * `scontrol show job -o` line, or slurmrestd's job JSON (v0.0.38, where
 * exit_code is a raw wait status, and the object shapes of later versions).
 *
 * It only parses and classifies; it never runs anything. The backend
 * (be_slurm.c) turns a terminal status into rjob_exited.
 */
#ifndef QUERN_SLURM_STATE_H
#define QUERN_SLURM_STATE_H

#include <jansson.h>

#include "common/compat.h"
#include "common/qerr.h"

enum slurm_state {
    SLURM_ST_UNKNOWN = 0, /* a state name quern does not know: treated as still active */
    SLURM_ST_PENDING,
    SLURM_ST_CONFIGURING,
    SLURM_ST_RUNNING,
    SLURM_ST_COMPLETING,
    SLURM_ST_SUSPENDED,
    SLURM_ST_REQUEUED,
    SLURM_ST_COMPLETED,
    SLURM_ST_FAILED,
    SLURM_ST_TIMEOUT,
    SLURM_ST_OUT_OF_MEMORY,
    SLURM_ST_CANCELLED,
    SLURM_ST_NODE_FAIL,
    SLURM_ST_PREEMPTED,
    SLURM_ST_BOOT_FAIL,
    SLURM_ST_DEADLINE,
};

struct slurm_status {
    char job_id[32];
    enum slurm_state state;
    char state_name[32]; /* as Slurm spelled it */
    char reason[128];    /* Slurm's reason ("None" dropped), "" if none */
    bool have_exit;      /* exit_code/term_signal are meaningful */
    int exit_code;
    int term_signal;
};

/* The state named s (any case; "CANCELLED by 0" and "CA" forms accepted). */
enum slurm_state slurm_state_parse(const char *s);
const char *slurm_state_name(enum slurm_state st);
/* True for the states in which Slurm will not run the job any further. */
bool slurm_state_terminal(enum slurm_state st);

/* Splits a raw wait status (as waitpid reports it) into exit code or signal. */
void slurm_wait_status_decode(long raw, int *exit_code, int *term_signal);

/*
 * Parses one squeue line "id|STATE|reason|rawstatus|". 0 and *out on
 * success; -1 (QERR_INVALID) for a line of another shape.
 */
int slurm_status_from_squeue(const char *line, struct slurm_status *out, struct qerr *err)
    QUERN_MUSTCHECK;

/* Parses a `scontrol show job -o` line (JobId=, JobState=, Reason=, ExitCode=code:signal). */
int slurm_status_from_scontrol(const char *line, struct slurm_status *out, struct qerr *err)
    QUERN_MUSTCHECK;

/* Reads one element of slurmrestd's "jobs" array (borrowed). */
int slurm_status_from_json(const json_t *job, struct slurm_status *out, struct qerr *err)
    QUERN_MUSTCHECK;

/*
 * Parses the completion marker the batch script writes ("exit N\n");
 * 0 and the status as COMPLETED/FAILED with that code; -1 if malformed.
 */
int slurm_status_from_marker(const char *text, struct slurm_status *out, struct qerr *err)
    QUERN_MUSTCHECK;

#endif
