-- SPDX-License-Identifier: MIT
-- 0001_init: the quern schema - processes, jobs and what they produce, runners.
-- Applied by `quern-admin init` / `quern-admin migrate` in one transaction.

CREATE SCHEMA IF NOT EXISTS quern;
COMMENT ON SCHEMA quern IS 'quern, an OGC API - Processes server: process registry, durable job queue, job logs and outputs, runner registry.';

CREATE TABLE quern.schema_version (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE quern.schema_version IS 'One row per applied migration file of sql/schema/ (quern-admin migrate adds the missing ones).';
COMMENT ON COLUMN quern.schema_version.version IS 'Number of the migration file (NNNN_name.sql).';
COMMENT ON COLUMN quern.schema_version.name IS 'Name part of the migration file.';
COMMENT ON COLUMN quern.schema_version.applied IS 'When the migration was applied.';

CREATE TYPE quern.job_status AS ENUM ('accepted', 'running', 'successful', 'failed', 'dismissed');
COMMENT ON TYPE quern.job_status IS 'OGC job status: accepted (queued), running (claimed by a runner), and the terminal successful, failed, dismissed.';

CREATE TABLE quern.processes (
    id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,128}$'),
    version text NOT NULL DEFAULT '1.0.0',
    description jsonb NOT NULL,
    definition jsonb NOT NULL,
    source text NOT NULL DEFAULT 'file' CHECK (source IN ('file', 'api')),
    mutable boolean NOT NULL DEFAULT false,
    available boolean NOT NULL DEFAULT true,
    path text,
    created timestamptz NOT NULL DEFAULT now(),
    updated timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE quern.processes IS 'The process registry: every process the API offers, synced from plugin YAML files (quern-admin sync, runner start/SIGHUP) or deployed through the API (OGC Part 2).';
COMMENT ON COLUMN quern.processes.id IS 'Process identifier used in URLs (/processes/{id}).';
COMMENT ON COLUMN quern.processes.version IS 'Version string from the definition (info.version).';
COMMENT ON COLUMN quern.processes.description IS 'The OGC process description exactly as GET /processes/{id} serves it (links are added by the API).';
COMMENT ON COLUMN quern.processes.definition IS 'The whole parsed definition: host, command, config, inputs, outputs. Secrets appear only as variable names.';
COMMENT ON COLUMN quern.processes.source IS 'file: loaded from a plugin YAML file; api: deployed through POST /processes.';
COMMENT ON COLUMN quern.processes.mutable IS 'Whether the API may replace or undeploy it (true only for source api).';
COMMENT ON COLUMN quern.processes.available IS 'False when the plugin file was removed but jobs still reference the process: kept for history, not executable.';
COMMENT ON COLUMN quern.processes.path IS 'Plugin file the process was loaded from (source file).';
COMMENT ON COLUMN quern.processes.created IS 'When the process first appeared.';
COMMENT ON COLUMN quern.processes.updated IS 'When the description or definition last changed.';

CREATE TABLE quern.jobs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    process_id text NOT NULL,
    process_version text NOT NULL,
    status quern.job_status NOT NULL DEFAULT 'accepted',
    mode text NOT NULL DEFAULT 'async' CHECK (mode IN ('sync', 'async')),
    priority integer NOT NULL DEFAULT 0,
    submitter text,
    tags text[] NOT NULL DEFAULT '{}',
    request jsonb NOT NULL,
    definition jsonb NOT NULL,
    backend text NOT NULL,
    backend_job_id text,
    runner text,
    lease_until timestamptz,
    attempt integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    max_attempts integer NOT NULL DEFAULT 1 CHECK (max_attempts >= 1),
    not_before timestamptz NOT NULL DEFAULT now(),
    dismiss_requested boolean NOT NULL DEFAULT false,
    progress integer CHECK (progress BETWEEN 0 AND 100),
    message text,
    created timestamptz NOT NULL DEFAULT now(),
    started timestamptz,
    finished timestamptz,
    updated timestamptz NOT NULL DEFAULT now(),
    results jsonb,
    exception jsonb,
    expires timestamptz,
    CONSTRAINT jobs_finished_iff_terminal
        CHECK ((status IN ('successful', 'failed', 'dismissed')) = (finished IS NOT NULL)),
    CONSTRAINT jobs_running_has_lease
        CHECK (status <> 'running' OR (runner IS NOT NULL AND lease_until IS NOT NULL)),
    CONSTRAINT jobs_started_before_finished
        CHECK (started IS NULL OR finished IS NULL OR started <= finished)
);
COMMENT ON TABLE quern.jobs IS 'The durable job queue and job history: one row per execute request. Runners claim accepted rows with FOR UPDATE SKIP LOCKED.';
COMMENT ON COLUMN quern.jobs.id IS 'Job identifier (jobID in the API).';
COMMENT ON COLUMN quern.jobs.process_id IS 'Process executed (quern.processes.id; no foreign key so history survives undeploy).';
COMMENT ON COLUMN quern.jobs.process_version IS 'Process version at submission; the job runs the definition stored with it.';
COMMENT ON COLUMN quern.jobs.status IS 'accepted, running, successful, failed or dismissed.';
COMMENT ON COLUMN quern.jobs.mode IS 'sync: an HTTP client waits for the result; async: it polls /jobs/{id}.';
COMMENT ON COLUMN quern.jobs.priority IS 'Higher runs first; ties run oldest first.';
COMMENT ON COLUMN quern.jobs.submitter IS 'Authenticated user that submitted the job (REMOTE_USER or a quern user); NULL for anonymous.';
COMMENT ON COLUMN quern.jobs.tags IS 'Free labels attached at submission.';
COMMENT ON COLUMN quern.jobs.request IS 'The execute request as validated: inputs, outputs, response, subscriber.';
COMMENT ON COLUMN quern.jobs.definition IS 'Copy of the process definition at submission, so replacing a process never changes queued or running jobs.';
COMMENT ON COLUMN quern.jobs.backend IS 'Backend that runs it: local, docker, aws-batch or slurm.';
COMMENT ON COLUMN quern.jobs.backend_job_id IS 'The backend''s own id (pid, container id, Batch job id, Slurm job id), used to re-attach after a runner restart.';
COMMENT ON COLUMN quern.jobs.runner IS 'quern.runners.id of the runner that owns the job while running.';
COMMENT ON COLUMN quern.jobs.lease_until IS 'The owning runner renews this while the job runs; past it, any runner''s reaper may recover the job.';
COMMENT ON COLUMN quern.jobs.attempt IS 'How many times the job has been claimed.';
COMMENT ON COLUMN quern.jobs.max_attempts IS 'Claims allowed before a lost job is failed instead of retried.';
COMMENT ON COLUMN quern.jobs.not_before IS 'The job is not claimed before this time (retry backoff).';
COMMENT ON COLUMN quern.jobs.dismiss_requested IS 'Set by DELETE /jobs/{id} on a running job; the owning runner stops it and records dismissed.';
COMMENT ON COLUMN quern.jobs.progress IS 'Percent done as last reported by the process (0-100).';
COMMENT ON COLUMN quern.jobs.message IS 'Human-readable status message.';
COMMENT ON COLUMN quern.jobs.created IS 'Submission time.';
COMMENT ON COLUMN quern.jobs.started IS 'When the current attempt started running.';
COMMENT ON COLUMN quern.jobs.finished IS 'When the job reached a terminal status (set exactly for terminal statuses).';
COMMENT ON COLUMN quern.jobs.updated IS 'Last change of the row (maintained by a trigger).';
COMMENT ON COLUMN quern.jobs.results IS 'Results document of a successful job: output id -> value or link.';
COMMENT ON COLUMN quern.jobs.exception IS 'OGC exception of a failed job (type, title, status, detail).';
COMMENT ON COLUMN quern.jobs.expires IS 'After this time quern-admin purge may delete the job and its outputs.';

