// SPDX-License-Identifier: MIT
/*
 * spawn - the only place quern forks and execs, and the only reaper.
 *
 * spawn_child() starts an argv in its own process group (pgid = pid) with
 * stdin on /dev/null and stdout/stderr on fresh non-blocking pipes, in a
 * given directory, with only the given environment and resource limits,
 * signal mask and handlers reset, and SIGKILL on the runner's death.
 * Every fd quern opens is close-on-exec, so the child inherits nothing else.
 * Exec failures are reported by the child on its stderr (exit 127), so the
 * parent never waits for the exec.
 * spawn_reap() runs on SIGCHLD: waitpid(-1, WNOHANG) until nothing is left,
 * handing each known pid's status to its callback and logging the others
 * (orphaned grandchildren re-parented to the runner as subreaper).
 * Use: spawn_init -> spawn_child ... spawn_reap (on SIGCHLD) -> spawn_kill.
 */
#ifndef QUERN_SPAWN_H
#define QUERN_SPAWN_H

#include <sys/types.h>

#include "common/compat.h"
#include "common/qerr.h"

struct spawn_opts {
    char *const *argv;  /* argv[0] is an absolute path */
    char *const *envp;
    const char *dir;    /* working directory */
    long memory_mib;    /* RLIMIT_AS; 0: unlimited */
    long cpu_seconds;   /* RLIMIT_CPU; 0: unlimited */
};

/* Called once when the child pid has been reaped (status as from waitpid). */
typedef void (*spawn_exit_cb)(pid_t pid, int status, void *arg);

/* Makes the runner a subreaper so orphaned grandchildren are reaped here. */
void spawn_init(void);

/*
 * Starts a child. On success returns 0 with *pid and the parent's read ends
 * *out_fd (stdout) and *err_fd (stderr), non-blocking and close-on-exec,
 * owned by the caller; on_exit(arg) fires from spawn_reap.
 */
int spawn_child(const struct spawn_opts *o, spawn_exit_cb on_exit, void *arg, pid_t *pid,
                int *out_fd, int *err_fd, struct qerr *err) QUERN_MUSTCHECK;

/* Forgets pid's callback (its exit will only be logged). */
void spawn_forget(pid_t pid);

/* Reaps every exited child; returns how many were reaped. */
int spawn_reap(void);

/* Sends sig to the whole process group of pid (the child and what it forked). */
void spawn_kill(pid_t pid, int sig);

/* How many children started by spawn_child have not been reaped yet. */
int spawn_live(void);

#endif
