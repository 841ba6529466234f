#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The chaos load test: three quern-runners and the API (lighttpd + quern-api,
started by tests/integration/harness.py) on a private PostgreSQL cluster,
under a steady load of async jobs (at most --rate per second, and never more
than 60 queued, so the runners set the pace) that mixes the example
processes of plugins/ (successes, failures, files, progress, sleeps) and
dismisses some;
meanwhile a runner chosen at random is killed with SIGKILL every few seconds
and started again, and PostgreSQL is stopped once (pg_ctl) and started again.

Executions are counted through a side effect: every example process runs
under tests/chaos/record, which appends "start" and "end" lines with the job
id, the runner's pid and the time to a file. At the end it checks:
  - every job in quern.jobs is terminal (successful, failed, dismissed);
  - no job started more often than it was claimed (attempt);
  - a job started again only after the runner of its previous attempt was
    killed (a retry that was due), never after a dismiss took effect;
  - no work ended after its runner had died (no orphaned processes);
  - no job is running without a live lease;
  - while PostgreSQL was down the API answered 503 (never 500, never a hang:
    every request has a client timeout).
It prints these counts; run() returns them with the list of violations.

  tests/chaos/chaos.py [--jobs N] [--rate R]      (as root, like ./dev test)
  bench/run chaos [N]                             (the full 10,000, -O2 build)
