-- SPDX-License-Identifier: MIT
-- Statements of common/db_auth.c over quern.users, quern.api_tokens and
-- quern.auth_failures (migration 0006). Roles travel as JSON arrays; times
-- leave as RFC 3339 text in UTC and are compared by the database clock.

-- name: auth_user_get
-- params: $1 text name
-- index: users_pkey
SELECT name, password_hash, to_json(roles)::text, disabled
  FROM quern.users WHERE name = $1;

-- name: auth_user_touch
-- params: $1 text name
-- index: users_pkey. At most one write a minute per user, however busy.
UPDATE quern.users SET last_login = now()
 WHERE name = $1 AND (last_login IS NULL OR last_login < now() - interval '1 minute');

-- name: auth_token_get
-- params: $1 text id
-- index: api_tokens_pkey, users_pkey
SELECT t.user_name, t.hash, t.expires IS NOT NULL AND t.expires <= now(),
       t.revoked IS NOT NULL, u.disabled, to_json(u.roles)::text
  FROM quern.api_tokens t JOIN quern.users u ON u.name = t.user_name
 WHERE t.id = $1;

-- name: auth_token_touch
-- params: $1 text id
-- index: api_tokens_pkey, users_pkey. At most one write a minute per token.
WITH t AS (
    UPDATE quern.api_tokens SET last_used = now()
     WHERE id = $1 AND (last_used IS NULL OR last_used < now() - interval '1 minute')
    RETURNING user_name
)
UPDATE quern.users u SET last_login = now() FROM t WHERE u.name = t.user_name;

-- name: auth_failures_get
-- params: $1 text client, $2 int window seconds
-- index: auth_failures_pkey
SELECT failures FROM quern.auth_failures
 WHERE client = $1 AND last_failure > now() - make_interval(secs => $2::int);

-- name: auth_failure_add
-- params: $1 text client, $2 int window seconds
-- index: auth_failures_pkey; auth_failures_last for the pruning of stale rows.
WITH stale AS (
    DELETE FROM quern.auth_failures
     WHERE last_failure < now() - make_interval(secs => $2::int) AND client <> $1
)
INSERT INTO quern.auth_failures AS f (client) VALUES ($1)
ON CONFLICT (client) DO UPDATE
   SET failures = CASE WHEN f.last_failure < now() - make_interval(secs => $2::int) THEN 1
                       ELSE f.failures + 1 END,
       first_failure = CASE WHEN f.last_failure < now() - make_interval(secs => $2::int) THEN now()
                            ELSE f.first_failure END,
       last_failure = now();

-- name: auth_failures_clear
-- params: $1 text client
-- index: auth_failures_pkey
DELETE FROM quern.auth_failures WHERE client = $1;

-- name: auth_user_add
-- params: $1 text name, $2 text password hash (NULL: none), $3 jsonb roles
INSERT INTO quern.users (name, password_hash, roles)
VALUES ($1, $2, ARRAY(SELECT DISTINCT jsonb_array_elements_text($3::jsonb)));

-- name: auth_user_set_password
-- params: $1 text name, $2 text password hash (NULL: none)
-- index: users_pkey
UPDATE quern.users SET password_hash = $2, updated = now() WHERE name = $1 RETURNING name;

-- name: auth_user_set_disabled
-- params: $1 text name, $2 boolean disabled
-- index: users_pkey
UPDATE quern.users SET disabled = $2::boolean, updated = now() WHERE name = $1 RETURNING name;

-- name: auth_user_role_add
-- params: $1 text name, $2 text role
-- index: users_pkey
UPDATE quern.users
   SET roles = CASE WHEN $2 = ANY (roles) THEN roles ELSE roles || $2::text END, updated = now()
 WHERE name = $1
RETURNING to_json(roles)::text;

-- name: auth_user_role_remove
-- params: $1 text name, $2 text role
-- index: users_pkey
UPDATE quern.users SET roles = array_remove(roles, $2::text), updated = now()
 WHERE name = $1
RETURNING to_json(roles)::text;

-- name: auth_user_delete
-- params: $1 text name
-- index: users_pkey; api_tokens_user for the cascade.
DELETE FROM quern.users WHERE name = $1 RETURNING name;

-- name: auth_token_add
-- params: $1 text id, $2 text user, $3 text hash, $4 text label, $5 int days (NULL: never expires)
INSERT INTO quern.api_tokens (id, user_name, hash, label, expires)
VALUES ($1, $2, $3, $4, now() + make_interval(days => $5::int))
RETURNING to_char(expires AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');

-- name: auth_token_revoke
-- params: $1 text id
-- index: api_tokens_pkey. Revoking twice keeps the first time.
UPDATE quern.api_tokens SET revoked = coalesce(revoked, now()) WHERE id = $1 RETURNING user_name;

-- name: auth_user_list
-- params: none
-- Operators' listing (quern-admin user list): one JSON array.
SELECT coalesce(json_agg(json_build_object(
           'name', u.name, 'roles', u.roles, 'password', u.password_hash IS NOT NULL,
           'disabled', u.disabled,
           'created', to_char(u.created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'last_login', to_char(u.last_login AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'tokens', (SELECT count(*) FROM quern.api_tokens t
                       WHERE t.user_name = u.name AND t.revoked IS NULL
                         AND (t.expires IS NULL OR t.expires > now())))
           ORDER BY u.name), '[]')::text
  FROM quern.users u;

-- name: auth_token_list
-- params: $1 text user
-- index: api_tokens_user
SELECT coalesce(json_agg(json_build_object(
           'id', id, 'label', label,
           'created', to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'expires', to_char(expires AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'revoked', to_char(revoked AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'last_used', to_char(last_used AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'active', revoked IS NULL AND (expires IS NULL OR expires > now()))
           ORDER BY created, id), '[]')::text
  FROM quern.api_tokens WHERE user_name = $1;
