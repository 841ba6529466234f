#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/api_jobs.py [N] - the same no-op jobs as bench/jobs.sh, submitted through
the real API (lighttpd + quern-api, POST /processes/noop/execution, async) by one
HTTP client with keep-alive, run by one quern-runner. Prints the submission rate,
the end-to-end rate and submit->start latency (jobs.started - jobs.created).

Uses the integration harness (a private PostgreSQL cluster, lighttpd, the runner),
the build in $QUERN_BUILD (default ./build), work dir on /dev/shm. Not a test."""
import os
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("QUERN_BUILD", os.path.join(TOP, "build"))
os.environ.setdefault("QUERN_TOP", TOP)
OUT = tempfile.mkdtemp(prefix="quern-runner-apibench.")
os.chmod(OUT, 0o755)
os.environ["QUERN_TEST_OUT"] = OUT
sys.path.insert(0, os.path.join(TOP, "tests/integration"))

import requests  # noqa: E402

from harness import Cluster, Stack, poll  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
SLOTS = int(os.environ.get("BENCH_SLOTS", "16"))


def main():
    plugins = os.path.join(OUT, "plugins")
    os.makedirs(plugins)
    noop = os.path.join(OUT, "noop")
    subprocess.run(["cc", "-O2", "-o", noop, os.path.join(TOP, "bench/noop.c")], check=True)
    with open(os.path.join(plugins, "noop.yaml"), "w") as f:
        f.write(f"""info:
  id: noop
  title: No-op
  version: 1.0.0
  description: Does nothing.
  jobControlOptions: [async-execute, sync-execute]
  outputTransmission: [value]
host:
  type: local
command: [{noop}]
inputs: {{}}
outputs:
  r:
    title: R
    description: Nothing.
    schema:
      type: object
""")
    jobs = tempfile.mkdtemp(prefix="quern-runner-apibench-jobs.", dir="/dev/shm")
    pg = Cluster("pg")
    s = Stack("bench", plugins=plugins, pghost=pg.host,
              config={"runner": {"slots": SLOTS, "work_dir": jobs}, "log": {"level": "warn"}})
    try:
        s.start_runner()
        poll(lambda: s.db.value("SELECT count(*) FROM quern.runners") == 1, timeout=20)
        http = requests.Session()
        hdr = {"Prefer": "respond-async", "Accept": "application/json",
               "Content-Type": "application/json"}
        t0 = time.monotonic()
        for _ in range(N):
            r = http.post(s.url + "/processes/noop/execution", data='{"inputs": {}}',
                          headers=hdr, timeout=30)
            assert r.status_code == 201, r.text[:300]
        submit = time.monotonic() - t0
        poll(lambda: s.db.value("SELECT count(*) FROM quern.jobs WHERE status IN "
                                "('accepted', 'running')") == 0, timeout=600, interval=0.2)
        row = s.db.query("""
            SELECT count(*) FILTER (WHERE status = 'successful') AS ok,
                   count(*) / extract(epoch FROM max(finished) - min(created)) AS rate,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started - created)) * 1000 AS p50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started - created)) * 1000 AS p99
              FROM quern.jobs""")[0]
        load = open("/proc/loadavg").read().split()[:3]
        print(f"through the API, {N} jobs, 1 client, runner slots {SLOTS}, load {' '.join(load)}:")
        print(f"  submitted {N / submit:.0f} jobs/s (HTTP 201 each); end to end {row['rate']:.0f} jobs/s "
              f"({row['ok']} successful)")
        print(f"  submit->start p50 {row['p50']:.2f} ms, p99 {row['p99']:.2f} ms")
    finally:
        s.stop()
        pg.stop()
        subprocess.run(["rm", "-rf", OUT, jobs])


if __name__ == "__main__":
    main()
