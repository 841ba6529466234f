// SPDX-License-Identifier: MIT
/*
 * forkexec N PROG - the machine's bound for the runner: fork+exec PROG N
 * times, JOBS at once, reading its stdout through a pipe and reaping it,
 * as the runner does, without any database. Prints runs per second.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t start(const char *prog, int *fd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        exit(1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(p[1], 1);
        char *argv[] = {(char *)prog, "{}", NULL};
        char *envp[] = {"PATH=/usr/bin:/bin", NULL};
        execve(prog, argv, envp);
        _exit(127);
    }
    close(p[1]);
    *fd = p[0];
    return pid;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: forkexec N PROG [PARALLEL]\n");
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    int par = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 8;
    struct pollfd fds[64];
    int live = 0;
    long started = 0, done = 0;
    double t0 = now();
    while (done < n) {
        while (live < par && live < 64 && started < n) {
            start(argv[2], &fds[live].fd);
            fds[live].events = POLLIN;
            live++;
            started++;
        }
        if (poll(fds, (nfds_t)live, -1) < 0 && errno != EINTR) {
            return 1;
        }
        for (int i = 0; i < live; i++) {
            char buf[4096];
            if (fds[i].revents == 0 || read(fds[i].fd, buf, sizeof buf) > 0) {
                continue;
            }
            close(fds[i].fd);
            fds[i--] = fds[--live];
            int st;
            waitpid(-1, &st, 0);
            done++;
        }
    }
    double t = now() - t0;
    printf("%.0f\n", (double)n / t);
    return 0;
}
