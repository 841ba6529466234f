// SPDX-License-Identifier: MIT
/*
 * ev - poll(2) loop with fd watchers, timers, signals and a post-pass hook.
 *
 * Watchers live in a table indexed by fd; each pass builds the pollfd array
 * from it. Timers are a flat array scanned per pass: a runner has a few
 * timers per running job, so a heap would buy nothing measurable. Deleted
 * timers are only marked and swept after the pass, so callbacks may delete
 * any timer (their own included) at any time. Signals reach the loop
 * through a non-blocking self-pipe; the handler writes one byte, nothing else.
 */
#include "common/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "runner/ev.h"

struct ev_fdw {
    ev_fd_cb cb;
    void *arg;
    int events; /* 0: not watched */
    unsigned gen; /* bumped on every add/del so stale revents are dropped */
};

struct ev_timer {
    long long due;
    long repeat_ms;
    ev_timer_cb cb;
    void *arg;
    bool dead;
};

struct ev_sig {
    ev_signal_cb cb;
    void *arg;
};

struct ev {
    struct ev_fdw *fds;
    int nfds; /* size of fds */
    struct pollfd *pfd;
    unsigned *pgen;
    int npfd_cap;
    struct ev_timer **timers;
    size_t ntimers, timers_cap;
    ev_hook_cb hook;
    void *hook_arg;
    struct ev_sig sigs[65];
    bool stop;
};

/* The self-pipe is process-wide: signal handlers cannot reach a struct. */
static int ev_sigpipe[2] = {-1, -1};
/* Set by the handler, cleared when the loop has run the signal's callback. */
static volatile sig_atomic_t ev_sigflag[65];

long long ev_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ev *ev_new(struct qerr *err)
{
    struct ev *ev = calloc(1, sizeof *ev);
    if (ev == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    return ev;
}

void ev_free(struct ev *ev)
{
    if (ev == NULL) {
        return;
    }
    for (size_t i = 0; i < ev->ntimers; i++) {
        free(ev->timers[i]);
    }
    for (int s = 1; s < (int)QUERN_ARRAY_LEN(ev->sigs); s++) {
        if (ev->sigs[s].cb != NULL) {
            signal(s, SIG_DFL);
        }
    }
    free(ev->timers);
    free(ev->fds);
    free(ev->pfd);
    free(ev->pgen);
    free(ev);
}

int ev_fd_add(struct ev *ev, int fd, int events, ev_fd_cb cb, void *arg, struct qerr *err)
{
    QASSERT(fd >= 0 && cb != NULL);
    if (fd >= ev->nfds) {
        int n = ev->nfds > 0 ? ev->nfds : 64;
        while (n <= fd) {
            n *= 2;
        }
        struct ev_fdw *fds = realloc(ev->fds, (size_t)n * sizeof *fds);
        if (fds == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            return -1;
        }
        memset(fds + ev->nfds, 0, (size_t)(n - ev->nfds) * sizeof *fds);
        ev->fds = fds;
        ev->nfds = n;
    }
    struct ev_fdw *w = &ev->fds[fd];
    w->cb = cb;
    w->arg = arg;
    w->events = events;
    w->gen++;
    return 0;
}

void ev_fd_del(struct ev *ev, int fd)
{
    if (fd >= 0 && fd < ev->nfds) {
        ev->fds[fd].events = 0;
        ev->fds[fd].cb = NULL;
        ev->fds[fd].gen++;
    }
}

struct ev_timer *ev_timer_add(struct ev *ev, long ms, long repeat_ms, ev_timer_cb cb, void *arg)
{
    if (ev->ntimers == ev->timers_cap) {
        size_t n = ev->timers_cap > 0 ? ev->timers_cap * 2 : 32;
        struct ev_timer **t = realloc(ev->timers, n * sizeof *t);
        if (t == NULL) {
            return NULL;
        }
        ev->timers = t;
        ev->timers_cap = n;
    }
    struct ev_timer *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return NULL;
    }
    t->due = ev_now_ms() + (ms > 0 ? ms : 0);
    t->repeat_ms = repeat_ms;
    t->cb = cb;
    t->arg = arg;
    ev->timers[ev->ntimers++] = t;
    return t;
}

void ev_timer_del(struct ev *ev, struct ev_timer *t)
{
    if (t != NULL) {
        t->dead = true;
    }
}

void ev_timer_reset(struct ev *ev, struct ev_timer *t, long ms)
{
    t->due = ev_now_ms() + (ms > 0 ? ms : 0);
    t->dead = false;
}

void ev_hook_set(struct ev *ev, ev_hook_cb cb, void *arg)
{
    ev->hook = cb;
    ev->hook_arg = arg;
}

static void ev_sig_handler(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;
    if (signo > 0 && signo < (int)QUERN_ARRAY_LEN(ev_sigflag)) {
        ev_sigflag[signo] = 1;
    }
    if (write(ev_sigpipe[1], &b, 1) < 0) {
        /* Pipe full: a byte for this signal is likely queued already. */
    }
    errno = saved;
}

