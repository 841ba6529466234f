// SPDX-License-Identifier: MIT
/*
 * slurm_state - parsers from Slurm's three spellings of a job's status into
 * one struct slurm_status. Every parser fills the whole struct or fails;
 * none allocates.
 */
#include "common/compat.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/qstr.h"
#include "runner/slurm_state.h"

static const struct {
    const char *name;
    const char *compact;
    enum slurm_state st;
} slurm_states[] = {
    {"PENDING", "PD", SLURM_ST_PENDING},       {"CONFIGURING", "CF", SLURM_ST_CONFIGURING},
    {"RUNNING", "R", SLURM_ST_RUNNING},        {"COMPLETING", "CG", SLURM_ST_COMPLETING},
    {"SUSPENDED", "S", SLURM_ST_SUSPENDED},    {"REQUEUED", "RQ", SLURM_ST_REQUEUED},
    {"COMPLETED", "CD", SLURM_ST_COMPLETED},   {"FAILED", "F", SLURM_ST_FAILED},
    {"TIMEOUT", "TO", SLURM_ST_TIMEOUT},       {"OUT_OF_MEMORY", "OOM", SLURM_ST_OUT_OF_MEMORY},
    {"CANCELLED", "CA", SLURM_ST_CANCELLED},   {"NODE_FAIL", "NF", SLURM_ST_NODE_FAIL},
    {"PREEMPTED", "PR", SLURM_ST_PREEMPTED},   {"BOOT_FAIL", "BF", SLURM_ST_BOOT_FAIL},
    {"DEADLINE", "DL", SLURM_ST_DEADLINE},
};

enum slurm_state slurm_state_parse(const char *s)
{
    size_t n = strcspn(s, " \t|+"); /* "CANCELLED by 0", "RUNNING+..." */
    for (size_t i = 0; i < QUERN_ARRAY_LEN(slurm_states); i++) {
        if ((strlen(slurm_states[i].name) == n && strncasecmp(s, slurm_states[i].name, n) == 0) ||
            (strlen(slurm_states[i].compact) == n &&
             strncasecmp(s, slurm_states[i].compact, n) == 0)) {
            return slurm_states[i].st;
        }
    }
    return SLURM_ST_UNKNOWN;
}

const char *slurm_state_name(enum slurm_state st)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(slurm_states); i++) {
        if (slurm_states[i].st == st) {
            return slurm_states[i].name;
        }
    }
    return "UNKNOWN";
}

bool slurm_state_terminal(enum slurm_state st)
{
    return st >= SLURM_ST_COMPLETED;
}

void slurm_wait_status_decode(long raw, int *exit_code, int *term_signal)
{
    if (raw < 0) {
        raw = 0;
    }
    if ((raw & 0x7f) == 0) {
        *exit_code = (int)((raw >> 8) & 0xff);
        *term_signal = 0;
    } else {
        *exit_code = 0;
        *term_signal = (int)(raw & 0x7f);
    }
}

static void copy_field(char *dst, size_t dstsz, const char *src, size_t len)
{
    if (len >= dstsz) {
        len = dstsz - 1;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void set_state(struct slurm_status *out, const char *name, size_t len)
{
    copy_field(out->state_name, sizeof out->state_name, name, len);
    out->state = slurm_state_parse(out->state_name);
}

static void set_reason(struct slurm_status *out, const char *r, size_t len)
{
    copy_field(out->reason, sizeof out->reason, r, len);
    if (strcmp(out->reason, "None") == 0 || strcmp(out->reason, "(null)") == 0) {
        out->reason[0] = '\0';
    }
}

static bool valid_job_id(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!isdigit((unsigned char)*s) && *s != '_') {
            return false;
        }
    }
    return true;
}

int slurm_status_from_squeue(const char *line, struct slurm_status *out, struct qerr *err)
{
    memset(out, 0, sizeof *out);
    const char *f[4];
    size_t len[4];
    const char *p = line;
    for (int i = 0; i < 4; i++) {
        const char *bar = strchr(p, '|');
        if (bar == NULL) {
            qerr_set(err, QERR_INVALID, "squeue: expected 4 '|'-separated fields");
            return -1;
        }
        f[i] = p;
        len[i] = (size_t)(bar - p);
        while (len[i] > 0 && f[i][len[i] - 1] == ' ') { /* squeue pads fields */
            len[i]--;
        }
        p = bar + 1;
    }
    copy_field(out->job_id, sizeof out->job_id, f[0], len[0]);
    char raw[32];
    copy_field(raw, sizeof raw, f[3], len[3]);
    long status;
    if (!valid_job_id(out->job_id) || qstr_to_long(raw, 0, 0xffffffL, &status) < 0) {
        qerr_set(err, QERR_INVALID, "squeue: bad job id or exit status");
        return -1;
    }
    set_state(out, f[1], len[1]);
    set_reason(out, f[2], len[2]);
    slurm_wait_status_decode(status, &out->exit_code, &out->term_signal);
    out->have_exit = slurm_state_terminal(out->state);
    return 0;
}

