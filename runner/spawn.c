// SPDX-License-Identifier: MIT
/*
 * spawn - fork/exec with pipes, limits and process groups; the reaper.
 * See spawn.h. The child is started with vfork(): the runner maps several
 * libraries, and copying its page tables on every fork cost more than the
 * whole rest of a no-op job (measured with bench/jobs.sh). Between vfork
 * and exec the child therefore only makes system calls on its own stack
 * and never returns; all signals are blocked around the vfork so no
 * runner handler can run in the child before it resets them.
 * A job's main process dies with the runner (PDEATHSIG), but what it forked
 * would not: the guard, a helper forked once by spawn_init, holds the
 * process group of every live child and SIGKILLs them all when its socket
 * to the runner closes, which happens however the runner ends (kill -9 too).
 */
#include "common/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "runner/spawn.h"

struct spawn_entry {
    pid_t pid;
    spawn_exit_cb cb;
    void *arg;
};

/* The children this process started and has not reaped (a process-wide fact, like SIGCHLD). */
static struct spawn_entry *spawn_tab;
static size_t spawn_n, spawn_cap;

/* The guard's end of the socket in the runner (-1: no guard) and its pid. */
static int guard_fd = -1;
static pid_t guard_pid = -1;
/* In the guard: the process groups to kill when the runner goes. */
static pid_t *guard_groups;
static size_t guard_n, guard_cap;

static void guard_note(int32_t v)
{
    if (v > 0) {
        if (guard_n == guard_cap) {
            size_t n = guard_cap > 0 ? guard_cap * 2 : 64;
            pid_t *t = realloc(guard_groups, n * sizeof *t);
            if (t == NULL) {
                return; /* this group then dies only with its leader */
            }
            guard_groups = t;
            guard_cap = n;
        }
        guard_groups[guard_n++] = (pid_t)v;
        return;
    }
    for (size_t i = 0; i < guard_n; i++) {
        if (guard_groups[i] == (pid_t)-v) {
            guard_groups[i] = guard_groups[--guard_n];
            return;
        }
    }
}

/* The guard process: records +pgid / -pgid messages until the runner's end of the
 * socket closes, then kills every group still recorded. Never returns. */
static void guard_main(int fd)
{
    signal(SIGTERM, SIG_IGN); /* a service manager signals the whole group: outlive the runner */
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    int devnull = open("/dev/null", O_RDWR);
    for (int i = 0; i < 3 && devnull >= 0; i++) {
        dup2(devnull, i); /* hold no pipe of whoever started the runner */
    }
    struct rlimit nofile = {1024, 1024};
    getrlimit(RLIMIT_NOFILE, &nofile);
    int maxfd = nofile.rlim_cur > 65536 ? 65536 : (int)nofile.rlim_cur;
    for (int i = 3; i < maxfd; i++) {
        if (i != fd) {
            close(i); /* the runner's database socket, pipes, ...: not ours */
        }
    }
    for (;;) {
        int32_t v;
        ssize_t got = recv(fd, &v, sizeof v, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got != (ssize_t)sizeof v) {
            break; /* 0: the runner is gone */
        }
        guard_note(v);
    }
    for (size_t i = 0; i < guard_n; i++) {
        kill(-guard_groups[i], SIGKILL);
    }
    _exit(0);
}

static void guard_start(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        log_warn("no process guard (socketpair: %s): a job's grandchildren may outlive a killed "
                 "runner", strerror(errno));
        return;
    }
    pid_t p = fork();
    if (p == 0) {
        close(sv[0]);
        guard_main(sv[1]);
    }
    close(sv[1]);
    if (p < 0) {
        log_warn("no process guard (fork: %s): a job's grandchildren may outlive a killed runner",
                 strerror(errno));
        close(sv[0]);
        return;
    }
    guard_fd = sv[0];
    guard_pid = p;
}

