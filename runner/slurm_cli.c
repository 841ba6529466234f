// SPDX-License-Identifier: MIT
/*
 * slurm_cli - the command-line transport: sbatch --parsable to submit,
 * one squeue call for the status of every followed job, scancel to stop.
 *
 * Each call is one child started by spawn_child (argv, never a shell) from
 * slurm.bin_dir; its stdout and stderr are read into bounded buffers on the
 * loop and the call completes when the child is reaped and both pipes are
 * at EOF, or is killed after CLI_TIMEOUT_MS. The child's environment is
 * PATH, SLURM_CONF (when the runner has one) and, for sbatch, the job's own
 * environment, which --export=ALL hands to the job: secrets never appear
 * in an argv or a file.
 */
#include "common/compat.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "runner/slurm_tr.h"
#include "runner/spawn.h"

#define CLI_TIMEOUT_MS 60000
#define CLI_OUT_MAX (4u << 20)
#define CLI_ERR_MAX (64u << 10)
#define CLI_QUERY_MAX 4096 /* job ids per squeue call (runner.slots is at most 4096) */

struct cli_call;
typedef void (*cli_done_fn)(struct cli_call *c, const char *error);

struct cli_call {
    struct cli *cli;
    pid_t pid;
    int fd[2];
    struct buf out, errb;
    bool reaped, overflow;
    int status;
    struct ev_timer *timer;
    cli_done_fn done;
    union {
        slurm_submit_cb submit;
        slurm_query_cb query;
        slurm_cancel_cb cancel;
    } cb;
    void *arg;
    struct cli_call *next;
};

struct cli {
    struct slurm_tr tr;
    struct ev *ev;
    char *bin_dir;
    char *slurm_conf; /* the runner's SLURM_CONF, or NULL */
    struct cli_call *calls;
};

static void call_unlink(struct cli_call *c)
{
    for (struct cli_call **p = &c->cli->calls; *p != NULL; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            return;
        }
    }
}

static void call_free(struct cli_call *c)
{
    for (int i = 0; i < 2; i++) {
        if (c->fd[i] >= 0) {
            ev_fd_del(c->cli->ev, c->fd[i]);
            close(c->fd[i]);
        }
    }
    if (c->timer != NULL) {
        ev_timer_del(c->cli->ev, c->timer);
    }
    if (!c->reaped && c->pid > 0) {
        spawn_kill(c->pid, SIGKILL);
        spawn_forget(c->pid);
    }
    buf_cleanup(&c->out);
    buf_cleanup(&c->errb);
    free(c);
}

/* The first line of the command's stderr, for messages. */
static const char *first_err_line(struct cli_call *c, char *line, size_t sz)
{
    const char *e = buf_cstr(&c->errb);
    size_t n = strcspn(e, "\n");
    if (n >= sz) {
        n = sz - 1;
    }
    memcpy(line, e, n);
    line[n] = '\0';
    return line;
}

static void maybe_complete(struct cli_call *c)
{
    if (!c->reaped || c->fd[0] >= 0 || c->fd[1] >= 0) {
        return;
    }
    char line[200], msg[300];
    const char *error = NULL;
    if (c->overflow) {
        error = "output too large";
    } else if (!WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0) {
        snprintf(msg, sizeof msg, "%s (exit status %d)", first_err_line(c, line, sizeof line),
                 WIFEXITED(c->status) ? WEXITSTATUS(c->status) : 128 + WTERMSIG(c->status));
        error = msg;
    }
    call_unlink(c);
    c->done(c, error);
    call_free(c);
}

static void on_readable(struct ev *ev, int fd, int events, void *arg)
{
    struct cli_call *c = arg;
    int i = fd == c->fd[0] ? 0 : 1;
    char chunk[16384];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n > 0) {
            struct qerr err = QERR_INIT;
            if (buf_append(i == 0 ? &c->out : &c->errb, chunk, (size_t)n, &err) < 0) {
                c->overflow = true;
            }
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        ev_fd_del(ev, fd);
        close(fd);
        c->fd[i] = -1;
        maybe_complete(c);
        return;
    }
}

static void on_exit_status(pid_t pid, int status, void *arg)
{
    struct cli_call *c = arg;
    (void)pid;
    c->reaped = true;
    c->status = status;
    maybe_complete(c);
}

static void on_timeout(struct ev *ev, struct ev_timer *t, void *arg)
{
    struct cli_call *c = arg;
    (void)ev;
    (void)t;
    c->timer = NULL;
    log_warn("slurm: %ld ms passed, killing pid=%ld", (long)CLI_TIMEOUT_MS, (long)c->pid);
    spawn_kill(c->pid, SIGKILL);
}

