// SPDX-License-Identifier: MIT
/* proc_sync - plugin directories into quern.processes in one transaction; see proc_sync.h. */
#include "common/compat.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/db_proc.h"
#include "common/proc_sync.h"

void proc_sync_set_cleanup(struct proc_sync_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        proc_def_free(set->v[i]);
    }
    QFREE(set->v);
    set->n = 0;
}

static int set_add(struct proc_sync_set *set, struct proc_def *d, struct qerr *err)
{
    struct proc_def **v = realloc(set->v, (set->n + 1) * sizeof *v);
    if (v == NULL) {
        proc_def_free(d);
        qerr_set(err, QERR_NOMEM, "out of memory loading plugins");
        return -1;
    }
    set->v = v;
    set->v[set->n++] = d;
    return 0;
}

/* Reports every id that an earlier file of the set already defines. */
static void check_duplicates(const struct proc_sync_set *set, struct proc_diags *diags)
{
    for (size_t j = 1; j < set->n; j++) {
        for (size_t i = 0; i < j; i++) {
            if (strcmp(set->v[i]->id, set->v[j]->id) == 0) {
                proc_diags_add(diags, set->v[j]->path, set->v[j]->id_line, set->v[j]->id_col,
                               "info.id: process '%s' is already defined in %s:%u:%u",
                               set->v[j]->id, set->v[i]->path, set->v[i]->id_line,
                               set->v[i]->id_col);
                break;
            }
        }
    }
}

int proc_sync_load_files(char *const *files, size_t n, struct proc_sync_set *set,
                         struct proc_diags *diags, struct qerr *err)
{
    size_t before = proc_diags_count(diags);
    for (size_t i = 0; i < n; i++) {
        struct qerr ferr = QERR_INIT;
        struct proc_def *d = proc_def_load(files[i], diags, &ferr);
        if (d == NULL && ferr.code == QERR_NOMEM) {
            qerr_set(err, QERR_NOMEM, "%s", ferr.msg);
            return -1;
        }
        if (d != NULL && set_add(set, d, err) < 0) {
            return -1;
        }
    }
    check_duplicates(set, diags);
    size_t problems = proc_diags_count(diags) - before;
    if (problems > 0) {
        qerr_set(err, QERR_INVALID, "%zu problem%s in plugin files", problems,
                 problems == 1 ? "" : "s");
        return -1;
    }
    return 0;
}

