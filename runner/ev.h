// SPDX-License-Identifier: MIT
/*
 * ev - the runner's single-threaded event loop over poll(2).
 *
 * Owns fd watchers (read/write interest per fd), one-shot and repeating
 * timers on CLOCK_MONOTONIC, and a hook run after every pass. Callbacks
 * may add and remove watchers and timers, including their own. Signals
 * reach the loop through a self-pipe (ev_signal_watch). Nothing here
 * blocks except poll() itself.
 * Use: ev_new -> ev_fd_add / ev_timer_add ... -> ev_run -> ev_free.
 */
#ifndef QUERN_EV_H
#define QUERN_EV_H

#include "common/compat.h"
#include "common/qerr.h"

struct ev;
struct ev_timer;

enum { EV_READ = 1, EV_WRITE = 2 };

typedef void (*ev_fd_cb)(struct ev *ev, int fd, int events, void *arg);
typedef void (*ev_timer_cb)(struct ev *ev, struct ev_timer *t, void *arg);
typedef void (*ev_hook_cb)(struct ev *ev, void *arg);
typedef void (*ev_signal_cb)(struct ev *ev, int signo, void *arg);

struct ev *ev_new(struct qerr *err);
void ev_free(struct ev *ev);

/* Watches fd for events (EV_READ|EV_WRITE); replaces an existing watch of fd. */
int ev_fd_add(struct ev *ev, int fd, int events, ev_fd_cb cb, void *arg, struct qerr *err)
    QUERN_MUSTCHECK;
void ev_fd_del(struct ev *ev, int fd);

/* Fires once after ms (repeat_ms > 0: then every repeat_ms). Owned by the loop until deleted or fired (one-shot). */
struct ev_timer *ev_timer_add(struct ev *ev, long ms, long repeat_ms, ev_timer_cb cb, void *arg);
void ev_timer_del(struct ev *ev, struct ev_timer *t);
/* Re-arms t to fire after ms. */
void ev_timer_reset(struct ev *ev, struct ev_timer *t, long ms);

/* Runs cb after every loop pass (used to flush batched log lines). */
void ev_hook_set(struct ev *ev, ev_hook_cb cb, void *arg);

/* Delivers signo to cb from inside the loop (handler writes one byte to a self-pipe). */
int ev_signal_watch(struct ev *ev, int signo, ev_signal_cb cb, void *arg, struct qerr *err)
    QUERN_MUSTCHECK;

/* True when signo arrived and its callback has not run yet (checked before acting on stale state). */
bool ev_signal_pending(const struct ev *ev, int signo);

/* Runs until ev_stop(); returns 0, or -1 if poll fails unrecoverably. */
int ev_run(struct ev *ev);
void ev_stop(struct ev *ev);

/* Milliseconds on CLOCK_MONOTONIC. */
long long ev_now_ms(void);

#endif
