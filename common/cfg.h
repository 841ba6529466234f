// SPDX-License-Identifier: MIT
/*
 * cfg - quern's configuration: one YAML file plus environment overrides.
 *
 * The keys are one declarative table in cfg.c (name, type, default, bounds,
 * help text); everything else - parsing, type checks, QUERN_* environment
 * overrides, the reference printed by `quern-admin config` - derives from
 * it. Unknown keys and wrong types are errors naming file, line and key.
 * A loaded struct cfg is immutable; a reload builds a new one and swaps it.
 * Use: cfg_load -> read fields -> cfg_free.
 */
#ifndef QUERN_CFG_H
#define QUERN_CFG_H

#include <stdio.h>

#include "common/compat.h"
#include "common/qerr.h"

struct cfg_list {
    char **items; /* n strings, owned */
    size_t n;
};

struct cfg {
    char *path; /* file actually read, or NULL when only defaults/env were used */

    char *database_url;
    long database_connect_timeout;
    long database_statement_timeout;

    char *log_level;

    struct cfg_list plugins_dirs;

    char *api_base_url;
    long api_max_body;
    long api_max_depth;
    long api_sync_timeout;
    char *api_swagger_ui;
    bool api_href_allow_private;
    struct cfg_list api_href_allow_networks;

    char *metrics_access;
    long metrics_flush_requests;
    long metrics_flush_interval;
    long metrics_job_window;

    char *runner_name;
    long runner_slots;
    struct cfg_list runner_backends;
    long runner_lease;
    long runner_poll_interval;
    char *runner_shutdown;
    long runner_shutdown_grace;
    long runner_kill_grace;
    char *runner_work_dir;
    long runner_log_max_lines;
    long runner_log_line_max;
    long runner_max_attempts;
    long runner_log_flush_ms;
    long runner_log_batch_lines;
    long runner_results_max;
    long runner_output_max;
    long runner_retry_backoff;
    bool runner_keep_job_dirs;

    bool callbacks_allow_private;
    struct cfg_list callbacks_allow_networks;
    long callbacks_timeout;
    long callbacks_retries;

    char *storage_type;
    char *storage_path;
    long storage_inline_max;
    char *storage_s3_bucket;
    char *storage_s3_prefix;
    char *storage_s3_endpoint;
    long storage_s3_presign;
    bool storage_log_archive;

    char *docker_socket;
    char *docker_api_version;

    char *aws_region;
    char *aws_endpoint;
    char *aws_access_key_id;
    char *aws_secret_access_key;
    char *aws_session_token;
    long aws_batch_poll_ms;
    char *aws_log_group;
    char *slurm_transport;
    char *slurm_rest_url;
    char *slurm_rest_version;
    char *slurm_jwt_user;
    char *slurm_jwt_token;
    char *slurm_work_dir;
    char *slurm_job_user;
    char *slurm_bin_dir;
    long slurm_poll_interval;
    char *slurm_partition;
    char *slurm_account;

    bool auth_anonymous;
    struct cfg_list auth_anonymous_roles;
    bool auth_remote_user;
    char *auth_roles_variable;
    bool auth_trust_front_roles;
    char *auth_admin_role;
    char *auth_realm;
    long auth_failure_delay_ms;
    long auth_failure_delay_max_ms;
    long auth_failure_window;
};

/*
 * Loads path (NULL: $QUERN_CONFIG, else SYSCONFDIR/quern/quern.yaml, which
 * may be absent) and applies QUERN_* environment overrides. On error returns
 * -1 with a message "file:line: ..." or "QUERN_X: ..." in err and out zeroed.
 */
int cfg_load(const char *path, struct cfg *out, struct qerr *err) QUERN_MUSTCHECK;
/* Like cfg_load for YAML text in memory (no environment overrides); name labels messages. */
int cfg_load_buffer(const char *data, size_t len, const char *name, struct cfg *out,
                    struct qerr *err) QUERN_MUSTCHECK;
void cfg_free(struct cfg *c);

/* The environment variable that overrides key ("runner.slots" -> "QUERN_RUNNER_SLOTS"). */
void cfg_env_name(const char *key, char *out, size_t outsz);

/* Prints the reference of every key (Markdown table) to f. */
void cfg_print_reference(FILE *f);

/* Prints the effective configuration as YAML, secrets masked. */
void cfg_print_effective(const struct cfg *c, FILE *f);

/* The configured runner slots, or the number of online CPUs when 0. */
long cfg_runner_slots(const struct cfg *c);

#endif
