-- SPDX-License-Identifier: MIT
-- Statements of quern-runner over quern.jobs, quern.job_logs, quern.job_files
-- and quern.runners. Every update of a job it owns is guarded by
-- status = 'running' AND runner = $1. Time always comes from now().

-- name: runner_claim
-- params: $1 text runner, $2 text backends, $3 int limit, $4 int lease_seconds
-- index: jobs_queue (priority DESC, created) WHERE status = 'accepted'
-- Claims the best claimable jobs up to the free slots; returns what the runner needs to start them.
WITH c AS (
    SELECT id FROM quern.jobs
     WHERE status = 'accepted' AND backend = ANY ($2::text[]) AND not_before <= now()
     ORDER BY priority DESC, created
     LIMIT $3
       FOR UPDATE SKIP LOCKED
)
UPDATE quern.jobs j
   SET status = 'running', runner = $1, lease_until = now() + make_interval(secs => $4),
       attempt = j.attempt + 1, started = now(), backend_job_id = NULL, backend_info = NULL,
       progress = 0, message = 'running'
  FROM c
 WHERE j.id = c.id
RETURNING j.id::text, j.process_id, j.backend, j.backend_job_id, j.attempt, j.max_attempts,
          j.definition::text, j.request::text,
          (SELECT coalesce(max(l.seq), 0) FROM quern.job_logs l WHERE l.job_id = j.id), 0, 0;

-- name: runner_reattach
-- params: $1 text runner, $2 text backends, $3 int limit, $4 int lease_seconds
-- index: jobs_running_lease (lease_until) WHERE status = 'running'
-- Takes over remote work whose runner was lost, to follow it through backend_job_id.
-- Also returns how many stdout and stderr lines of this attempt are stored already: the
-- backend replays the work's output from its start, and those lines are not stored twice.
WITH c AS (
    SELECT id FROM quern.jobs
     WHERE status = 'running' AND lease_until < now() AND backend = ANY ($2::text[])
       AND backend_job_id IS NOT NULL
     ORDER BY lease_until
     LIMIT $3
       FOR UPDATE SKIP LOCKED
)
UPDATE quern.jobs j
   SET runner = $1, lease_until = now() + make_interval(secs => $4)
  FROM c
 WHERE j.id = c.id
RETURNING j.id::text, j.process_id, j.backend, j.backend_job_id, j.attempt, j.max_attempts,
          j.definition::text, j.request::text,
          (SELECT coalesce(max(l.seq), 0) FROM quern.job_logs l WHERE l.job_id = j.id),
          (SELECT count(*) FROM quern.job_logs l
            WHERE l.job_id = j.id AND l.stream = 'stdout' AND l.at >= j.started),
          (SELECT count(*) FROM quern.job_logs l
            WHERE l.job_id = j.id AND l.stream = 'stderr' AND l.at >= j.started);