-- The queue: the claim query walks this index in order.
CREATE INDEX jobs_queue ON quern.jobs (priority DESC, created) WHERE status = 'accepted';
-- Job list filters and the reaper.
CREATE INDEX jobs_created ON quern.jobs (created DESC, id DESC);
CREATE INDEX jobs_process_created ON quern.jobs (process_id, created DESC, id DESC);
CREATE INDEX jobs_status_created ON quern.jobs (status, created DESC, id DESC);
CREATE INDEX jobs_submitter_created ON quern.jobs (submitter, created DESC, id DESC);
CREATE INDEX jobs_running_lease ON quern.jobs (lease_until) WHERE status = 'running';
COMMENT ON INDEX quern.jobs_queue IS 'Claim order of accepted jobs: highest priority, then oldest.';

CREATE TABLE quern.job_logs (
    job_id uuid NOT NULL REFERENCES quern.jobs (id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    stream text NOT NULL CHECK (stream IN ('stdout', 'stderr', 'system')),
    at timestamptz NOT NULL DEFAULT now(),
    line text NOT NULL,
    PRIMARY KEY (job_id, seq)
);
COMMENT ON TABLE quern.job_logs IS 'Lines a job printed, in order; followed through GET /jobs/{id}/logs?since=seq.';
COMMENT ON COLUMN quern.job_logs.job_id IS 'The job.';
COMMENT ON COLUMN quern.job_logs.seq IS 'Line number within the job, from 1, across attempts.';
COMMENT ON COLUMN quern.job_logs.stream IS 'stdout, stderr, or system (lines quern itself adds: truncation, retries).';
COMMENT ON COLUMN quern.job_logs.at IS 'When the runner captured the line.';
COMMENT ON COLUMN quern.job_logs.line IS 'The line without its newline (cut at runner.log_line_max bytes).';

CREATE TABLE quern.job_files (
    job_id uuid NOT NULL REFERENCES quern.jobs (id) ON DELETE CASCADE,
    output_id text NOT NULL,
    name text NOT NULL CHECK (name ~ '^[A-Za-z0-9._-]{1,255}$' AND name NOT IN ('.', '..')),
    media_type text NOT NULL DEFAULT 'application/octet-stream',
    bytes bigint NOT NULL CHECK (bytes >= 0),
    sha256 text NOT NULL,
    storage text NOT NULL DEFAULT 'postgres' CHECK (storage IN ('postgres', 'filesystem', 's3')),
    location text,
    content bytea,
    created timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, output_id, name),
    CHECK ((storage = 'postgres') = (content IS NOT NULL))
);
COMMENT ON TABLE quern.job_files IS 'Files a job wrote to its output directory: reference outputs served by GET /jobs/{id}/results/{output}.';
COMMENT ON COLUMN quern.job_files.job_id IS 'The job.';
COMMENT ON COLUMN quern.job_files.output_id IS 'Output of the process the file belongs to.';
COMMENT ON COLUMN quern.job_files.name IS 'File name (sanitised: no directories).';
COMMENT ON COLUMN quern.job_files.media_type IS 'Media type from the definition or the file extension.';
COMMENT ON COLUMN quern.job_files.bytes IS 'Size in bytes.';
COMMENT ON COLUMN quern.job_files.sha256 IS 'Hex SHA-256 of the content.';
COMMENT ON COLUMN quern.job_files.storage IS 'Where the content is: postgres (content column), filesystem or s3 (location).';
COMMENT ON COLUMN quern.job_files.location IS 'Path or s3:// URL when not stored in PostgreSQL.';
COMMENT ON COLUMN quern.job_files.content IS 'The bytes, when storage is postgres.';
COMMENT ON COLUMN quern.job_files.created IS 'When the file was recorded.';

