# SPDX-License-Identifier: MIT
"""GET /metrics scraped and parsed as the Prometheus text exposition format
(0.0.4; the parser below is the test's own): job counts, queue, job duration
histograms, runners and free slots, and HTTP request counters that quern-api
workers keep in memory and add to quern.api_requests in batches (never one
write per request), summed over every worker. Access follows metrics.access.

Label escaping is checked on runner ids: process ids cannot hold a quote or a
backslash (quern.processes.id is ^[A-Za-z0-9._-]{1,128}$), runner ids
(runner.name) can."""
import math
import os
import re
import subprocess
import unittest

import requests

from api_support import echo_description, insert_process
from harness import ADMIN_BIN, API_BIN, Lighttpd, Stack, poll, workdir

PROM_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE_RE = re.compile(rf"^({NAME})(?:\{{(.*)\}})? (\S+)(?: (-?\d+))?$")


def parse_labels(text):
    """'a="x",b="y\\"z"' -> {"a": "x", "b": 'y"z'}; raises on malformed input."""
    labels, i = {}, 0
    while i < len(text):
        m = re.compile(LABEL).match(text, i)
        if not m or text[m.end():m.end() + 2] != '="':
            raise ValueError(f"bad label at {text[i:]!r}")
        name, i, value = m.group(0), m.end() + 2, []
        while True:
            c = text[i]
            if c == "\\":
                esc = text[i + 1]
                value.append({"\\": "\\", '"': '"', "n": "\n"}[esc])
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise ValueError("raw newline in a label value")
            else:
                value.append(c)
                i += 1
        if name in labels:
            raise ValueError(f"label {name} twice")
        labels[name] = "".join(value)
        if i < len(text):
            if text[i] != ",":
                raise ValueError(f"expected , at {text[i:]!r}")
            i += 1
    return labels