static void ev_sig_read(struct ev *ev, int fd, int events, void *arg)
{
    unsigned char b[64];
    for (;;) {
        ssize_t n = read(fd, b, sizeof b);
        if (n <= 0) {
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (b[i] < QUERN_ARRAY_LEN(ev->sigs) && ev->sigs[b[i]].cb != NULL) {
                ev_sigflag[b[i]] = 0;
                ev->sigs[b[i]].cb(ev, b[i], ev->sigs[b[i]].arg);
            }
        }
    }
}

int ev_signal_watch(struct ev *ev, int signo, ev_signal_cb cb, void *arg, struct qerr *err)
{
    QASSERT(signo > 0 && signo < (int)QUERN_ARRAY_LEN(ev->sigs));
    if (ev_sigpipe[0] < 0) {
        if (pipe2(ev_sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) {
            qerr_set_errno(err, QERR_INTERNAL, "signal pipe");
            return -1;
        }
    }
    if (ev_fd_add(ev, ev_sigpipe[0], EV_READ, ev_sig_read, NULL, err) < 0) {
        return -1;
    }
    ev->sigs[signo].cb = cb;
    ev->sigs[signo].arg = arg;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = ev_sig_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) < 0) {
        qerr_set_errno(err, QERR_INTERNAL, "sigaction %d", signo);
        return -1;
    }
    return 0;
}

bool ev_signal_pending(const struct ev *ev, int signo)
{
    return signo > 0 && signo < (int)QUERN_ARRAY_LEN(ev_sigflag) && ev_sigflag[signo] != 0;
}

void ev_stop(struct ev *ev)
{
    ev->stop = true;
}

/* Milliseconds until the next live timer, -1 when there is none. */
static int next_timeout(const struct ev *ev, long long now)
{
    long long best = -1;
    for (size_t i = 0; i < ev->ntimers; i++) {
        const struct ev_timer *t = ev->timers[i];
        if (!t->dead && (best < 0 || t->due < best)) {
            best = t->due;
        }
    }
    if (best < 0) {
        return -1;
    }
    long long d = best - now;
    return d < 0 ? 0 : (d > 60000 ? 60000 : (int)d);
}

static void run_timers(struct ev *ev)
{
    long long now = ev_now_ms();
    /* Timers added by callbacks during this pass wait for the next one. */
    size_t n = ev->ntimers;
    for (size_t i = 0; i < n; i++) {
        struct ev_timer *t = ev->timers[i];
        if (t->dead || t->due > now) {
            continue;
        }
        if (t->repeat_ms > 0) {
            t->due = now + t->repeat_ms;
        } else {
            t->dead = true; /* a reset inside the callback revives it */
        }
        t->cb(ev, t, t->arg);
    }
    size_t j = 0;
    for (size_t i = 0; i < ev->ntimers; i++) {
        if (ev->timers[i]->dead) {
            free(ev->timers[i]);
        } else {
            ev->timers[j++] = ev->timers[i];
        }
    }
    ev->ntimers = j;
}

static int build_pollfds(struct ev *ev)
{
    int n = 0;
    for (int fd = 0; fd < ev->nfds; fd++) {
        if (ev->fds[fd].events == 0) {
            continue;
        }
        if (n == ev->npfd_cap) {
            int cap = n > 0 ? n * 2 : 64;
            struct pollfd *p = realloc(ev->pfd, (size_t)cap * sizeof *p);
            if (p == NULL) {
                return -1;
            }
            ev->pfd = p;
            unsigned *g = realloc(ev->pgen, (size_t)cap * sizeof *g);
            if (g == NULL) {
                return -1;
            }
            ev->pgen = g;
            ev->npfd_cap = cap;
        }
        ev->pfd[n].fd = fd;
        ev->pfd[n].events = (short)(((ev->fds[fd].events & EV_READ) ? POLLIN : 0) |
                                    ((ev->fds[fd].events & EV_WRITE) ? POLLOUT : 0));
        ev->pfd[n].revents = 0;
        ev->pgen[n] = ev->fds[fd].gen;
        n++;
    }
    return n;
}

static void dispatch(struct ev *ev, int n)
{
    for (int i = 0; i < n; i++) {
        short re = ev->pfd[i].revents;
        int fd = ev->pfd[i].fd;
        if (re == 0 || fd >= ev->nfds || ev->fds[fd].gen != ev->pgen[i] || ev->fds[fd].cb == NULL) {
            continue;
        }
        int events = 0;
        if (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
            events |= EV_READ;
        }
        if (re & (POLLOUT | POLLERR)) {
            events |= EV_WRITE;
        }
        events &= ev->fds[fd].events | ((re & (POLLHUP | POLLERR)) ? EV_READ : 0);
        if (events == 0) {
            events = ev->fds[fd].events;
        }
        ev->fds[fd].cb(ev, fd, events, ev->fds[fd].arg);
    }
}

int ev_run(struct ev *ev)
{
    ev->stop = false;
    while (!ev->stop) {
        int n = build_pollfds(ev);
        if (n < 0) {
            log_error("event loop: out of memory");
            return -1;
        }
        int timeout = next_timeout(ev, ev_now_ms());
        int r = poll(ev->pfd, (nfds_t)n, timeout);
        if (r < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            return -1;
        }
        if (r > 0) {
            dispatch(ev, n);
        }
        run_timers(ev);
        if (ev->hook != NULL) {
            ev->hook(ev, ev->hook_arg);
        }
    }
    return 0;
}