CREATE TABLE quern.runners (
    id text PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    version text NOT NULL,
    backends text[] NOT NULL DEFAULT '{}',
    slots integer NOT NULL CHECK (slots >= 0),
    running integer NOT NULL DEFAULT 0 CHECK (running >= 0),
    started timestamptz NOT NULL DEFAULT now(),
    heartbeat timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE quern.runners IS 'Runner daemons that are or were recently alive; each renews heartbeat while it runs and deletes its row on clean exit.';
COMMENT ON COLUMN quern.runners.id IS 'Runner identifier (runner.name, or host:pid).';
COMMENT ON COLUMN quern.runners.host IS 'Host name the runner runs on.';
COMMENT ON COLUMN quern.runners.pid IS 'Process id on that host.';
COMMENT ON COLUMN quern.runners.version IS 'quern version of the runner.';
COMMENT ON COLUMN quern.runners.backends IS 'Backends the runner serves.';
COMMENT ON COLUMN quern.runners.slots IS 'Jobs it runs at once.';
COMMENT ON COLUMN quern.runners.running IS 'Jobs it was running at the last heartbeat.';
COMMENT ON COLUMN quern.runners.started IS 'When the runner started.';
COMMENT ON COLUMN quern.runners.heartbeat IS 'Last sign of life.';

-- Notifications. Payloads are hints; listeners re-read the tables.
CREATE FUNCTION quern.jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'accepted' THEN
            PERFORM pg_notify('quern_jobs', NEW.backend);
        END IF;
        RETURN NULL;
    END IF;
    IF NEW.status = 'accepted' AND OLD.status <> 'accepted' THEN
        PERFORM pg_notify('quern_jobs', NEW.backend);
    END IF;
    IF NEW.dismiss_requested AND NOT OLD.dismiss_requested AND NEW.status = 'running' THEN
        PERFORM pg_notify('quern_dismiss', NEW.id::text || ' ' || coalesce(NEW.runner, ''));
    END IF;
    IF NEW.status IN ('successful', 'failed', 'dismissed') AND NEW.status <> OLD.status THEN
        PERFORM pg_notify('quern_done', NEW.id::text);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION quern.jobs_notify() IS 'NOTIFY quern_jobs (payload: backend) when a job becomes claimable, quern_dismiss (payload: job id and runner) when a running job is dismissed, quern_done (payload: job id) when a job ends.';

CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE ON quern.jobs
    FOR EACH ROW EXECUTE FUNCTION quern.jobs_notify();

CREATE FUNCTION quern.touch_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated := now();
    RETURN NEW;
END $$;
COMMENT ON FUNCTION quern.touch_updated() IS 'Keeps jobs.updated at the time of the last change.';
CREATE TRIGGER jobs_touch BEFORE UPDATE ON quern.jobs
    FOR EACH ROW EXECUTE FUNCTION quern.touch_updated();

CREATE FUNCTION quern.processes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('quern_processes', '');
    RETURN NULL;
END $$;
COMMENT ON FUNCTION quern.processes_notify() IS 'NOTIFY quern_processes when the registry changes, so API handlers drop their cached descriptions.';
CREATE TRIGGER processes_notify AFTER INSERT OR UPDATE OR DELETE ON quern.processes
    FOR EACH STATEMENT EXECUTE FUNCTION quern.processes_notify();

-- Views for DBAs.
CREATE VIEW quern.queue AS
    SELECT id, process_id, priority, backend, attempt, max_attempts, not_before, created,
           now() - created AS waiting
      FROM quern.jobs
     WHERE status = 'accepted'
     ORDER BY priority DESC, created;
COMMENT ON VIEW quern.queue IS 'Accepted jobs in the order runners will claim them, with how long each has waited.';

CREATE VIEW quern.running AS
    SELECT j.id, j.process_id, j.backend, j.backend_job_id, j.runner, r.host AS runner_host,
           r.heartbeat AS runner_heartbeat, j.lease_until, j.lease_until < now() AS lease_expired,
           j.attempt, j.progress, j.message, j.started, now() - j.started AS running_for,
           j.dismiss_requested
      FROM quern.jobs j
      LEFT JOIN quern.runners r ON r.id = j.runner
     WHERE j.status = 'running'
     ORDER BY j.started;
COMMENT ON VIEW quern.running IS 'Running jobs with their runner, its last heartbeat and the job''s lease (lease_expired: the reaper will recover it).';

CREATE VIEW quern.job_stats AS
    SELECT process_id,
           count(*) FILTER (WHERE status = 'accepted') AS accepted,
           count(*) FILTER (WHERE status = 'running') AS running,
           count(*) FILTER (WHERE status = 'successful') AS successful,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'dismissed') AS dismissed,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished - started))
               FILTER (WHERE finished > now() - interval '1 day' AND started IS NOT NULL) AS p50_seconds_1d,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished - started))
               FILTER (WHERE finished > now() - interval '1 day' AND started IS NOT NULL) AS p95_seconds_1d
      FROM quern.jobs
     GROUP BY process_id;
