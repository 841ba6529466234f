// SPDX-License-Identifier: MIT
/*
 * cfg - the key table and its interpreters: YAML file, environment, defaults.
 *
 * Loading goes defaults -> file -> environment; each step writes through
 * the table's offsets into a struct cfg being built, and an error at any
 * step frees it whole. Strings are NUL-terminated copies owned by the struct.
 */
#include "common/compat.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "common/cfg.h"
#include "common/netaddr.h"
#include "common/qstr.h"

enum cfg_type { CFG_STR, CFG_SECRET, CFG_INT, CFG_BOOL, CFG_LIST, CFG_ENUM };

struct cfg_key {
    const char *name;
    enum cfg_type type;
    size_t off;
    const char *def; /* default in text form; lists comma-separated */
    long min, max;   /* CFG_INT bounds */
    const char *choices; /* CFG_ENUM: "|"-separated */
    const char *help;
};

#define F(field) offsetof(struct cfg, field)

static const struct cfg_key cfg_keys[] = {
    {"database.url", CFG_SECRET, F(database_url), "", 0, 0, NULL,
     "libpq connection string or postgresql:// URL; empty uses libpq's PG* variables"},
    {"database.connect_timeout", CFG_INT, F(database_connect_timeout), "10", 1, 3600, NULL,
     "seconds to keep retrying the first connection"},
    {"database.statement_timeout", CFG_INT, F(database_statement_timeout), "30000", 0, 86400000,
     NULL, "statement_timeout in milliseconds set on every connection (0: none)"},
    {"log.level", CFG_ENUM, F(log_level), "info", 0, 0, "error|warn|info|debug",
     "messages below this level are not printed"},
    {"plugins.dirs", CFG_LIST, F(plugins_dirs), PKGDATADIR "/plugins", 0, 0, NULL,
     "directories whose *.yaml files define processes"},
    {"api.base_url", CFG_STR, F(api_base_url), "", 0, 0, NULL,
     "public base URL of the API; empty derives it from each request"},
    {"api.max_body", CFG_INT, F(api_max_body), "10485760", 1024, 1073741824, NULL,
     "largest request body in bytes (413 above)"},
    {"api.max_depth", CFG_INT, F(api_max_depth), "64", 4, 1024, NULL,
     "deepest JSON nesting accepted in a request body"},
    {"api.sync_timeout", CFG_INT, F(api_sync_timeout), "60", 0, 86400, NULL,
     "longest a synchronous execute waits, in seconds"},
    {"api.swagger_ui", CFG_STR, F(api_swagger_ui), "/swagger-ui/", 0, 0, NULL,
     "URL of a swagger-ui-dist folder that /api?f=html loads; empty: a plain page"},
    {"api.href_allow_private", CFG_BOOL, F(api_href_allow_private), "false", 0, 0, NULL,
     "accept input hrefs whose host is a loopback, link-local or private address"},
    {"api.href_allow_networks", CFG_LIST, F(api_href_allow_networks), "", 0, 0, NULL,
     "networks (CIDR) input hrefs may point at although they are private"},
    {"metrics.access", CFG_ENUM, F(metrics_access), "admin", 0, 0, "admin|public|off",
     "who may read /metrics: admins only, anyone who may use the API, or nobody (404)"},
    {"metrics.flush_requests", CFG_INT, F(metrics_flush_requests), "100", 1, 1000000, NULL,
     "requests a quern-api worker counts before adding them to quern.api_requests"},
    {"metrics.flush_interval", CFG_INT, F(metrics_flush_interval), "10", 1, 3600, NULL,
     "longest a worker keeps counted requests before adding them, in seconds"},
    {"metrics.job_window", CFG_INT, F(metrics_job_window), "3600", 0, 31536000, NULL,
     "seconds of finished jobs the /metrics run-time histograms cover; 0: every job kept"},
    {"runner.name", CFG_STR, F(runner_name), "", 0, 0, NULL,
     "runner id recorded on jobs; empty uses host:pid"},
    {"runner.slots", CFG_INT, F(runner_slots), "0", 0, 4096, NULL,
     "jobs run at once by one runner; 0 uses the CPU count"},
    {"runner.backends", CFG_LIST, F(runner_backends), "local", 0, 0, NULL,
     "backends this runner serves (local, docker, aws-batch, slurm)"},
    {"runner.lease", CFG_INT, F(runner_lease), "30", 2, 86400, NULL,
     "seconds a claimed job's lease lasts; renewed at a third of it"},
    {"runner.poll_interval", CFG_INT, F(runner_poll_interval), "5", 1, 3600, NULL,
     "seconds between safety-net claims when no notification arrives"},
    {"runner.shutdown", CFG_ENUM, F(runner_shutdown), "handback", 0, 0, "wait|handback",
     "on SIGTERM: wait for running jobs, or stop them and queue them again"},
    {"runner.shutdown_grace", CFG_INT, F(runner_shutdown_grace), "30", 0, 86400, NULL,
     "seconds to wait for running jobs on SIGTERM before handing them back"},
    {"runner.kill_grace", CFG_INT, F(runner_kill_grace), "5", 0, 3600, NULL,
     "seconds between SIGTERM and SIGKILL when a job is stopped"},
    {"runner.work_dir", CFG_STR, F(runner_work_dir), "/var/lib/quern/jobs", 0, 0, NULL,
     "where per-job working and output directories are made"},
    {"runner.log_max_lines", CFG_INT, F(runner_log_max_lines), "10000", 10, 100000000, NULL,
     "log lines kept per job; a marker line records the truncation"},
    {"runner.log_line_max", CFG_INT, F(runner_log_line_max), "8192", 80, 1048576, NULL,
     "longest log line kept, in bytes (longer lines are cut)"},
    {"runner.max_attempts", CFG_INT, F(runner_max_attempts), "1", 1, 100, NULL,
     "attempts for a job whose definition sets none"},
    {"runner.log_flush_ms", CFG_INT, F(runner_log_flush_ms), "100", 1, 60000, NULL,
     "longest a job's log line or progress waits before it is written, in milliseconds"},
    {"runner.log_batch_lines", CFG_INT, F(runner_log_batch_lines), "1000", 1, 1000000, NULL,
     "pending log lines that trigger a write before runner.log_flush_ms has passed"},
    {"runner.results_max", CFG_INT, F(runner_results_max), "16777216", 1024, 1073741824, NULL,
     "longest stdout line kept whole, in bytes (bounds the plugin_results line)"},
    {"runner.output_max", CFG_INT, F(runner_output_max), "1073741824", 0, 1073741824, NULL,
     "largest output file a job may leave, in bytes (larger fails the job)"},
    {"runner.retry_backoff", CFG_INT, F(runner_retry_backoff), "5", 0, 3600, NULL,
     "seconds before a lost job's first retry; doubles per attempt (capped at 300, with jitter)"},
    {"runner.keep_job_dirs", CFG_BOOL, F(runner_keep_job_dirs), "false", 0, 0, NULL,
     "keep each job's working directory after it ended (for debugging)"},
    {"callbacks.allow_private", CFG_BOOL, F(callbacks_allow_private), "false", 0, 0, NULL,
     "allow subscriber callbacks to loopback, link-local and private addresses"},
    {"callbacks.allow_networks", CFG_LIST, F(callbacks_allow_networks), "", 0, 0, NULL,
     "networks (CIDR, e.g. 10.1.0.0/16) subscriber callbacks may reach although they are private"},
    {"callbacks.timeout", CFG_INT, F(callbacks_timeout), "10", 1, 600, NULL,
     "seconds one callback request may take"},
    {"callbacks.retries", CFG_INT, F(callbacks_retries), "3", 0, 10, NULL,
     "retries of a failed callback (exponential backoff from 1 s)"},
    {"storage.type", CFG_ENUM, F(storage_type), "postgres", 0, 0, "postgres|filesystem|s3",
     "where job output files are kept"},
    {"storage.path", CFG_STR, F(storage_path), "/var/lib/quern/files", 0, 0, NULL,
     "root of the filesystem store"},
    {"storage.inline_max", CFG_INT, F(storage_inline_max), "1048576", 0, 1073741824, NULL,
     "filesystem and s3 stores: result values longer than this many bytes (as JSON) are kept as files"},
    {"storage.s3_bucket", CFG_STR, F(storage_s3_bucket), "", 0, 0, NULL,
     "S3 bucket of the s3 store"},
    {"storage.s3_prefix", CFG_STR, F(storage_s3_prefix), "quern/", 0, 0, NULL,
     "key prefix of every object quern writes to the s3 store"},
    {"storage.s3_endpoint", CFG_STR, F(storage_s3_endpoint), "", 0, 0, NULL,
     "S3 endpoint URL (path-style); empty uses aws.endpoint, else AWS's regional endpoint"},
    {"storage.s3_presign", CFG_INT, F(storage_s3_presign), "0", 0, 604800, NULL,
     "seconds a presigned result URL stays valid; 0 streams S3 files through quern"},
    {"storage.log_archive", CFG_BOOL, F(storage_log_archive), "false", 0, 0, NULL,
     "s3 store: move each finished job's log from PostgreSQL to one S3 object"},
    {"docker.socket", CFG_STR, F(docker_socket), "/var/run/docker.sock", 0, 0, NULL,
     "unix socket of the Docker Engine API (docker or podman)"},
    {"docker.api_version", CFG_STR, F(docker_api_version), "v1.41", 0, 0, NULL,
     "Docker Engine API version prefix"},
    {"aws.region", CFG_STR, F(aws_region), "", 0, 0, NULL,
     "AWS region; empty uses AWS_REGION or AWS_DEFAULT_REGION, else us-east-1"},
    {"aws.endpoint", CFG_STR, F(aws_endpoint), "", 0, 0, NULL,
     "one endpoint URL for every AWS service (moto, LocalStack, a VPC endpoint); empty: AWS"},
    {"aws.access_key_id", CFG_STR, F(aws_access_key_id), "", 0, 0, NULL,
     "AWS access key id; empty uses AWS_ACCESS_KEY_ID"},
    {"aws.secret_access_key", CFG_SECRET, F(aws_secret_access_key), "", 0, 0, NULL,
     "AWS secret access key; empty uses AWS_SECRET_ACCESS_KEY"},
    {"aws.session_token", CFG_SECRET, F(aws_session_token), "", 0, 0, NULL,
     "AWS session token of temporary credentials; empty uses AWS_SESSION_TOKEN"},
    {"aws.batch_poll_ms", CFG_INT, F(aws_batch_poll_ms), "5000", 100, 600000, NULL,
     "milliseconds between DescribeJobs calls while Batch jobs run (backs off to 8x when idle)"},
    {"aws.log_group", CFG_STR, F(aws_log_group), "/aws/batch/job", 0, 0, NULL,
     "CloudWatch Logs group of Batch jobs whose job definition names none"},
    {"slurm.transport", CFG_ENUM, F(slurm_transport), "cli", 0, 0, "cli|rest",
     "how the slurm backend reaches Slurm: its command-line tools or slurmrestd"},
    {"slurm.rest_url", CFG_STR, F(slurm_rest_url), "unix:/run/slurmrestd/slurmrestd.socket", 0, 0,
     NULL, "slurmrestd: unix:/path/to/socket (local auth) or http(s)://host:port (JWT)"},
    {"slurm.rest_version", CFG_STR, F(slurm_rest_version), "v0.0.38", 0, 0, NULL,
     "slurmrestd OpenAPI plugin version used in request paths"},
    {"slurm.jwt_user", CFG_STR, F(slurm_jwt_user), "", 0, 0, NULL,
     "user name sent as X-SLURM-USER-NAME with slurm.jwt_token"},
    {"slurm.jwt_token", CFG_SECRET, F(slurm_jwt_token), "", 0, 0, NULL,
     "JWT for slurmrestd (scontrol token); empty sends no token (local auth)"},
    {"slurm.work_dir", CFG_STR, F(slurm_work_dir), "", 0, 0, NULL,
     "directory shared with the compute nodes for per-job files; empty uses runner.work_dir"},
    {"slurm.job_user", CFG_STR, F(slurm_job_user), "", 0, 0, NULL,
     "user Slurm jobs run as; a root runner gives each job directory to this user"},
    {"slurm.bin_dir", CFG_STR, F(slurm_bin_dir), "/usr/bin", 0, 0, NULL,
     "directory of sbatch, squeue and scancel"},
    {"slurm.poll_interval", CFG_INT, F(slurm_poll_interval), "5000", 100, 600000, NULL,
     "longest pause in milliseconds between status polls of running Slurm jobs"},
    {"slurm.partition", CFG_STR, F(slurm_partition), "", 0, 0, NULL,
     "partition for definitions that name none; empty uses Slurm's default"},
    {"slurm.account", CFG_STR, F(slurm_account), "", 0, 0, NULL,
     "account charged for definitions that name none; empty uses the user's default"},
    {"auth.anonymous", CFG_BOOL, F(auth_anonymous), "true", 0, 0, NULL,
     "serve requests that carry no identity"},
    {"auth.anonymous_roles", CFG_LIST, F(auth_anonymous_roles), "", 0, 0, NULL,
     "roles an anonymous request has (admin only on a private machine)"},
    {"auth.remote_user", CFG_BOOL, F(auth_remote_user), "true", 0, 0, NULL,
     "take REMOTE_USER, set by the front server after it authenticated a request, as the user"},
    {"auth.roles_variable", CFG_STR, F(auth_roles_variable), "", 0, 0, NULL,
     "request variable holding the front server's roles, comma or space separated (a header "
     "X-Roles is HTTP_X_ROLES)"},
    {"auth.trust_front_roles", CFG_BOOL, F(auth_trust_front_roles), "false", 0, 0, NULL,
     "read auth.roles_variable: only when the front server always sets it (clients could forge "
     "it)"},
    {"auth.admin_role", CFG_STR, F(auth_admin_role), "admin", 0, 0, NULL,
     "the role that may do everything: every job, deploy, undeploy, metrics"},
    {"auth.realm", CFG_STR, F(auth_realm), "quern", 0, 0, NULL,
     "realm named in WWW-Authenticate challenges"},
    {"auth.failure_delay_ms", CFG_INT, F(auth_failure_delay_ms), "250", 0, 10000, NULL,
     "delay before checking a client's credentials after one recent failure, doubling with each "
     "further one (0: off)"},
    {"auth.failure_delay_max_ms", CFG_INT, F(auth_failure_delay_max_ms), "5000", 0, 60000, NULL,
     "longest such delay in milliseconds"},
    {"auth.failure_window", CFG_INT, F(auth_failure_window), "900", 1, 86400, NULL,
     "seconds a failed login counts against its client"},
};

