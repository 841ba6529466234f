// SPDX-License-Identifier: MIT
/*
 * cmd_results - a job's results: `quern results JOB [--output-dir DIR]`,
 * and the showing of a results document that `run` shares.
 *
 * Inline values print as "output: value" (strings as themselves, anything
 * else as compact JSON). Reference outputs ({"href": ...}, or arrays of
 * them) are downloaded into the output directory under the name the server
 * gives (Content-Disposition), else the output id plus an extension for
 * its media type; names are reduced to [A-Za-z0-9._-] so a server cannot
 * write outside the directory. Each download goes to a temporary file that
 * is renamed into place only when complete.
 */
#include "common/compat.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/api.h"
#include "client/cmd.h"
#include "client/fmt.h"

#define PATH_LEN 4096

struct media_ext {
    const char *type;
    const char *ext;
};

static const struct media_ext exts[] = {
    {"image/png", ".png"},           {"image/jpeg", ".jpg"},
    {"image/tiff", ".tif"},          {"image/gif", ".gif"},
    {"application/json", ".json"},   {"application/geo+json", ".geojson"},
    {"text/plain", ".txt"},          {"text/csv", ".csv"},
    {"text/html", ".html"},          {"application/xml", ".xml"},
    {"application/zip", ".zip"},     {"application/pdf", ".pdf"},
    {"application/x-netcdf", ".nc"}, {"application/gzip", ".gz"},
};

static const char *ext_for(const char *type)
{
    if (type == NULL) {
        return "";
    }
    size_t n = strcspn(type, "; ");
    for (size_t i = 0; i < QUERN_ARRAY_LEN(exts); i++) {
        if (strlen(exts[i].type) == n && strncmp(exts[i].type, type, n) == 0) {
            return exts[i].ext;
        }
    }
    return "";
}

/* Copies s keeping [A-Za-z0-9._-], never starting with '.'; "output" when nothing is left. */
static void safe_name(const char *s, char *out, size_t outsz)
{
    size_t o = 0;
    for (; *s != '\0' && o + 1 < outsz; s++) {
        char ch = *s;
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || (ch == '.' && o > 0);
        if (ok) {
            out[o++] = ch;
        }
    }
    out[o] = '\0';
    if (o == 0) {
        snprintf(out, outsz, "output");
    }
}

static bool is_ref(const json_t *v)
{
    return json_is_object(v) && json_is_string(json_object_get(v, "href"));
}

/* mkdir -p: creates dir and any missing parents. */
static int ensure_dir(const char *dir, struct qerr *err)
{
    char path[PATH_LEN];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s", dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        qerr_set(err, QERR_INVALID, "output directory name too long");
        return -1;
    }
    for (char *p = path + 1;; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end) {
            continue;
        }
        *p = '\0';
        if (mkdir(path, 0777) < 0 && errno != EEXIST) {
            qerr_set_errno(err, QERR_INVALID, "cannot create %s", path);
            return -1;
        }
        if (end) {
            break;
        }
        *p = '/';
    }
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        qerr_set(err, QERR_INVALID, "%s is not a directory", dir);
        return -1;
    }
    return 0;
}

/* Downloads one reference into dir; index > 0 numbers the files of one output. */
static int download(struct cli *cli, const char *output_id, const json_t *ref, size_t index,
                    const char *dir, struct qerr *err)
{
    const char *href = json_string_value(json_object_get(ref, "href"));
    const char *type = json_string_value(json_object_get(ref, "type"));
    char tmp[PATH_LEN];
    char base[256];
    char name[300];
    char final[PATH_LEN];
    struct http_resp r;
    int rc = -1;
    http_resp_init(&r);
    snprintf(tmp, sizeof tmp, "%s/.quern-XXXXXX", dir);
    int fd = mkstemp(tmp);
    /* mkstemp makes the file 0600; a download gets the usual 0666 less the umask. */
    mode_t mask = umask(0);
    umask(mask);
    if (fd >= 0 && fchmod(fd, 0666 & ~mask) < 0) {
        close(fd);
        unlink(tmp);
        fd = -1;
    }
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (f == NULL) {
        qerr_set_errno(err, QERR_INVALID, "cannot create a file in %s", dir);
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        goto out;
    }
    int got = http_download(&cli->http, href, f, &r, err);
    if (fclose(f) != 0 && got == 0) {
        qerr_set_errno(err, QERR_INVALID, "cannot write %s", tmp);
        got = -1;
    }
    if (got == 0 && (r.status < 200 || r.status >= 300)) {
        api_fail(cli, &r, err);
        got = -1;
    }
    if (got < 0) {
        unlink(tmp);
        goto out;
    }
    safe_name(r.filename[0] != '\0' ? r.filename : output_id, base, sizeof base);
    if (index > 0) {
        snprintf(name, sizeof name, "%s-%zu%s", base, index,
                 r.filename[0] != '\0' ? "" : ext_for(type));
    } else {
        snprintf(name, sizeof name, "%s%s", base, r.filename[0] != '\0' ? "" : ext_for(type));
    }
    snprintf(final, sizeof final, "%s/%s", dir, name);
    if (rename(tmp, final) < 0) {
        qerr_set_errno(err, QERR_INVALID, "cannot rename the download to %s", final);
        unlink(tmp);
        goto out;
    }
    struct stat st;
    long long size = stat(final, &st) == 0 ? (long long)st.st_size : -1;
    fprintf(cli->args->json ? cli->msg : cli->out, "%s: saved %s (%lld bytes)\n", output_id, final,
            size);
    rc = 0;
out:
    http_resp_cleanup(&r);
    return rc;
}