static bool is_plugin_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
                              (n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

struct names {
    char **v;
    size_t n;
    bool full;
};

static int names_add(struct names *ns, const char *path)
{
    if (ns->n >= PROC_SYNC_MAX_FILES) {
        ns->full = true;
        return 0;
    }
    char **v = realloc(ns->v, (ns->n + 1) * sizeof *v);
    char *p = strdup(path);
    if (v == NULL || p == NULL) {
        free(p);
        if (v != NULL) {
            ns->v = v;
        }
        return -1;
    }
    ns->v = v;
    ns->v[ns->n++] = p;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Plugin files of dir, and of its subdirectories when depth allows, sorted per directory. */
static int scan_dir(const char *dir, int depth, struct names *ns, struct proc_diags *diags)
{
    DIR *dh = opendir(dir);
    if (dh == NULL) {
        proc_diags_add(diags, dir, 0, 0, "cannot read plugin directory: %s", strerror(errno));
        return 0;
    }
    struct names here = {0};
    struct names subdirs = {0};
    int rc = 0;
    const struct dirent *e;
    while (rc == 0 && (e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) {
            continue;
        }
        struct stat st;
        if (stat(path, &st) != 0) {
            continue;
        }
        if (S_ISREG(st.st_mode) && is_plugin_name(e->d_name)) {
            rc = names_add(&here, path);
        } else if (S_ISDIR(st.st_mode) && depth > 0) {
            rc = names_add(&subdirs, path);
        }
    }
    closedir(dh);
    if (here.n > 1) {
        qsort(here.v, here.n, sizeof *here.v, cmp_str);
    }
    if (subdirs.n > 1) {
        qsort(subdirs.v, subdirs.n, sizeof *subdirs.v, cmp_str);
    }
    for (size_t i = 0; rc == 0 && i < here.n; i++) {
        rc = names_add(ns, here.v[i]);
    }
    for (size_t i = 0; rc == 0 && i < subdirs.n; i++) {
        rc = scan_dir(subdirs.v[i], depth - 1, ns, diags);
    }
    ns->full = ns->full || here.full || subdirs.full;
    for (size_t i = 0; i < here.n; i++) {
        free(here.v[i]);
    }
    for (size_t i = 0; i < subdirs.n; i++) {
        free(subdirs.v[i]);
    }
    free(here.v);
    free(subdirs.v);
    return rc;
}

int proc_sync_load_dirs(const struct cfg_list *dirs, struct proc_sync_set *set,
                        struct proc_diags *diags, struct qerr *err)
{
    struct names ns = {0};
    size_t before = proc_diags_count(diags);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < dirs->n; i++) {
        rc = scan_dir(dirs->items[i], 1, &ns, diags);
    }
    if (rc < 0) {
        qerr_set(err, QERR_NOMEM, "out of memory listing plugin directories");
    } else if (ns.full) {
        proc_diags_add(diags, dirs->n > 0 ? dirs->items[0] : "-", 0, 0, "more than %d plugin files",
                       PROC_SYNC_MAX_FILES);
    }
    if (rc == 0) {
        rc = proc_sync_load_files(ns.v, ns.n, set, diags, err);
    }
    size_t problems = proc_diags_count(diags) - before;
    if (rc == 0 && problems > 0) {
        qerr_set(err, QERR_INVALID, "%zu problem%s in plugin directories", problems,
                 problems == 1 ? "" : "s");
        rc = -1;
    }
    for (size_t i = 0; i < ns.n; i++) {
        free(ns.v[i]);
    }
    free(ns.v);
    return rc;
}

/* --- applying a set --------------------------------------------------------- */

static const struct db_proc_row *find_row(const struct db_proc_row *rows, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].id, id) == 0) {
            return &rows[i];
        }
    }
    return NULL;
}

static bool in_set(const struct proc_sync_set *set, const char *id)
{
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->v[i]->id, id) == 0) {
            return true;
        }
    }
    return false;
}

static bool row_differs(const struct db_proc_row *r, const struct proc_def *d)
{
    return !r->available || strcmp(r->version, d->version) != 0 || r->path == NULL ||
           strcmp(r->path, d->path) != 0 || r->description == NULL || r->definition == NULL ||
           !json_equal(r->description, d->description) || !json_equal(r->definition, d->definition);
}

struct change_log {
    char lines[64][200];
    size_t n, more;
};

static void logc(struct change_log *cl, const char *fmt, ...) QUERN_PRINTF(2, 3);

static void logc(struct change_log *cl, const char *fmt, ...)
{
    if (cl->n >= QUERN_ARRAY_LEN(cl->lines)) {
        cl->more++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cl->lines[cl->n++], sizeof cl->lines[0], fmt, ap);
    va_end(ap);
}

static int apply_defs(struct db *db, const struct proc_sync_set *set,
                      const struct db_proc_row *rows, size_t nrows, struct change_log *cl,
                      struct proc_sync_stats *st, struct qerr *err)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct proc_def *d = set->v[i];
        const struct db_proc_row *r = find_row(rows, nrows, d->id);
        if (r != NULL && strcmp(r->source, "file") != 0) {
            qerr_set(err, QERR_CONFLICT,
                     "%s: process '%s' was deployed through the API; a plugin file cannot replace "
                     "it (rename the file's info.id or undeploy it first)",
                     d->path, d->id);
            return -1;
        }
        if (r == NULL) {
            if (db_proc_insert(db, d->id, d->version, d->description, d->definition, d->path, err) <
                0) {
                return -1;
            }
            logc(cl, "added %s %s (%s)", d->id, d->version, d->path);
            st->added++;
        } else if (row_differs(r, d)) {
            if (db_proc_update(db, d->id, d->version, d->description, d->definition, d->path, err) <
                0) {
                return -1;
            }
            logc(cl, "updated %s %s (%s)", d->id, d->version, d->path);
            st->updated++;
        } else {
            st->unchanged++;
        }
    }
    return 0;
}

