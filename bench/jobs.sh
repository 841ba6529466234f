#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/jobs.sh - end-to-end throughput and latency of quern-runner with no-op jobs,
# next to the machine's bounds. Not a test: it prints figures.
#
#   bench/jobs.sh [N]        N jobs for the throughput run (default 20000)
#
# Environment: QUERN_BUILD (default ./build, built with `./dev build` if missing),
# BENCH_SLOTS (runner.slots, default 16), BENCH_RATE (jobs/s submitted one per
# transaction for the latency run, default 200), BENCH_SECONDS (its length, default 10),
# BENCH_PG_OPTS (server options, default "-c synchronous_commit=off"), BENCH_WORK_DIR
# (parent of runner.work_dir, default /dev/shm: a per-job directory costs ~2 ms of
# mkdir/rmdir on an ext4 disk and microseconds on tmpfs; set it to compare).
#
# It starts a private PostgreSQL cluster in a temporary directory (initdb as user
# postgres when run as root), applies the schema, and measures:
#   1. bare fork+exec+pipe+reap rate of the same no-op program (no database);
#   2. pgbench running the runner's transactions per job (insert, claim, finish)
#      one job per transaction, 2 clients;
#   3. throughput: N jobs inserted in one transaction, drained by one runner:
#      jobs/s = N / (last finished - created);
#   4. latency: pgbench inserts jobs one per transaction at BENCH_RATE/s while the
#      runner runs them: submit->start (started - created) p50/p99, start->finish.
# Everything it started is stopped by PID at exit.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${QUERN_BUILD:-$TOP/build}
N=${1:-20000}
SLOTS=${BENCH_SLOTS:-16}
RATE=${BENCH_RATE:-200}
SECS=${BENCH_SECONDS:-10}
PG_OPTS=${BENCH_PG_OPTS:--c synchronous_commit=off}
PGBIN=/usr/lib/postgresql/15/bin

[ -x "$B/runner/quern-runner" ] || (cd "$TOP" && ./dev build)
W=$(mktemp -d /tmp/quern-runner-bench.XXXXXX)
chmod 755 "$W"
JOBS_DIR=$(mktemp -d "${BENCH_WORK_DIR:-/dev/shm}/quern-runner-bench-jobs.XXXXXX")
RUNNER_PID=
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
    [ -z "$RUNNER_PID" ] || kill "$RUNNER_PID" 2>/dev/null || true
    [ -z "$RUNNER_PID" ] || wait "$RUNNER_PID" 2>/dev/null || true
    as_pg "$PGBIN/pg_ctl" -D "$W/pg" -m fast -w stop >/dev/null 2>&1 || true
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$W" "$JOBS_DIR"
}
trap cleanup EXIT

cc -O2 -o "$W/noop" "$TOP/bench/noop.c"
cc -O2 -o "$W/forkexec" "$TOP/bench/forkexec.c"
mkdir -p "$W/pg" "$W/sock"
[ "$(id -u)" -ne 0 ] || chown postgres "$W/pg" "$W/sock"
as_pg "$PGBIN/initdb" -D "$W/pg" -U quern --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$W/pg" -l "$W/pg/server.log" -w -o \
    "-c listen_addresses='' -c unix_socket_directories='$W/sock' -c max_connections=50 $PG_OPTS" \
    start >/dev/null
export PGHOST=$W/sock PGUSER=quern PGDATABASE=quern
createdb quern
export QUERN_DATABASE_URL="host=$W/sock dbname=quern user=quern"
export QUERN_RUNNER_WORK_DIR=$JOBS_DIR QUERN_RUNNER_SLOTS=$SLOTS QUERN_LOG_LEVEL=${BENCH_LOG:-warn}
export QUERN_PLUGINS_DIRS=$W
"$B/admin/quern-admin" init >/dev/null