def parse_value(s):
    return {"+Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan}.get(s) if s in ("+Inf", "-Inf", "NaN") else float(s)


def parse(text):
    """The exposition text -> {family: {"type", "help", "samples": [(name, labels, value)]}}.
    Checks the grammar: HELP/TYPE before samples, samples of a family together, names
    matching the family (histograms: _bucket with le, _sum, _count), no duplicate series."""
    families, current, seen = {}, None, set()
    assert text.endswith("\n"), "the exposition ends with a newline"
    for line in text.split("\n")[:-1]:
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name, rest = line[2:6], *line[7:].split(" ", 1)
            assert re.fullmatch(NAME, name), line
            fam = families.setdefault(name, {"samples": []})
            if kind == "TYPE":
                assert rest in ("counter", "gauge", "histogram", "summary", "untyped"), line
                assert "type" not in fam and not fam["samples"], f"TYPE after samples: {line}"
                fam["type"] = rest
            else:
                fam["help"] = rest
            current = name
            continue
        assert not line.startswith("#") and line.strip(), f"unexpected line {line!r}"
        m = SAMPLE_RE.match(line)
        assert m, f"bad sample line {line!r}"
        name, labels, value = m.group(1), parse_labels(m.group(2) or ""), parse_value(m.group(3))
        fam = families[current]
        if fam["type"] == "histogram":
            assert name in (current + "_bucket", current + "_sum", current + "_count"), line
            assert ("le" in labels) == name.endswith("_bucket"), line
        else:
            assert name == current, f"{name} outside its family {current}"
        key = (name, tuple(sorted(labels.items())))
        assert key not in seen, f"duplicate series {line!r}"
        seen.add(key)
        fam["samples"].append((name, labels, value))
    return families


def value(fams, name, **labels):
    """The value of the one sample of name whose labels include labels (None if none)."""
    family = name
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[:-len(suffix)] in fams:
            family = name[:-len(suffix)]
    hits = [v for n, l, v in fams.get(family, {"samples": []})["samples"]
            if n == name and all(l.get(k) == str(x) for k, x in labels.items())]
    assert len(hits) <= 1, (name, labels, hits)
    return hits[0] if hits else None


def histograms(fams, family):
    """{labels without le: {"buckets": [(le, count)], "sum", "count"}} of a histogram family."""
    out = {}
    for n, l, v in fams[family]["samples"]:
        key = tuple(sorted((k, x) for k, x in l.items() if k != "le"))
        h = out.setdefault(key, {"buckets": []})
        if n.endswith("_bucket"):
            h["buckets"].append((parse_value(l["le"]), v))
        elif n.endswith("_sum"):
            h["sum"] = v
        else:
            h["count"] = v
    return out


def check_histograms(test, fams, family):
    for key, h in histograms(fams, family).items():
        les = [le for le, _ in h["buckets"]]
        counts = [c for _, c in h["buckets"]]
        test.assertEqual(les, sorted(les), key)
        test.assertEqual(les[-1], math.inf, key)
        test.assertEqual(counts, sorted(counts), f"buckets of {key} are cumulative")
        test.assertEqual(counts[-1], h["count"], f"+Inf equals _count for {key}")
        test.assertGreaterEqual(h["sum"], 0)


def admin_user(stack, *args, stdin=""):
    r = subprocess.run([ADMIN_BIN, "-c", stack.config_path, "user"] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def empty_plugins():
    return workdir("metrics_no_plugins")


class MetricsTest(unittest.TestCase):
    """One quern-api worker (exact request counts), metrics.access public, batches
    large enough that only a scrape flushes."""

    @classmethod
    def setUpClass(cls):
        cls.s = Stack("metrics", plugins=empty_plugins(), api=False,
                      config={"metrics": {"access": "public", "flush_requests": 1000,
                                          "flush_interval": 3600}})
        insert_process(cls.s.db, echo_description())
        insert_process(cls.s.db, echo_description("idle.process"))
        cls.web = Lighttpd(os.path.join(cls.s.dir, "one"), cls.s.config_path, procs=1)
        cls.url = cls.web.url

    @classmethod
    def tearDownClass(cls):
        cls.web.stop()
        cls.s.stop()

    def scrape(self, url=None, **kw):
        r = requests.get((url or self.url) + "/metrics", timeout=30, **kw)
        self.assertEqual(r.status_code, 200, r.text[:500])
        self.assertEqual(r.headers["Content-Type"], PROM_TYPE)
        return parse(r.text)

    def test_format_and_families(self):
        fams = self.scrape()
        want = {"quern_info": "gauge", "quern_jobs": "gauge", "quern_queue_jobs": "gauge",
                "quern_queue_oldest_age_seconds": "gauge", "quern_job_duration_seconds": "histogram",
                "quern_runners": "gauge", "quern_runner_free_slots": "gauge",
                "quern_runner_slots": "gauge", "quern_runner_running": "gauge",
                "quern_runner_heartbeat_age_seconds": "gauge",
                "quern_http_requests_total": "counter", "quern_http_request_duration_seconds": "histogram"}
        for name, kind in want.items():
            self.assertEqual(fams[name]["type"], kind, name)
            self.assertTrue(fams[name]["help"], name)
        # Every status of every registry process, zeros included.
        for st in ("accepted", "running", "successful", "failed", "dismissed"):
            self.assertIsNotNone(value(fams, "quern_jobs", process="idle.process", status=st))
        self.assertEqual(value(fams, "quern_jobs", process="idle.process", status="failed"), 0)
        r = requests.head(self.url + "/metrics", timeout=30)
        self.assertEqual(r.status_code, 200)
        r = requests.get(self.url + "/metrics?x=1", timeout=30)
        self.assertEqual(r.status_code, 400)

    def test_jobs_queue_and_durations_follow_submissions(self):
        before = self.scrape()
        acc0 = value(before, "quern_jobs", process="echo", status="accepted") or 0
        ids = []
        for _ in range(4):
            r = requests.post(self.url + "/processes/echo/execution", json={"inputs": {"stringInput": "Value1"}},
                              headers={"Prefer": "respond-async"}, timeout=30)
            self.assertEqual(r.status_code, 201, r.text)
            ids.append(r.json()["jobID"])
        fams = poll(lambda: (f := self.scrape()) and value(f, "quern_queue_oldest_age_seconds") > 0 and f,
                    what="the oldest job to have aged")
        self.assertEqual(value(fams, "quern_jobs", process="echo", status="accepted"), acc0 + 4)
        self.assertGreaterEqual(value(fams, "quern_queue_jobs"), 4)
        # Played runner: two succeed after 42 s of run time, one after exactly 60 s (a bucket
        # bound: le="60" holds it), one fails after 0.5 s.
        h0 = histograms(before, "quern_job_duration_seconds")
        n0 = {k: h["count"] for k, h in h0.items()}
        for jid, status, secs in ((ids[0], "successful", 42), (ids[1], "successful", 42),
                                  (ids[2], "failed", 0.5), (ids[3], "successful", 60)):
            self.s.db.query("UPDATE quern.jobs SET status='running', runner='t', started=now(), "
                            "lease_until=now() + interval '1 minute' WHERE id=%s", (jid,))
            self.s.db.query("UPDATE quern.jobs SET status=%s, finished=started + make_interval(secs => %s) "
                            "WHERE id=%s", (status, secs, jid))
        fams = self.scrape()
        self.assertEqual(value(fams, "quern_jobs", process="echo", status="accepted"), acc0)
        check_histograms(self, fams, "quern_job_duration_seconds")
        ok_key = (("process", "echo"), ("status", "successful"))
        h = histograms(fams, "quern_job_duration_seconds")[ok_key]
        self.assertEqual(h["count"] - n0.get(ok_key, 0), 3)
        buckets = dict(h["buckets"])
        old = dict(h0[ok_key]["buckets"]) if ok_key in h0 else {30: 0, 60: 0}
        self.assertEqual(buckets[30], old[30])
        self.assertEqual(buckets[60] - old[60], 3)
        self.assertGreaterEqual(h["sum"], 144)
        fail = histograms(fams, "quern_job_duration_seconds")[(("process", "echo"), ("status", "failed"))]
        self.assertEqual(dict(fail["buckets"])[1], fail["count"])

    def requests_total(self, fams, route, method="GET", code="200"):
        return value(fams, "quern_http_requests_total", route=route, method=method, code=code) or 0

    def test_requests_counted_by_route_pattern(self):
        f0 = self.scrape()
        for _ in range(5):
            self.assertEqual(requests.get(self.url + "/processes/echo", timeout=30).status_code, 200)
        for path in ("/nowhere", "/jobs/not-a-uuid", "/processes/none/x/y/z"):
            requests.get(self.url + path, timeout=30)
        requests.delete(self.url + "/processes", timeout=30)
        f1 = self.scrape()
        self.assertEqual(self.requests_total(f1, "/processes/*") - self.requests_total(f0, "/processes/*"), 5)
        self.assertEqual(self.requests_total(f1, "unmatched", code="404") - self.requests_total(f0, "unmatched", code="404"), 2)
        self.assertEqual(self.requests_total(f1, "/jobs/*", code="404") - self.requests_total(f0, "/jobs/*", code="404"), 1)
        self.assertEqual(self.requests_total(f1, "/processes", "DELETE", "405") - self.requests_total(f0, "/processes", "DELETE", "405"), 1)
        # The previous scrape is counted too (after it answered).
        self.assertGreaterEqual(self.requests_total(f1, "/metrics"), 1)
        routes = {l["route"] for _, l, _ in f1["quern_http_requests_total"]["samples"]}
        self.assertFalse(any("echo" in r or "nowhere" in r for r in routes), routes)
        check_histograms(self, f1, "quern_http_request_duration_seconds")
        h = histograms(f1, "quern_http_request_duration_seconds")[(("method", "GET"), ("route", "/processes/*"))]
        total = sum(v for n, l, v in f1["quern_http_requests_total"]["samples"]
                    if l["route"] == "/processes/*" and l["method"] == "GET")
        self.assertEqual(h["count"], total)

    def test_no_database_write_per_request(self):
        """flush_requests 1000, flush_interval 3600: requests stay in the worker until a scrape."""
        self.scrape()
        stored = self.s.db.value("SELECT coalesce(sum(count), 0) FROM quern.api_requests")
        for _ in range(7):
            requests.get(self.url + "/conformance", timeout=30)
        self.assertEqual(self.s.db.value("SELECT coalesce(sum(count), 0) FROM quern.api_requests"), stored)
        self.scrape()
        self.assertEqual(self.s.db.value("SELECT coalesce(sum(count), 0) FROM quern.api_requests"), stored + 8)

    def test_runners_free_slots_and_label_escaping(self):
        odd = 'r"1\\x\nz'
        self.s.db.query("DELETE FROM quern.runners")
        self.s.db.query("INSERT INTO quern.runners (id, host, pid, version, slots, running) VALUES "
                        "(%s, 'h', 1, 'v', 4, 1), ('fresh', 'h', 2, 'v', 2, 2)", (odd,))
        self.s.db.query("INSERT INTO quern.runners (id, host, pid, version, slots, running, heartbeat) "
                        "VALUES ('stale', 'h', 3, 'v', 8, 0, now() - interval '1 hour')")
        text = requests.get(self.url + "/metrics", timeout=30).text
        self.assertIn('runner="r\\"1\\\\x\\nz"', text)
        fams = parse(text)
        self.assertEqual(value(fams, "quern_runner_slots", runner=odd), 4)
        self.assertEqual(value(fams, "quern_runner_running", runner=odd), 1)
        self.assertEqual(value(fams, "quern_runners"), 2)
        self.assertEqual(value(fams, "quern_runner_free_slots"), 3)
        self.assertGreater(value(fams, "quern_runner_heartbeat_age_seconds", runner="stale"), 3000)
        self.s.db.query("DELETE FROM quern.runners")

    def test_real_runner_is_seen(self):
        self.s.db.query("DELETE FROM quern.runners")
        r = self.s.start_runner(env={"QUERN_RUNNER_NAME": "metrics-runner", "QUERN_RUNNER_SLOTS": "3"})
        try:
            fams = poll(lambda: (f := self.scrape()) and value(f, "quern_runners") == 1 and f,
                        timeout=30, what="the runner to register")
            self.assertEqual(value(fams, "quern_runner_slots", runner="metrics-runner"), 3)
            self.assertEqual(value(fams, "quern_runner_free_slots"), 3)
        finally:
            r.stop()
        poll(lambda: value(self.scrape(), "quern_runners") == 0, what="the runner to unregister")


class WorkersTest(unittest.TestCase):
    """Several workers: /metrics sums what each added; an idle worker adds its counts
    when flush_interval passes, without another request."""

    @classmethod
    def setUpClass(cls):
        cls.s = Stack("metrics_workers", plugins=empty_plugins(), api=False,
                      config={"metrics": {"access": "public", "flush_requests": 1000,
                                          "flush_interval": 1}})
        insert_process(cls.s.db, echo_description())
        cls.web = Lighttpd(os.path.join(cls.s.dir, "four"), cls.s.config_path, procs=4)

    @classmethod
    def tearDownClass(cls):
        cls.web.stop()
        cls.s.stop()

    def stored(self, route):
        return self.s.db.value("SELECT coalesce(sum(count), 0) FROM quern.api_requests WHERE route = %s",
                               (route,))

    def test_idle_workers_flush_on_time_and_metrics_sums_them(self):
        with requests.Session() as sess:
            for _ in range(40):
                self.assertEqual(sess.get(self.web.url + "/processes", timeout=30).status_code, 200)
        # No scrape, no more requests: the workers' timers add them.
        poll(lambda: self.stored("/processes") == 40, timeout=20, what="every worker's counts")
        fams = parse(requests.get(self.web.url + "/metrics", timeout=30).text)
        self.assertEqual(value(fams, "quern_http_requests_total", route="/processes", method="GET", code="200"), 40)
        workers = self.s.db.value("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'quern-api' "
                                  "AND datname = current_database()")
        self.assertGreaterEqual(workers, 1)

    def test_flush_every_n_requests(self):
        web = Lighttpd(os.path.join(self.s.dir, "batch"), self.s.config_path, procs=1,
                       env={"QUERN_METRICS_FLUSH_REQUESTS": "3", "QUERN_METRICS_FLUSH_INTERVAL": "3600"})
        try:
            before = self.stored("/conformance")
            for i in range(1, 7):
                requests.get(web.url + "/conformance", timeout=30)
                if i % 3 == 0:
                    poll(lambda: self.stored("/conformance") == before + i, what=f"the batch of {i}")
                else:
                    self.assertEqual(self.stored("/conformance"), before + 3 * (i // 3), i)
        finally:
            web.stop()

    def test_sigterm_flushes_idle_worker(self):
        web = Lighttpd(os.path.join(self.s.dir, "term"), self.s.config_path, procs=1,
                       env={"QUERN_METRICS_FLUSH_INTERVAL": "3600"})
        before = self.stored("/jobs")
        for _ in range(4):
            requests.get(web.url + "/jobs", timeout=30)
        self.assertEqual(self.stored("/jobs"), before)
        web.stop()
        poll(lambda: self.stored("/jobs") == before + 4, what="the counts added at exit")

    def test_cgi_adds_its_count_as_it_exits(self):
        before = self.stored("/conformance")
        env = dict(os.environ, REQUEST_METHOD="GET", REQUEST_URI="/conformance", SERVER_NAME="x",
                   SERVER_PORT="80", QUERN_CONFIG=self.s.config_path)
        r = subprocess.run([API_BIN], env=env, capture_output=True, timeout=60)
        self.assertIn(b"Status: 200", r.stdout)
        self.assertEqual(self.stored("/conformance"), before + 1)


class AccessTest(unittest.TestCase):
    """metrics.access: admin (the default) needs an admin; off hides the resource."""

    @classmethod
    def setUpClass(cls):
        cls.s = Stack("metrics_access", plugins=empty_plugins(), config={"auth": {"failure_delay_ms": 0}})
        admin_user(cls.s, "add", "root", "--role", "admin", "--no-password")
        admin_user(cls.s, "add", "bob", "--no-password")
        cls.root = {"Authorization": "Bearer " + admin_user(cls.s, "token", "root")}
        cls.bob = {"Authorization": "Bearer " + admin_user(cls.s, "token", "bob")}

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def test_admin_only_by_default(self):
        r = self.s.get("/metrics")
        self.assertEqual(r.status_code, 401)
        self.assertIn("WWW-Authenticate", r.headers)
        self.assertIn("metrics.access", r.json()["detail"])
        self.assertEqual(self.s.get("/metrics", headers=self.bob).status_code, 403)
        r = self.s.get("/metrics", headers=self.root)
        self.assertEqual(r.status_code, 200)
        parse(r.text)

    def test_off_and_public(self):
        for access, anon, root in (("off", 404, 404), ("public", 200, 200)):
            web = Lighttpd(os.path.join(self.s.dir, access), self.s.config_path, procs=1,
                           env={"QUERN_METRICS_ACCESS": access})
            try:
                self.assertEqual(requests.get(web.url + "/metrics", timeout=30).status_code, anon)
                self.assertEqual(requests.get(web.url + "/metrics", headers=self.root, timeout=30).status_code, root)
            finally:
                web.stop()


if __name__ == "__main__":
    unittest.main()
