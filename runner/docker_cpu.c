// SPDX-License-Identifier: MIT
/*
 * docker_cpu - the CPU time limit of a container, from the engine's stats.
 * See docker_cpu.h.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "runner/docker_api.h"
#include "runner/docker_cpu.h"
#include "runner/docker_xfer.h"

#define DOCKER_CPU_REQ_TIMEOUT_MS 30000L
#define DOCKER_CPU_BODY_MAX (256 * 1024)

struct docker_cpu {
    struct docker_cpu_opts o;
    char *cid;
    double cpus;
    struct ev_timer *t;
    struct docker_xfer *x;
};

static void on_tick(struct ev *ev, struct ev_timer *t, void *arg);

long docker_cpu_next_ms(unsigned long long used_ns, long limit_s, double cpus)
{
    double limit_ns = (double)limit_s * 1e9;
    double left_ns = limit_ns > (double)used_ns ? limit_ns - (double)used_ns : 0;
    double ms = left_ns / ((cpus > 0 ? cpus : 1) * 1e6);
    if (ms < (double)DOCKER_CPU_MIN_MS) {
        return DOCKER_CPU_MIN_MS;
    }
    return ms > (double)DOCKER_CPU_MAX_MS ? DOCKER_CPU_MAX_MS : (long)ms;
}

static void schedule(struct docker_cpu *c, unsigned long long used_ns)
{
    c->t = ev_timer_add(c->o.ev, docker_cpu_next_ms(used_ns, c->o.limit_s, c->cpus), 0, on_tick,
                        c);
    if (c->t == NULL) {
        log_error("docker: container %.12s: no timer for the CPU time limit", c->cid);
    }
}

static void on_stats(struct docker_xfer *x, void *arg)
{
    struct docker_cpu *c = arg;
    c->x = NULL;
    size_t len;
    const char *body = docker_xfer_body(x, &len);
    unsigned long long ns = 0;
    struct qerr err = QERR_INIT;
    if (!docker_xfer_ok(x)) {
        char msg[600];
        docker_xfer_error(x, "stats", msg, sizeof(msg));
        log_warn("container %.12s: %s (CPU time limit)", c->cid, msg);
    } else if (docker_api_parse_cpu(body, len, &ns, &err) != 0) {
        log_warn("container %.12s: %s (CPU time limit)", c->cid, err.msg);
    }
    docker_xfer_free(x);
    if (ns >= (unsigned long long)c->o.limit_s * 1000000000ULL) {
        c->o.over(c->o.arg, (double)ns / 1e9); /* may free c: nothing after this */
        return;
    }
    schedule(c, ns);
}

static void on_tick(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct docker_cpu *c = arg;
    c->t = NULL;
    struct docker_req req;
    struct qerr err = QERR_INIT;
    if (docker_api_stats(c->o.ver, c->cid, &req, &err) != 0) {
        log_error("container %.12s: %s (CPU time limit not enforced)", c->cid, err.msg);
        return;
    }
    struct docker_xfer_opts xo = {.socket = c->o.socket,
                                  .timeout_ms = DOCKER_CPU_REQ_TIMEOUT_MS,
                                  .body_max = DOCKER_CPU_BODY_MAX,
                                  .done = on_stats,
                                  .arg = c};
    c->x = docker_xfer_start(c->o.m, &req, &xo, &err);
    if (c->x == NULL) {
        log_warn("container %.12s: stats: %s (CPU time limit)", c->cid, err.msg);
        schedule(c, 0);
    }
}

struct docker_cpu *docker_cpu_start(const struct docker_cpu_opts *o, struct qerr *err)
{
    struct docker_cpu *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->cid = strdup(o->cid)) == NULL) {
        free(c);
        qerr_set(err, QERR_NOMEM, "docker: CPU time limit");
        return NULL;
    }
    c->o = *o;
    c->o.cid = c->cid;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    c->cpus = o->cpus > 0 ? o->cpus : (online > 0 ? (double)online : 1);
    schedule(c, 0);
    if (c->t == NULL) {
        qerr_set(err, QERR_NOMEM, "docker: CPU time limit timer");
        docker_cpu_free(c);
        return NULL;
    }
    return c;
}

void docker_cpu_free(struct docker_cpu *c)
{
    if (c == NULL) {
        return;
    }
    if (c->t != NULL) {
        ev_timer_del(c->o.ev, c->t);
    }
    docker_xfer_free(c->x);
    free(c->cid);
    free(c);
}
