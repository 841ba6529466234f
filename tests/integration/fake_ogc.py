# SPDX-License-Identifier: MIT
"""A stand-in OGC API - Processes server for the quern client's tests.

The client's tests run against the real stack (quern-api behind lighttpd,
with quern-runner); this stand-in only produces what the real server cannot
be made to: a 500 with a non-JSON body, a redirect, a hostile
Content-Disposition name, result links on another origin, more than one page
of processes, a job that never ends. It runs http.server on 127.0.0.1 on an
ephemeral port, in a thread of the test process, and serves:

  GET    /processes                  three processes (echo, progress, files), paged by 2
  GET    /processes/{id}             descriptions with typed input schemas
  POST   /processes/{id}/execution   sync: 200 results document, or for message=fail a 500
                                     exception with Link rel="monitor"; Prefer: respond-async: 201
                                     statusInfo + Location; inputs checked against a few rules
  GET    /jobs[?status&processID&limit]    job list
  GET    /jobs/{id}                  statusInfo; each poll advances a job by 25 %
  GET    /jobs/{id}/results          results document (links for files), exception when failed
  GET    /jobs/{id}/results/{out}    the file, with a hostile Content-Disposition name
  GET    /files/{out}                the same files, for links to another origin (file_base=URL)
  GET    /jobs/{id}/logs?since=N     {jobID, processID, status, logs: [{seq, at, stream, line}]}
  DELETE /jobs/{id}                  dismiss

Faults: fault="text500" answers every request with a 500 text/plain body,
fault="redirect" with a 301 to another URL.
Every request is recorded in .requests (method, path, headers, body) for
the tests to assert on.
"""
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

EXC = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"

