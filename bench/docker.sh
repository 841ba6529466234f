#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/docker.sh [-n N] [podman|docker ...] - container job round trip through
# quern against the engine's own create+start+wait+logs+delete cycle (curl),
# p50 over N jobs (default 20), on podman and dockerd. Builds quern (./build),
# starts a throwaway PostgreSQL cluster and the engines in a temporary
# directory, and stops everything by PID at the end.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin

"$TOP/dev" build >/dev/null
OUT=$(mktemp -d /tmp/quern-bench.XXXXXX)
chmod 755 "$OUT"
mkdir -p "$OUT/pg" "$OUT/pgsock"
chown postgres "$OUT/pg" "$OUT/pgsock"
cleanup() {
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$OUT/pg" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$OUT" 2>/dev/null || true
}
trap cleanup EXIT
runuser -u postgres -- "$PG_BIN/initdb" -D "$OUT/pg" -U quern --auth=trust -E UTF8 \
    --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$OUT/pg" -l "$OUT/pg/server.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$OUT/pgsock' -c fsync=off" \
    start >/dev/null

QUERN_BUILD=$TOP/build QUERN_TOP=$TOP QUERN_TEST_OUT=$OUT QUERN_TEST_PGHOST=$OUT/pgsock \
    /usr/bin/python3 "$TOP/bench/docker_bench.py" "$@"
