# SPDX-License-Identifier: MIT
"""quern-api's HTML pages in a real browser: the real stack (PostgreSQL,
lighttpd + quern-api, a quern-runner, the example plugins), each page
loaded in headless Chromium (--dump-dom) and asserted on its DOM, the
execute form filled in and submitted through chromedriver, the job page
watched until it shows the result. Screenshots of every page go to
$QUERN_TEST_OUT/screenshots/ and, with QUERN_UPDATE_SCREENSHOTS=1, to
doc/screenshots/ for the README.
"""
import os
import re
import shutil
import unittest
import urllib.parse

import browser
from api_support import echo_description, insert_process
from browser import Dom, dump_dom
from harness import OUT, TOP, Stack, poll, workdir

SHOTS = os.path.join(OUT, "screenshots")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
XSS = "<script>alert(1)</script>"

TYPED_INPUTS = {
    "colour": {"title": "Colour", "description": "a choice",
               "schema": {"type": "string", "enum": ["red", "green", "blue"], "default": "green"},
               "minOccurs": 0, "maxOccurs": 1},
    "count": {"title": "Count", "description": "an integer",
              "schema": {"type": "integer", "minimum": 1, "maximum": 9}, "minOccurs": 1, "maxOccurs": 1},
    "flag": {"title": "Flag", "description": "a boolean",
             "schema": {"type": "boolean"}, "minOccurs": 0, "maxOccurs": 1},
    "ratio": {"title": "Ratio", "description": "a number",
              "schema": {"type": "number", "default": 0.5}, "minOccurs": 0, "maxOccurs": 1},
    "tags": {"title": "Tags", "description": "many strings",
             "schema": {"type": "string"}, "minOccurs": 0, "maxOccurs": "unbounded"},
}


def texts(nodes):
    return [n.text.strip() for n in nodes]


