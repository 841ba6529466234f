// SPDX-License-Identifier: MIT
/* proc_def - one plugin file into a process definition; see proc_def.h and doc/plugins.md. */
#include "common/compat.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/auth.h"
#include "common/proc_def.h"
#include "common/proc_io.h"
#include "common/proc_yaml.h"
#include "common/qstr.h"

struct loader {
    struct proc_yaml *y;
    const char *dir; /* relative programs are resolved against it */
    struct proc_def *d;
    const char *type; /* normalised host type, NULL when unknown */
    json_t *desc;     /* the description being built */
    json_t *def;      /* the definition being built */
};

static const char *const top_keys[] = {"info",   "host",    "command", "config",
                                       "inputs", "outputs", "access",  NULL};
static const char *const access_keys[] = {"roles", NULL};
static const char *const info_keys[] = {
    "id",       "title",    "version",           "description",
    "keywords", "metadata", "jobControlOptions", "outputTransmission",
    NULL};
static const char *const job_control[] = {"sync-execute", "async-execute", "dismiss", NULL};
static const char *const transmission[] = {"value", "reference", NULL};
static const char *const host_types[] = {"local",     "subprocess", "docker",
                                         "aws-batch", "slurm",      NULL};
static const char *const host_all_keys[] = {"type",          "image",    "pull",   "network",
                                            "jobDefinition", "jobQueue", "region", "partition",
                                            "account",       "qos",      NULL};
static const char *const config_keys[] = {"env",          "secrets", "envVars",
                                          "maxResources", "timeout", "maxAttempts",
                                          "priority",     "volumes", NULL};

/* Host keys by type: the first entry is the type name, then its keys, then NULL. */
static const char *const host_type_keys[][6] = {
    {"local", NULL},
    {"docker", "image", "pull", "network", NULL},
    {"aws-batch", "jobDefinition", "jobQueue", "region", NULL},
    {"slurm", "partition", "account", "qos", NULL},
};

static yaml_node_t *get(struct loader *L, const yaml_node_t *map, const char *key)
{
    return proc_yaml_map_get(L->y, map, key, NULL);
}

/* A string member: NULL when absent (reported if required) or not a string (reported). */
static const char *get_str(struct loader *L, const yaml_node_t *map, const char *section,
                           const char *key, bool required)
{
    yaml_node_t *n = get(L, map, key);
    char path[128];
    snprintf(path, sizeof path, "%s.%s", section, key);
    if (n == NULL) {
        if (required) {
            proc_yaml_diag(L->y, map, "%s is required", path);
        }
        return NULL;
    }
    return proc_io_string(L->y, n, path);
}

static void join_names(const char *const *names, char *out, size_t outsz)
{
    out[0] = '\0';
    for (size_t i = 0; names[i] != NULL; i++) {
        size_t n = strlen(out);
        snprintf(out + n, outsz - n, "%s%s", i > 0 ? ", " : "", names[i]);
    }
}

