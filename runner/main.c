// SPDX-License-Identifier: MIT
/*
 * quern-runner - claims queued jobs from PostgreSQL and runs them.
 *
 * main() reads the command line and the configuration, builds the one
 * struct runner (identity, served backends, database connection, loop),
 * registers the runner, runs the loop until a stop signal (or, with
 * --once, until the queue is empty), then unregisters and frees it all.
 * Everything that happens while running is in daemon.c.
 */
#include "common/compat.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proc_sync.h"
#include "runner/callback.h"
#include "runner/daemon.h"
#include "runner/log_archive.h"

static void usage(FILE *f)
{
    fputs("usage: quern-runner [OPTIONS]\n"
          "\n"
          "Claims accepted jobs from quern's PostgreSQL queue and runs them on the\n"
          "backends this runner serves (runner.backends), writing status, logs and\n"
          "results back. Any number of runners may share one database.\n"
          "\n"
          "options:\n"
          "  -c, --config FILE   configuration file (default: $QUERN_CONFIG, else\n"
          "                      " SYSCONFDIR "/quern/quern.yaml)\n"
          "  -f, --foreground    stay in the foreground (for systemd and terminals);\n"
          "                      without it the runner detaches from the terminal\n"
          "      --once          claim and run jobs until the queue is empty, then exit\n"
          "      --check-config  load and check the configuration, print it, and exit\n"
          "  -v, --verbose       log at debug level\n"
          "  -V, --version       print the version and exit\n"
          "  -h, --help          print this help and exit\n"
          "\n"
          "signals:\n"
          "  SIGTERM, SIGINT     stop claiming; then wait for running jobs up to\n"
          "                      runner.shutdown_grace (runner.shutdown: wait) or stop\n"
          "                      them and queue them again (handback); a second signal\n"
          "                      hands back at once\n"
          "  SIGHUP              reload the configuration and re-sync plugins\n"
          "\n"
          "Every key of the configuration can be overridden by environment\n"
          "(QUERN_RUNNER_SLOTS=8 ...; see `quern-admin config --reference`).\n"
          "Logs go to stderr. Exit status: 0 clean stop, 1 error, 2 usage error.\n",
          f);
}

struct opts {
    const char *config;
    bool foreground, once, check, verbose;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longs[] = {
        {"config", required_argument, NULL, 'c'}, {"foreground", no_argument, NULL, 'f'},
        {"once", no_argument, NULL, 'o'},         {"check-config", no_argument, NULL, 'C'},
        {"verbose", no_argument, NULL, 'v'},      {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "c:fvVh", longs, NULL)) != -1) {
        switch (opt) {
        case 'c':
            o->config = optarg;
            break;
        case 'f':
            o->foreground = true;
            break;
        case 'o':
            o->once = true;
            break;
        case 'C':
            o->check = true;
            break;
        case 'v':
            o->verbose = true;
            break;
        case 'V':
            printf("quern-runner %s\n", PACKAGE_VERSION);
            exit(0);
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "quern-runner: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

static bool backend_name_ok(const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
            return false;
        }
    }
    return *s != '\0' && strlen(s) < 32;
}

static int arr_add(char *arr, size_t sz, const char *name)
{
    size_t len = strlen(arr);
    int n = snprintf(arr + len - 1, sz - len + 1, "%s%s}", len > 2 ? "," : "", name);
    return n < 0 || (size_t)n >= sz - len + 1 ? -1 : 0;
}

