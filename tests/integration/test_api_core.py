# SPDX-License-Identifier: MIT
"""quern-api behind lighttpd: landing, conformance, processes, content negotiation,
errors, and responses validated against the official OGC schemas."""
import unittest

from api_support import ApiStack, OgcSchemas, OGC_CONF, OGC_EXC, OGC_REL, links_by_rel


class CoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = ApiStack("api_core", extra=25)
        cls.schemas = OgcSchemas()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def get_json(self, path, status=200, **kw):
        r = self.s.get(path, **kw)
        self.assertEqual(r.status_code, status, r.text)
        self.assertTrue(r.headers["Content-Type"].startswith("application/json")
                        or "openapi" in r.headers["Content-Type"], r.headers["Content-Type"])
        return r.json()

    def assert_exception(self, r, status, type_suffix=None):
        self.assertEqual(r.status_code, status, r.text)
        self.assertEqual(r.headers["Content-Type"], "application/json")
        doc = r.json()
        self.schemas.validate("exception", doc)
        self.assertEqual(doc["status"], status)
        if type_suffix:
            self.assertEqual(doc["type"], OGC_EXC + type_suffix)
        return doc

    def test_landing(self):
        doc = self.get_json("/")
        self.schemas.validate("landingPage", doc)
        rels = links_by_rel(doc)
        for rel in ("self", "alternate", "service-desc", "service-doc", OGC_REL + "conformance", "processes",
                    OGC_REL + "processes", OGC_REL + "job-list"):
            self.assertIn(rel, rels)
        self.assertEqual(rels["service-desc"][0]["type"], "application/vnd.oai.openapi+json;version=3.0")
        for link in doc["links"]:
            self.assertTrue(link["href"].startswith(self.s.url), link)
        # no Accept and */* are JSON, text/html is HTML, f wins
        for hdrs in ({}, {"Accept": "*/*"}, {"Accept": "application/json"}):
            r = self.s.get("/", headers=hdrs)
            self.assertEqual(r.headers["Content-Type"], "application/json")
        r = self.s.get("/", headers={"Accept": "text/html"})
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        self.assertIn('rel="alternate" type="application/json"', r.text)
        r = self.s.get("/?f=json", headers={"Accept": "text/html"})
        self.assertEqual(r.headers["Content-Type"], "application/json")
        r = self.s.get("/?f=html")
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))

    def test_conformance(self):
        doc = self.get_json("/conformance")
        self.schemas.validate("confClasses", doc)
        for c in ("core", "ogc-process-description", "json", "html", "oas30", "job-list",
                  "callback", "dismiss"):
            self.assertIn(OGC_CONF + c, doc["conformsTo"])

    def test_process_list_paging(self):
        seen = []
        url = "/processes?limit=7"
        pages = 0
        while url:
            doc = self.get_json(url.replace(self.s.url, ""))
            self.schemas.validate("processList", doc)
            self.assertLessEqual(len(doc["processes"]), 7)
            seen += [p["id"] for p in doc["processes"]]
            for p in doc["processes"]:
                self.schemas.validate("processSummary", p)
                self.assertNotIn("inputs", p)
            nxt = links_by_rel(doc).get("next")
            url = nxt[0]["href"] if nxt else None
            pages += 1
            self.assertLess(pages, 20)
        self.assertEqual(len(seen), 28)
        self.assertEqual(len(set(seen)), 28)
        self.assertEqual(seen, sorted(seen))
        # and backwards through prev links from the last page
        back = []
        doc = self.get_json(f"/processes?limit=7&after={seen[-8]}")
        back = [p["id"] for p in doc["processes"]]
        while True:
            prev = links_by_rel(doc).get("prev")
            if not prev:
                break
            doc = self.get_json(prev[0]["href"].replace(self.s.url, ""))
            back = [p["id"] for p in doc["processes"]] + back
        self.assertEqual(back, seen)

    def test_process_list_limits(self):
        self.assertEqual(len(self.get_json("/processes")["processes"]), 10)
        self.assertEqual(len(self.get_json("/processes?limit=10000")["processes"]), 28)
        for bad in ("0", "10001", "-1", "x", "", "1.5"):
            self.assert_exception(self.s.get(f"/processes?limit={bad}"), 400)
        self.assert_exception(self.s.get("/processes?foo=1"), 400)

    def test_description(self):
        doc = self.get_json("/processes/echo")
        self.schemas.validate("process", doc)
        self.assertEqual(doc["id"], "echo")
        self.assertIn("stringInput", doc["inputs"])
        rels = links_by_rel(doc)
        self.assertIn(OGC_REL + "execute", rels)
        self.assertEqual(rels["self"][0]["href"], self.s.url + "/processes/echo")
        r = self.s.get("/processes/echo?f=html")
        self.assertIn("stringInput", r.text)
        self.assertIn(self.s.url + "/processes/echo?f=json", r.text)

    def test_description_cache_follows_the_registry(self):
        """A change reaches every worker's cache by NOTIFY: visible within moments
        (the notification travels after the commit), never stale for long."""
        from api_support import echo_description, insert_process
        from harness import poll

        def title():
            r = self.s.get("/processes/cached")
            return r.json()["title"] if r.status_code == 200 else r.status_code

        def settles(expected):
            for _ in range(6):  # each request may land on another worker
                poll(lambda: title() == expected, timeout=3, what=f"title {expected}")

        insert_process(self.s.db, echo_description("cached", title="first"))
        settles("first")
        insert_process(self.s.db, echo_description("cached", title="second"))
        settles("second")
        self.s.db.query("DELETE FROM quern.processes WHERE id = 'cached'")
        settles(404)
        insert_process(self.s.db, echo_description("cached", title="third"))
        settles("third")
        self.s.db.value("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name = 'quern-api' AND datname = current_database()")
        self.s.db.query("UPDATE quern.processes SET description = jsonb_set(description, '{title}', '\"fourth\"') "
                        "WHERE id = 'cached'")
        settles("fourth")  # a reconnect may have missed the NOTIFY: the cache is dropped too
        self.s.db.query("DELETE FROM quern.processes WHERE id = 'cached'")

    def test_head_and_options(self):
        r = __import__("requests").head(self.s.url + "/processes/echo", timeout=10)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.content, b"")
        self.assertGreater(int(r.headers["Content-Length"]), 100)
        r = __import__("requests").options(self.s.url + "/jobs/x", timeout=10)
        self.assertEqual(r.status_code, 204)
        self.assertEqual(r.headers["Allow"], "GET, HEAD, DELETE, OPTIONS")

    def test_unknown_process(self):
        self.assert_exception(self.s.get("/processes/nope"), 404, "no-such-process")
        self.assert_exception(self.s.get("/processes/..%2F..%2Fetc"), 404, "no-such-process")
        self.assert_exception(self.s.get("/processes/x'%20OR%201=1--"), 404, "no-such-process")

    def test_unknown_path_and_method(self):
        self.assert_exception(self.s.get("/nowhere"), 404)
        r = self.s.delete("/processes")
        self.assert_exception(r, 405)
        self.assertIn("GET", r.headers["Allow"])
        r = self.s.post("/jobs/x", body={})
        self.assert_exception(r, 405)
        self.assertIn("DELETE", r.headers["Allow"])

    def test_api_document(self):
        r = self.s.get("/api")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("application/vnd.oai.openapi+json"))
        doc = r.json()
        self.assertTrue(doc["openapi"].startswith("3.0"))
        for p in ("/", "/conformance", "/processes", "/processes/{processId}",
                  "/processes/{processId}/execution", "/jobs", "/jobs/{jobId}",
                  "/jobs/{jobId}/results", "/processes/echo/execution"):
            self.assertIn(p, doc["paths"])
        self.assertIn("execute-echo", doc["components"]["schemas"])
        r = self.s.get("/api?f=html")
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))


if __name__ == "__main__":
    unittest.main()