static int retire_rows(struct db *db, const struct proc_sync_set *set,
                       const struct db_proc_row *rows, size_t nrows, struct change_log *cl,
                       struct proc_sync_stats *st, struct qerr *err)
{
    for (size_t i = 0; i < nrows; i++) {
        const struct db_proc_row *r = &rows[i];
        if (strcmp(r->source, "file") != 0 || in_set(set, r->id)) {
            continue;
        }
        long jobs = 0;
        if (db_proc_job_count(db, r->id, &jobs, err) < 0) {
            return -1;
        }
        if (jobs == 0) {
            if (db_proc_delete(db, r->id, err) < 0) {
                return -1;
            }
            logc(cl, "removed %s (its file is gone)", r->id);
            st->removed++;
        } else if (r->available) {
            if (db_proc_set_unavailable(db, r->id, err) < 0) {
                return -1;
            }
            logc(cl, "marked %s unavailable (its file is gone; %ld job%s keep it for history)",
                 r->id, jobs, jobs == 1 ? "" : "s");
            st->unavailable++;
        } else {
            st->unchanged++;
        }
    }
    return 0;
}

int proc_sync_apply(struct db *db, const struct proc_sync_set *set, FILE *report,
                    struct proc_sync_stats *stats, struct qerr *err)
{
    struct proc_sync_stats st = {0};
    struct db_proc_row *rows = NULL;
    size_t nrows = 0;
    struct change_log *cl = calloc(1, sizeof *cl);
    int rc = -1;
    if (cl == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory syncing plugins");
        return -1;
    }
    if (db_begin(db, err) < 0) {
        goto out;
    }
    if (db_proc_lock(db, err) < 0 || db_proc_list(db, &rows, &nrows, err) < 0 ||
        apply_defs(db, set, rows, nrows, cl, &st, err) < 0 ||
        retire_rows(db, set, rows, nrows, cl, &st, err) < 0 || db_commit(db, err) < 0) {
        db_rollback(db);
        goto out;
    }
    for (size_t i = 0; report != NULL && i < cl->n; i++) {
        fprintf(report, "%s\n", cl->lines[i]);
    }
    if (report != NULL && cl->more > 0) {
        fprintf(report, "(%zu more changes)\n", cl->more);
    }
    if (stats != NULL) {
        *stats = st;
    }
    rc = (int)(st.added + st.updated + st.removed + st.unavailable);
out:
    db_proc_rows_free(rows, nrows);
    free(cl);
    return rc;
}

int proc_sync_dirs(struct db *db, const struct cfg_list *dirs, FILE *report, struct qerr *err)
{
    struct proc_sync_set set = {0};
    struct proc_diags diags;
    proc_diags_init(&diags);
    int rc = proc_sync_load_dirs(dirs, &set, &diags, err);
    if (rc < 0) {
        if (report != NULL) {
            proc_diags_print(&diags, report);
        }
        if (err != NULL && err->code == QERR_INVALID) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s; nothing changed", err->msg);
            snprintf(err->msg, sizeof err->msg, "%s", msg);
        }
    } else {
        struct proc_sync_stats st;
        rc = proc_sync_apply(db, &set, report, &st, err);
        if (rc >= 0 && report != NULL) {
            fprintf(report,
                    "sync: %zu added, %zu updated, %zu removed, %zu unavailable, %zu unchanged\n",
                    st.added, st.updated, st.removed, st.unavailable, st.unchanged);
        }
    }
    proc_sync_set_cleanup(&set);
    proc_diags_cleanup(&diags);
    return rc;
}