static bool in_list(const char *s, const char *const *names)
{
    for (size_t i = 0; names[i] != NULL; i++) {
        if (strcmp(s, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* A list of distinct names from allowed; absent: all of allowed. */
static json_t *read_enum_list(struct loader *L, const yaml_node_t *map, const char *section,
                              const char *key, const char *const *allowed)
{
    char names[200];
    join_names(allowed, names, sizeof names);
    json_t *arr = json_array();
    yaml_node_t *n = get(L, map, key);
    if (n == NULL) {
        for (size_t i = 0; arr != NULL && allowed[i] != NULL; i++) {
            json_array_append_new(arr, json_string(allowed[i]));
        }
        return arr;
    }
    if (n->type != YAML_SEQUENCE_NODE ||
        n->data.sequence.items.top == n->data.sequence.items.start) {
        proc_yaml_diag(L->y, n, "%s.%s must be a non-empty list of: %s", section, key, names);
        return arr;
    }
    size_t i = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++) {
        yaml_node_t *v = proc_yaml_node(L->y, *it);
        const char *s = proc_yaml_scalar(v);
        if (s == NULL || !in_list(s, allowed)) {
            proc_yaml_diag(L->y, v, "%s.%s[%zu]: '%s' is not one of %s", section, key, i,
                           s != NULL ? s : "null", names);
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < json_array_size(arr) && !dup; j++) {
            dup = strcmp(json_string_value(json_array_get(arr, j)), s) == 0;
        }
        if (dup) {
            proc_yaml_diag(L->y, v, "%s.%s: '%s' is listed twice", section, key, s);
        } else if (arr != NULL) {
            json_array_append_new(arr, json_string(s));
        }
    }
    return arr;
}

/* --- info ----------------------------------------------------------------- */

static void read_info(struct loader *L, const yaml_node_t *info, const yaml_node_t *root)
{
    if (info == NULL) {
        proc_yaml_diag(L->y, root, "info is required (id, title, version)");
        return;
    }
    if (!proc_yaml_map_check(L->y, info, "info", info_keys)) {
        return;
    }
    const char *id = get_str(L, info, "info", "id", true);
    if (id != NULL && !qstr_is_id(id, PROC_DEF_MAX_ID)) {
        proc_yaml_diag(
            L->y, get(L, info, "id"),
            "info.id: '%s' is not a valid id (letters, digits, '.', '_', '-'; at most %d)", id,
            PROC_DEF_MAX_ID);
        id = NULL;
    }
    if (id != NULL) {
        yaml_node_t *n = get(L, info, "id");
        L->d->id = strdup(id);
        L->d->id_line = (unsigned)n->start_mark.line + 1;
        L->d->id_col = (unsigned)n->start_mark.column + 1;
        json_object_set_new(L->desc, "id", json_string(id));
    }
    static const char *const texts[] = {"title", "description", "version"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(texts); i++) {
        const char *s = get_str(L, info, "info", texts[i], i != 1);
        json_object_set_new(L->desc, texts[i], json_string(s != NULL ? s : ""));
        if (i == 2 && s != NULL) {
            L->d->version = strdup(s);
        }
    }
    json_t *arr = NULL;
    yaml_node_t *n = get(L, info, "keywords");
    if (n != NULL) {
        proc_io_keywords(L->y, n, "info.keywords", &arr);
        json_object_set_new(L->desc, "keywords", arr != NULL ? arr : json_array());
    }
    n = get(L, info, "metadata");
    if (n != NULL) {
        proc_io_metadata(L->y, n, "info.metadata", &arr);
        json_object_set_new(L->desc, "metadata", arr != NULL ? arr : json_array());
    }
    json_object_set_new(L->desc, "jobControlOptions",
                        read_enum_list(L, info, "info", "jobControlOptions", job_control));
    json_object_set_new(L->desc, "outputTransmission",
                        read_enum_list(L, info, "info", "outputTransmission", transmission));
}

/* --- host ----------------------------------------------------------------- */

static const char *const *keys_of_type(const char *type)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(host_type_keys); i++) {
        if (strcmp(host_type_keys[i][0], type) == 0) {
            return &host_type_keys[i][1];
        }
    }
    return NULL;
}

/* Keys valid for another host type than this one: say which type they belong to. */
static void check_host_keys(struct loader *L, const yaml_node_t *host)
{
    const char *const *mine = keys_of_type(L->type);
    for (yaml_node_pair_t *p = host->data.mapping.pairs.start; p < host->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = proc_yaml_node(L->y, p->key);
        const char *name = proc_yaml_scalar(k);
        if (name == NULL || strcmp(name, "type") == 0 || !in_list(name, host_all_keys) ||
            in_list(name, mine)) {
            continue;
        }
        for (size_t i = 0; i < QUERN_ARRAY_LEN(host_type_keys); i++) {
            if (in_list(name, &host_type_keys[i][1])) {
                proc_yaml_diag(L->y, k, "host.%s does not apply to host type %s (it is for %s)",
                               name, L->type, host_type_keys[i][0]);
            }
        }
    }
}

static void read_host_keys(struct loader *L, const yaml_node_t *host, json_t *h)
{
    if (strcmp(L->type, "docker") == 0) {
        static const char *const pulls[] = {"never", "missing", "always", NULL};
        const char *image = get_str(L, host, "host", "image", true);
        const char *pull = get_str(L, host, "host", "pull", false);
        const char *net = get_str(L, host, "host", "network", false);
        if (pull != NULL && !in_list(pull, pulls)) {
            proc_yaml_diag(L->y, get(L, host, "pull"),
                           "host.pull: '%s' is not one of never, missing, always", pull);
        }
        json_object_set_new(h, "image", json_string(image != NULL ? image : ""));
        json_object_set_new(h, "pull", json_string(pull != NULL ? pull : "missing"));
        json_object_set_new(h, "network", json_string(net != NULL ? net : "none"));
        return;
    }
    const char *const *keys = keys_of_type(L->type);
    bool batch = strcmp(L->type, "aws-batch") == 0;
    for (size_t i = 0; keys[i] != NULL; i++) {
        bool required = batch && strcmp(keys[i], "region") != 0;
        const char *s = get_str(L, host, "host", keys[i], required);
        if (s != NULL) {
            json_object_set_new(h, keys[i], json_string(s));
        }
    }
}

static void read_host(struct loader *L, const yaml_node_t *host, const yaml_node_t *root)
{
    if (host == NULL) {
        proc_yaml_diag(L->y, root, "host is required (type: local, docker, aws-batch or slurm)");
        return;
    }
    if (!proc_yaml_map_check(L->y, host, "host", host_all_keys)) {
        return;
    }
    const char *type = get_str(L, host, "host", "type", true);
    if (type == NULL) {
        return;
    }
    if (!in_list(type, host_types)) {
        proc_yaml_diag(L->y, get(L, host, "type"),
                       "host.type: '%s' is not one of local, subprocess, docker, aws-batch, slurm",
                       type);
        return;
    }
    L->type = strcmp(type, "subprocess") == 0 ? "local" : type;
    check_host_keys(L, host);
    json_t *h = json_pack("{ss}", "type", L->type);
    if (h != NULL) {
        read_host_keys(L, host, h);
        json_object_set_new(L->def, "host", h);
    }
}

/* --- command -------------------------------------------------------------- */

static bool is_executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Finds a bare program name in PROC_DEF_PATH; returns a new absolute path or NULL. */
static char *search_path(const char *prog)
{
    const char *p = PROC_DEF_PATH;
    while (*p != '\0') {
        size_t n = strcspn(p, ":");
        char cand[PATH_MAX];
        int w = snprintf(cand, sizeof cand, "%.*s/%s", (int)n, p, prog);
        if (w > 0 && (size_t)w < sizeof cand && is_executable_file(cand)) {
            return strdup(cand);
        }
        p += n;
        if (*p == ':') {
            p++;
        }
    }
    return NULL;
}

/*
 * dir/rel (or rel when absolute) with "." and ".." components removed
 * lexically: symlinks are not followed, so a program keeps the name it was
 * given (multi-call binaries look at it). False when it does not fit.
 */
static bool normalise_path(const char *dir, const char *rel, char *out, size_t outsz)
{
    char joined[PATH_MAX];
    int w = rel[0] == '/' ? snprintf(joined, sizeof joined, "%s", rel)
                          : snprintf(joined, sizeof joined, "%s/%s", dir, rel);
    if (w < 0 || (size_t)w >= sizeof joined || outsz < 2) {
        return false;
    }
    size_t len = 0;
    out[0] = '\0';
    for (char *p = joined; *p != '\0';) {
        size_t n = strcspn(p, "/");
        if (n == 1 && p[0] == '.') {
            /* skip */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (len > 0 && out[len - 1] != '/') {
                len--;
            }
            len = len > 0 ? len - 1 : 0;
        } else if (n > 0) {
            if (len + 1 + n + 1 > outsz) {
                return false;
            }
            out[len++] = '/';
            memcpy(out + len, p, n);
            len += n;
        }
        out[len] = '\0';
        p += n;
        if (*p == '/') {
            p++;
        }
    }
    if (len == 0) {
        snprintf(out, outsz, "/");
    }
    return true;
}

/* The program of a local command as an absolute path (new string), or NULL after reporting. */
static char *resolve_local(struct loader *L, const yaml_node_t *at, const char *prog)
{
    if (strchr(prog, '/') == NULL) {
        char *found = search_path(prog);
        if (found == NULL) {
            proc_yaml_diag(L->y, at, "command[0]: program '%s' not found in %s", prog,
                           PROC_DEF_PATH);
        }
        return found;
    }
    char path[PATH_MAX];
    if (!normalise_path(L->dir, prog, path, sizeof path)) {
        proc_yaml_diag(L->y, at, "command[0]: path too long");
        return NULL;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        proc_yaml_diag(L->y, at, "command[0]: program '%s' not found (looked for %s)", prog, path);
        return NULL;
    }
    if (!is_executable_file(path)) {
        proc_yaml_diag(L->y, at, "command[0]: %s is not an executable file", path);
        return NULL;
    }
    return strdup(path);
}

static void read_command(struct loader *L, const yaml_node_t *cmd, const yaml_node_t *root)
{
    bool needed =
        L->type != NULL && (strcmp(L->type, "local") == 0 || strcmp(L->type, "slurm") == 0);
    json_t *arr = json_array();
    json_object_set_new(L->def, "command", arr);
    if (cmd == NULL || proc_yaml_is_null(cmd)) {
        if (needed) {
            proc_yaml_diag(L->y, cmd != NULL ? cmd : root,
                           "command is required for host type %s (the program and its arguments)",
                           L->type);
        }
        return;
    }
    if (cmd->type != YAML_SEQUENCE_NODE ||
        (needed && cmd->data.sequence.items.top == cmd->data.sequence.items.start)) {
        proc_yaml_diag(
            L->y, cmd,
            "command must be a non-empty list of strings (the program and its arguments; "
            "no shell)");
        return;
    }
    size_t i = 0;
    for (yaml_node_item_t *it = cmd->data.sequence.items.start; it < cmd->data.sequence.items.top;
         it++, i++) {
        yaml_node_t *v = proc_yaml_node(L->y, *it);
        char path[32];
        snprintf(path, sizeof path, "command[%zu]", i);
        const char *s =
            v != NULL && v->type == YAML_SCALAR_NODE ? proc_io_string(L->y, v, path) : NULL;
        if (s == NULL) {
            if (v == NULL || v->type != YAML_SCALAR_NODE) {
                proc_yaml_diag(L->y, v, "%s must be a string, not %s", path, proc_yaml_what(v));
            }
            continue;
        }
        char *resolved = NULL;
        if (i == 0 && L->type != NULL && strcmp(L->type, "local") == 0) {
            resolved = resolve_local(L, v, s);
        } else if (i == 0 && L->type != NULL && strcmp(L->type, "slurm") == 0 &&
                   strchr(s, '/') != NULL && s[0] != '/') {
            char joined[PATH_MAX];
            if (normalise_path(L->dir, s, joined, sizeof joined)) {
                resolved = strdup(joined);
            }
        }
        json_array_append_new(arr, json_string(resolved != NULL ? resolved : s));
        free(resolved);
    }
}

/* --- config --------------------------------------------------------------- */

static bool valid_env_name(const char *s)
{
    if (s == NULL || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_')) {
            return false;
        }
    }
    return true;
}