#undef F

static const struct cfg_key *cfg_key_find(const char *name)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cfg_keys); i++) {
        if (strcmp(cfg_keys[i].name, name) == 0) {
            return &cfg_keys[i];
        }
    }
    return NULL;
}

static void *field(struct cfg *c, const struct cfg_key *k)
{
    return (char *)c + k->off;
}

static void list_free(struct cfg_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i]);
    }
    QFREE(l->items);
    l->n = 0;
}

static int list_push(struct cfg_list *l, const char *s, size_t len)
{
    char **items = realloc(l->items, (l->n + 1) * sizeof *items);
    if (items == NULL) {
        return -1;
    }
    l->items = items;
    l->items[l->n] = strndup(s, len);
    if (l->items[l->n] == NULL) {
        return -1;
    }
    l->n++;
    return 0;
}

static int list_from_csv(struct cfg_list *l, const char *s)
{
    list_free(l);
    while (*s != '\0') {
        const char *comma = strchr(s, ',');
        size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
        while (len > 0 && isspace((unsigned char)*s)) {
            s++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)s[len - 1])) {
            len--;
        }
        if (len > 0 && list_push(l, s, len) < 0) {
            return -1;
        }
        if (comma == NULL) {
            break;
        }
        s = comma + 1;
    }
    return 0;
}