static void print_value(struct cli *cli, const char *output_id, const json_t *v)
{
    /* A qualified value {"value": ..., "mediaType": ...}; an object with only a
     * "value" key is the output's own value. */
    const json_t *q = json_object_get(v, "value");
    if (q != NULL &&
        (json_object_get(v, "mediaType") != NULL || json_object_get(v, "encoding") != NULL ||
         json_object_get(v, "schema") != NULL)) {
        v = q;
    }
    char *text = json_is_string(v) ? strdup(json_string_value(v))
                                   : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL) {
        return;
    }
    if (isatty(fileno(cli->out))) {
        fmt_clean_text(text);
    }
    fprintf(cli->out, "%s: %s\n", output_id, text);
    free(text);
}

static int show_one(struct cli *cli, const char *output_id, const json_t *v, const char *dir,
                    struct qerr *err)
{
    bool refs = is_ref(v);
    size_t i;
    const json_t *item;
    if (json_is_array(v) && json_array_size(v) > 0) {
        refs = true;
        json_array_foreach(v, i, item)
        {
            refs = refs && is_ref(item);
        }
    }
    if (!refs) {
        if (!cli->args->json) {
            print_value(cli, output_id, v);
        }
        return 0;
    }
    if (dir == NULL) {
        if (!cli->args->json) {
            for (i = 0; i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
                const json_t *ref = json_is_array(v) ? json_array_get(v, i) : v;
                print_value(cli, output_id, json_object_get(ref, "href"));
            }
        }
        return 0;
    }
    if (!json_is_array(v)) {
        return download(cli, output_id, v, 0, dir, err);
    }
    json_array_foreach(v, i, item)
    {
        if (download(cli, output_id, item, i + 1, dir, err) < 0) {
            return -1;
        }
    }
    return 0;
}

int cmd_results_show(struct cli *cli, const json_t *results, const char *output_dir,
                     struct qerr *err)
{
    if (!json_is_object(results)) {
        qerr_set(err, QERR_BACKEND, "the server's results are not a JSON object");
        return -1;
    }
    if (cli->args->json) {
        api_print_json(cli->out, results);
    }
    if (output_dir != NULL && ensure_dir(output_dir, err) < 0) {
        return -1;
    }
    const char *id;
    const json_t *v;
    json_object_foreach((json_t *)results, id, v)
    {
        if (show_one(cli, id, v, output_dir, err) < 0) {
            return -1;
        }
    }
    return 0;
}

int cmd_results(struct cli *cli, struct qerr *err)
{
    const char *job_id = cli->args->operand;
    char path[API_PATH_MAX];
    json_t *results = NULL;
    if (api_path(cli, "/jobs/", job_id, "/results", path, sizeof path, err) < 0) {
        return -1;
    }
    if (api_get(cli, path, &results, err) < 0) {
        /* A job that failed has no results: say so with exit 1, not as a server error. */
        json_t *info = NULL;
        struct qerr serr = QERR_INIT;
        int rc = -1;
        const char *status = NULL;
        if (api_job_status(cli, job_id, &info, &serr) == 0) {
            status = json_string_value(json_object_get(info, "status"));
        }
        if (status != NULL && (strcmp(status, "failed") == 0 || strcmp(status, "dismissed") == 0)) {
            fprintf(cli->msg, "quern: %s\n", err->msg);
            qerr_clear(err);
            rc = CLI_EXIT_JOB_FAILED;
        }
        json_decref(info);
        return rc;
    }
    const char *dir = cli->args->output_dir != NULL ? cli->args->output_dir : ".";
    int rc = cmd_results_show(cli, results, dir, err);
    json_decref(results);
    return rc < 0 ? -1 : CLI_EXIT_OK;
}