-- name: runner_reap
-- params: $1 text runner, $2 text dying_backends, $3 int backoff_seconds, $4 int lease_seconds
-- index: jobs_running_lease (lease_until) WHERE status = 'running'
-- Recovers jobs whose runner was lost: dismissed when a dismiss was requested meanwhile
-- (never started again), else retried (with capped exponential backoff and jitter) while
-- attempt < max_attempts, else failed. One reaper at a time (advisory lock). Not within a
-- lease of the server's start: leases that expired while it was down say nothing about
-- runners that have not reconnected yet.
WITH lock AS (
    SELECT pg_postmaster_start_time() < now() - make_interval(secs => $4)
           AND pg_try_advisory_xact_lock(7403211003) AS ok
), lost AS (
    SELECT j.id, j.dismiss_requested AS dismiss,
           (j.attempt < j.max_attempts AND NOT j.dismiss_requested) AS retry
      FROM quern.jobs j, lock
     WHERE lock.ok AND j.status = 'running' AND j.lease_until < now()
       AND (j.backend = ANY ($2::text[]) OR j.backend_job_id IS NULL)
     ORDER BY j.lease_until
     LIMIT 200
       FOR UPDATE OF j SKIP LOCKED
), upd AS (
    UPDATE quern.jobs j
       SET status = CASE WHEN lost.dismiss THEN 'dismissed' WHEN lost.retry THEN 'accepted'
                         ELSE 'failed' END::quern.job_status,
           not_before = CASE WHEN lost.retry
               THEN now() + make_interval(secs => least(300, $3 * power(2, least(greatest(j.attempt, 1), 16) - 1))
                                                  * (0.75 + random() * 0.5))
               ELSE j.not_before END,
           finished = CASE WHEN lost.retry THEN NULL ELSE now() END,
           started = CASE WHEN lost.retry THEN NULL ELSE j.started END,
           runner = CASE WHEN lost.retry THEN NULL ELSE j.runner END,
           lease_until = NULL,
           backend_job_id = CASE WHEN lost.retry THEN NULL ELSE j.backend_job_id END,
           backend_info = CASE WHEN lost.retry THEN NULL ELSE j.backend_info END,
           message = CASE WHEN lost.dismiss
               THEN 'dismissed: runner ' || j.runner || ' was lost (lease expired) before it '
                    || 'could stop the job'
               WHEN lost.retry
               THEN 'runner ' || j.runner || ' was lost (lease expired); queued again for attempt '
                    || (j.attempt + 1) || ' of ' || j.max_attempts
               ELSE 'failed: runner ' || j.runner || ' was lost (lease expired) during attempt '
                    || j.attempt || ' of ' || j.max_attempts END,
           exception = CASE WHEN lost.retry OR lost.dismiss THEN NULL
               ELSE jsonb_build_object('type', 'urn:quern:runner-lost', 'title', 'Runner lost',
                   'status', 500, 'detail', 'the runner ' || j.runner || ' running this job was lost '
                   || '(its lease expired) during attempt ' || j.attempt || ' of ' || j.max_attempts
                   || ', and no attempts are left') END
      FROM lost
     WHERE j.id = lost.id
    RETURNING j.id, j.status, j.message
), note AS (
    INSERT INTO quern.job_logs (job_id, seq, stream, line)
    SELECT u.id, (SELECT coalesce(max(l.seq), 0) + 1 FROM quern.job_logs l WHERE l.job_id = u.id),
           'system', u.message || ' (reaped by ' || $1 || ')'
      FROM upd u
    ON CONFLICT DO NOTHING
)
SELECT u.id::text, u.status::text FROM upd u;

-- name: runner_flush
-- params: $1 text runner, $2 text logs, $3 text updates, $4 text finishes, $5 text handbacks
-- index: job_logs_pkey, jobs_pkey
-- One round trip and one transaction for a batch: log lines, backend ids and info and
-- progress of running jobs, terminal statuses, hand-backs. A job appears in at most one of $3, $4, $5.
-- A hand-back with leave=true keeps the job running and only ends the lease at once, so
-- that a runner re-attaches its remote work (runner shutdown with docker/Batch/Slurm jobs).
-- Returns the ids whose finish ('f') or hand-back ('b') was applied (the others are not ours).
-- A finish this runner already wrote with the same status counts as applied: when the reply
-- to a committed batch is lost, the runner writes it again and must still send callbacks.
WITH logs AS (
    INSERT INTO quern.job_logs (job_id, seq, stream, line)
    SELECT l.j, l.s, l.t, l.l FROM jsonb_to_recordset($2::jsonb) AS l(j uuid, s bigint, t text, l text)
    ON CONFLICT DO NOTHING
), upd AS (
    UPDATE quern.jobs j
       SET backend_job_id = coalesce(u.bid, j.backend_job_id),
           backend_info = coalesce(u.bi, j.backend_info),
           progress = coalesce(u.p, j.progress),
           message = coalesce(u.m, j.message)
      FROM jsonb_to_recordset($3::jsonb) AS u(id uuid, bid text, bi jsonb, p int, m text)
     WHERE j.id = u.id AND j.status = 'running' AND j.runner = $1
), fin AS (
    UPDATE quern.jobs j
       SET status = f.st::quern.job_status, finished = now(), lease_until = NULL,
           backend_job_id = coalesce(f.bid, j.backend_job_id),
           backend_info = coalesce(f.bi, j.backend_info),
           progress = CASE WHEN f.st = 'successful' THEN 100 ELSE j.progress END,
           message = f.m, results = f.r, exception = f.e
      FROM jsonb_to_recordset($4::jsonb) AS f(id uuid, st text, bid text, bi jsonb, m text, r jsonb,
                                               e jsonb)
     WHERE j.id = f.id AND j.status = 'running' AND j.runner = $1
    RETURNING j.id
), fin_before AS (
    SELECT j.id
      FROM quern.jobs j, jsonb_to_recordset($4::jsonb) AS f(id uuid, st text)
     WHERE j.id = f.id AND j.runner = $1 AND j.status::text = f.st AND j.finished IS NOT NULL
), back AS (
    UPDATE quern.jobs j
       SET status = 'accepted', runner = NULL, lease_until = NULL, started = NULL,
           attempt = CASE WHEN b.retry THEN j.attempt ELSE greatest(j.attempt - 1, 0) END,
           backend_job_id = NULL, backend_info = NULL, progress = NULL, message = b.m,
           not_before = now()
      FROM jsonb_to_recordset($5::jsonb) AS b(id uuid, retry boolean, m text, leave boolean)
     WHERE j.id = b.id AND NOT coalesce(b.leave, false) AND j.status = 'running' AND j.runner = $1
    RETURNING j.id
), leave AS (
    UPDATE quern.jobs j
       SET lease_until = now(), message = b.m
      FROM jsonb_to_recordset($5::jsonb) AS b(id uuid, m text, leave boolean)
     WHERE j.id = b.id AND b.leave AND j.status = 'running' AND j.runner = $1
    RETURNING j.id
)
SELECT 'f', id::text FROM fin
UNION ALL
SELECT 'f', id::text FROM fin_before
UNION ALL
SELECT 'b', id::text FROM back
UNION ALL
SELECT 'b', id::text FROM leave;

