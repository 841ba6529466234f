// SPDX-License-Identifier: MIT
/* batch_api - AWS Batch request bodies and reply parsers; see batch_api.h. */
#include "common/compat.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "runner/batch_api.h"

static char *dump(json_t *doc, struct qerr *err)
{
    char *s = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (s == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory building a Batch request");
    }
    return s;
}

static json_t *command_array(char *const *argv)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && argv != NULL && argv[i] != NULL; i++) {
        if (json_array_append_new(a, json_string(argv[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Host paths and the PATH of the runner mean nothing inside a Batch container. */
static bool env_kept(const char *kv, size_t name_len)
{
    static const char *const dropped[] = {"PATH", "QUERN_OUTPUT_DIR", "QUERN_JOB_DIR"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(dropped); i++) {
        if (strlen(dropped[i]) == name_len && strncmp(kv, dropped[i], name_len) == 0) {
            return false;
        }
    }
    return strncmp(kv, "AWS_BATCH", 9) != 0; /* reserved by Batch */
}

static json_t *environment_array(char *const *envp)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && envp != NULL && envp[i] != NULL; i++) {
        const char *eq = strchr(envp[i], '=');
        if (eq == NULL || eq == envp[i] || !env_kept(envp[i], (size_t)(eq - envp[i]))) {
            continue;
        }
        json_t *kv =
            json_pack("{s:s%, s:s}", "name", envp[i], (size_t)(eq - envp[i]), "value", eq + 1);
        if (kv == NULL || json_array_append_new(a, kv) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *resources_array(double cpus, long memory_mib)
{
    json_t *a = json_array();
    char v[32];
    if (a != NULL && cpus > 0) {
        snprintf(v, sizeof v, "%g", cpus);
        json_array_append_new(a, json_pack("{s:s, s:s}", "type", "VCPU", "value", v));
    }
    if (a != NULL && memory_mib > 0) {
        snprintf(v, sizeof v, "%ld", memory_mib);
        json_array_append_new(a, json_pack("{s:s, s:s}", "type", "MEMORY", "value", v));
    }
    return a;
}

char *batch_api_submit_body(const struct batch_spec *spec, struct qerr *err)
{
    if (spec->job_queue == NULL || *spec->job_queue == '\0' || spec->job_definition == NULL ||
        *spec->job_definition == '\0') {
        qerr_set(err, QERR_INVALID,
                 "host.jobQueue and host.jobDefinition are required for aws-batch");
        return NULL;
    }
    char name[64];
    snprintf(name, sizeof name, "quern-%s", spec->job_id);
    json_t *overrides =
        json_pack("{s:o, s:o, s:o}", "command", command_array(spec->argv), "environment",
                  environment_array(spec->envp), "resourceRequirements",
                  resources_array(spec->cpus, spec->memory_mib));
    json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:{s:s}}", "jobName", name, "jobQueue",
                            spec->job_queue, "jobDefinition", spec->job_definition,
                            "containerOverrides", overrides, "tags", "quern-job", spec->job_id);
    if (doc != NULL && spec->timeout_s > 0) {
        long t = spec->timeout_s < BATCH_TIMEOUT_MIN ? BATCH_TIMEOUT_MIN : spec->timeout_s;
        json_object_set_new(doc, "timeout",
                            json_pack("{s:I}", "attemptDurationSeconds", (json_int_t)t));
    }
    return dump(doc, err);
}

char *batch_api_describe_body(const char *const *ids, size_t n, struct qerr *err)
{
    if (n == 0 || n > BATCH_DESCRIBE_MAX) {
        qerr_set(err, QERR_INVALID, "DescribeJobs takes 1 to %d ids, not %zu", BATCH_DESCRIBE_MAX,
                 n);
        return NULL;
    }
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        json_array_append_new(a, json_string(ids[i]));
    }
    return dump(json_pack("{s:o}", "jobs", a), err);
}

char *batch_api_terminate_body(const char *batch_id, const char *reason, struct qerr *err)
{
    return dump(json_pack("{s:s, s:s}", "jobId", batch_id, "reason", reason), err);
}

static json_t *parse_object(const char *body, size_t len, const char *what, struct qerr *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body != NULL ? body : "", len, 0, &jerr);
    if (!json_is_object(doc)) {
        qerr_set(err, QERR_BACKEND, "%s reply is not a JSON object: %s", what,
                 doc == NULL ? jerr.text : "wrong type");
        json_decref(doc);
        return NULL;
    }
    return doc;
}

int batch_api_parse_submit(const char *body, size_t len, char *id, size_t idsz, struct qerr *err)
{
    json_t *doc = parse_object(body, len, "SubmitJob", err);
    if (doc == NULL) {
        return -1;
    }
    const char *v = json_string_value(json_object_get(doc, "jobId"));
    int rc = -1;
    if (v == NULL || *v == '\0' || strlen(v) >= idsz) {
        qerr_set(err, QERR_BACKEND, "SubmitJob reply has no usable jobId");
    } else {
        snprintf(id, idsz, "%s", v);
        rc = 0;
    }
    json_decref(doc);
    return rc;
}

static const struct {
    const char *name;
    enum batch_state state;
} state_names[] = {
    {"SUBMITTED", BATCH_SUBMITTED}, {"PENDING", BATCH_PENDING}, {"RUNNABLE", BATCH_RUNNABLE},
    {"STARTING", BATCH_STARTING},   {"RUNNING", BATCH_RUNNING}, {"SUCCEEDED", BATCH_SUCCEEDED},
    {"FAILED", BATCH_FAILED},
};

bool batch_state_terminal(enum batch_state s)
{
    return s == BATCH_SUCCEEDED || s == BATCH_FAILED;
}

static void copy_str(char *out, size_t outsz, const json_t *v)
{
    const char *s = json_string_value(v);
    snprintf(out, outsz, "%s", s != NULL ? s : "");
}

/* Fills what the container part (job.container or the last attempt's) says. */
static void parse_container(const json_t *c, struct batch_status *st)
{
    if (!json_is_object(c)) {
        return;
    }
    json_t *code = json_object_get(c, "exitCode");
    if (json_is_integer(code)) {
        st->has_exit = true;
        st->exit_code = (int)json_integer_value(code);
    }
    if (st->log_stream[0] == '\0') {
        copy_str(st->log_stream, sizeof st->log_stream, json_object_get(c, "logStreamName"));
    }
    if (st->reason[0] == '\0') {
        copy_str(st->reason, sizeof st->reason, json_object_get(c, "reason"));
    }
    const json_t *opts = json_object_get(json_object_get(c, "logConfiguration"), "options");
    if (st->log_group[0] == '\0') {
        copy_str(st->log_group, sizeof st->log_group, json_object_get(opts, "awslogs-group"));
    }
}

static void parse_job(const json_t *j, struct batch_status *st)
{
    memset(st, 0, sizeof *st);
    copy_str(st->id, sizeof st->id, json_object_get(j, "jobId"));
    copy_str(st->state_name, sizeof st->state_name, json_object_get(j, "status"));
    st->state = BATCH_UNKNOWN;
    for (size_t i = 0; i < QUERN_ARRAY_LEN(state_names); i++) {
        if (strcmp(state_names[i].name, st->state_name) == 0) {
            st->state = state_names[i].state;
        }
    }
    copy_str(st->reason, sizeof st->reason, json_object_get(j, "statusReason"));
    parse_container(json_object_get(j, "container"), st);
    const json_t *attempts = json_object_get(j, "attempts");
    size_t na = json_array_size(attempts);
    if (na > 0) {
        parse_container(json_object_get(json_array_get(attempts, na - 1), "container"), st);
    }
}

int batch_api_parse_describe(const char *body, size_t len, struct batch_status **out, size_t *n,
                             struct qerr *err)
{
    *out = NULL;
    *n = 0;
    json_t *doc = parse_object(body, len, "DescribeJobs", err);
    if (doc == NULL) {
        return -1;
    }
    const json_t *jobs = json_object_get(doc, "jobs");
    if (!json_is_array(jobs)) {
        qerr_set(err, QERR_BACKEND, "DescribeJobs reply has no jobs array");
        json_decref(doc);
        return -1;
    }
    size_t count = json_array_size(jobs);
    *out = calloc(count > 0 ? count : 1, sizeof **out);
    if (*out == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        json_decref(doc);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        const json_t *j = json_array_get(jobs, i);
        if (json_is_object(j) && json_is_string(json_object_get(j, "jobId"))) {
            parse_job(j, &(*out)[(*n)++]);
        }
    }
    json_decref(doc);
    return 0;
}