static bool enum_allows(const struct cfg_key *k, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = k->choices; p != NULL && *p != '\0';) {
        const char *bar = strchr(p, '|');
        size_t len = bar != NULL ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0) {
            return true;
        }
        p = bar != NULL ? bar + 1 : NULL;
    }
    return false;
}

/*
 * Sets a scalar key from text. where names the source for messages
 * ("file:line" or the environment variable). Lists take comma-separated text.
 */
static int set_from_text(struct cfg *c, const struct cfg_key *k, const char *v, const char *where,
                         struct qerr *err)
{
    void *f = field(c, k);
    switch (k->type) {
    case CFG_STR:
    case CFG_SECRET:
    case CFG_ENUM: {
        if (k->type == CFG_ENUM && !enum_allows(k, v)) {
            qerr_set(err, QERR_INVALID, "%s: key '%s': expected one of %s, got '%s'", where,
                     k->name, k->choices, v);
            return -1;
        }
        char *copy = strdup(v);
        if (copy == NULL) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            return -1;
        }
        free(*(char **)f);
        *(char **)f = copy;
        return 0;
    }
    case CFG_INT:
        if (qstr_to_long(v, k->min, k->max, (long *)f) < 0) {
            qerr_set(err, QERR_INVALID, "%s: key '%s': expected an integer from %ld to %ld, got '%s'",
                     where, k->name, k->min, k->max, v);
            return -1;
        }
        return 0;
    case CFG_BOOL:
        if (qstr_to_bool(v, (bool *)f) < 0) {
            qerr_set(err, QERR_INVALID, "%s: key '%s': expected true or false, got '%s'", where,
                     k->name, v);
            return -1;
        }
        return 0;
    case CFG_LIST:
        if (list_from_csv((struct cfg_list *)f, v) < 0) {
            qerr_set(err, QERR_NOMEM, "out of memory");
            return -1;
        }
        return 0;
    }
    return -1;
}

