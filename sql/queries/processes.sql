-- SPDX-License-Identifier: MIT
-- Statements of the process registry (common/db_proc.c): quern-admin sync and
-- the runner's sync at start and on SIGHUP write quern.processes from plugin files.

-- name: proc_sync_lock
-- params: none
-- Serialises concurrent syncs (runners and quern-admin) for one transaction.
SELECT pg_advisory_xact_lock(7403211002);

-- name: proc_list
-- params: none
-- index: processes_pkey
SELECT id, version, source, available, path, description::text, definition::text
  FROM quern.processes
 ORDER BY id
   FOR UPDATE;

-- name: proc_insert
-- params: $1 text id, $2 text version, $3 jsonb description, $4 jsonb definition, $5 text path
INSERT INTO quern.processes (id, version, description, definition, source, mutable, available, path)
VALUES ($1, $2, $3::jsonb, $4::jsonb, 'file', false, true, $5);

-- name: proc_update
-- params: $1 text id, $2 text version, $3 jsonb description, $4 jsonb definition, $5 text path
-- index: processes_pkey
UPDATE quern.processes
   SET version = $2, description = $3::jsonb, definition = $4::jsonb, path = $5,
       available = true, updated = now()
 WHERE id = $1 AND source = 'file';

-- name: proc_job_count
-- params: $1 text id
-- index: jobs_process_created
SELECT count(*) FROM quern.jobs WHERE process_id = $1;

-- name: proc_set_unavailable
-- params: $1 text id
-- index: processes_pkey
UPDATE quern.processes SET available = false, updated = now()
 WHERE id = $1 AND source = 'file';

-- name: proc_delete
-- params: $1 text id
-- index: processes_pkey
DELETE FROM quern.processes WHERE id = $1 AND source = 'file';