DEF="{\"id\": \"noop\", \"version\": \"1\", \"host\": {\"type\": \"local\"}, \"command\": [\"$W/noop\"], \"config\": {}, \"inputs\": {}, \"outputs\": {\"r\": {\"schema\": {}}}}"
cat > "$W/insert.sql" <<EOF
INSERT INTO quern.jobs (process_id, process_version, request, definition, backend)
VALUES ('noop', '1', '{"inputs": {}}', '$DEF', 'local');
EOF
cat > "$W/cycle.sql" <<EOF
INSERT INTO quern.jobs (process_id, process_version, request, definition, backend)
VALUES ('noop', '1', '{"inputs": {}}', '$DEF', 'local');
WITH c AS (SELECT id FROM quern.jobs WHERE status = 'accepted' AND backend = ANY ('{local}')
           AND not_before <= now() ORDER BY priority DESC, created LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE quern.jobs j SET status = 'running', runner = 'pgbench', lease_until = now() + interval '30 s',
       attempt = j.attempt + 1, started = now()
  FROM c WHERE j.id = c.id RETURNING j.id::text AS jid, j.definition::text AS d \gset
UPDATE quern.jobs SET status = 'successful', finished = now(), results = '{}', progress = 100,
       lease_until = NULL WHERE id = :jid AND status = 'running' AND runner = 'pgbench';
EOF

echo "machine: $(nproc) CPUs, $(uname -r), PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), server options: $PG_OPTS"
echo "runner: slots $SLOTS, build $B, work_dir on $(df --output=fstype "$JOBS_DIR" | tail -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
fe=$("$W/forkexec" 20000 "$W/noop" "$SLOTS")
echo "1. bare fork+exec+pipe+reap of the no-op:       $fe runs/s"
pg=$(pgbench -n -M prepared -c 2 -j 2 -T 10 -f "$W/cycle.sql" 2>"$W/pgbench.err" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' || true)
[ -n "$pg" ] || { cat "$W/pgbench.err" >&2; exit 1; }
printf '2. pgbench, insert+claim+finish per tx, 2 cl:  %.0f jobs/s\n' "$pg"
psql -qAt -c "TRUNCATE quern.jobs CASCADE"

"$B/runner/quern-runner" --foreground 2>"$W/runner.log" &
RUNNER_PID=$!
for _ in $(seq 1 100); do
    [ "$(psql -qAt -c 'SELECT count(*) FROM quern.runners')" = 1 ] && break
    sleep 0.1
done
psql -qAt -c "INSERT INTO quern.jobs (process_id, process_version, request, definition, backend)
              SELECT 'noop', '1', '{\"inputs\": {}}', '$DEF', 'local' FROM generate_series(1, $N)"
while [ "$(psql -qAt -c "SELECT count(*) FROM quern.jobs WHERE status IN ('accepted', 'running')")" != 0 ]; do
    sleep 0.2
done
psql -qAt -F ' ' -c "SELECT count(*) FILTER (WHERE status = 'successful'), count(*),
                            round(count(*) / extract(epoch FROM max(finished) - min(started)))
                       FROM quern.jobs" | {
    read -r ok all rate
    echo "3. runner throughput, $all jobs in one INSERT:   $rate jobs/s (first start to last finish; $ok successful)"
}
psql -qAt -c "TRUNCATE quern.jobs CASCADE"

pgbench -n -c 1 -R "$RATE" -T "$SECS" -f "$W/insert.sql" >/dev/null 2>&1
while [ "$(psql -qAt -c "SELECT count(*) FROM quern.jobs WHERE status IN ('accepted', 'running')")" != 0 ]; do
    sleep 0.2
done
psql -qAt -F ' ' -c "
    SELECT count(*),
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started - created)) * 1000)::numeric, 2),
           round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started - created)) * 1000)::numeric, 2),
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished - created)) * 1000)::numeric, 2),
           count(*) FILTER (WHERE status <> 'successful')
      FROM quern.jobs" | {
    read -r n p50 p99 e2e bad
    echo "4. latency at $RATE jobs/s, one per tx ($n jobs): submit->start p50 $p50 ms, p99 $p99 ms; submit->finished p50 $e2e ms; $bad not successful"
}
grep -E 'error|warning' "$W/runner.log" | head -5 || true