static int apply_defaults(struct cfg *c, struct qerr *err)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cfg_keys); i++) {
        if (set_from_text(c, &cfg_keys[i], cfg_keys[i].def, "default", err) < 0) {
            return -1;
        }
    }
    return 0;
}

static const char *node_type_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    default:
        return "a scalar";
    }
}

static int set_from_node(struct cfg *c, yaml_document_t *doc, const struct cfg_key *k,
                         yaml_node_t *v, const char *file, struct qerr *err)
{
    char where[512];
    snprintf(where, sizeof where, "%s:%lu", file, (unsigned long)v->start_mark.line + 1);
    if (k->type == CFG_LIST) {
        struct cfg_list *l = field(c, k);
        if (v->type != YAML_SEQUENCE_NODE) {
            qerr_set(err, QERR_INVALID, "%s: key '%s': expected a list, got %s", where, k->name,
                     node_type_name(v));
            return -1;
        }
        list_free(l);
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            yaml_node_t *item = yaml_document_get_node(doc, *it);
            if (item == NULL || item->type != YAML_SCALAR_NODE) {
                qerr_set(err, QERR_INVALID, "%s: key '%s': list items must be scalars", where,
                         k->name);
                return -1;
            }
            if (list_push(l, (const char *)item->data.scalar.value, item->data.scalar.length) < 0) {
                qerr_set(err, QERR_NOMEM, "out of memory");
                return -1;
            }
        }
        return 0;
    }
    if (v->type != YAML_SCALAR_NODE) {
        qerr_set(err, QERR_INVALID, "%s: key '%s': expected a scalar, got %s", where, k->name,
                 node_type_name(v));
        return -1;
    }
    return set_from_text(c, k, (const char *)v->data.scalar.value, where, err);
}

