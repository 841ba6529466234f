# SPDX-License-Identifier: MIT
"""The real plugins/echo (synced by the registry) driven with the requests OGC's
conformance suite sends, as read from its code: strings get "teststring", the
bounding box an EPSG URN or CRS84, the first object input {"value": ...}, the
array test only the array, the wrong-input test an object where a media-typed
string belongs, the invalid-request test an unknown member. Jobs are completed by
FakeRunner (an echo) until the runner lands on main."""
import email
import unittest
import uuid

from api_support import ApiStack, FakeRunner, OgcSchemas, OGC_EXC, links_by_rel

TS = "teststring"
EPSG = {"crs": "urn:ogc:def:crs:EPSG:6.6:4326", "bbox": [345345345, 345345345, 345345345, 345345345]}


class EchoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = ApiStack("api_echo", real_plugins=True)
        cls.schemas = OgcSchemas()
        r = cls.s.get("/processes/echo")
        assert r.status_code == 200, r.text
        cls.desc = r.json()
        cls.runner = FakeRunner(cls.s.db, processes=("echo",))

    @classmethod
    def tearDownClass(cls):
        cls.runner.stop()
        cls.s.stop()

    def suite_inputs(self):
        """The suite's default inputs: every string-typed input "teststring", bboxes filled."""
        inputs = {}
        for iid, d in self.desc["inputs"].items():
            schema = d["schema"]
            types = {schema.get("type")} | {b.get("type") for b in schema.get("oneOf", [])}
            types |= {schema.get("items", {}).get("type")}
            if "bbox" in schema.get("properties", {}):
                inputs[iid] = EPSG
            elif "string" in types:
                inputs[iid] = TS
        return inputs

    def execute(self, body, prefer=None):
        headers = {"Accept": "application/json"}
        if prefer:
            headers["Prefer"] = prefer
        return self.s.post("/processes/echo/execution", body, headers=headers)

    def test_description(self):
        self.schemas.validate("process", self.desc)
        self.assertIn("sync-execute", self.desc["jobControlOptions"])
        self.assertIn("async-execute", self.desc["jobControlOptions"])

    def test_default_request_is_sync_multipart(self):
        outputs = {o: {"transmissionMode": "value"} for o in self.desc["outputs"]}
        r = self.execute({"inputs": self.suite_inputs(), "outputs": outputs})
        self.assertEqual(r.status_code, 200, r.text[:300])
        self.assertTrue(r.headers["Content-Type"].startswith("multipart/related"))
        self.assertIn("rel=monitor", r.headers["Link"])
        msg = email.message_from_bytes(b"Content-Type: " + r.headers["Content-Type"].encode() + b"\r\n\r\n"
                                       + r.content)
        parts = {p["Content-ID"].strip("<>"): p for p in msg.get_payload()}
        self.assertEqual(parts["text"].get_payload(), TS)
        self.assertIn(TS, parts["labels"].get_payload())

    def test_async_and_status(self):
        r = self.execute({"inputs": self.suite_inputs()}, prefer="respond-async ")
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(r.headers["Preference-Applied"], "respond-async")
        jid = r.json()["jobID"]
        self.s.wait_status(jid)
        doc = self.s.get(r.headers["Location"].replace(self.s.url, "")).json()
        self.schemas.validate("statusInfo", doc)
        results = links_by_rel(doc)["http://www.opengis.net/def/rel/ogc/1.0/results"][0]["href"]
        res = self.s.get(results.replace(self.s.url, "")).json()
        self.schemas.validate("results", res)
        self.assertEqual(res["text"], TS)

    def test_object_input(self):
        r = self.execute({"inputs": dict(self.suite_inputs(), payload={"value": TS})})
        self.assertEqual(r.status_code, 200, r.text[:300])

    def test_array_input_alone(self):
        r = self.execute({"inputs": {"labels": ["test1", "test2", "test3"]}, "outputs": {"labels": {}}})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json(), ["test1", "test2", "test3"])

    def test_bbox_inputs(self):
        for bbox in (EPSG, {"bbox": [51.9, 7, 52, 7.1], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}):
            r = self.execute({"inputs": {"boundingBox": bbox}, "outputs": {"boundingBox": {}}})
            self.assertEqual(r.status_code, 200, r.text)
            self.assertEqual(r.json()["bbox"], bbox["bbox"])

    def test_one_input_raw(self):
        first = next(iter(self.desc["inputs"]))
        r = self.execute({"inputs": {first: TS}, "outputs": {first: {"transmissionMode": "value"}},
                          "response": "raw"})
        self.assertEqual(r.status_code, 200)
        self.assertIn(TS, r.text)

    def test_wrong_input(self):
        inputs = self.suite_inputs()
        for iid, d in self.desc["inputs"].items():
            if "contentMediaType" in d["schema"]:
                inputs[iid] = {"type": f"wrong/type_{uuid.uuid4()}"}
        r = self.execute({"inputs": inputs})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.headers["Content-Type"], "application/json")
        self.schemas.validate("exception", r.json())

    def test_invalid_request(self):
        r = self.execute({"invalid-execute-request": "true)"})
        self.assertEqual(r.status_code, 400)
        self.schemas.validate("exception", r.json())

    def test_results_not_ready(self):
        r = self.execute({"inputs": {"text": TS, "pause": 5}}, prefer="respond-async")
        self.assertEqual(r.status_code, 201)
        jid = r.json()["jobID"]
        self.s.wait_status(jid, "running")
        rr = self.s.get(r.headers["Location"].replace(self.s.url, "") + "/results")
        self.assertEqual(rr.status_code, 404)
        self.assertEqual(rr.json()["type"], OGC_EXC + "result-not-ready")
        self.schemas.validate("exception", rr.json())
        d = self.s.delete(f"/jobs/{jid}")
        self.assertEqual(d.json()["status"], "dismissed")
        self.assertTrue(self.s.job(jid)["dismiss_requested"])

    def test_no_such_job_and_process(self):
        r = self.s.get(f"/processes/invalid-process-{uuid.uuid4()}")
        self.assertEqual(r.json()["type"], OGC_EXC + "no-such-process")
        r = self.s.get(f"/jobs/{uuid.uuid4()}/results")
        self.assertEqual(r.json()["type"], OGC_EXC + "no-such-job")

    def test_every_plugin_description_is_served(self):
        ids = [p["id"] for p in self.s.get("/processes?limit=100").json()["processes"]]
        self.assertIn("echo", ids)
        for pid in ids:
            r = self.s.get(f"/processes/{pid}")
            self.assertEqual(r.status_code, 200)
            self.schemas.validate("process", r.json())
        api = self.s.get("/api").json()
        for pid in ids:
            self.assertIn(f"execute-{pid}", api["components"]["schemas"])


if __name__ == "__main__":
    unittest.main()