/* Builds "dir/name" into out. */
static int bin_path(const struct cli *cli, const char *name, char *out, size_t sz, struct qerr *err)
{
    int n = snprintf(out, sz, "%s/%s", cli->bin_dir, name);
    if (n < 0 || (size_t)n >= sz) {
        qerr_set(err, QERR_INVALID, "slurm.bin_dir too long");
        return -1;
    }
    return 0;
}

/*
 * Starts argv with envp (NULL: PATH and SLURM_CONF only). The call is
 * registered and completes through done.
 */
static struct cli_call *call_start(struct cli *cli, char *const *argv, char *const *envp,
                                   cli_done_fn done, void *arg, struct qerr *err)
{
    char conf[4200];
    char *base_env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", NULL, NULL};
    if (cli->slurm_conf != NULL) {
        snprintf(conf, sizeof conf, "SLURM_CONF=%s", cli->slurm_conf);
        base_env[1] = conf;
    }
    struct cli_call *c = calloc(1, sizeof *c);
    if (c == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    c->cli = cli;
    c->fd[0] = c->fd[1] = -1;
    c->done = done;
    c->arg = arg;
    buf_init(&c->out, CLI_OUT_MAX);
    buf_init(&c->errb, CLI_ERR_MAX);
    struct spawn_opts o = {.argv = argv, .envp = envp != NULL ? envp : base_env, .dir = "/"};
    if (spawn_child(&o, on_exit_status, c, &c->pid, &c->fd[0], &c->fd[1], err) < 0) {
        call_free(c);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        if (ev_fd_add(cli->ev, c->fd[i], EV_READ, on_readable, c, err) < 0) {
            call_free(c);
            return NULL;
        }
    }
    c->timer = ev_timer_add(cli->ev, CLI_TIMEOUT_MS, 0, on_timeout, c);
    c->next = cli->calls;
    cli->calls = c;
    return c;
}

/* --- submit ------------------------------------------------------------ */

static void submit_done(struct cli_call *c, const char *error)
{
    if (error != NULL) {
        c->cb.submit(c->arg, NULL, error);
        return;
    }
    /* --parsable prints "id" or "id;cluster" */
    const char *out = buf_cstr(&c->out);
    char id[32];
    size_t n = strspn(out, "0123456789");
    if (n == 0 || n >= sizeof id) {
        c->cb.submit(c->arg, NULL, "sbatch printed no job id");
        return;
    }
    memcpy(id, out, n);
    id[n] = '\0';
    c->cb.submit(c->arg, id, NULL);
}

/* envp of the sbatch child: the job's environment plus SLURM_CONF. New array of borrowed strings. */
static char **sbatch_env(const struct cli *cli, char *const *job_env, char *conf, size_t confsz)
{
    size_t n = 0;
    while (job_env != NULL && job_env[n] != NULL) {
        n++;
    }
    char **env = calloc(n + 2, sizeof *env);
    if (env == NULL) {
        return NULL;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(job_env[i], "SLURM_CONF=", 11) != 0) {
            env[j++] = job_env[i];
        }
    }
    if (cli->slurm_conf != NULL) {
        snprintf(conf, confsz, "SLURM_CONF=%s", cli->slurm_conf);
        env[j++] = conf;
    }
    return env;
}

static int cli_submit(struct slurm_tr *t, const struct slurm_spec *spec, const char *script,
                      slurm_submit_cb cb, void *arg, struct qerr *err)
{
    struct cli *cli = (struct cli *)t;
    char path[4096], conf[4200];
    (void)script; /* sbatch reads the script file */
    if (bin_path(cli, "sbatch", path, sizeof path, err) < 0) {
        return -1;
    }
    char **argv = slurm_sbatch_argv(spec, path, err);
    char **env = sbatch_env(cli, spec->envp, conf, sizeof conf);
    struct cli_call *c = NULL;
    if (argv != NULL && env == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
    }
    if (argv != NULL && env != NULL) {
        c = call_start(cli, argv, env, submit_done, arg, err);
    }
    slurm_argv_free(argv);
    free(env);
    if (c == NULL) {
        return -1;
    }
    c->cb.submit = cb;
    return 0;
}

/* --- query --------------------------------------------------------------- */

