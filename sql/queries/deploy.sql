-- SPDX-License-Identifier: MIT
-- Statements of OGC API - Processes Part 2 (cgi/db_deploy.c): deploy, replace
-- and undeploy write rows with source 'api'; rows of plugin files (source
-- 'file') are never written here. Each runs in a transaction that first takes
-- proc_sync_lock, so a sync never interleaves with a deploy.

-- name: deploy_insert
-- params: $1 text id, $2 text version, $3 jsonb description, $4 jsonb definition, $5 text package, $6 text package_type
-- index: processes_pkey. The primary key decides between concurrent deploys of
-- one id: exactly one inserts, the others get no row back (409).
INSERT INTO quern.processes (id, version, description, definition, source, mutable, available,
                             package, package_type)
VALUES ($1, $2, $3::jsonb, $4::jsonb, 'api', true, true, $5, $6)
ON CONFLICT (id) DO NOTHING
RETURNING id;

-- name: deploy_source
-- params: $1 text id
-- index: processes_pkey. Locks the row until the transaction ends.
SELECT source FROM quern.processes WHERE id = $1 FOR UPDATE;

-- name: deploy_replace
-- params: $1 text id, $2 text version, $3 jsonb description, $4 jsonb definition, $5 text package, $6 text package_type
-- index: processes_pkey
UPDATE quern.processes
   SET version = $2, description = $3::jsonb, definition = $4::jsonb, package = $5,
       package_type = $6, available = true, updated = now()
 WHERE id = $1 AND source = 'api'
RETURNING id;

-- name: deploy_delete
-- params: $1 text id
-- index: processes_pkey. Jobs keep their own copy of the definition (jobs.definition)
-- and have no foreign key, so their history stays readable after the row is gone.
DELETE FROM quern.processes WHERE id = $1 AND source = 'api' RETURNING id;

-- name: deploy_package
-- params: $1 text id
-- index: processes_pkey
SELECT source, package, package_type FROM quern.processes WHERE id = $1;