/* Checks runner.backends and fills the backend table and the SQL array literals. */
static int setup_backends(struct runner *r, struct qerr *err)
{
    char served[512] = "{}", reattach[512] = "{}", dying[512] = "{}";
    for (size_t i = 0; i < r->cfg.runner_backends.n; i++) {
        const char *name = r->cfg.runner_backends.items[i];
        const struct be_ops *ops = backend_name_ok(name) ? be_find(name) : NULL;
        if (ops == NULL) {
            qerr_set(err, QERR_INVALID, "runner.backends: '%s' is not a backend of this build",
                     name);
            return -1;
        }
        if (runner_be_find(r, name) != NULL || r->nbe == RUNNER_MAX_BACKENDS) {
            continue;
        }
        r->be[r->nbe++].ops = ops;
        if (arr_add(served, sizeof served, name) < 0 ||
            (ops->attach != NULL && arr_add(reattach, sizeof reattach, name) < 0)) {
            qerr_set(err, QERR_INVALID, "runner.backends: too many");
            return -1;
        }
    }
    for (size_t i = 0; be_at(i) != NULL; i++) {
        if (be_at(i)->attach == NULL && arr_add(dying, sizeof dying, be_at(i)->name) < 0) {
            qerr_set(err, QERR_INVALID, "too many backends");
            return -1;
        }
    }
    if (r->nbe == 0) {
        qerr_set(err, QERR_INVALID, "runner.backends is empty: the runner would serve nothing");
        return -1;
    }
    r->served_arr = strdup(served);
    r->reattach_arr = strdup(reattach);
    r->dying_arr = strdup(dying);
    if (r->served_arr == NULL || r->reattach_arr == NULL || r->dying_arr == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

static int check_work_dir(const struct cfg *cfg, struct qerr *err)
{
    struct stat st;
    if (stat(cfg->runner_work_dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
        access(cfg->runner_work_dir, W_OK | X_OK) < 0) {
        qerr_set(err, QERR_INVALID, "runner.work_dir '%s' is not a writable directory",
                 cfg->runner_work_dir);
        return -1;
    }
    return 0;
}

static int setup_identity(struct runner *r)
{
    if (gethostname(r->host, sizeof r->host - 1) < 0) {
        snprintf(r->host, sizeof r->host, "localhost");
    }
    if (r->cfg.runner_name[0] != '\0') {
        snprintf(r->id, sizeof r->id, "%s", r->cfg.runner_name);
    } else {
        snprintf(r->id, sizeof r->id, "%s:%ld", r->host, (long)getpid());
    }
    r->slots = cfg_runner_slots(&r->cfg);
    return 0;
}

void runner_sync_plugins(struct runner *r)
{
    /* The registry (common/proc_sync) prints each change and each problem to stderr. */
    struct qerr err = QERR_INIT;
    int n = proc_sync_dirs(r->db, &r->cfg.plugins_dirs, stderr, &err);
    if (n < 0) {
        log_error("plugin sync failed, the registry is unchanged: %s", err.msg);
    } else if (n > 0) {
        log_info("plugin sync: %d change(s)", n);
    }
    runner_db_watch(r);
}

static int runner_open(struct runner *r, const struct opts *o, struct qerr *err)
{
    r->config_path = o->config;
    r->once = o->once;
    r->db_fd = -1;
    setup_identity(r);
    if (setup_backends(r, err) < 0 || check_work_dir(&r->cfg, err) < 0) {
        return -1;
    }
    r->ev = ev_new(err);
    if (r->ev == NULL) {
        return -1;
    }
    r->curlm = curlm_new(r->ev, err);
    if (r->curlm == NULL) {
        return -1;
    }
    for (size_t i = 0; i < r->nbe; i++) {
        r->be[i].state = r->be[i].ops->init(r->ev, &r->cfg, err);
        if (r->be[i].state == NULL) {
            return -1;
        }
    }
    struct db_opts dbo = {
        .conninfo = r->cfg.database_url,
        .appname = "quern-runner",
        .connect_timeout = r->cfg.database_connect_timeout,
        .statement_timeout_ms = r->cfg.database_statement_timeout,
    };
    r->db = db_open(&dbo, err);
    if (r->db == NULL) {
        return -1;
    }
    runner_sync_plugins(r);
    if (claim_register(r, err) < 0) {
        return -1;
    }
    return runner_daemon_start(r, err);
}

static void runner_close(struct runner *r)
{
    callback_q_free(r);
    log_archive_free_all(r);
    for (size_t i = 0; i < r->nbe; i++) {
        if (r->be[i].state != NULL) {
            r->be[i].ops->fini(r->be[i].state);
        }
    }
    curlm_free(r->curlm);
    db_close(r->db);
    ev_free(r->ev);
    runner_trash_empty(r);
    free(r->trash);
    json_decref(r->logs);
    free(r->jobs);
    free(r->served_arr);
    free(r->reattach_arr);
    free(r->dying_arr);
    cfg_free(&r->cfg);
}

static int check_config(struct runner *r)
{
    struct qerr err = QERR_INIT;
    setup_identity(r);
    if (setup_backends(r, &err) < 0 || check_work_dir(&r->cfg, &err) < 0) {
        fprintf(stderr, "quern-runner: %s\n", err.msg);
        return 1;
    }
    printf("configuration OK (%s): runner %s, %ld slot(s), backends %s\n",
           r->cfg.path != NULL ? r->cfg.path : "defaults and environment", r->id, r->slots,
           r->served_arr);
    cfg_print_effective(&r->cfg, stdout);
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    if (parse_args(argc, argv, &o) < 0) {
        return 2;
    }
    static struct runner r; /* large; static storage, still passed down explicitly */
    struct qerr err = QERR_INIT;
    if (cfg_load(o.config, &r.cfg, &err) < 0) {
        fprintf(stderr, "quern-runner: %s\n", err.msg);
        return 1;
    }
    enum log_level lvl = LOG_LEVEL_INFO;
    if (log_level_parse(r.cfg.log_level, &lvl) < 0 || o.verbose) {
        lvl = LOG_LEVEL_DEBUG;
    }
    log_init("quern-runner", lvl);
    if (o.check) {
        int rc = check_config(&r);
        runner_close(&r);
        return rc;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!o.foreground && !o.once && daemon(0, 1) < 0) {
        log_error("cannot detach: %s", strerror(errno));
        return 1;
    }
    int rc = 0;
    if (runner_open(&r, &o, &err) < 0) {
        log_error("%s", err.msg);
        rc = 1;
    } else {
        log_info("runner %s started: %ld slot(s), backends %s, pid %ld", r.id, r.slots,
                 r.served_arr, (long)getpid());
        if (ev_run(r.ev) < 0) {
            rc = 1;
        }
        runner_daemon_finish(&r);
        log_info("runner %s stopped after %lu job(s)", r.id, r.jobs_done);
    }
    runner_close(&r);
    curl_global_cleanup();
    return rc;
}
