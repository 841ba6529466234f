# SPDX-License-Identifier: MIT
"""The schema against the real database: migrations, notifications, views, comments."""
import glob
import os
import select
import unittest

from harness import TOP, Database

# The newest migration this tree ships (sql/schema/NNNN_name.sql).
LATEST = max(int(os.path.basename(p)[:4]) for p in glob.glob(os.path.join(TOP, "sql/schema/*.sql")))


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("schema_test", init=False)

    @classmethod
    def tearDownClass(cls):
        cls.db.close()

    def test_01_init_then_migrate_is_idempotent(self):
        r = self.db.admin("init")
        self.assertIn("applied 0001_init", r.stdout)
        self.assertEqual(self.db.value("SELECT max(version) FROM quern.schema_version"), LATEST)
        before = self.db.value("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'quern'")
        r = self.db.admin("migrate")
        self.assertIn(f"schema up to date at version {LATEST}", r.stdout)
        r = self.db.admin("init")
        self.assertIn(f"already at version {LATEST}", r.stdout)
        after = self.db.value("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'quern'")
        self.assertEqual(before, after)
        self.assertEqual(self.db.value("SELECT count(*) FROM quern.schema_version"),
                         len(glob.glob(os.path.join(TOP, "sql/schema/*.sql"))))

    def insert_job(self, status="accepted", backend="local", **cols):
        cols = {"process_id": "echo", "process_version": "1.0.0", "status": status,
                "request": "{}", "definition": "{}", "backend": backend, **cols}
        if status in ("successful", "failed", "dismissed"):
            cols.setdefault("finished", "now()")
        names = ", ".join(cols)
        marks = ", ".join("now()" if v == "now()" else "%s" for v in cols.values())
        vals = [v for v in cols.values() if v != "now()"]
        return self.db.value(f"INSERT INTO quern.jobs ({names}) VALUES ({marks}) RETURNING id", vals)

    def test_02_notify_on_insert_of_accepted_job(self):
        listener = self.db.connect()
        with listener.cursor() as c:
            c.execute("LISTEN quern_jobs")
        self.insert_job(backend="docker")
        self.assertTrue(select.select([listener], [], [], 5)[0], "no notification within 5 s")
        listener.poll()
        self.assertEqual([n.channel for n in listener.notifies], ["quern_jobs"])
        self.assertEqual(listener.notifies[0].payload, "docker")
        listener.notifies.clear()
        self.insert_job(status="successful", started="2026-01-01T00:00:00Z")
        self.assertFalse(select.select([listener], [], [], 0.3)[0] and (listener.poll() or listener.notifies))
        listener.close()

    def test_03_done_and_dismiss_notifications(self):
        listener = self.db.connect()
        with listener.cursor() as c:
            c.execute("LISTEN quern_done; LISTEN quern_dismiss")
        jid = self.insert_job()
        self.db.query("UPDATE quern.jobs SET status='running', runner='r1', lease_until=now() + interval '1 minute', started=now() WHERE id=%s", (jid,))
        self.db.query("UPDATE quern.jobs SET dismiss_requested = true WHERE id=%s", (jid,))
        self.db.query("UPDATE quern.jobs SET status='dismissed', finished=now() WHERE id=%s", (jid,))
        got = []
        while len(got) < 2 and select.select([listener], [], [], 5)[0]:
            listener.poll()
            got += [(n.channel, n.payload) for n in listener.notifies]
            listener.notifies.clear()
        self.assertEqual(got, [("quern_dismiss", f"{jid} r1"), ("quern_done", str(jid))])
        listener.close()

    def test_04_constraints_guard_the_lifecycle(self):
        import psycopg2
        with self.assertRaises(psycopg2.errors.CheckViolation):
            self.insert_job(status="running")  # running without runner and lease
        jid = self.insert_job()
        with self.assertRaises(psycopg2.errors.CheckViolation):
            self.db.query("UPDATE quern.jobs SET status='failed' WHERE id=%s", (jid,))  # no finished
        with self.assertRaises(psycopg2.errors.InvalidTextRepresentation):
            self.insert_job(status="done")

    def test_05_views_answer(self):
        jid = self.insert_job(priority=5)
        rows = self.db.query("SELECT id, priority FROM quern.queue")
        self.assertEqual(rows[0]["id"], jid, "highest priority first")
        self.db.query("INSERT INTO quern.runners (id, host, pid, version, slots) VALUES ('r1', 'h', 1, '0', 2)")
        self.db.query("UPDATE quern.jobs SET status='running', runner='r1', lease_until=now() - interval '1 s', started=now() WHERE id=%s", (jid,))
        rows = self.db.query("SELECT * FROM quern.running WHERE id=%s", (jid,))
        self.assertEqual(rows[0]["runner_host"], "h")
        self.assertTrue(rows[0]["lease_expired"])
        self.db.query("UPDATE quern.jobs SET status='successful', finished=started + interval '2 s' WHERE id=%s", (jid,))
        stats = {r["process_id"]: r for r in self.db.query("SELECT * FROM quern.job_stats")}
        self.assertGreaterEqual(stats["echo"]["successful"], 1)
        self.assertIsNotNone(stats["echo"]["p50_seconds_1d"])

    def test_06_everything_has_a_comment(self):
        missing = self.db.query("""
            SELECT c.relname AS name, NULL AS col FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'quern' AND c.relkind IN ('r', 'v') AND obj_description(c.oid, 'pg_class') IS NULL
            UNION ALL
            SELECT c.relname, a.attname FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE n.nspname = 'quern' AND c.relkind IN ('r', 'v') AND col_description(c.oid, a.attnum) IS NULL
        """)
        self.assertEqual(missing, [], "tables, views and columns without COMMENT")

    def test_07_runner_flush_written_again_still_counts_as_applied(self):
        """runner_flush, as sql/queries/runner_jobs.sql has it: a finish whose reply was lost
        is written again by the runner; the second write changes nothing and still answers
        that the finish is the runner's (so its callbacks go out), while another runner's
        finish of the same job is not."""
        text = open(os.path.join(TOP, "sql/queries/runner_jobs.sql")).read()
        stmt = text.split("-- name: runner_flush\n", 1)[1].split("\n-- name:", 1)[0]
        stmt = "\n".join(l for l in stmt.splitlines() if not l.startswith("--")).strip().rstrip(";")
        self.db.query("INSERT INTO quern.runners (id, host, pid, version, slots) VALUES "
                      "('flush-r', 'h', 1, '0', 1) ON CONFLICT DO NOTHING")
        jid = self.insert_job()
        self.db.query("UPDATE quern.jobs SET status='running', runner='flush-r', "
                      "lease_until=now() + interval '1 min', started=now() WHERE id=%s", (jid,))
        self.db.query("PREPARE flush_again(text, text, text, text, text) AS " + stmt)
        fin = '[{"id": "%s", "st": "successful", "m": "successful", "r": {"x": 1}}]' % jid
        first = self.db.query("EXECUTE flush_again('flush-r', '[]', '[]', %s, '[]')", (fin,))
        again = self.db.query("EXECUTE flush_again('flush-r', '[]', '[]', %s, '[]')", (fin,))
        other = self.db.query("EXECUTE flush_again('other-r', '[]', '[]', %s, '[]')", (fin,))
        self.assertEqual([list(r.values()) for r in first], [["f", jid]])
        self.assertEqual([list(r.values()) for r in again], [["f", jid]])
        self.assertEqual(other, [])
        row = self.db.query("SELECT status, results FROM quern.jobs WHERE id=%s", (jid,))[0]
        self.assertEqual((row["status"], row["results"]), ("successful", {"x": 1}))


if __name__ == "__main__":
    unittest.main()
