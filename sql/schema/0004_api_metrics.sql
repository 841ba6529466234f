-- SPDX-License-Identifier: MIT
-- 0004_api_metrics: what GET /metrics reads cheaply. HTTP request counters
-- of every quern-api worker, summed, and two indexes that let the job
-- gauges and run-time histograms come from index-only scans.
-- Each worker counts in memory and adds its deltas here in one statement
-- every metrics.flush_requests requests or metrics.flush_interval seconds
-- (cgi/reqstats.c); GET /metrics reads the sums. UNLOGGED: the counts are
-- monitoring data, a crash of PostgreSQL may lose them (Prometheus sees a
-- counter reset), and no request ever waits for WAL because of them.

CREATE UNLOGGED TABLE quern.api_requests (
    route text NOT NULL CHECK (length(route) <= 128),
    method text NOT NULL CHECK (length(method) <= 16),
    code integer NOT NULL CHECK (code BETWEEN 100 AND 599),
    count bigint NOT NULL DEFAULT 0 CHECK (count >= 0),
    seconds double precision NOT NULL DEFAULT 0,
    le double precision[] NOT NULL,
    buckets bigint[] NOT NULL CHECK (cardinality(buckets) = cardinality(le)),
    updated timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (route, method, code)
);
COMMENT ON TABLE quern.api_requests IS 'HTTP requests answered by all quern-api workers, per route pattern, method and status; workers add their counts in batches (unlogged: lost on a PostgreSQL crash, which /metrics shows as a counter reset).';
COMMENT ON COLUMN quern.api_requests.route IS 'Route pattern of the request (/jobs/*/results: * is one path segment), or "unmatched" for paths no route matches; never a raw path, so the rows stay few.';
COMMENT ON COLUMN quern.api_requests.method IS 'HTTP method (GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, or OTHER).';
COMMENT ON COLUMN quern.api_requests.code IS 'HTTP status code of the answer.';
COMMENT ON COLUMN quern.api_requests.count IS 'Requests answered since the row was made.';
COMMENT ON COLUMN quern.api_requests.seconds IS 'Sum of their handling times in seconds (from the parsed request to the written answer).';
COMMENT ON COLUMN quern.api_requests.le IS 'Upper bounds in seconds of the latency buckets, ascending, without +Inf (whose count is count).';
COMMENT ON COLUMN quern.api_requests.buckets IS 'Requests per latency bucket, not cumulative: buckets[i] counts those slower than le[i-1] and at most le[i]; the rest (slower than the last bound) is count minus their sum.';
COMMENT ON COLUMN quern.api_requests.updated IS 'Last time a worker added to the row.';

-- GET /metrics counts jobs by process and status over the whole table, and
-- the run-time histograms read finished jobs of the last metrics.job_window
-- seconds: both from these indexes alone, never from the wide heap rows.
CREATE INDEX jobs_process_status ON quern.jobs (process_id, status);
COMMENT ON INDEX quern.jobs_process_status IS 'Jobs by process and status for GET /metrics (index-only scan).';
CREATE INDEX jobs_finished ON quern.jobs (finished) INCLUDE (process_id, status, started)
    WHERE finished IS NOT NULL;
COMMENT ON INDEX quern.jobs_finished IS 'Finished jobs by finish time with what the /metrics run-time histograms need (index-only scan over metrics.job_window).';