/* Tells the guard about a group (+pgid) or that it is gone (-pgid). */
static void guard_send(int32_t v)
{
    if (guard_fd >= 0 && send(guard_fd, &v, sizeof v, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        log_warn("process guard: %s", strerror(errno));
    }
}

void spawn_init(void)
{
    if (compat_set_subreaper() < 0) {
        log_warn("cannot become a child subreaper: %s", strerror(errno));
    }
    if (guard_fd < 0) {
        guard_start();
    }
}

static int spawn_track(pid_t pid, spawn_exit_cb cb, void *arg)
{
    if (spawn_n == spawn_cap) {
        size_t n = spawn_cap > 0 ? spawn_cap * 2 : 64;
        struct spawn_entry *t = realloc(spawn_tab, n * sizeof *t);
        if (t == NULL) {
            return -1;
        }
        spawn_tab = t;
        spawn_cap = n;
    }
    spawn_tab[spawn_n++] = (struct spawn_entry){pid, cb, arg};
    return 0;
}

static struct spawn_entry *spawn_lookup(pid_t pid)
{
    for (size_t i = 0; i < spawn_n; i++) {
        if (spawn_tab[i].pid == pid) {
            return &spawn_tab[i];
        }
    }
    return NULL;
}

static void child_write(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

/* Runs in the child: never returns. */
static void child_exec(const struct spawn_opts *o, int out_w, int err_w, pid_t parent)
{
    setpgid(0, 0);
    compat_set_pdeathsig(SIGKILL);
    if (getppid() != parent) {
        _exit(127); /* the runner died between fork and prctl */
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) {
        sigaction(s, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) {
        _exit(127);
    }
    const char *what = "chdir";
    if (chdir(o->dir) == 0) {
        what = "setrlimit";
        struct rlimit as = {(rlim_t)o->memory_mib * 1024 * 1024, (rlim_t)o->memory_mib * 1024 * 1024};
        struct rlimit cpu = {(rlim_t)o->cpu_seconds, (rlim_t)o->cpu_seconds + 1};
        if ((o->memory_mib <= 0 || setrlimit(RLIMIT_AS, &as) == 0) &&
            (o->cpu_seconds <= 0 || setrlimit(RLIMIT_CPU, &cpu) == 0)) {
            what = "execute";
            execve(o->argv[0], o->argv, o->envp);
        }
    }
    int e = errno;
    child_write("quern: cannot ");
    child_write(what);
    child_write(" ");
    child_write(o->argv[0]);
    child_write(": ");
    child_write(compat_strerror_safe(e));
    child_write("\n");
    _exit(127);
}

static int pipe_pair(int p[2], struct qerr *err)
{
    if (pipe2(p, O_CLOEXEC) < 0) {
        qerr_set_errno(err, QERR_BACKEND, "pipe");
        return -1;
    }
    if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
        qerr_set_errno(err, QERR_BACKEND, "fcntl");
        close(p[0]);
        close(p[1]);
        return -1;
    }
    return 0;
}

int spawn_child(const struct spawn_opts *o, spawn_exit_cb on_exit, void *arg, pid_t *pid,
                int *out_fd, int *err_fd, struct qerr *err)
{
    int out[2] = {-1, -1}, er[2] = {-1, -1};
    QASSERT(o->argv != NULL && o->argv[0] != NULL);
    if (pipe_pair(out, err) < 0 || pipe_pair(er, err) < 0) {
        goto fail;
    }
    /* Track first so the table cannot fail to grow after the child exists. */
    if (spawn_track(-1, on_exit, arg) < 0) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        goto fail;
    }
    pid_t parent = getpid();
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t p = vfork();
    if (p == 0) {
        child_exec(o, out[1], er[1], parent);
    }
    int fork_errno = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (p < 0) {
        spawn_n--;
        errno = fork_errno;
        qerr_set_errno(err, QERR_BACKEND, "vfork");
        goto fail;
    }
    spawn_tab[spawn_n - 1].pid = p;
    /* Both sides set the group so neither races the other. */
    if (setpgid(p, p) < 0 && errno != EACCES && errno != ESRCH) {
        log_debug("setpgid %ld: %s", (long)p, strerror(errno));
    }
    guard_send((int32_t)p);
    close(out[1]);
    close(er[1]);
    *pid = p;
    *out_fd = out[0];
    *err_fd = er[0];
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0) {
            close(out[i]);
        }
        if (er[i] >= 0) {
            close(er[i]);
        }
    }
    return -1;
}

void spawn_forget(pid_t pid)
{
    struct spawn_entry *e = spawn_lookup(pid);
    if (e != NULL) {
        e->cb = NULL;
    }
}

int spawn_reap(void)
{
    int n = 0;
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) {
            break;
        }
        n++;
        struct spawn_entry *e = spawn_lookup(pid);
        if (pid == guard_pid) {
            log_warn("the process guard %ld exited: a job's grandchildren may now outlive a "
                     "killed runner", (long)pid);
            close(guard_fd);
            guard_fd = guard_pid = -1;
            continue;
        }
        if (e == NULL) {
            log_debug("reaped pid %ld (not a job's main process)", (long)pid);
            continue;
        }
        struct spawn_entry copy = *e;
        *e = spawn_tab[--spawn_n];
        if (copy.cb != NULL) {
            copy.cb(pid, status, copy.arg);
        }
        guard_send(-(int32_t)pid);
    }
    return n;
}

void spawn_kill(pid_t pid, int sig)
{
    if (pid > 0 && kill(-pid, sig) < 0 && errno != ESRCH) {
        log_warn("kill -%d group %ld: %s", sig, (long)pid, strerror(errno));
    }
}

int spawn_live(void)
{
    return (int)spawn_n;
}