COMMENT ON VIEW quern.job_stats IS 'Per process: jobs by status, and the median and 95th percentile run time (seconds) of jobs that finished in the last day.';

-- Columns of the views.
COMMENT ON COLUMN quern.queue.id IS 'Job identifier.';
COMMENT ON COLUMN quern.queue.process_id IS 'Process to run.';
COMMENT ON COLUMN quern.queue.priority IS 'Claim priority (higher first).';
COMMENT ON COLUMN quern.queue.backend IS 'Backend that will run it.';
COMMENT ON COLUMN quern.queue.attempt IS 'Claims so far (non-zero after a retry).';
COMMENT ON COLUMN quern.queue.max_attempts IS 'Claims allowed.';
COMMENT ON COLUMN quern.queue.not_before IS 'Not claimed before this time (retry backoff).';
COMMENT ON COLUMN quern.queue.created IS 'Submission time.';
COMMENT ON COLUMN quern.queue.waiting IS 'How long the job has been queued.';
COMMENT ON COLUMN quern.running.id IS 'Job identifier.';
COMMENT ON COLUMN quern.running.process_id IS 'Process being run.';
COMMENT ON COLUMN quern.running.backend IS 'Backend running it.';
COMMENT ON COLUMN quern.running.backend_job_id IS 'The backend''s own id of the work.';
COMMENT ON COLUMN quern.running.runner IS 'Owning runner.';
COMMENT ON COLUMN quern.running.runner_host IS 'Host of the owning runner.';
COMMENT ON COLUMN quern.running.runner_heartbeat IS 'Last heartbeat of the owning runner.';
COMMENT ON COLUMN quern.running.lease_until IS 'Lease expiry; renewed while the runner lives.';
COMMENT ON COLUMN quern.running.lease_expired IS 'True when the reaper may recover the job.';
COMMENT ON COLUMN quern.running.attempt IS 'Current attempt number.';
COMMENT ON COLUMN quern.running.progress IS 'Last reported percent done.';
COMMENT ON COLUMN quern.running.message IS 'Last status message.';
COMMENT ON COLUMN quern.running.started IS 'When the current attempt started.';
COMMENT ON COLUMN quern.running.running_for IS 'How long the current attempt has run.';
COMMENT ON COLUMN quern.running.dismiss_requested IS 'True when a dismiss is waiting for the runner.';
COMMENT ON COLUMN quern.job_stats.process_id IS 'Process.';
COMMENT ON COLUMN quern.job_stats.accepted IS 'Queued jobs.';
COMMENT ON COLUMN quern.job_stats.running IS 'Running jobs.';
COMMENT ON COLUMN quern.job_stats.successful IS 'Jobs that succeeded.';
COMMENT ON COLUMN quern.job_stats.failed IS 'Jobs that failed.';
COMMENT ON COLUMN quern.job_stats.dismissed IS 'Jobs that were dismissed.';
COMMENT ON COLUMN quern.job_stats.p50_seconds_1d IS 'Median run time in seconds of jobs finished in the last day.';
COMMENT ON COLUMN quern.job_stats.p95_seconds_1d IS '95th percentile run time in seconds of jobs finished in the last day.';