static bool check_env_name(struct loader *L, const yaml_node_t *at, const char *path,
                           const char *name)
{
    if (!valid_env_name(name)) {
        proc_yaml_diag(L->y, at, "%s: '%s' is not a valid environment variable name", path,
                       name != NULL ? name : "null");
        return false;
    }
    if (strncmp(name, "QUERN_", 6) == 0 || strcmp(name, "PATH") == 0) {
        proc_yaml_diag(L->y, at, "%s: %s is set by quern and cannot be configured", path, name);
        return false;
    }
    return true;
}

static void env_pair(struct proc_yaml *y, yaml_node_t *key, yaml_node_t *value, void *ctx)
{
    struct loader *L = ctx;
    const char *name = proc_yaml_scalar(key);
    if (!check_env_name(L, key, "config.env", name)) {
        return;
    }
    if (value == NULL || value->type != YAML_SCALAR_NODE) {
        proc_yaml_diag(y, value, "config.env.%s must be a string, not %s", name,
                       proc_yaml_what(value));
        return;
    }
    const char *v = proc_yaml_scalar(value);
    json_object_set_new(json_object_get(json_object_get(L->def, "config"), "env"), name,
                        json_string(v != NULL ? v : ""));
}

static void read_names(struct loader *L, const yaml_node_t *n, const char *path, json_t *out)
{
    if (n == NULL || proc_yaml_is_null(n)) {
        return;
    }
    if (n->type != YAML_SEQUENCE_NODE) {
        proc_yaml_diag(L->y, n, "%s must be a list of environment variable names", path);
        return;
    }
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *v = proc_yaml_node(L->y, *it);
        const char *name = proc_yaml_scalar(v);
        if (!check_env_name(L, v, path, name)) {
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < json_array_size(out) && !dup; j++) {
            dup = strcmp(json_string_value(json_array_get(out, j)), name) == 0;
        }
        if (!dup) {
            json_array_append_new(out, json_string(name));
        }
    }
}

