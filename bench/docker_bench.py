#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Container job round trip: quern (submit -> successful) against the engine's
own create+start+wait+logs+delete cycle done with curl, p50 over N jobs, on
podman and on dockerd. Run through bench/docker.sh, which provides the
PostgreSQL cluster and the build.

quern's figure is measured two ways: by the client (INSERT of the job as the
API writes it -> NOTIFY quern_done received) and in the database (created ->
finished). The engine's cycle is two curl processes: one create, then start,
wait, logs (after the wait, so without follow) and delete chained with --next
on one connection; on podman it uses the same fast wait endpoint quern uses.
quern removes the container after the job's end is recorded, so the removal
is in the reference's time but not in quern's.
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
    """One create+start+wait+logs+delete cycle; returns (seconds, seconds of the delete)."""
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
               *nxt, f"{base}/containers/{cid}/logs?stdout=1&stderr=1",
               *nxt, "-w", "\n@@delete %{time_total}\n", "-X", "DELETE",
               f"{base}/containers/{cid}?force=1")
    dt = time.monotonic() - t0
    if "plugin_results" not in out or "@@delete " not in out:
        raise RuntimeError(f"unexpected output: {out!r}")
    return dt, float(out.rsplit("@@delete ", 1)[1].split()[0])


class Quern:
    """A database, a runner serving docker on eng, and jobs submitted one at a time."""

    def __init__(self, eng):
        self.stack = harness.Stack(f"bench_docker_{eng.name}", api=False, config={
            "runner": {"backends": ["docker"]}, "docker": {"socket": eng.socket},
            "log": {"level": "info"}})
        self.runner = self.stack.start_runner()
        self.definition = json.dumps({
            "id": "bench", "version": "1", "command": CMD, "config": {},
            "host": {"type": "docker", "image": engines.IMAGE, "pull": "never", "network": "none"},
            "inputs": {"name": {"schema": {"type": "string"}}},
            "outputs": {"echo": {"schema": {"type": "object"}}}})
        self.request = json.dumps({"inputs": {"name": "x"}, "outputs": {}, "response": "document"})
        self.listen = self.stack.db.connect()
        self.listen.cursor().execute("LISTEN quern_done")

    def job(self):
        """One job: (client seconds, db seconds, None) or (.., .., failure detail)."""
        t0 = time.monotonic()
        job = self.stack.db.value(
            "INSERT INTO quern.jobs (process_id, process_version, request, definition, backend)"
            " VALUES ('bench', '1', %s, %s, 'docker') RETURNING id::text",
            (self.request, self.definition))
        done = False
        while not done:
            if not select.select([self.listen], [], [], 60)[0]:
                raise RuntimeError(f"job {job} did not end within 60 s")
            self.listen.poll()
            done = any(nt.payload == job for nt in self.listen.notifies)
            self.listen.notifies.clear()
        dt = time.monotonic() - t0
        row = self.stack.job(job)
        fail = None
        if row["status"] != "successful":
            fail = (row["exception"] or {}).get("detail", row["status"])
        return dt, (row["finished"] - row["created"]).total_seconds(), fail

    def stop(self):
        self.listen.close()
        self.runner.stop()
        self.stack.stop()


def measure(eng, n):
    """Alternates the two cycles so that both see the same machine load."""
    q = Quern(eng)
    ref, nodel, client, db, failed = [], [], [], [], []
    try:
        engine_cycle(eng)  # warm-up of both
        q.job()
        while len(client) < n and len(failed) <= n // 4:
            cycle, delete = engine_cycle(eng)
            ref.append(cycle)
            nodel.append(cycle - delete)
            c, d, fail = q.job()
            if fail is not None:
                # The engine fails now and then under load (runc): count it, leave it out.
                failed.append(fail)
                continue
            client.append(c)
            db.append(d)
    finally:
        q.stop()
    if len(client) < n:
        raise RuntimeError(f"{len(failed)} jobs failed, the last: {failed[-1]}")
    return ref, nodel, client, db, failed


def ms(xs):
    return f"{statistics.median(xs) * 1000:7.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("engines", nargs="*", default=["podman", "docker"])
    args = ap.parse_args()
    print(f"container round trip, p50 over {args.n} jobs, milliseconds")
    print(f"{'engine':8} {'curl cycle':>10} {'w/o delete':>10} {'quern':>8} {'quern db':>9} "
          f"{'overhead':>9} {'vs w/o delete':>13}")
    for name in args.engines:
        try:
            eng = engines.get(name)
        except Exception as e:  # unittest.SkipTest carries the reason
            print(f"{name:8} skipped: {e}")
            continue
        ref, nodel, client, db, failed = measure(eng, args.n)
        over = (statistics.median(client) / statistics.median(ref) - 1) * 100
        over2 = (statistics.median(client) / statistics.median(nodel) - 1) * 100
        print(f"{name:8} {ms(ref):>10} {ms(nodel):>10} {ms(client):>8} {ms(db):>9} {over:8.1f}% "
              f"{over2:12.1f}%", flush=True)
        for f in failed:
            print(f"{'':8} (left out: a job failed: {f[:160]})")
        engines.stop(name)


if __name__ == "__main__":
    main()