-- name: runner_file_add
-- params: $1 uuid job, $2 text output, $3 text name, $4 text media_type, $5 bigint bytes, $6 text sha256, $7 text storage, $8 text location, $9 bytea content
-- index: job_files_pkey
INSERT INTO quern.job_files (job_id, output_id, name, media_type, bytes, sha256, storage, location, content)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (job_id, output_id, name) DO UPDATE
   SET media_type = EXCLUDED.media_type, bytes = EXCLUDED.bytes, sha256 = EXCLUDED.sha256,
       storage = EXCLUDED.storage, location = EXCLUDED.location, content = EXCLUDED.content,
       created = now();

-- name: runner_renew
-- params: $1 text runner, $2 text job_ids, $3 int lease_seconds
-- index: jobs_pkey
-- Extends the leases of the jobs this runner still owns; says which were dismissed meanwhile.
UPDATE quern.jobs
   SET lease_until = now() + make_interval(secs => $3)
 WHERE id = ANY ($2::uuid[]) AND status = 'running' AND runner = $1
RETURNING id::text, dismiss_requested;

-- name: runner_register
-- params: $1 text id, $2 text host, $3 int pid, $4 text version, $5 text backends, $6 int slots
INSERT INTO quern.runners (id, host, pid, version, backends, slots)
VALUES ($1, $2, $3, $4, $5::text[], $6)
ON CONFLICT (id) DO UPDATE
   SET host = EXCLUDED.host, pid = EXCLUDED.pid, version = EXCLUDED.version,
       backends = EXCLUDED.backends, slots = EXCLUDED.slots, running = 0,
       started = now(), heartbeat = now();

-- name: runner_heartbeat
-- params: $1 text id, $2 int running, $3 int slots
UPDATE quern.runners SET heartbeat = now(), running = $2, slots = $3 WHERE id = $1;

-- name: runner_unregister
-- params: $1 text id
DELETE FROM quern.runners WHERE id = $1;

-- name: runner_logs_dump
-- params: $1 uuid job
-- index: job_logs_pkey
-- The whole log of a finished job, for storage.log_archive.
SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), stream, line
  FROM quern.job_logs
 WHERE job_id = $1::uuid
 ORDER BY seq;

-- name: runner_logs_archived
-- params: $1 uuid job, $2 text location, $3 int8 last seq archived
-- index: jobs_pkey, job_logs_pkey
-- Records the archive of a finished job's log and removes the rows it holds.
WITH j AS (
    UPDATE quern.jobs SET log_location = $2
     WHERE id = $1::uuid AND status IN ('successful', 'failed', 'dismissed')
    RETURNING id
)
DELETE FROM quern.job_logs l USING j WHERE l.job_id = j.id AND l.seq <= $3;