/* The value of " Key=" in a scontrol -o line, up to the next space; NULL if absent. */
static const char *scontrol_value(const char *line, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    for (const char *p = line; (p = strstr(p, key)) != NULL; p += klen) {
        if ((p == line || p[-1] == ' ') && p[klen] == '=') {
            const char *v = p + klen + 1;
            *len = strcspn(v, " \n");
            return v;
        }
    }
    return NULL;
}

int slurm_status_from_scontrol(const char *line, struct slurm_status *out, struct qerr *err)
{
    memset(out, 0, sizeof *out);
    size_t idlen, stlen, rlen, elen;
    const char *id = scontrol_value(line, "JobId", &idlen);
    const char *st = scontrol_value(line, "JobState", &stlen);
    const char *reason = scontrol_value(line, "Reason", &rlen);
    const char *ec = scontrol_value(line, "ExitCode", &elen);
    if (id == NULL || st == NULL) {
        qerr_set(err, QERR_INVALID, "scontrol: no JobId or JobState");
        return -1;
    }
    copy_field(out->job_id, sizeof out->job_id, id, idlen);
    if (!valid_job_id(out->job_id)) {
        qerr_set(err, QERR_INVALID, "scontrol: bad job id");
        return -1;
    }
    set_state(out, st, stlen);
    if (reason != NULL) {
        set_reason(out, reason, rlen);
    }
    if (ec != NULL) {
        char text[32];
        copy_field(text, sizeof text, ec, elen);
        char *colon = strchr(text, ':');
        long code, sig = 0;
        if (colon != NULL) {
            *colon = '\0';
        }
        if (qstr_to_long(text, 0, 255, &code) < 0 ||
            (colon != NULL && qstr_to_long(colon + 1, 0, 127, &sig) < 0)) {
            qerr_set(err, QERR_INVALID, "scontrol: bad ExitCode");
            return -1;
        }
        out->exit_code = (int)code;
        out->term_signal = (int)sig;
        out->have_exit = slurm_state_terminal(out->state);
    }
    return 0;
}

/* exit_code: a raw wait status (v0.0.38) or {"return_code": {"number"}|N, "signal": ...}. */
static void json_exit(const json_t *ec, struct slurm_status *out)
{
    if (json_is_integer(ec)) {
        slurm_wait_status_decode((long)json_integer_value(ec), &out->exit_code, &out->term_signal);
        out->have_exit = true;
        return;
    }
    if (!json_is_object(ec)) {
        return;
    }
    const json_t *rc = json_object_get(ec, "return_code");
    if (json_is_object(rc)) {
        rc = json_object_get(rc, "number");
    }
    if (json_is_integer(rc)) {
        out->exit_code = (int)json_integer_value(rc);
        out->have_exit = true;
    }
    const json_t *sig = json_object_get(ec, "signal");
    const json_t *sid = json_is_object(sig) ? json_object_get(sig, "id") : NULL;
    if (json_is_object(sid)) {
        sid = json_object_get(sid, "number");
    }
    if (json_is_integer(sid)) {
        out->term_signal = (int)json_integer_value(sid);
    }
}

int slurm_status_from_json(const json_t *job, struct slurm_status *out, struct qerr *err)
{
    memset(out, 0, sizeof *out);
    const json_t *id = json_object_get(job, "job_id");
    const json_t *st = json_object_get(job, "job_state");
    if (json_is_array(st)) { /* v0.0.39+: a list of flags, the base state first */
        st = json_array_get(st, 0);
    }
    if (!json_is_integer(id) || !json_is_string(st)) {
        qerr_set(err, QERR_INVALID, "slurmrestd: job without job_id or job_state");
        return -1;
    }
    snprintf(out->job_id, sizeof out->job_id, "%lld", (long long)json_integer_value(id));
    const char *s = json_string_value(st);
    set_state(out, s, strlen(s));
    const json_t *reason = json_object_get(job, "state_reason");
    if (json_is_string(reason)) {
        set_reason(out, json_string_value(reason), strlen(json_string_value(reason)));
    }
    json_exit(json_object_get(job, "exit_code"), out);
    out->have_exit = out->have_exit && slurm_state_terminal(out->state);
    return 0;
}

int slurm_status_from_marker(const char *text, struct slurm_status *out, struct qerr *err)
{
    memset(out, 0, sizeof *out);
    char num[16];
    size_t n = strcspn(text, "\n");
    if (strncmp(text, "exit ", 5) != 0 || n <= 5 || n - 5 >= sizeof num) {
        qerr_set(err, QERR_INVALID, "completion marker: expected 'exit N'");
        return -1;
    }
    copy_field(num, sizeof num, text + 5, n - 5);
    long code;
    if (qstr_to_long(num, 0, 255, &code) < 0) {
        qerr_set(err, QERR_INVALID, "completion marker: bad exit status");
        return -1;
    }
    out->state = code == 0 ? SLURM_ST_COMPLETED : SLURM_ST_FAILED;
    snprintf(out->state_name, sizeof out->state_name, "%s", slurm_state_name(out->state));
    out->exit_code = (int)code;
    out->have_exit = true;
    return 0;
}