/* An integer member in [min, max]: true and *out set when present and valid. */
static bool read_long(struct loader *L, const yaml_node_t *map, const char *section,
                      const char *key, long min, long max, long *out)
{
    yaml_node_t *n = get(L, map, key);
    if (n == NULL) {
        return false;
    }
    const char *s = proc_yaml_scalar(n);
    if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        qstr_to_long(s, min, max, out) < 0) {
        proc_yaml_diag(L->y, n, "%s.%s must be an integer from %ld to %ld", section, key, min, max);
        return false;
    }
    return true;
}

static void read_resources(struct loader *L, const yaml_node_t *n, json_t *cfg)
{
    static const char *const keys[] = {"cpus", "memory", "gpus", "cpuTime", NULL};
    if (n == NULL || proc_yaml_is_null(n) ||
        !proc_yaml_map_check(L->y, n, "config.maxResources", keys)) {
        return;
    }
    json_t *r = json_object();
    yaml_node_t *c = get(L, n, "cpus");
    double cpus = 0;
    if (c != NULL) {
        const char *s = proc_yaml_scalar(c);
        if (s == NULL || qstr_to_double(s, &cpus) < 0 || cpus <= 0 || cpus > 4096) {
            proc_yaml_diag(L->y, c, "config.maxResources.cpus must be a number above 0 (e.g. 0.5)");
        } else {
            json_object_set_new(r, "cpus", json_real(cpus));
        }
    }
    long v;
    if (read_long(L, n, "config.maxResources", "memory", 1, 16L * 1024 * 1024, &v)) {
        json_object_set_new(r, "memory", json_integer(v));
    }
    if (read_long(L, n, "config.maxResources", "gpus", 0, 1024, &v)) {
        json_object_set_new(r, "gpus", json_integer(v));
    }
    /* CPU seconds the process may use (RLIMIT_CPU on the local backend). */
    if (read_long(L, n, "config.maxResources", "cpuTime", 1, 30L * 24 * 3600, &v)) {
        json_object_set_new(r, "cpuTime", json_integer(v));
    }
    json_object_set_new(cfg, "maxResources", r);
}