/* Walks a mapping; prefix is the dotted path of the mapping ("" at the root). */
static int walk_mapping(struct cfg *c, yaml_document_t *doc, yaml_node_t *map, const char *prefix,
                        const char *file, struct qerr *err)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(doc, p->value);
        unsigned long line = (unsigned long)kn->start_mark.line + 1;
        if (kn->type != YAML_SCALAR_NODE) {
            qerr_set(err, QERR_INVALID, "%s:%lu: keys must be scalars", file, line);
            return -1;
        }
        char name[256];
        int n = snprintf(name, sizeof name, "%s%s%s", prefix, *prefix != '\0' ? "." : "",
                         (const char *)kn->data.scalar.value);
        if (n < 0 || (size_t)n >= sizeof name) {
            qerr_set(err, QERR_INVALID, "%s:%lu: key too long", file, line);
            return -1;
        }
        const struct cfg_key *k = cfg_key_find(name);
        if (k != NULL) {
            if (set_from_node(c, doc, k, vn, file, err) < 0) {
                return -1;
            }
        } else if (*prefix == '\0' && vn->type == YAML_MAPPING_NODE) {
            if (walk_mapping(c, doc, vn, name, file, err) < 0) {
                return -1;
            }
        } else {
            qerr_set(err, QERR_INVALID, "%s:%lu: unknown key '%s'", file, line, name);
            return -1;
        }
    }
    return 0;
}