QUERN_BUILD names the build tree (default build-test); the run's files are
under $QUERN_TEST_OUT/chaos*; QUERN_TEST_KEEP=1 keeps them.
"""
import argparse
import collections
import json
import os
import random
import shutil
import sys
import threading
import time

import requests
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import PLUGINS, Cluster, Lighttpd, Stack, poll, workdir  # noqa: E402

RECORD = os.path.join(HERE, "record")
LEASE = 3           # seconds (runner.lease): short, so lost jobs come back quickly
TIMEOUT = (5, 30)   # (connect, read) seconds of every client request: never a hang
TERMINAL = ("successful", "failed", "dismissed")
GUARD_GRACE = 1.0   # seconds after a runner's death within which its jobs' last lines may land

# (process, weight, maxAttempts, inputs) - the mix of example processes.
MIX = [
    ("echo", 20, 3, lambda r: {"text": "chaos", "pause": r.choice([0, 0, 0.2])}),
    ("hello-world", 15, 1, lambda r: {"name": "chaos"}),
    ("wordcount", 10, 2, lambda r: {"text": "one two three\nfour"}),
    ("fail", 10, 1, lambda r: {"message": "chaos failure"}),
    ("sleep", 15, 3, lambda r: {"seconds": r.choice([0.3, 0.8, 1.5])}),
    ("progress", 10, 2, lambda r: {"steps": 3, "delay": 0.2}),
    ("files", 5, 2, lambda r: {"lines": 3}),
]
DISMISS_SHARE = 0.06


def uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def make_plugins(dir, log):
    """Copies of the example plugins whose command runs under record."""
    os.makedirs(dir, exist_ok=True)
    for name, _, attempts, _ in MIX:
        with open(os.path.join(PLUGINS, f"{name}.yaml")) as f:
            d = yaml.safe_load(f)
        prog = d["command"][0]
        if not os.path.isabs(prog):
            prog = os.path.join(PLUGINS, prog)
        d["command"] = [RECORD, prog] + d["command"][1:]
        d.setdefault("config", {})
        d["config"].setdefault("env", {})["CHAOS_LOG"] = log
        d["config"]["maxAttempts"] = attempts
        with open(os.path.join(dir, f"{name}.yaml"), "w") as f:
            yaml.safe_dump(d, f)


class Load:
    """Submits jobs from a few client threads at a steady rate; dismisses some."""

    def __init__(self, url, total, rate, threads=4, seed=1, max_backlog=60):
        self.url = url
        self.backlog = 0
        self.max_backlog = max_backlog
        self.total = total
        self.rate = rate
        self.threads = threads
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.next = 0
        self.t0 = None
        self.ids = []
        self.dismissed = {}   # job id -> uptime of the dismiss answer
        self.status = collections.Counter()   # HTTP status of every request
        self.errors = collections.Counter()   # client-side failures (timeouts, resets)
        self.error_msgs = []
        self.failures = []

    def _monitor(self, dsn):
        """Keeps self.backlog (accepted jobs) fresh; the load waits while it is high."""
        import psycopg2
        conn = None
        while self.running():
            try:
                if conn is None or conn.closed:
                    conn = psycopg2.connect(dsn, connect_timeout=2)
                    conn.autocommit = True
                with conn.cursor() as c:
                    c.execute("SELECT count(*) FROM quern.jobs WHERE status = 'accepted'")
                    self.backlog = c.fetchone()[0]
            except psycopg2.Error:
                conn = None   # PostgreSQL is away: keep the last figure
            time.sleep(0.3)
        if conn is not None:
            conn.close()

    def _take(self):
        with self.lock:
            if self.next >= self.total:
                return None
            n = self.next
            self.next += 1
            return n

    def _work(self, seed):
        rng = random.Random(seed)
        http = requests.Session()
        weights = [m[1] for m in MIX]
        while True:
            n = self._take()
            if n is None:
                return
            due = self.t0 + n / self.rate
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            while self.backlog > self.max_backlog:
                time.sleep(0.05)   # a steady load, not a flood: the runners set the pace
            name, _, _, inputs = rng.choices(MIX, weights)[0]
            body = json.dumps({"inputs": inputs(rng), "response": "document"})
            jid = None
            deadline = time.monotonic() + 120
            while jid is None and time.monotonic() < deadline:
                try:
                    r = http.post(f"{self.url}/processes/{name}/execution", data=body,
                                  timeout=TIMEOUT, headers={"Content-Type": "application/json",
                                                            "Prefer": "respond-async"})
                except requests.RequestException as e:
                    self.count_error(e)
                    time.sleep(0.2)
                    continue
                self.count(r.status_code)
                if r.status_code == 201:
                    jid = r.json()["jobID"]
                elif r.status_code == 503:
                    time.sleep(0.2)   # the database is away: submit again
                else:
                    self.failures.append(f"POST {name}: {r.status_code} {r.text[:200]}")
                    break
            if jid is None:
                continue
            with self.lock:
                self.ids.append(jid)
            if rng.random() < DISMISS_SHARE:
                time.sleep(rng.choice([0, 0.1, 0.5]))
                try:
                    r = http.delete(f"{self.url}/jobs/{jid}", timeout=TIMEOUT)
                    self.count(r.status_code)
                    if r.status_code == 200:
                        with self.lock:
                            self.dismissed[jid] = uptime()
                except requests.RequestException as e:
                    self.count_error(e)

    def count(self, status):
        with self.lock:
            self.status[status] += 1

    def count_error(self, e):
        with self.lock:
            self.errors[type(e).__name__] += 1
            self.error_msgs.append(str(e)[:200])

    def start(self, dsn):
        self.t0 = time.monotonic()
        self.workers = [threading.Thread(target=self._work, args=(self.rng.random(),), daemon=True)
                        for _ in range(self.threads)]
        for w in self.workers:
            w.start()
        threading.Thread(target=self._monitor, args=(dsn,), daemon=True).start()

    def running(self):
        return any(w.is_alive() for w in self.workers)


class Chaos:
    """Kills a random runner every few seconds (SIGKILL) and starts it again."""

    def __init__(self, stack, nrunners, seed=2):
        self.s = stack
        self.rng = random.Random(seed)
        self.runners = [stack.start_runner() for _ in range(nrunners)]
        self.killed = {}   # runner pid -> uptime of its death
        self.kills = 0
        self.stop = threading.Event()

    def kill_one(self):
        i = self.rng.randrange(len(self.runners))
        r = self.runners[i]
        t = uptime()
        r.kill9()
        self.killed[r.pid] = t
        self.kills += 1
        if self.stop.wait(self.rng.uniform(0.3, 1.0)):
            pass
        self.runners[i] = self.s.start_runner()

    def loop(self):
        while not self.stop.wait(self.rng.uniform(2.0, 4.0)):
            self.kill_one()

    def start(self):
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def end(self):
        self.stop.set()
        self.thread.join()


def probe_while_down(url, some_job):
    """Requests while PostgreSQL is down: statuses seen, and any that was not 503."""
    seen = collections.Counter()
    bad = []
    http = requests.Session()
    for method, path, body in (("GET", "/jobs?limit=5", None), ("GET", f"/jobs/{some_job}", None),
                               ("POST", "/processes/echo/execution", {"inputs": {"text": "x"}}),
                               ("DELETE", f"/jobs/{some_job}", None),
                               ("GET", f"/jobs/{some_job}/logs", None), ("GET", "/processes", None)):
        try:
            r = http.request(method, url + path, timeout=TIMEOUT,
                             data=json.dumps(body) if body else None,
                             headers={"Content-Type": "application/json",
                                      "Prefer": "respond-async"} if body else {})
        except requests.RequestException as e:
            seen[type(e).__name__] += 1
            bad.append(f"{method} {path}: {type(e).__name__}")
            continue
        seen[r.status_code] += 1
        # A description may come from quern-api's cache (200); nothing else but 503 is right.
        if r.status_code != 503 and not (r.status_code == 200 and path == "/processes"):
            bad.append(f"{method} {path}: {r.status_code} {r.text[:200]}")
    return seen, bad


def read_executions(path):
    starts = collections.defaultdict(list)   # job -> [(runner pid, uptime)]
    ends = collections.defaultdict(list)     # job -> [(runner pid, uptime, rc)]
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 4 and p[0] == "start":
                starts[p[1]].append((int(p[2]), float(p[3])))
            elif len(p) >= 5 and p[0] == "end":
                ends[p[1]].append((int(p[2]), float(p[3]), int(p[4])))
    return starts, ends


def check(db, load, chaos, pg_probe, starts, ends):
    """The final counts and the violations found."""
    c = collections.OrderedDict()
    v = []
    rows = {str(r["id"]): r for r in db.query(
        "SELECT id, status::text, attempt, max_attempts, dismiss_requested, runner, lease_until,"
        " lease_until > now() AS lease_live FROM quern.jobs")}
    c["jobs"] = len(rows)
    c["submitted"] = len(load.ids)
    by_status = collections.Counter(r["status"] for r in rows.values())
    for s in ("accepted", "running") + TERMINAL:
        c[s] = by_status.get(s, 0)
    missing = [j for j in load.ids if j not in rows]
    if missing:
        v.append(f"{len(missing)} submitted job(s) missing from quern.jobs, e.g. {missing[:3]}")
    not_terminal = [j for j, r in rows.items() if r["status"] not in TERMINAL]
    if not_terminal:
        v.append(f"{len(not_terminal)} job(s) not terminal, e.g. {not_terminal[:3]}")
    no_lease = [j for j, r in rows.items() if r["status"] == "running" and not r["lease_live"]]
    c["running_without_live_lease"] = len(no_lease)
    if no_lease:
        v.append(f"{len(no_lease)} running job(s) without a live lease, e.g. {no_lease[:3]}")
    c["executions_started"] = sum(len(x) for x in starts.values())
    c["executions_ended"] = sum(len(x) for x in ends.values())
    c["jobs_retried"] = sum(1 for r in rows.values() if r["attempt"] > 1)
    c["jobs_started_more_than_once"] = sum(1 for x in starts.values() if len(x) > 1)
    unknown = [j for j in starts if j not in rows]
    if unknown:
        v.append(f"{len(unknown)} execution(s) of job ids not in quern.jobs")
    over = [j for j, x in starts.items() if j in rows and len(x) > rows[j]["attempt"]]
    c["started_more_often_than_claimed"] = len(over)
    if over:
        v.append(f"{len(over)} job(s) started more often than claimed, e.g. {over[:3]}")
    undue = []
    after_dismiss = []
    for j, x in starts.items():
        x = sorted(x, key=lambda e: e[1])
        for (pid, t), (_, t_next) in zip(x, x[1:]):
            died = chaos.killed.get(pid)
            if died is None or died > t_next:
                undue.append(j)
        d = load.dismissed.get(j)
        if d is not None and rows.get(j, {}).get("status") == "dismissed":
            late = [t for _, t in x if t > d + 0.05]
            if late:
                after_dismiss.append(j)
    c["restarted_without_due_retry"] = len(undue)
    if undue:
        v.append(f"{len(undue)} job(s) started again although the runner of the previous "
                 f"attempt was alive, e.g. {undue[:3]}")
    c["started_after_dismiss"] = len(after_dismiss)
    if after_dismiss:
        v.append(f"{len(after_dismiss)} dismissed job(s) started after the dismiss was "
                 f"answered, e.g. {after_dismiss[:3]}")
    # An end line written after the runner died with a non-zero status is work cut short
    # (SIGPIPE on the dead runner's pipe, or the guard's SIGKILL arriving a moment later);
    # a zero status means orphaned work completed.
    # Work that was finishing as its runner died may still write its end line while the
    # guard wakes up (tens of milliseconds on a loaded machine): GUARD_GRACE allows for it.
    late = [(j, rc, t - chaos.killed[pid]) for j, x in ends.items()
            for pid, t, rc in x if chaos.killed.get(pid) is not None and t > chaos.killed[pid]]
    orphans = [j for j, rc, after in late if rc == 0 and after > GUARD_GRACE]
    c["work_cut_short_by_a_runner_kill"] = sum(1 for _, rc, _ in late if rc != 0)
    c["work_finishing_as_its_runner_died"] = sum(1 for _, rc, a in late
                                                 if rc == 0 and a <= GUARD_GRACE)
    c["work_completed_after_its_runner_died"] = len(orphans)
    if orphans:
        v.append(f"{len(orphans)} execution(s) completed after their runner was killed (orphaned "
                 f"processes kept working), e.g. {orphans[:3]}")
    # A completion whose runner died before it (or while it was finishing, within
    # GUARD_GRACE, see above) may never have been recorded: its retry was due.
    twice = [j for j, x in ends.items()
             if sum(1 for pid, t, rc in x
                    if rc == 0 and not (pid in chaos.killed
                                        and t <= chaos.killed[pid] + GUARD_GRACE)) > 1]
    c["work_completed_twice"] = len(twice)
    if twice:
        v.append(f"{len(twice)} job(s) whose work completed twice without a lost runner, "
                 f"e.g. {twice[:3]}")
    for j in (over + undue + after_dismiss + orphans + twice)[:5]:
        v.append(f"  {j}: starts {starts.get(j)} ends {ends.get(j)} row {rows.get(j)} "
                 f"kills {[(p, chaos.killed[p]) for p, *_ in starts.get(j, []) if p in chaos.killed]}"
                 f" dismissed at {load.dismissed.get(j)}")
    c["runner_kills"] = chaos.kills
    c["dismiss_requests"] = len(load.dismissed)
    c["http_status"] = dict(sorted(load.status.items()))
    c["http_client_errors"] = dict(load.errors)
    if load.status.get(500) or any(s >= 500 and s != 503 for s in load.status):
        v.append(f"the API answered 5xx other than 503: {dict(load.status)}")
    timeouts = {k: n for k, n in load.errors.items() if "Timeout" in k}
    if timeouts:
        v.append(f"requests that timed out (a hang): {timeouts}; {load.error_msgs[:3]}")
    c["http_client_error_messages"] = load.error_msgs[:3]
    v.extend(load.failures[:10])
    seen, bad = pg_probe
    c["while_pg_down"] = {str(k): n for k, n in seen.items()}
    if not seen.get(503):
        v.append(f"no 503 while PostgreSQL was down: {dict(seen)}")
    v.extend(f"while PostgreSQL was down: {b}" for b in bad)
    return c, v


def run(jobs=10000, rate=None, nrunners=3, keep=None, out=sys.stdout):
    """Runs the whole scenario; returns (counts, violations)."""
    rate = rate or float(os.environ.get("QUERN_CHAOS_RATE", "100"))
    t_start = time.monotonic()
    base = workdir("chaos")
    plugins = os.path.join(base, "plugins")
    log = os.path.join(base, "executions.log")
    open(log, "w").close()
    make_plugins(plugins, log)
    pg = Cluster("chaos-pg")
    s = Stack("chaos-stack", api=False, plugins=plugins, pghost=pg.host, config={
        "runner": {"lease": LEASE, "retry_backoff": 1, "poll_interval": 1, "slots": 4,
                   "kill_grace": 1},
        "database": {"connect_timeout": 2},
        "log": {"level": "info"}})
    chaos = None
    try:
        s.web = Lighttpd(s.dir, s.config_path, procs=4,
                         extra="server.max-keep-alive-idle = 120")   # threads wait on the backlog
        s.url = s.web.url
        chaos = Chaos(s, nrunners)
        poll(lambda: s.db.value("SELECT count(*) FROM quern.runners") == nrunners, timeout=30,
             what="the runners to register")
        load = Load(s.url, jobs, rate)
        load.start(s.db.dsn)
        chaos.start()
        # PostgreSQL goes away once, at about 40 % of the load.
        poll(lambda: len(load.ids) >= jobs * 0.4 or not load.running(), timeout=jobs / 5 + 60,
             interval=0.5, what="40 % of the jobs to be submitted")
        some_job = load.ids[0]
        s.db.close()
        pg.down()
        t_down = time.monotonic()
        pg_probe = probe_while_down(s.url, some_job)
        poll(lambda: time.monotonic() - t_down > 4, timeout=10, interval=0.2,
             what="PostgreSQL to stay down 4 s")
        pg.start()
        print(f"chaos: PostgreSQL was down {time.monotonic() - t_down:.1f} s", file=out)
        poll(lambda: not load.running(), timeout=jobs / 5 + 120, interval=0.5,
             what="every job to be submitted")
        chaos.end()
        poll(lambda: s.db.value("SELECT count(*) FROM quern.jobs WHERE status IN "
                                "('accepted', 'running')") == 0,
             timeout=120, interval=0.5, what="every job to end")
        for r in chaos.runners:
            r.stop()
        starts, ends = read_executions(log)
        counts, violations = check(s.db, load, chaos, pg_probe, starts, ends)
        counts["seconds"] = round(time.monotonic() - t_start, 1)
        for k, val in counts.items():
            print(f"chaos: {k}: {val}", file=out)
        for x in violations:
            print(f"chaos: VIOLATION: {x}", file=out)
        if violations:
            keep = True   # the evidence stays
        return counts, violations
    finally:
        if chaos is not None:
            chaos.stop.set()
            for r in chaos.runners:
                r.stop()
        s.stop()
        pg.stop()
        if not (keep if keep is not None else os.environ.get("QUERN_TEST_KEEP")):
            for d in (base, s.dir, pg.dir):
                shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description="quern's chaos load test")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("QUERN_CHAOS_JOBS", "10000")))
    ap.add_argument("--rate", type=float, default=None, help="jobs submitted per second")
    ap.add_argument("--keep", action="store_true", help="keep the run's directories")
    a = ap.parse_args()
    counts, violations = run(a.jobs, a.rate, keep=a.keep or None)
    print(f"chaos: {'FAILED' if violations else 'ok'}: {counts['jobs']} jobs, "
          f"{counts['runner_kills']} runner kills, {len(violations)} violation(s)")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