/* One docker volume "host:container[:ro|:rw]"; a relative host path is taken from the
 * plugin file's directory (as SEPEX files write them). False when malformed. */
static bool read_volume(struct loader *L, const char *s, char *out, size_t outsz)
{
    const char *colon = strchr(s, ':');
    if (colon == NULL || colon == s || colon[1] != '/') {
        return false;
    }
    const char *mode = strchr(colon + 1, ':');
    if (mode != NULL && strcmp(mode, ":ro") != 0 && strcmp(mode, ":rw") != 0) {
        return false;
    }
    char host[PATH_MAX];
    char abs[PATH_MAX];
    if ((size_t)(colon - s) >= sizeof host) {
        return false;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - s), s);
    if (!normalise_path(L->dir, host, abs, sizeof abs)) {
        return false;
    }
    int w = snprintf(out, outsz, "%s%s", abs, colon);
    return w > 0 && (size_t)w < outsz;
}

static void read_volumes(struct loader *L, const yaml_node_t *n, json_t *cfg)
{
    if (n == NULL || proc_yaml_is_null(n)) {
        return;
    }
    if (L->type != NULL && strcmp(L->type, "docker") != 0) {
        proc_yaml_diag(L->y, n, "config.volumes apply only to host type docker");
        return;
    }
    if (n->type != YAML_SEQUENCE_NODE) {
        proc_yaml_diag(L->y, n,
                       "config.volumes must be a list of \"host/path:/container/path[:ro]\"");
        return;
    }
    json_t *arr = json_array();
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *v = proc_yaml_node(L->y, *it);
        const char *s = proc_yaml_scalar(v);
        char vol[PATH_MAX + 64];
        if (s == NULL || !read_volume(L, s, vol, sizeof vol)) {
            proc_yaml_diag(L->y, v,
                           "config.volumes: '%s' is not \"host/path:/container/path[:ro|:rw]\"",
                           s != NULL ? s : "null");
            continue;
        }
        json_array_append_new(arr, json_string(vol));
    }
    json_object_set_new(cfg, "volumes", arr);
}

