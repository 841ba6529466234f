-- SPDX-License-Identifier: MIT
-- 0006_users: quern's own users, their API tokens, and the per-client
-- failure counter that slows repeated failed logins (common/auth.c).
-- Users authenticated by the front server (REMOTE_USER) need no row here;
-- when they have one, its roles are added to theirs and disabled refuses them.

CREATE TABLE quern.users (
    name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._@-]{1,128}$'),
    password_hash text CHECK (password_hash IS NULL OR password_hash ~ '^\$(y|6)\$'),
    roles text[] NOT NULL DEFAULT '{}',
    disabled boolean NOT NULL DEFAULT false,
    created timestamptz NOT NULL DEFAULT now(),
    updated timestamptz NOT NULL DEFAULT now(),
    last_login timestamptz
);
COMMENT ON TABLE quern.users IS 'quern''s own users (quern-admin user ...): HTTP Basic passwords and roles. Front-server users (REMOTE_USER) may have a row too, for roles.';
COMMENT ON COLUMN quern.users.name IS 'User name: the submitter recorded on jobs and the Basic auth user name.';
COMMENT ON COLUMN quern.users.password_hash IS 'crypt(3) hash of the password (yescrypt $y$ or SHA-512 $6$); NULL: no password login (tokens or front server only).';
COMMENT ON COLUMN quern.users.roles IS 'Roles of the user: admin (everything) and names that process definitions list under access.roles.';
COMMENT ON COLUMN quern.users.disabled IS 'True: every login of this user is refused (password, tokens and front server alike).';
COMMENT ON COLUMN quern.users.created IS 'When the user was added.';
COMMENT ON COLUMN quern.users.updated IS 'When the password, roles or disabled flag last changed.';
COMMENT ON COLUMN quern.users.last_login IS 'Last successful password or token login through quern (not updated for front-server logins).';

CREATE TABLE quern.api_tokens (
    id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{12}$'),
    user_name text NOT NULL REFERENCES quern.users (name) ON UPDATE CASCADE ON DELETE CASCADE,
    hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    label text CHECK (length(label) <= 200),
    created timestamptz NOT NULL DEFAULT now(),
    expires timestamptz,
    revoked timestamptz,
    last_used timestamptz
);
CREATE INDEX api_tokens_user ON quern.api_tokens (user_name);
COMMENT ON TABLE quern.api_tokens IS 'Bearer API tokens (quern-admin user token). The token itself is shown once and never stored: only its SHA-256.';
COMMENT ON COLUMN quern.api_tokens.id IS 'Public token id (12 hex digits), also embedded in the token; quern-admin user revoke takes it.';
COMMENT ON COLUMN quern.api_tokens.user_name IS 'The user the token authenticates as.';
COMMENT ON COLUMN quern.api_tokens.hash IS 'Hex SHA-256 of the whole token text.';
COMMENT ON COLUMN quern.api_tokens.label IS 'Free text saying what the token is for.';
COMMENT ON COLUMN quern.api_tokens.created IS 'When the token was issued.';
COMMENT ON COLUMN quern.api_tokens.expires IS 'After this time the token is refused; NULL: never expires.';
COMMENT ON COLUMN quern.api_tokens.revoked IS 'When the token was revoked; a revoked token is refused.';
COMMENT ON COLUMN quern.api_tokens.last_used IS 'Last request the token authenticated.';

CREATE TABLE quern.auth_failures (
    client text PRIMARY KEY CHECK (length(client) <= 256),
    failures integer NOT NULL DEFAULT 1 CHECK (failures >= 1),
    first_failure timestamptz NOT NULL DEFAULT now(),
    last_failure timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_last ON quern.auth_failures (last_failure);
COMMENT ON TABLE quern.auth_failures IS 'Recent failed logins per client address; quern-api delays that client''s next logins (auth.failure_delay_ms). Rows older than auth.failure_window are ignored and pruned. Never locks an account.';
COMMENT ON COLUMN quern.auth_failures.client IS 'Client address (REMOTE_ADDR) the failures came from.';
COMMENT ON COLUMN quern.auth_failures.failures IS 'Failed logins within the current window.';
COMMENT ON COLUMN quern.auth_failures.first_failure IS 'First failure of the current window.';
COMMENT ON COLUMN quern.auth_failures.last_failure IS 'Most recent failure.';