static void query_done(struct cli_call *c, const char *error)
{
    if (error != NULL && strstr(buf_cstr(&c->errb), "Invalid job id") != NULL) {
        error = NULL; /* squeue's way of saying it knows none of the ids */
        buf_reset(&c->out);
    }
    if (error != NULL) {
        c->cb.query(c->arg, NULL, 0, error);
        return;
    }
    size_t cap = 16, n = 0;
    struct slurm_status *st = malloc(cap * sizeof *st);
    char *text = buf_steal(&c->out);
    for (char *line = text, *nl; st != NULL && line != NULL && *line != '\0'; line = nl) {
        nl = strchr(line, '\n');
        if (nl != NULL) {
            *nl++ = '\0';
        }
        if (n == cap) {
            struct slurm_status *bigger = realloc(st, 2 * cap * sizeof *st);
            if (bigger == NULL) {
                QFREE(st);
                break;
            }
            st = bigger;
            cap *= 2;
        }
        struct qerr err = QERR_INIT;
        if (slurm_status_from_squeue(line, &st[n], &err) == 0) {
            n++;
        } else if (*line != '\0') {
            log_warn("slurm: squeue line ignored: %s", err.msg);
        }
    }
    if (st == NULL) {
        c->cb.query(c->arg, NULL, 0, "out of memory");
    } else {
        c->cb.query(c->arg, st, n, NULL);
    }
    free(st);
    free(text);
}

static int cli_query(struct slurm_tr *t, const char *const *ids, size_t n, slurm_query_cb cb,
                     void *arg, struct qerr *err)
{
    struct cli *cli = (struct cli *)t;
    char path[4096];
    struct buf list;
    int rc = -1;
    buf_init(&list, (size_t)CLI_QUERY_MAX * 32);
    if (n == 0 || n > CLI_QUERY_MAX) {
        qerr_set(err, QERR_INVALID, "squeue: %zu job ids in one query", n);
        goto out;
    }
    if (bin_path(cli, "squeue", path, sizeof path, err) < 0) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (buf_printf(&list, err, "%s%s", i > 0 ? "," : "", ids[i]) < 0) {
            goto out;
        }
    }
    char *argv[] = {path, "--noheader", "--states=all", "--jobs", (char *)buf_cstr(&list),
                    "--Format=JobID:|,State:|,Reason:|,exit_code:|", NULL};
    struct cli_call *c = call_start(cli, argv, NULL, query_done, arg, err);
    if (c != NULL) {
        c->cb.query = cb;
        rc = 0;
    }
out:
    buf_cleanup(&list);
    return rc;
}

/* --- cancel -------------------------------------------------------------- */

static void cancel_done(struct cli_call *c, const char *error)
{
    c->cb.cancel(c->arg, error);
}

static int cli_cancel(struct slurm_tr *t, const char *id, slurm_cancel_cb cb, void *arg,
                      struct qerr *err)
{
    struct cli *cli = (struct cli *)t;
    char path[4096];
    if (bin_path(cli, "scancel", path, sizeof path, err) < 0) {
        return -1;
    }
    char *argv[] = {path, (char *)id, NULL};
    struct cli_call *c = call_start(cli, argv, NULL, cancel_done, arg, err);
    if (c == NULL) {
        return -1;
    }
    c->cb.cancel = cb;
    return 0;
}

static void cli_free(struct slurm_tr *t)
{
    struct cli *cli = (struct cli *)t;
    if (cli == NULL) {
        return;
    }
    while (cli->calls != NULL) {
        struct cli_call *c = cli->calls;
        cli->calls = c->next;
        call_free(c);
    }
    free(cli->bin_dir);
    free(cli->slurm_conf);
    free(cli);
}

static const struct slurm_tr_ops cli_ops = {
    .name = "cli",
    .submit = cli_submit,
    .query = cli_query,
    .cancel = cli_cancel,
    .free = cli_free,
};

struct slurm_tr *slurm_cli_new(struct ev *ev, const struct cfg *cfg, struct qerr *err)
{
    struct cli *cli = calloc(1, sizeof *cli);
    if (cli == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    cli->tr.ops = &cli_ops;
    cli->ev = ev;
    const char *conf = getenv("SLURM_CONF");
    cli->bin_dir = strdup(cfg->slurm_bin_dir);
    cli->slurm_conf = conf != NULL && *conf != '\0' ? strdup(conf) : NULL;
    if (cli->bin_dir == NULL || (conf != NULL && *conf != '\0' && cli->slurm_conf == NULL)) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        cli_free(&cli->tr);
        return NULL;
    }
    if (cli->bin_dir[0] != '/') {
        qerr_set(err, QERR_INVALID, "slurm.bin_dir must be an absolute path");
        cli_free(&cli->tr);
        return NULL;
    }
    return &cli->tr;
}