static void read_config(struct loader *L, const yaml_node_t *n)
{
    json_t *cfg = json_pack("{s{}s[]}", "env", "secrets");
    json_object_set_new(L->def, "config", cfg);
    long timeout = 0;
    long priority = 0;
    if (n != NULL && !proc_yaml_is_null(n) && proc_yaml_map_check(L->y, n, "config", config_keys)) {
        yaml_node_t *env = get(L, n, "env");
        if (env != NULL && !proc_yaml_is_null(env) &&
            proc_yaml_map_check(L->y, env, "config.env", NULL)) {
            proc_yaml_map_each(L->y, env, env_pair, L);
        }
        read_names(L, get(L, n, "secrets"), "config.secrets", json_object_get(cfg, "secrets"));
        read_names(L, get(L, n, "envVars"), "config.envVars", json_object_get(cfg, "secrets"));
        read_resources(L, get(L, n, "maxResources"), cfg);
        read_long(L, n, "config", "timeout", 0, 30L * 24 * 3600, &timeout);
        long attempts;
        if (read_long(L, n, "config", "maxAttempts", 1, 100, &attempts)) {
            json_object_set_new(cfg, "maxAttempts", json_integer(attempts));
        }
        read_long(L, n, "config", "priority", -1000000, 1000000, &priority);
        read_volumes(L, get(L, n, "volumes"), cfg);
    }
    json_object_set_new(cfg, "timeout", json_integer(timeout));
    json_object_set_new(cfg, "priority", json_integer(priority));
}

/* --- the whole file ------------------------------------------------------- */

void proc_def_free(struct proc_def *d)
{
    if (d == NULL) {
        return;
    }
    free(d->id);
    free(d->version);
    free(d->path);
    json_decref(d->description);
    json_decref(d->definition);
    free(d);
}

char *proc_def_dumps(const json_t *v)
{
    size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
    char *s = json_dumps(v, flags | JSON_REAL_PRECISION(15));
    json_t *back = s != NULL ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
    if (back == NULL || !json_equal(back, v)) {
        free(s);
        s = json_dumps(v, flags);
    }
    json_decref(back);
    return s;
}

/* access: {roles: [...]}: who may see and run the process (decided by common/auth.c). */
static void read_access(struct loader *L, const yaml_node_t *n)
{
    if (n == NULL || proc_yaml_is_null(n) || !proc_yaml_map_check(L->y, n, "access", access_keys)) {
        return;
    }
    yaml_node_t *roles = get(L, n, "roles");
    if (roles == NULL) {
        return;
    }
    if (roles->type != YAML_SEQUENCE_NODE) {
        proc_yaml_diag(L->y, roles, "access.roles must be a list of role names, not %s",
                       proc_yaml_what(roles));
        return;
    }
    json_t *arr = json_array();
    size_t i = 0;
    for (yaml_node_item_t *it = roles->data.sequence.items.start;
         it < roles->data.sequence.items.top; it++, i++) {
        yaml_node_t *v = proc_yaml_node(L->y, *it);
        const char *s = proc_yaml_scalar(v);
        if (s == NULL) {
            proc_yaml_diag(L->y, v, "access.roles[%zu] must be a role name, not %s", i,
                           proc_yaml_what(v));
            continue;
        }
        if (!auth_role_valid(s)) {
            proc_yaml_diag(L->y, v, "access.roles[%zu]: '%s' is not a role name (1-128 of %s)", i,
                           s, "[A-Za-z0-9._:/@-]");
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < json_array_size(arr) && !dup; j++) {
            dup = strcmp(json_string_value(json_array_get(arr, j)), s) == 0;
        }
        if (!dup) {
            json_array_append_new(arr, json_string(s));
        }
    }
    json_object_set_new(L->def, "access", json_pack("{s:o}", "roles", arr));
}