/* Parses YAML from f or, when f is NULL, from data/len; name is used in messages. */
static int load_yaml(struct cfg *c, FILE *f, const char *data, size_t len, const char *name,
                     struct qerr *err)
{
    int rc = -1;
    yaml_parser_t parser;
    yaml_document_t doc;
    bool have_doc = false;
    if (!yaml_parser_initialize(&parser)) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return -1;
    }
    if (f != NULL) {
        yaml_parser_set_input_file(&parser, f);
    } else {
        yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    }
    if (!yaml_parser_load(&parser, &doc)) {
        qerr_set(err, QERR_INVALID, "%s:%lu:%lu: %s", name,
                 (unsigned long)parser.problem_mark.line + 1,
                 (unsigned long)parser.problem_mark.column + 1,
                 parser.problem != NULL ? parser.problem : "invalid YAML");
        goto out;
    }
    have_doc = true;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root == NULL) {
        rc = 0; /* an empty file is all defaults */
        goto out;
    }
    if (root->type != YAML_MAPPING_NODE) {
        qerr_set(err, QERR_INVALID, "%s:%lu: the configuration must be a mapping", name,
                 (unsigned long)root->start_mark.line + 1);
        goto out;
    }
    if (walk_mapping(c, &doc, root, "", name, err) < 0) {
        goto out;
    }
    rc = 0;
out:
    if (have_doc) {
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    return rc;
}

static int load_file(struct cfg *c, const char *path, bool must_exist, struct qerr *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (!must_exist && errno == ENOENT) {
            return 0;
        }
        qerr_set_errno(err, QERR_INVALID, "%s: cannot open", path);
        return -1;
    }
    int rc = load_yaml(c, f, NULL, 0, path, err);
    fclose(f);
    if (rc == 0) {
        c->path = strdup(path);
    }
    return rc;
}

int cfg_load_buffer(const char *data, size_t len, const char *name, struct cfg *out,
                    struct qerr *err)
{
    memset(out, 0, sizeof *out);
    if (apply_defaults(out, err) < 0 || load_yaml(out, NULL, data, len, name, err) < 0) {
        cfg_free(out);
        return -1;
    }
    return 0;
}

void cfg_env_name(const char *key, char *out, size_t outsz)
{
    size_t j = 0;
    const char *prefix = "QUERN_";
    for (size_t i = 0; prefix[i] != '\0' && j + 1 < outsz; i++) {
        out[j++] = prefix[i];
    }
    for (size_t i = 0; key[i] != '\0' && j + 1 < outsz; i++) {
        out[j++] = key[i] == '.' ? '_' : (char)toupper((unsigned char)key[i]);
    }
    out[j] = '\0';
}

static int apply_env(struct cfg *c, struct qerr *err)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cfg_keys); i++) {
        char name[128];
        cfg_env_name(cfg_keys[i].name, name, sizeof name);
        const char *v = getenv(name);
        if (v != NULL && set_from_text(c, &cfg_keys[i], v, name, err) < 0) {
            return -1;
        }
    }
    return 0;
}