PROCESSES = {
    "echo": {
        "id": "echo", "title": "Echo", "version": "1.0.0",
        "description": "Returns its inputs.",
        "jobControlOptions": ["sync-execute", "async-execute", "dismiss"],
        "outputTransmission": ["value", "reference"],
        "inputs": {
            "message": {"title": "The message", "schema": {"type": "string"}},
            "count": {"title": "How many", "schema": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
                      "minOccurs": 0},
            "ratio": {"schema": {"type": "number"}, "minOccurs": 0},
            "loud": {"schema": {"type": "boolean"}, "minOccurs": 0},
            "tags": {"schema": {"type": "array", "items": {"type": "string"}}, "minOccurs": 0},
            "bbox": {"schema": {"type": "array", "items": {"type": "number"}}, "minOccurs": 0},
            "options": {"schema": {"type": "object"}, "minOccurs": 0},
            "mode": {"schema": {"type": "string", "enum": ["fast", "slow"]}, "minOccurs": 0},
            "blob": {"schema": {"type": "string", "format": "binary", "contentMediaType": "image/png"},
                     "minOccurs": 0},
            "level": {"schema": {"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["max"]}]},
                      "minOccurs": 0},
            "names": {"schema": {"type": "string"}, "minOccurs": 0, "maxOccurs": "unbounded"},
        },
        "outputs": {"echo": {"title": "The inputs", "schema": {"type": "object"}}},
    },
    "progress": {
        "id": "progress", "title": "Progress", "version": "1.0.0",
        "description": "Counts to 100 in steps of 25.",
        "jobControlOptions": ["async-execute", "dismiss"],
        "inputs": {"steps": {"schema": {"type": "integer", "default": 4}, "minOccurs": 0}},
        "outputs": {"done": {"schema": {"type": "boolean"}}},
    },
    "files": {
        "id": "files", "title": "Files", "version": "1.0.0",
        "description": "Writes two files.",
        "jobControlOptions": ["async-execute", "dismiss"],
        "inputs": {},
        "outputs": {"image": {"schema": {"type": "string", "format": "binary", "contentMediaType": "image/png"}},
                    "report": {"schema": {"type": "string", "contentMediaType": "text/plain"}}},
    },
}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def parts_of(path):
    return [p for p in path.split("/") if p]


class Job:
    def __init__(self, process_id, inputs, fail=False):
        self.id = str(uuid.uuid4())
        self.process_id = process_id
        self.inputs = inputs
        self.status = "accepted"
        self.progress = None
        self.message = None
        self.fail = fail
        self.logs = []

    def advance(self):
        if self.status == "accepted":
            self.status, self.progress, self.message = "running", 0, "starting"
        elif self.status == "running":
            self.progress += 25
            self.message = f"step {self.progress // 25}"
            self.logs.append(("stdout", f"line {len(self.logs) + 1}"))
            if self.progress == 50:
                self.logs.append(("stderr", "halfway"))
            if self.progress >= 100:
                self.status = "failed" if self.fail else "successful"
                self.message = "boom: step 4 broke" if self.fail else "done"
                self.progress = 100

    def info(self, base):
        d = {"jobID": self.id, "processID": self.process_id, "type": "process", "status": self.status,
             "created": "2026-11-22T14:00:00.000000Z", "updated": "2026-11-22T14:00:01.000000Z",
             "links": [{"href": f"{base}/jobs/{self.id}", "rel": "self"}]}
        if self.progress is not None:
            d["progress"] = self.progress
        if self.message is not None:
            d["message"] = self.message
        return d


class FakeOGC:
    def __init__(self, fault=None, token=None, file_base=None):
        self.fault = fault
        self.token = token
        self.file_base = file_base  # another server's URL: result links point there
        self.requests = []
        self.jobs = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are separate writes

            def log_message(self, *a):
                pass

            def do_GET(self):
                fake.handle(self, "GET")

            def do_POST(self):
                fake.handle(self, "POST")

            def do_DELETE(self):
                fake.handle(self, "DELETE")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- answers --------------------------------------------------------

    @staticmethod
    def send(h, status, body, ctype="application/json", headers=None):
        data = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def exc(self, h, status, kind, title, detail):
        self.send(h, status, {"type": EXC + kind, "title": title, "status": status, "detail": detail},
                  "application/problem+json")

    def handle(self, h, method):
        n = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(n) if n else b""
        u = urlsplit(h.path)
        q = parse_qs(u.query)
        with self.lock:
            self.requests.append({"method": method, "path": u.path, "query": q,
                                  "headers": dict(h.headers), "body": body})
        if self.fault == "redirect":
            h.send_response(301)
            h.send_header("Location", "https://elsewhere.example/quern" + h.path)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return None
        if self.fault == "text500":
            return self.send(h, 500, "Internal Server Error\nstack trace here\n", "text/plain")
        if self.token and h.headers.get("Authorization") != f"Bearer {self.token}" and parts_of(u.path)[:1] != ["files"]:
            return self.exc(h, 401, "unauthorized", "Unauthorized", "a valid token is needed")
        parts = [p for p in u.path.split("/") if p]
        base = self.url
        with self.lock:
            return self.route(h, method, parts, q, body, base)

    def route(self, h, method, parts, q, body, base):
        if parts == ["processes"] and method == "GET":
            return self.process_list(h, q, base)
        if len(parts) == 2 and parts[0] == "processes" and method == "GET":
            p = PROCESSES.get(parts[1])
            if p is None:
                return self.exc(h, 404, "no-such-process", "Process not found", f"no process '{parts[1]}'")
            return self.send(h, 200, p)
        if len(parts) == 3 and parts[0] == "processes" and parts[2] == "execution" and method == "POST":
            return self.execute(h, parts[1], body, base)
        if len(parts) == 2 and parts[0] == "files" and method == "GET":
            return self.job_route(h, method, None, ["results", parts[1]], q, base)
        if parts == ["jobs"] and method == "GET":
            return self.job_list(h, q, base)
        if len(parts) >= 2 and parts[0] == "jobs":
            job = self.jobs.get(parts[1])
            if job is None:
                return self.exc(h, 404, "no-such-job", "Job not found", f"no job '{parts[1]}'")
            return self.job_route(h, method, job, parts[2:], q, base)
        return self.exc(h, 404, "not-found", "Not found", h.path)

    def process_list(self, h, q, base):
        ids = sorted(PROCESSES)
        start = int(q.get("offset", ["0"])[0])
        page = ids[start:start + 2]
        links = []
        if start + 2 < len(ids):
            links.append({"href": f"{base}/processes?offset={start + 2}", "rel": "next"})
        procs = [{k: PROCESSES[i][k] for k in ("id", "title", "version", "jobControlOptions")} for i in page]
        return self.send(h, 200, {"processes": procs, "links": links})

    def execute(self, h, pid, body, base):
        p = PROCESSES.get(pid)
        if p is None:
            return self.exc(h, 404, "no-such-process", "Process not found", f"no process '{pid}'")
        try:
            req = json.loads(body)
        except ValueError:
            return self.exc(h, 400, "invalid-parameter-value", "Bad request", "body is not JSON")
        inputs = req.get("inputs", {})
        if pid == "echo" and "message" not in inputs:
            return self.exc(h, 400, "invalid-parameter-value", "Invalid input", "input 'message' is required")
        fail = inputs.get("message") == "fail"
        if "respond-async" not in (h.headers.get("Prefer") or ""):
            if fail:  # the job ran and failed: its exception, and the job as rel="monitor"
                job = Job(pid, inputs, fail=True)
                job.status, job.progress, job.message = "failed", 100, "the process said no"
                self.jobs[job.id] = job
                return self.send(h, 500, {"type": EXC + "job-failed", "title": "Job failed", "status": 500,
                                          "detail": "the process said no"}, "application/problem+json",
                                 {"Link": f'<{base}/jobs/{job.id}>; rel="monitor"'})
            return self.send(h, 200, {"echo": inputs})
        job = Job(pid, inputs, fail=fail)
        self.jobs[job.id] = job
        return self.send(h, 201, job.info(base), headers={"Location": f"{base}/jobs/{job.id}"})

    def job_list(self, h, q, base):
        jobs = list(self.jobs.values())
        if "status" in q:
            jobs = [j for j in jobs if j.status in q["status"]]
        if "processID" in q:
            jobs = [j for j in jobs if j.process_id in q["processID"]]
        if "limit" in q:
            jobs = jobs[:int(q["limit"][0])]
        return self.send(h, 200, {"jobs": [j.info(base) for j in jobs], "links": []})

    def job_route(self, h, method, job, rest, q, base):
        if method == "DELETE" and not rest:
            job.status, job.message = "dismissed", "dismissed by the user"
            return self.send(h, 200, job.info(base))
        if not rest:
            job.advance()
            return self.send(h, 200, job.info(base))
        if rest == ["logs"]:
            since = int(q.get("since", ["0"])[0])
            job.advance()
            logs = [{"seq": i + 1, "at": "2026-11-22T14:00:00Z", "stream": s, "line": line}
                    for i, (s, line) in enumerate(job.logs) if i + 1 > since]
            return self.send(h, 200, {"jobID": job.id, "processID": job.process_id, "status": job.status,
                                      "logs": logs})
        if rest == ["results"]:
            return self.results(h, job, base)
        if len(rest) == 2 and rest[0] == "results":
            if rest[1] == "image":
                return self.send(h, 200, PNG, "image/png",
                                 {"Content-Disposition": 'attachment; filename="../../evil/plot.png"'})
            if rest[1] == "report":
                return self.send(h, 200, b"all good\n", "text/plain")
        return self.exc(h, 404, "not-found", "Not found", h.path)

    def results(self, h, job, base):
        if job.status == "failed":
            return self.exc(h, 500, "job-failed", "Job failed", job.message.split(": ", 1)[-1])
        if job.status != "successful":
            return self.exc(h, 404, "result-not-ready", "Results not ready", f"job is {job.status}")
        if job.process_id == "files":
            fb = f"{self.file_base}/files" if self.file_base else f"{base}/jobs/{job.id}/results"
            return self.send(h, 200, {
                "image": {"href": f"{fb}/image", "type": "image/png"},
                "report": {"href": f"{fb}/report", "type": "text/plain"}})
        if job.process_id == "progress":
            return self.send(h, 200, {"done": True})
        return self.send(h, 200, {"echo": job.inputs})


if __name__ == "__main__":
    import time
    f = FakeOGC()
    print(f.url, flush=True)
    while True:
        time.sleep(3600)
