-- SPDX-License-Identifier: MIT
-- Statements behind GET /metrics (cgi/db_metrics.c) and the request
-- counters every quern-api worker adds in batches (cgi/reqstats.c).
-- Arrays leave as JSON text so the handler parses them with jansson.

-- name: api_requests_add
-- params: $1 jsonb rows [{route, method, code, count, seconds, le: [..], buckets: [..]}]
-- index: api_requests_pkey. Rows are taken in key order so two workers
-- flushing at once lock them in the same order (no deadlock). A row whose
-- bucket bounds differ from the stored ones (another quern version) starts over.
INSERT INTO quern.api_requests AS a (route, method, code, count, seconds, le, buckets)
SELECT x.route, x.method, x.code, x.count, x.seconds, x.le, x.buckets
  FROM jsonb_to_recordset($1::jsonb)
       AS x(route text, method text, code integer, count bigint, seconds double precision,
            le double precision[], buckets bigint[])
 ORDER BY x.route, x.method, x.code
ON CONFLICT (route, method, code) DO UPDATE
   SET count = CASE WHEN a.le = EXCLUDED.le THEN a.count + EXCLUDED.count ELSE EXCLUDED.count END,
       seconds = CASE WHEN a.le = EXCLUDED.le THEN a.seconds + EXCLUDED.seconds
                      ELSE EXCLUDED.seconds END,
       buckets = CASE WHEN a.le = EXCLUDED.le
                      THEN ARRAY(SELECT p + q
                                   FROM unnest(a.buckets, EXCLUDED.buckets) WITH ORDINALITY AS u(p, q, i)
                                  ORDER BY i)
                      ELSE EXCLUDED.buckets END,
       le = EXCLUDED.le,
       updated = now();

-- name: api_metrics_requests
-- params: none
-- index: none (a handful of rows: routes x methods x status codes seen)
SELECT route, method, code, count, seconds, array_to_json(le)::text, array_to_json(buckets)::text
  FROM quern.api_requests
 ORDER BY route, method, code;

-- name: api_metrics_jobs
-- params: none
-- index: jobs_process_status (index-only scan: every job, bounded by what purge keeps).
-- Registry processes come with a NULL status so /metrics shows their zeros too.
SELECT process_id, status::text, n
  FROM (SELECT process_id, status, count(*) AS n FROM quern.jobs GROUP BY 1, 2) AS c
UNION ALL
SELECT id, NULL, 0 FROM quern.processes
 ORDER BY 1, 2;

-- name: api_metrics_queue
-- params: none
-- index: jobs_queue (partial: status = 'accepted'). Age in seconds, 0 when the queue is empty.
SELECT count(*), coalesce(extract(epoch FROM now() - min(created)), 0)::double precision
  FROM quern.jobs
 WHERE status = 'accepted';

-- name: api_metrics_durations
-- params: $1 int window seconds (0: every finished job), $2 text bucket bounds (float8[] literal, ascending)
-- index: jobs_finished (index-only scan over the window). One row per
-- process, terminal status and bucket: the bucket is how many bounds lie
-- below the run time (finished - started), so bucket i holds run times
-- <= bound i and the last bucket those above every bound (width_bucket
-- counts the bounds <= d; a run time equal to a bound belongs below it).
-- Counts are not cumulative.
SELECT process_id, status::text,
       width_bucket(d, $2::double precision[]) - (d = ANY ($2::double precision[]))::int AS b,
       count(*), sum(d)
  FROM (SELECT process_id, status,
               greatest(extract(epoch FROM finished - started), 0)::double precision AS d
          FROM quern.jobs
         WHERE finished IS NOT NULL AND started IS NOT NULL
           AND ($1::int = 0 OR finished >= now() - make_interval(secs => $1::int))) AS j
 GROUP BY 1, 2, 3
 ORDER BY 1, 2, 3;

-- name: api_metrics_runners
-- params: none
-- index: runners_pkey (a few rows). Heartbeat age in seconds.
SELECT id, slots, running, extract(epoch FROM now() - heartbeat)::double precision,
       array_to_json(backends)::text
  FROM quern.runners
 ORDER BY id;