int cfg_load(const char *path, struct cfg *out, struct qerr *err)
{
    memset(out, 0, sizeof *out);
    bool must_exist = true;
    if (path == NULL) {
        path = getenv("QUERN_CONFIG");
    }
    if (path == NULL || *path == '\0') {
        path = SYSCONFDIR "/quern/quern.yaml";
        must_exist = false;
    }
    if (apply_defaults(out, err) < 0 || load_file(out, path, must_exist, err) < 0 ||
        apply_env(out, err) < 0 ||
        netaddr_list_check("callbacks.allow_networks", &out->callbacks_allow_networks, err) < 0 ||
        netaddr_list_check("api.href_allow_networks", &out->api_href_allow_networks, err) < 0) {
        cfg_free(out);
        return -1;
    }
    return 0;
}

void cfg_free(struct cfg *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cfg_keys); i++) {
        void *f = field(c, &cfg_keys[i]);
        switch (cfg_keys[i].type) {
        case CFG_STR:
        case CFG_SECRET:
        case CFG_ENUM:
            QFREE(*(char **)f);
            break;
        case CFG_LIST:
            list_free(f);
            break;
        default:
            break;
        }
    }
    QFREE(c->path);
}

static const char *type_name(enum cfg_type t)
{
    static const char *const names[] = {"string", "secret", "integer", "boolean", "list", "enum"};
    return names[t];
}

void cfg_print_reference(FILE *f)
{
    fputs("| key | environment | type | default | meaning |\n|---|---|---|---|---|\n", f);
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cfg_keys); i++) {
        const struct cfg_key *k = &cfg_keys[i];
        char env[128];
        cfg_env_name(k->name, env, sizeof env);
        /* Install paths print symbolically so the reference is the same for every build. */
        const char *def = k->def;
        bool in_pkgdata = strncmp(def, PKGDATADIR, strlen(PKGDATADIR)) == 0;
        char choices[128] = "";
        for (size_t j = 0, o = 0; k->choices != NULL && k->choices[j] != '\0' && o + 4 < sizeof choices;
             j++) {
            if (k->choices[j] == '|') {
                choices[o++] = ',';
                choices[o++] = ' ';
            } else {
                choices[o++] = k->choices[j];
            }
            choices[o] = '\0';
        }
        fprintf(f, "| `%s` | `%s` | %s%s%s | `%s%s` | %s |\n", k->name, env, type_name(k->type),
                k->choices != NULL ? ": " : "", choices, in_pkgdata ? "$pkgdatadir" : "",
                in_pkgdata ? def + strlen(PKGDATADIR) : def, k->help);
    }
}

void cfg_print_effective(const struct cfg *c, FILE *f)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cfg_keys); i++) {
        const struct cfg_key *k = &cfg_keys[i];
        const void *v = (const char *)c + k->off;
        fprintf(f, "%s: ", k->name);
        switch (k->type) {
        case CFG_SECRET:
            fputs(*(char *const *)v != NULL && **(char *const *)v != '\0' ? "'*****'\n" : "''\n", f);
            break;
        case CFG_STR:
        case CFG_ENUM:
            fprintf(f, "'%s'\n", *(char *const *)v != NULL ? *(char *const *)v : "");
            break;
        case CFG_INT:
            fprintf(f, "%ld\n", *(const long *)v);
            break;
        case CFG_BOOL:
            fputs(*(const bool *)v ? "true\n" : "false\n", f);
            break;
        case CFG_LIST: {
            const struct cfg_list *l = v;
            fputs("[", f);
            for (size_t j = 0; j < l->n; j++) {
                fprintf(f, "%s'%s'", j > 0 ? ", " : "", l->items[j]);
            }
            fputs("]\n", f);
            break;
        }
        }
    }
}

long cfg_runner_slots(const struct cfg *c)
{
    if (c->runner_slots > 0) {
        return c->runner_slots;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}