@unittest.skipUnless(browser.available(), "chromium and chromedriver are not installed (./dev installs them)")
class HtmlPagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack("html")
        cls.dir = workdir("html-browser")
        os.makedirs(SHOTS, exist_ok=True)
        cls.s.start_runner()
        poll(lambda: cls.s.db.value("SELECT count(*) FROM quern.runners") == 1, timeout=60,
             what="the runner to register")
        # Inserted after the runner's plugin sync (done before it registers), which would drop them.
        typed = dict(echo_description("typed", title="Typed inputs"), inputs=TYPED_INPUTS, outputs={})
        insert_process(cls.s.db, typed)
        xss = dict(echo_description("xss", title="Evil " + XSS), description='say "<b>hi</b>" & bye')
        insert_process(cls.s.db, xss)
        insert_process(cls.s.db, echo_description("deployed", title="Deployed"))
        cls.s.db.query("UPDATE quern.processes SET source = 'api', mutable = true WHERE id = 'deployed'")
        cls.n = 0
        cls.wd = None

    @classmethod
    def tearDownClass(cls):
        if cls.wd is not None:
            cls.wd.quit()
        cls.s.stop()

    @classmethod
    def driver(cls):
        if cls.wd is None:
            cls.wd = browser.WebDriver(cls.dir)
        return cls.wd

    def page(self, path):
        """The DOM of path as Chromium rendered it (one chromium per call)."""
        HtmlPagesTest.n += 1
        markup = dump_dom(self.s.url + path, os.path.join(self.dir, f"profile-{self.n}"))
        return Dom(markup)

    def shoot(self, name, path=None):
        """Screenshot of path (or of the current page) as name.png."""
        wd = self.driver()
        if path is not None:
            wd.get(self.s.url + path)
        dest = wd.screenshot(os.path.join(SHOTS, name + ".png"))
        if os.environ.get("QUERN_UPDATE_SCREENSHOTS") == "1":
            os.makedirs(os.path.join(TOP, "doc", "screenshots"), exist_ok=True)
            shutil.copy(dest, os.path.join(TOP, "doc", "screenshots", name + ".png"))

    def alternate(self, dom):
        links = [n for n in dom.find_all("link", rel="alternate")]
        self.assertTrue(links, "no <link rel=alternate>")
        href = links[0].attrs["href"]
        self.assertEqual(links[0].attrs["type"], "application/json")
        r = self.s.get(href.replace(self.s.url, ""))
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("application/json"), href)
        return r.json()

    def test_landing(self):
        dom = self.page("/?f=html")
        self.assertEqual(dom.find("h1").text, "quern")
        self.assertIn("/processes?f=html", dom.find("a", id="to-processes").attrs["href"])
        self.assertIn("/jobs?f=html", dom.find("a", id="to-jobs").attrs["href"])
        doc = self.alternate(dom)
        self.assertIn("text/html", [l.get("type") for l in doc["links"] if l["rel"] == "alternate"])
        self.shoot("landing", "/?f=html")

    def test_process_list_paging(self):
        dom = self.page("/processes?f=html&limit=3")
        rows = dom.find("table", id="processes").find_all("a", class_="process")
        self.assertEqual(len(rows), 3)
        nxt = dom.find("a", rel="next")
        self.assertIsNotNone(nxt)
        self.assertIsNone(dom.find("a", rel="prev"))
        page2 = self.page(nxt.attrs["href"].replace(self.s.url, ""))
        self.assertIsNotNone(page2.find("a", rel="prev"))
        ids2 = texts(page2.find("table", id="processes").find_all("code"))
        self.assertTrue(set(ids2).isdisjoint(texts(dom.find("table", id="processes").find_all("code"))))
        first = dom.find("table", id="processes").find("code").text
        self.assertEqual(self.alternate(dom)["processes"][0]["id"], first)
        full = self.page("/processes?f=html&limit=50")
        origin = {r.find("code").text: r.text for r in full.find("table", id="processes").find_all("tr")[1:]}
        self.assertIn("deployed through the API", origin["deployed"])
        self.assertNotIn("plugin", origin["echo"])
        page = Dom(self.s.get("/processes/deployed?f=html").text)  # the server's markup as is
        self.assertEqual(page.find("td", id="origin").text, "deployed through the API")
        plugin = Dom(self.s.get("/processes/echo?f=html").text)
        self.assertEqual(plugin.find("td", id="origin").text, "from a plugin file")
        self.shoot("processes", "/processes?f=html")

    def test_process_page_and_form_fields(self):
        dom = self.page("/processes/echo?f=html")
        self.assertEqual(dom.find("h1").text, "Echo")
        inputs = {r.find("code").text: r for r in dom.find("table", id="inputs").find_all("tr")[1:]}
        self.assertEqual(set(inputs), {"text", "image", "pause", "labels", "payload", "boundingBox",
                                       "numberOrText"})
        cells = texts(inputs["pause"].find_all("td"))
        self.assertEqual(cells[2], "number, 0..600")
        self.assertEqual(cells[3], "0")
        self.assertEqual(cells[4], "0..1")
        self.assertEqual(texts(inputs["labels"].find_all("td"))[2], "array of string")
        self.assertIn("image/tiff", texts(inputs["image"].find_all("td"))[2])
        self.assertIsNotNone(inputs["payload"].find("pre", class_="json"))  # the schema
        self.assertIn("text", {r.find("code").text for r in dom.find("table", id="outputs").find_all("tr")[1:]})
        form = dom.find("form", id="execute-form")
        self.assertEqual(form.attrs["method"], "post")
        self.assertTrue(form.attrs["action"].endswith("/processes/echo/execution"))
        pause = form.find("input", name="pause")
        self.assertEqual((pause.attrs["type"], pause.attrs["min"], pause.attrs["max"]), ("number", "0", "600"))
        self.assertEqual(form.find("input", name="text").attrs["type"], "text")
        self.assertEqual(form.find("textarea", name="payload").text, '{"value": ""}')
        self.assertIsNotNone(form.find("button", type="submit"))
        self.assertEqual(self.alternate(dom)["id"], "echo")

        typed = self.page("/processes/typed?f=html").find("form", id="execute-form")
        colour = typed.find("select", name="colour")
        self.assertEqual(texts(colour.find_all("option")), ["(not set)", "red", "green", "blue"])
        self.assertIn("selected", colour.find("option", selected="").attrs)
        self.assertEqual(colour.find("option", selected="").text, "green")
        count = typed.find("input", name="count")
        self.assertEqual((count.attrs["type"], count.attrs["step"]), ("number", "1"))
        self.assertIn("required", count.attrs)
        self.assertEqual(texts(typed.find("select", name="flag").find_all("option")),
                         ["(not set)", "true", "false"])
        self.assertEqual(typed.find("input", name="ratio").attrs["step"], "any")
        self.assertIsNotNone(typed.find("textarea", name="tags"))  # maxOccurs > 1: JSON

    def test_markup_in_data_is_text(self):
        dom = self.page("/processes/xss?f=html")
        self.assertEqual(dom.find("h1").text, "Evil " + XSS)
        self.assertEqual(dom.find("title").text, "Evil " + XSS + " - quern")
        self.assertEqual(dom.find("p", id="description").text, 'say "<b>hi</b>" & bye')
        self.assertEqual(dom.find_all("script"), [])
        self.assertIsNone(dom.find("b"))
        listing = self.page("/processes?f=html&limit=50")
        self.assertIn("Evil " + XSS, texts(listing.find_all("a", class_="process")))
        self.assertEqual(listing.find_all("script"), [])

    def submit_form(self, wd):
        wd.get(self.s.url + "/processes/echo?f=html")
        self.shoot("process")
        text = wd.find("input[name=text]")
        wd.clear(text)
        wd.type(text, "hello from a browser & <friends>")
        pause = wd.find("input[name=pause]")
        wd.clear(pause)
        wd.type(pause, "1")
        self.shoot("process-form")
        wd.click(wd.find("#execute"))
        url = poll(lambda: re.search(f"/jobs/({UUID})\\?f=html$", wd.url()) and wd.url(), timeout=60,
                   interval=0.2, what="the browser to land on the job page")
        return re.search(UUID, url).group(0)

    def test_execute_form_in_browser(self):
        wd = self.driver()
        job_id = self.submit_form(wd)
        job = self.s.job(job_id)
        self.assertEqual(job["mode"], "async")
        self.assertEqual(job["request"]["inputs"]["text"], "hello from a browser & <friends>")
        self.assertEqual(job["request"]["inputs"]["pause"], 1)
        # The page refreshes itself: poll the DOM the browser shows, never reload by hand.
        dom = poll(lambda: (d := wd.dom()).find(id="status") and "successful" in d.find(id="status").text and d,
                   timeout=90, interval=0.5, what="the job page to show successful")
        self.assertEqual(dom.find_all("meta", **{"http-equiv": "refresh"}), [])
        self.assertEqual(dom.find("progress", id="progress").attrs["value"], "100")
        self.shoot("job-successful")
        wd.click(wd.find("#results-link"))
        poll(lambda: wd.url().endswith(f"/jobs/{job_id}/results?f=html"), timeout=30, interval=0.2,
             what="the results page")
        rows = {r.find("code").text: r for r in wd.dom().find("table", id="results").find_all("tr")[1:]}
        self.assertEqual(rows["text"].find("pre").text, '"hello from a browser & <friends>"')
        self.assertEqual(rows["pause"].find("pre").text, "1")
        logs = self.page(f"/jobs/{job_id}/logs?f=html")
        self.assertIsNotNone(logs.find("pre", id="logs"))
        self.assertEqual(logs.find_all("meta", **{"http-equiv": "refresh"}), [])

    def test_running_job_page(self):
        r = self.s.post("/processes/progress/execution", {"inputs": {"steps": 20, "delay": 1}},
                        headers={"Prefer": "respond-async"})
        self.assertEqual(r.status_code, 201, r.text)
        job_id = r.json()["jobID"]
        poll(lambda: (j := self.s.job(job_id)) and j["status"] == "running" and (j["progress"] or 0) >= 10,
             timeout=60, interval=0.2, what="the job to report progress")
        dom = self.page(f"/jobs/{job_id}?f=html")
        self.assertIn("running", dom.find(id="status").text)
        self.assertEqual(dom.find("meta", **{"http-equiv": "refresh"}).attrs["content"], "2")
        self.assertGreaterEqual(int(dom.find("progress", id="progress").attrs["value"]), 10)
        self.assertIn("step", dom.find(id="message").text)
        self.assertIsNone(dom.find("a", id="results-link"))
        self.assertIn("starting 20 steps", dom.find("pre", id="logs").text)
        self.assertEqual(self.alternate(dom)["jobID"], job_id)
        self.shoot("job-running", f"/jobs/{job_id}?f=html")
        self.s.delete(f"/jobs/{job_id}")
        self.s.wait_status(job_id, "dismissed", timeout=60)

    def run_async(self, pid, inputs):
        r = self.s.post(f"/processes/{pid}/execution", {"inputs": inputs}, headers={"Prefer": "respond-async"})
        self.assertEqual(r.status_code, 201, r.text)
        return r.json()["jobID"]

    def test_failed_job_and_file_results(self):
        failed = self.run_async("fail", {})
        files = self.run_async("files", {"lines": 2})
        self.s.wait_status(failed, timeout=60)
        self.s.wait_status(files, timeout=60)
        # The server's markup parsed as is: these pages need no script, so no browser either.
        dom = Dom(self.s.get(f"/jobs/{failed}?f=html").text)
        self.assertIn("failed", dom.find(id="status").text)
        self.assertTrue(dom.find(id="message").text.strip())
        self.assertIsNone(dom.find("a", id="results-link"))
        self.assertEqual(dom.find_all("meta", **{"http-equiv": "refresh"}), [])
        dom = Dom(self.s.get(f"/jobs/{files}/results?f=html").text)
        links = {a.attrs["href"]: a for a in dom.find("table", id="results").find_all("a", class_="output")}
        self.assertEqual({h.rsplit("/", 1)[1] for h in links}, {"report", "table"})
        for href in links:
            r = self.s.get(href.replace(self.s.url, ""))
            self.assertEqual(r.status_code, 200, href)
            self.assertTrue(r.content)

    def test_job_list_filters_and_paging(self):
        ids = []
        for i in range(3):
            r = self.s.post("/processes/echo/execution", {"inputs": {"text": f"n{i}"}},
                            headers={"Prefer": "respond-async"})
            ids.append(r.json()["jobID"])
        for i in ids:
            self.s.wait_status(i, timeout=60)
        dom = self.page("/jobs?f=html&processID=echo&status=successful&limit=2")
        form = dom.find("form", id="job-filter")
        self.assertEqual(form.find("option", selected="").text, "successful")
        self.assertEqual(form.find("input", name="processID").attrs["value"], "echo")
        rows = dom.find("table", id="jobs").find_all("tr")[1:]
        self.assertEqual(len(rows), 2)
        for row in rows:
            self.assertIn("successful", row.text)
            self.assertIn("echo", row.text)
        nxt = dom.find("a", rel="next").attrs["href"]
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(nxt).query)
        self.assertEqual((q["processID"], q["status"], q["f"]), (["echo"], ["successful"], ["html"]))
        page2 = self.page(nxt.replace(self.s.url, ""))
        self.assertTrue(page2.find("table", id="jobs").find_all("a", class_="job"))
        # The filter form as a browser submits it: an empty status means any.
        anyst = self.page("/jobs?f=html&status=&processID=progress")
        for row in anyst.find("table", id="jobs").find_all("tr")[1:]:
            self.assertIn("progress", row.text)
        self.assertEqual(len(self.alternate(dom)["jobs"]), 2)
        self.shoot("jobs", "/jobs?f=html")


