// SPDX-License-Identifier: MIT
/*
 * docker_cpu - enforces maxResources.cpuTime on a running container: the
 * CPU time of all its processes, sampled from the engine's stats.
 *
 * A sample is taken when the container could first have reached the limit
 * (the time left divided by the CPUs it may use), never sooner than
 * DOCKER_CPU_MIN_MS nor later than DOCKER_CPU_MAX_MS after the previous
 * one. Once the total reaches the limit, the over callback runs once and
 * sampling stops. A failed sample is logged and retried at the next tick
 * (the engine may be busy); nothing here ends the job by itself.
 * HostConfig.Ulimits is not used: podman then drops containers.conf's
 * default rlimits and a root without CAP_SYS_RESOURCE cannot start the
 * container, and RLIMIT_CPU would count each process on its own.
 * Use: docker_cpu_start -> [over callback] -> docker_cpu_free.
 */
#ifndef QUERN_DOCKER_CPU_H
#define QUERN_DOCKER_CPU_H

#include "common/compat.h"
#include "common/qerr.h"
#include "runner/curlm.h"
#include "runner/ev.h"

#define DOCKER_CPU_MIN_MS 100L
#define DOCKER_CPU_MAX_MS 5000L

struct docker_cpu;

/* The container has used used_s seconds of CPU, at least its limit. */
typedef void (*docker_cpu_over_cb)(void *arg, double used_s);

struct docker_cpu_opts {
    struct ev *ev;
    struct curlm *m;
    const char *socket; /* borrowed, must outlive the watcher */
    const char *ver;    /* borrowed */
    const char *cid;    /* copied */
    long limit_s;       /* > 0 */
    double cpus;        /* CPUs the container may use; 0: this host's */
    docker_cpu_over_cb over;
    void *arg;
};

/* Starts watching; NULL with err set when it cannot. */
struct docker_cpu *docker_cpu_start(const struct docker_cpu_opts *o, struct qerr *err);
/* Stops watching (no callback after this) and frees. Accepts NULL. */
void docker_cpu_free(struct docker_cpu *c);

/* Milliseconds until the next sample, used_ns having been used of limit_s on cpus CPUs. */
long docker_cpu_next_ms(unsigned long long used_ns, long limit_s, double cpus);

#endif
