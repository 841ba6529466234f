#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Container job round trip: quern (submit -> successful) against the engine's
own create+start+wait+logs+delete cycle done with curl, p50 over N jobs, on
podman and on dockerd. Run through bench/docker.sh, which provides the
PostgreSQL cluster and the build.

quern's figure is measured two ways: by the client (INSERT of the job as the
API writes it -> NOTIFY quern_done received) and in the database (created ->
finished). The engine's cycle is two curl processes: one create, then start,
wait, logs and delete chained with --next on one connection; on podman it uses
the same fast wait endpoint quern uses.
"""
import argparse
import json
import os
import select
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import engines  # noqa: E402
import harness  # noqa: E402

CMD = ["sh", "-c", 'echo "{\\"plugin_results\\": {\\"echo\\": $0}}"']


def curl(sock, *args):
    r = subprocess.run(["curl", "-sS", "--fail", "--unix-socket", sock] + list(args),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"curl {' '.join(args)}: {r.stderr}")
    return r.stdout


def engine_cycle(eng):
    """One create+start+wait+logs+delete cycle; returns seconds."""
    base = "http://localhost/v1.41"
    body = json.dumps({"Image": engines.IMAGE, "Cmd": CMD + ['{"name": "x"}'],
                       "HostConfig": {"NetworkMode": "none", "Init": True}})
    t0 = time.monotonic()
    cid = json.loads(curl(eng.socket, "-H", "Content-Type: application/json", "-d", body,
                          f"{base}/containers/create"))["Id"]
    wait = (f"http://localhost/v4.0.0/libpod/containers/{cid}/wait?condition=stopped&interval=10ms"
            if eng.name == "podman" else f"{base}/containers/{cid}/wait")
    nxt = ["--next", "-sS", "--fail", "--unix-socket", eng.socket]  # --next resets options
    out = curl(eng.socket, "-X", "POST", f"{base}/containers/{cid}/start",
               *nxt, "-X", "POST", wait,
               *nxt, f"{base}/containers/{cid}/logs?stdout=1&stderr=1&follow=1",
               *nxt, "-X", "DELETE", f"{base}/containers/{cid}?force=1")
    dt = time.monotonic() - t0
    if "plugin_results" not in out:
        raise RuntimeError(f"unexpected output: {out!r}")
    return dt


def quern_jobs(eng, n):
    """n jobs through quern, one at a time; returns (client seconds, db seconds) lists."""
    stack = harness.Stack(f"bench_docker_{eng.name}", api=False, config={
        "runner": {"backends": ["docker"]}, "docker": {"socket": eng.socket},
        "log": {"level": "info"}})
    runner = stack.start_runner()
    definition = {"id": "bench", "version": "1", "command": CMD, "config": {},
                  "host": {"type": "docker", "image": engines.IMAGE, "pull": "never",
                           "network": "none"},
                  "inputs": {"name": {"schema": {"type": "string"}}},
                  "outputs": {"echo": {"schema": {"type": "object"}}}}
    request = {"inputs": {"name": "x"}, "outputs": {}, "response": "document"}
    listen = stack.db.connect()
    listen.cursor().execute("LISTEN quern_done")
    client, db = [], []
    try:
        for _ in range(n + 1):  # the first one warms up
            t0 = time.monotonic()
            job = stack.db.value(
                "INSERT INTO quern.jobs (process_id, process_version, request, definition, backend)"
                " VALUES ('bench', '1', %s, %s, 'docker') RETURNING id::text",
                (json.dumps(request), json.dumps(definition)))
            done = False
            while not done:
                if not select.select([listen], [], [], 60)[0]:
                    raise RuntimeError(f"job {job} did not end within 60 s")
                listen.poll()
                done = any(nt.payload == job for nt in listen.notifies)
                listen.notifies.clear()
            dt = time.monotonic() - t0
            row = stack.job(job)
            if row["status"] != "successful":
                raise RuntimeError(f"job {job} ended {row['status']}: {row['exception']}")
            client.append(dt)
            db.append((row["finished"] - row["created"]).total_seconds())
    finally:
        listen.close()
        runner.stop()
        stack.stop()
    return client[1:], db[1:]


def ms(xs):
    return f"{statistics.median(xs) * 1000:7.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("engines", nargs="*", default=["podman", "docker"])
    args = ap.parse_args()
    print(f"container round trip, p50 over {args.n} jobs, milliseconds")
    print(f"{'engine':8} {'curl cycle':>10} {'quern':>8} {'quern db':>9} {'overhead':>9}")
    for name in args.engines:
        try:
            eng = engines.get(name)
        except Exception as e:  # unittest.SkipTest carries the reason
            print(f"{name:8} skipped: {e}")
            continue
        engine_cycle(eng)  # warm-up
        ref = [engine_cycle(eng) for _ in range(args.n)]
        client, db = quern_jobs(eng, args.n)
        over = (statistics.median(client) / statistics.median(ref) - 1) * 100
        print(f"{name:8} {ms(ref):>10} {ms(client):>8} {ms(db):>9} {over:8.1f}%", flush=True)
        engines.stop(name)


if __name__ == "__main__":
    main()
