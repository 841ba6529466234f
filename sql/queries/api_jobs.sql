-- SPDX-License-Identifier: MIT
-- Statements of quern-api (cgi/db_api.c). Timestamps leave as RFC 3339 text
-- in UTC so the handler never formats times itself. Job rows always come
-- back in the column order of db_api.c's job_from_row().

-- name: api_process_get
-- params: $1 text id
-- index: processes_pkey. access decides who may see it (common/auth.c). Descriptions and
-- summaries carry mutable (OGC Part 2): true for processes deployed through the API.
SELECT id, version, (description || jsonb_build_object('mutable', mutable))::text, available,
       (definition -> 'access')::text
  FROM quern.processes WHERE id = $1;

-- name: api_process_get_full
-- params: $1 text id
-- index: processes_pkey
SELECT id, version, (description || jsonb_build_object('mutable', mutable))::text, available,
       definition::text
  FROM quern.processes WHERE id = $1;

-- name: api_process_page_after
-- params: $1 text after (NULL: from the start), $2 int limit, $3 jsonb roles (NULL: every process)
-- index: processes_pkey (keyset on id). A process whose definition lists
-- access.roles is listed only for holders of one of them (common/auth.c).
SELECT id, ((description - 'inputs' - 'outputs') || jsonb_build_object('mutable', mutable))::text
  FROM quern.processes
 WHERE ($1::text IS NULL OR id > $1)
   AND ($3::jsonb IS NULL OR jsonb_typeof(definition #> '{access,roles}') IS DISTINCT FROM 'array'
        OR (definition #> '{access,roles}') ?| ARRAY(SELECT jsonb_array_elements_text($3::jsonb)))
 ORDER BY id
 LIMIT $2;

-- name: api_process_page_before
-- params: $1 text before, $2 int limit, $3 jsonb roles (NULL: every process)
-- index: processes_pkey (keyset on id, walked backwards); access as api_process_page_after
SELECT id, ((description - 'inputs' - 'outputs') || jsonb_build_object('mutable', mutable))::text
  FROM quern.processes
 WHERE id < $1
   AND ($3::jsonb IS NULL OR jsonb_typeof(definition #> '{access,roles}') IS DISTINCT FROM 'array'
        OR (definition #> '{access,roles}') ?| ARRAY(SELECT jsonb_array_elements_text($3::jsonb)))
 ORDER BY id DESC
 LIMIT $2;

-- name: api_process_all
-- params: $1 jsonb roles (NULL: every process)
-- The OpenAPI document needs every process's inputs (those the caller may execute).
SELECT id, description::text FROM quern.processes
 WHERE $1::jsonb IS NULL OR jsonb_typeof(definition #> '{access,roles}') IS DISTINCT FROM 'array'
    OR (definition #> '{access,roles}') ?| ARRAY(SELECT jsonb_array_elements_text($1::jsonb))
 ORDER BY id LIMIT 10000;

-- name: api_job_insert
-- params: $1 text process_id, $2 text version, $3 text mode, $4 text submitter, $5 jsonb request, $6 jsonb definition, $7 text backend, $8 int priority, $9 int max_attempts
INSERT INTO quern.jobs (process_id, process_version, mode, submitter, request, definition,
                        backend, priority, max_attempts)
VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9)
RETURNING id, process_id, process_version, status, mode, message, progress,
          to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          to_char(started AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          to_char(finished AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          to_char(updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          dismiss_requested, request::text, NULL::text, NULL::text;

-- name: api_job_get
-- params: $1 uuid id, $2 text submitter scope (NULL: anyone's, '': anonymous jobs; auth_job_scope)
-- index: jobs_pkey
SELECT id, process_id, process_version, status, mode, message, progress,
       to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       to_char(started AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       to_char(finished AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       to_char(updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       dismiss_requested, request::text, results::text, exception::text
  FROM quern.jobs
 WHERE id = $1::uuid
   AND ($2::text IS NULL OR submitter = $2 OR ($2 = '' AND submitter IS NULL));

-- name: api_job_list
-- params: $1 text[] process ids, $2 text[] statuses, $3 timestamptz created from, $4 timestamptz created to, $5 float8 min duration s, $6 float8 max duration s, $7 text submitter scope (as api_job_get), $8 uuid after (keyset cursor), $9 int limit
-- index: jobs_created (created DESC, id DESC); keyset, never OFFSET
SELECT id, process_id, process_version, status, mode, message, progress,
       to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       to_char(started AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       to_char(finished AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       to_char(updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       dismiss_requested, NULL::text, NULL::text, NULL::text
  FROM quern.jobs j
 WHERE ($1::text[] IS NULL OR process_id = ANY ($1::text[]))
   AND ($2::text[] IS NULL OR status::text = ANY ($2::text[]))
   AND ($3::timestamptz IS NULL OR created >= $3::timestamptz)
   AND ($4::timestamptz IS NULL OR created <= $4::timestamptz)
   AND ($5::float8 IS NULL OR (started IS NOT NULL AND
        extract(epoch FROM coalesce(finished, now()) - started) >= $5::float8))
   AND ($6::float8 IS NULL OR (started IS NOT NULL AND
        extract(epoch FROM coalesce(finished, now()) - started) <= $6::float8))
   AND ($7::text IS NULL OR submitter = $7 OR ($7 = '' AND submitter IS NULL))
   AND ($8::uuid IS NULL OR (created, id) < (SELECT c.created, c.id FROM quern.jobs c WHERE c.id = $8::uuid))
 ORDER BY created DESC, id DESC
 LIMIT $9;

-- name: api_job_dismiss
-- params: $1 uuid id, $2 text submitter scope (NULL: anyone's, '': anonymous jobs; auth_job_scope)
-- index: jobs_pkey. Accepted and finished jobs become dismissed at once (a
-- finished job loses its results and files); a running one gets
-- dismiss_requested and its runner stops it (the trigger NOTIFYs quern_dismiss).
WITH j AS (
    UPDATE quern.jobs SET
        status = CASE WHEN status = 'running' THEN status ELSE 'dismissed'::quern.job_status END,
        dismiss_requested = dismiss_requested OR status = 'running',
        finished = CASE WHEN status = 'running' THEN finished ELSE coalesce(finished, now()) END,
        results = CASE WHEN status = 'running' THEN results ELSE NULL END,
        message = CASE WHEN status = 'running' THEN 'dismiss requested' ELSE 'dismissed' END
     WHERE id = $1::uuid
       AND ($2::text IS NULL OR submitter = $2 OR ($2 = '' AND submitter IS NULL))
    RETURNING id, process_id, process_version, status, mode, message, progress,
              to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              to_char(started AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              to_char(finished AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              to_char(updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              dismiss_requested, NULL::text, NULL::text, NULL::text
), f AS (
    DELETE FROM quern.job_files
     WHERE job_id = $1::uuid AND EXISTS (SELECT 1 FROM j WHERE j.status = 'dismissed')
)
SELECT * FROM j;

-- name: api_job_files
-- params: $1 uuid job id
-- index: job_files_pkey
SELECT output_id, name, media_type, bytes FROM quern.job_files
 WHERE job_id = $1::uuid ORDER BY output_id, name;

-- name: api_job_file
-- params: $1 uuid job id, $2 text output id
-- index: job_files_pkey (the first file of the output)
SELECT name, media_type, bytes, storage, location, content FROM quern.job_files
 WHERE job_id = $1::uuid AND output_id = $2 ORDER BY name LIMIT 1;

-- name: api_job_logs
-- params: $1 uuid job id, $2 int8 since (lines with seq greater), $3 int limit
-- index: job_logs_pkey
SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), stream, line
  FROM quern.job_logs
 WHERE job_id = $1::uuid AND seq > $2
 ORDER BY seq
 LIMIT $3;

-- name: api_job_metadata
-- params: $1 uuid id, $2 text submitter scope (NULL: anyone's, '': anonymous jobs; auth_job_scope)
-- index: jobs_pkey
SELECT j.process_id, j.process_version, j.backend, j.backend_job_id,
       (j.definition -> 'host')::text, (j.definition -> 'command')::text,
       j.runner, r.host, j.attempt, j.max_attempts, j.mode, j.submitter,
       to_char(j.created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       to_char(j.started AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       to_char(j.finished AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       encode(sha256(convert_to(coalesce((j.request -> 'inputs')::text, '{}'), 'UTF8')), 'hex'),
       j.status, j.backend_info::text
  FROM quern.jobs j LEFT JOIN quern.runners r ON r.id = j.runner
 WHERE j.id = $1::uuid
   AND ($2::text IS NULL OR j.submitter = $2 OR ($2 = '' AND j.submitter IS NULL));

-- name: api_job_log_location
-- params: $1 uuid job id
-- index: jobs_pkey
-- Where the job's archived log is (storage.log_archive), NULL when it is in job_logs.
SELECT log_location FROM quern.jobs WHERE id = $1::uuid;