static void read_sections(struct loader *L, const yaml_node_t *root)
{
    read_info(L, get(L, root, "info"), root);
    read_host(L, get(L, root, "host"), root);
    read_command(L, get(L, root, "command"), root);
    read_config(L, get(L, root, "config"));
    read_access(L, get(L, root, "access"));
    json_t *inputs = proc_io_inputs(L->y, get(L, root, "inputs"));
    json_t *outputs = proc_io_outputs(L->y, get(L, root, "outputs"), root);
    json_object_set(L->desc, "inputs", inputs);
    json_object_set(L->desc, "outputs", outputs);
    if (L->d->id != NULL) {
        json_object_set_new(L->def, "id", json_string(L->d->id));
    }
    if (L->d->version != NULL) {
        json_object_set_new(L->def, "version", json_string(L->d->version));
    }
    json_object_set_new(L->def, "inputs", inputs);
    json_object_set_new(L->def, "outputs", outputs);
}

struct proc_def *proc_def_load_text(const char *name, const char *dir, const char *text, size_t len,
                                    struct proc_diags *diags, struct qerr *err)
{
    size_t before = proc_diags_count(diags);
    struct proc_yaml y;
    struct proc_def *d = calloc(1, sizeof *d);
    struct loader L = {&y, dir != NULL ? dir : ".", d, NULL, json_object(), json_object()};
    int rc = proc_yaml_load(&y, name, text, len, diags);
    if (d == NULL || L.desc == NULL || L.def == NULL || (d->path = strdup(name)) == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory loading %s", name);
        goto fail;
    }
    if (rc == 0) {
        yaml_node_t *root = proc_yaml_root(&y);
        if (root == NULL || root->type != YAML_MAPPING_NODE) {
            proc_yaml_diag(&y, root,
                           "a plugin file is a mapping with info, host, command, config, inputs "
                           "and outputs");
        } else if (proc_yaml_map_check(&y, root, "the plugin file", top_keys)) {
            read_sections(&L, root);
        }
    }
    size_t n = proc_diags_count(diags) - before;
    if (n > 0 || d->id == NULL || d->version == NULL) {
        qerr_set(err, QERR_INVALID, "%s: %zu problem%s", name, n, n == 1 ? "" : "s");
        goto fail;
    }
    d->description = L.desc;
    d->definition = L.def;
    proc_yaml_cleanup(&y);
    return d;
fail:
    json_decref(L.desc);
    json_decref(L.def);
    proc_def_free(d);
    proc_yaml_cleanup(&y);
    return NULL;
}

static char *read_file(const char *path, size_t *len, struct proc_diags *diags)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        proc_diags_add(diags, path, 1, 1, "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *buf = malloc(PROC_YAML_MAX_BYTES + 1);
    errno = 0;
    size_t n = buf != NULL ? fread(buf, 1, PROC_YAML_MAX_BYTES + 1, f) : 0;
    int saved = buf == NULL ? ENOMEM : errno;
    bool bad = buf == NULL || ferror(f);
    fclose(f);
    if (bad) {
        proc_diags_add(diags, path, 1, 1, "cannot read: %s",
                       saved != 0 ? strerror(saved) : "read error");
        free(buf);
        return NULL;
    }
    if (n > PROC_YAML_MAX_BYTES) {
        proc_diags_add(diags, path, 1, 1, "file is larger than %d bytes", PROC_YAML_MAX_BYTES);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

struct proc_def *proc_def_load(const char *path, struct proc_diags *diags, struct qerr *err)
{
    size_t len = 0;
    char *text = read_file(path, &len, diags);
    if (text == NULL) {
        qerr_set(err, QERR_INVALID, "%s: cannot read", path);
        return NULL;
    }
    char dir[PATH_MAX];
    char abs[PATH_MAX];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash != NULL ? (int)(slash - path) : 1,
             slash != NULL ? path : ".");
    if (dir[0] == '\0') {
        snprintf(dir, sizeof dir, "/");
    }
    char realdir[PATH_MAX];
    if (realpath(dir, realdir) == NULL) {
        snprintf(realdir, sizeof realdir, "%s", dir);
    }
    struct proc_def *d = proc_def_load_text(path, realdir, text, len, diags, err);
    free(text);
    if (d != NULL && realpath(path, abs) != NULL) {
        char *p = strdup(abs);
        if (p != NULL) {
            free(d->path);
            d->path = p;
        }
    }
    return d;
}