class FormPostTest(unittest.TestCase):
    """The form's POST as a browser sends it, at the HTTP level (no browser needed)."""

    @classmethod
    def setUpClass(cls):
        cls.s = Stack("html-form")
        insert_process(cls.s.db, dict(echo_description("typed", title="Typed"), inputs=TYPED_INPUTS,
                                      outputs={}))

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def post(self, body, pid="typed", origin=None):
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
        if origin:
            headers["Origin"] = origin
        return self.s.post(f"/processes/{pid}/execution", body, headers=headers, allow_redirects=False)

    def test_typed_values_make_an_async_job(self):
        r = self.post("colour=blue&count=+3+&flag=false&ratio=2.5e-1&tags=%5B%22a%22%2C%22b+c%22%5D",
                      origin=self.s.url)
        self.assertEqual(r.status_code, 303, r.text)
        m = re.fullmatch(f"{re.escape(self.s.url)}/jobs/({UUID})\\?f=html", r.headers["Location"])
        self.assertIsNotNone(m, r.headers["Location"])
        job = self.s.job(m.group(1))
        self.assertEqual(job["mode"], "async")
        self.assertEqual(job["request"]["inputs"],
                         {"colour": "blue", "count": 3, "flag": False, "ratio": 0.25, "tags": ["a", "b c"]})

    def test_empty_fields_are_left_out(self):
        r = self.post("colour=&count=2&flag=&ratio=&tags=")
        self.assertEqual(r.status_code, 303, r.text)
        inputs = self.s.job(re.search(UUID, r.headers["Location"]).group(0))["request"]["inputs"]
        self.assertEqual(inputs["count"], 2)
        self.assertNotIn("flag", inputs)
        self.assertNotIn("tags", inputs)
        self.assertIn(inputs.get("colour"), (None, "green"))  # the default, never ""

    def jobs(self):
        return self.s.db.value("SELECT count(*) FROM quern.jobs")

    def test_bad_forms_are_400_with_the_reason(self):
        before = self.jobs()
        cases = [
            ("count=x", "is not an integer"),
            ("count=2&count=3", "given twice"),
            ("count=2&nope=1", "unknown input 'nope'"),
            ("count=2&flag=yes", "not true or false"),
            ("count=2&ratio=0x10", "not a number"),
            ("count=2&tags=%5B", "not JSON"),
            ("count=%zz", "badly encoded"),
            ("count=2&colour=purple", "colour"),  # the same validation as JSON
            ("count=12", "count"),
            ("flag=true", "count"),  # required input missing
            ("&".join(f"count={i}" for i in range(300)), "more than 256 fields"),
        ]
        for body, why in cases:
            with self.subTest(body=body[:40]):
                r = self.post(body)
                self.assertEqual(r.status_code, 400, r.text)
                self.assertIn(why, r.json()["detail"])
        self.assertEqual(self.jobs(), before)

    def test_another_sites_form_is_refused(self):
        before = self.jobs()
        r = self.post("count=2", origin="http://evil.example")
        self.assertEqual(r.status_code, 403, r.text)
        self.assertIn("another site", r.json()["detail"])
        self.assertEqual(self.jobs(), before)

    def test_json_execute_unchanged(self):
        r = self.s.post("/processes/typed/execution", {"inputs": {"count": 2}},
                        headers={"Prefer": "respond-async"})
        self.assertEqual(r.status_code, 201, r.text)
