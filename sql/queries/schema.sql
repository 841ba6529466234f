-- SPDX-License-Identifier: MIT
-- Statements of quern-admin init/migrate over quern.schema_version.

-- name: schema_lock
-- params: none
-- Serialises concurrent migrations (transaction-scoped advisory lock).
SELECT pg_advisory_xact_lock(7403211001);

-- name: schema_has_version_table
-- params: none
SELECT to_regclass('quern.schema_version') IS NOT NULL;

-- name: schema_versions
-- params: none
-- index: schema_version_pkey
SELECT version FROM quern.schema_version ORDER BY version;

-- name: schema_version_add
-- params: $1 int version, $2 text name
INSERT INTO quern.schema_version (version, name) VALUES ($1, $2);
