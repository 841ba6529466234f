# SPDX-License-Identifier: MIT
"""Headless Chromium for the HTML tests (test_html.py).

dump_dom(url) runs `chromium --headless --dump-dom` once and returns the
DOM after load (time-bounded; the process group it started is killed on
timeout). WebDriver drives one Chromium through chromedriver over plain
HTTP+JSON (urllib): navigate, find by CSS, type, click, screenshot. Dom
parses markup with html.parser into a small tree queried by tag, id, class
and attribute, so assertions are on the rendered DOM, not on regexes.
"""
import base64
import json
import os
import signal
import subprocess
import urllib.error
import urllib.request
from html.parser import HTMLParser

from harness import Proc, free_port, poll

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C WebDriver element key


def available():
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def dump_dom(url, profile, timeout=60):
    """The DOM of url after load, as serialised by Chromium."""
    argv = [CHROMIUM] + FLAGS + [f"--user-data-dir={profile}", "--dump-dom", url]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(p.pid)
        p.wait(10)
        raise AssertionError(f"chromium --dump-dom {url} took longer than {timeout} s")
    finally:
        _kill_group(p.pid)  # a renderer left behind
    if p.returncode != 0:
        raise AssertionError(f"chromium --dump-dom {url} exited {p.returncode}")
    return out.decode("utf-8", "replace")


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []  # Node or str

    @property
    def text(self):
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, tag=None, **attrs):
        """Descendants with that tag and attributes (class_ matches one of the classes)."""
        out = []
        for n in self.walk():
            if tag is not None and n.tag != tag:
                continue
            ok = True
            for k, v in attrs.items():
                if k == "class_":
                    ok = ok and v in n.attrs.get("class", "").split()
                else:
                    ok = ok and n.attrs.get(k.rstrip("_")) == v
            if ok:
                out.append(n)
        return out

    def find(self, tag=None, **attrs):
        found = self.find_all(tag, **attrs)
        return found[0] if found else None


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Dom(HTMLParser, Node):
    def __init__(self, markup):
        HTMLParser.__init__(self, convert_charrefs=True)
        Node.__init__(self, "#document", {}, None)
        self.cur = self
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self and n.tag != tag:
            n = n.parent
        if n is not self:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


class WebDriver:
    """One headless Chromium driven through chromedriver (W3C WebDriver over HTTP)."""

    def __init__(self, workdir, width=1200, height=900):
        port = free_port()
        self.proc = Proc([CHROMEDRIVER, f"--port={port}"], log=os.path.join(workdir, "chromedriver.log"))
        self.base = f"http://127.0.0.1:{port}"
        poll(self._ready, timeout=30, interval=0.2, what="chromedriver to answer")
        args = FLAGS + [f"--user-data-dir={os.path.join(workdir, 'profile-webdriver')}",
                        f"--window-size={width},{height}", "--hide-scrollbars"]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "pageLoadStrategy": "normal",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}}
        self.session = self._call("POST", "/session", caps, timeout=90)["sessionId"]
        self._call("POST", self._s("/timeouts"), {"pageLoad": 60000, "script": 30000, "implicit": 0})

    def _ready(self):
        try:
            return self._call("GET", "/status", timeout=2).get("ready")
        except (OSError, urllib.error.URLError):
            return False

    def _s(self, path):
        return f"/session/{self.session}{path}"

    def _call(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())["value"]
        except urllib.error.HTTPError as e:
            raise AssertionError(f"webdriver {method} {path}: {e.code} {e.read()[:500]!r}")

    def get(self, url):
        self._call("POST", self._s("/url"), {"url": url})

    def url(self):
        return self._call("GET", self._s("/url"))

    def source(self):
        return self._call("GET", self._s("/source"))

    def dom(self):
        return Dom(self.source())

    def find(self, css):
        return self._call("POST", self._s("/element"), {"using": "css selector", "value": css})[ELEMENT]

    def clear(self, el):
        self._call("POST", self._s(f"/element/{el}/clear"), {})

    def type(self, el, text):
        self._call("POST", self._s(f"/element/{el}/value"), {"text": text})

    def click(self, el):
        self._call("POST", self._s(f"/element/{el}/click"), {})

    def screenshot(self, path):
        png = base64.b64decode(self._call("GET", self._s("/screenshot")))
        with open(path, "wb") as f:
            f.write(png)
        return path

    def quit(self):
        try:
            self._call("DELETE", self._s(""), timeout=30)
        except (AssertionError, OSError):
            pass
        pid = self.proc.pid
        self.proc.stop()
        _kill_group(pid)
