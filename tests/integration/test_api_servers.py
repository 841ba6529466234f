# SPDX-License-Identifier: MIT
"""The shipped web server configurations (apache/*.conf) with the real servers:
Apache 2.4 with mod_proxy_fcgi (quern-api --listen, and under spawn-fcgi), with
mod_fcgid and with mod_cgi, and lighttpd with mod_fastcgi; under a path prefix,
links and Location must carry it. REMOTE_USER from Apache's Basic auth makes
jobs private to their submitter."""
import os
import subprocess
import unittest

import requests

from api_support import FakeRunner, echo_description, insert_process
from harness import API_BIN, TOP, Database, Proc, free_port, poll, workdir, write_config

MODS = "/usr/lib/apache2/modules"
BASE_MODULES = ["mpm_prefork", "authz_core", "authn_core", "authn_file", "auth_basic",
                "authz_user", "alias", "env"]


class Apache:
    """apache2 in the foreground with a generated main config that includes one of
    apache/*.conf; stopped by PID."""

    def __init__(self, dir, snippet, defines, modules=(), extra=""):
        self.dir = dir
        self.port = free_port()
        www = os.path.join(dir, "www")
        os.makedirs(www, exist_ok=True)
        for sub in ("", "www"):
            os.chmod(os.path.join(dir, sub), 0o755)
        loads = "\n".join(f"LoadModule {m}_module {MODS}/mod_{m}.so" for m in BASE_MODULES + list(modules))
        defs = "\n".join(f'Define {k} "{v}"' for k, v in defines.items())
        conf = os.path.join(dir, "httpd.conf")
        with open(conf, "w") as f:
            f.write(f"""
ServerRoot "{dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
PidFile "{dir}/httpd.pid"
ErrorLog "{dir}/error.log"
LogLevel warn
{loads}
User www-data
Group www-data
DocumentRoot "{www}"
DefaultRuntimeDir "{dir}"
Mutex file:{dir} default
{defs}
Include "{os.path.join(TOP, 'apache', snippet)}"
{extra}
""")
        self.proc = Proc(["apache2", "-f", conf, "-DFOREGROUND"], log=os.path.join(dir, "apache.out"))
        self.url = f"http://127.0.0.1:{self.port}"
        poll(self._up, timeout=20, what="apache to start")

    def _up(self):
        if not self.proc.alive():
            raise AssertionError("apache exited:\n" + self.proc.log() + self.error_log())
        try:
            requests.get(self.url + "/", timeout=0.5)
            return True
        except requests.RequestException:
            return False

    def error_log(self):
        p = os.path.join(self.dir, "error.log")
        return open(p, errors="replace").read() if os.path.exists(p) else ""

    def stop(self):
        self.proc.stop()


def wait_port(port, proc):
    import socket

    def up():
        if not proc.alive():
            raise AssertionError("FastCGI process exited:\n" + proc.log())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False
    poll(up, timeout=15, what=f"a listener on port {port}")


class ServersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("api_servers")
        insert_process(cls.db, echo_description())
        cls.dir = workdir("api_servers")
        cls.config = write_config(os.path.join(cls.dir, "quern.yaml"),
                                  {"database": {"url": cls.db.dsn}, "api": {"sync_timeout": 10}})
        os.chmod(cls.config, 0o644)

    @classmethod
    def tearDownClass(cls):
        cls.db.close()

    def exercise(self, base, prefix, auth=None):
        """The same walk through the API for every deployment."""
        kw = {"timeout": 30}
        if auth:
            kw["auth"] = auth
        r = requests.get(base + prefix + "/", **kw)
        self.assertEqual(r.status_code, 200, r.text[:500])
        self_link = [l for l in r.json()["links"] if l["rel"] == "self"][0]["href"]
        self.assertEqual(self_link, base + prefix + "/")
        r = requests.get(base + prefix + "/processes/echo", **kw)
        self.assertEqual(r.status_code, 200, r.text[:500])
        self.assertEqual(r.json()["links"][0]["href"], base + prefix + "/processes/echo")
        r = requests.get(base + prefix + "/processes?limit=1", **kw)
        self.assertEqual([p["id"] for p in r.json()["processes"]], ["echo"])
        r = requests.post(base + prefix + "/processes/echo/execution",
                          json={"inputs": {"stringInput": "Value1"}}, headers={"Prefer": "respond-async"}, **kw)
        self.assertEqual(r.status_code, 201, r.text[:500])
        self.assertEqual(r.headers["Location"], base + prefix + "/jobs/" + r.json()["jobID"])
        jid = r.json()["jobID"]
        self.assertEqual(requests.get(r.headers["Location"], **kw).json()["status"], "accepted")
        runner = FakeRunner(self.db, processes=("echo",))
        try:
            r = requests.post(base + prefix + "/processes/echo/execution",
                              json={"inputs": {"stringInput": "Value2"}, "response": "document"}, **kw)
            self.assertEqual(r.status_code, 200, r.text[:500])
            self.assertEqual(r.json()["stringInput"], "Value2")
            self.assertIn(f'<{base}{prefix}/jobs/', r.headers["Link"])
        finally:
            runner.stop()
        r = requests.get(base + prefix + "/nowhere", **kw)
        self.assertEqual(r.status_code, 404)
        self.assertEqual(r.headers["Content-Type"], "application/json")
        r = requests.delete(base + prefix + "/processes", **kw)
        self.assertEqual(r.status_code, 405)
        return jid

    def test_apache_proxy_fcgi_listen(self):
        d = workdir("api_servers_proxy")
        fport = free_port()
        api = Proc([API_BIN, "-c", self.config, "--listen", f"127.0.0.1:{fport}"],
                   log=os.path.join(d, "api.log"))
        wait_port(fport, api)
        web = Apache(d, "quern-proxy-fcgi.conf", {"QUERN_PREFIX": "/ogc", "QUERN_FCGI_ADDR": f"127.0.0.1:{fport}"},
                     modules=["proxy", "proxy_fcgi"])
        try:
            self.exercise(web.url, "/ogc")
        finally:
            web.stop()
            api.stop()

    def test_apache_proxy_fcgi_spawn_fcgi_and_remote_user(self):
        d = workdir("api_servers_spawn")
        fport = free_port()
        env = dict(os.environ, QUERN_CONFIG=self.config)
        api = Proc(["spawn-fcgi", "-n", "-a", "127.0.0.1", "-p", str(fport), "--", API_BIN], env=env,
                   log=os.path.join(d, "api.log"))
        wait_port(fport, api)
        htpasswd = os.path.join(d, "htpasswd")
        subprocess.run(["htpasswd", "-cbB", htpasswd, "alice", "a-secret"], check=True, capture_output=True)
        subprocess.run(["htpasswd", "-bB", htpasswd, "bob", "b-secret"], check=True, capture_output=True)
        os.chmod(htpasswd, 0o644)
        auth = f"""
<Location "/ogc">
    AuthType Basic
    AuthName quern
    AuthUserFile "{htpasswd}"
    Require valid-user
</Location>"""
        web = Apache(d, "quern-proxy-fcgi.conf", {"QUERN_PREFIX": "/ogc", "QUERN_FCGI_ADDR": f"127.0.0.1:{fport}"},
                     modules=["proxy", "proxy_fcgi"], extra=auth)
        try:
            self.assertEqual(requests.get(web.url + "/ogc/", timeout=10).status_code, 401)
            jid = self.exercise(web.url, "/ogc", auth=("alice", "a-secret"))
            self.assertEqual(self.db.value("SELECT submitter FROM quern.jobs WHERE id=%s", (jid,)), "alice")
            a = requests.get(f"{web.url}/ogc/jobs/{jid}", auth=("alice", "a-secret"), timeout=10)
            self.assertEqual(a.status_code, 200)
            b = requests.get(f"{web.url}/ogc/jobs/{jid}", auth=("bob", "b-secret"), timeout=10)
            self.assertEqual(b.status_code, 404)
            lst = requests.get(f"{web.url}/ogc/jobs", auth=("bob", "b-secret"), timeout=10).json()
            self.assertNotIn(jid, [j["jobID"] for j in lst["jobs"]])
            self.assertEqual(requests.delete(f"{web.url}/ogc/jobs/{jid}", auth=("bob", "b-secret"),
                                             timeout=10).status_code, 404)
            self.assertEqual(requests.delete(f"{web.url}/ogc/jobs/{jid}", auth=("alice", "a-secret"),
                                             timeout=10).status_code, 200)
        finally:
            web.stop()
            api.stop()

    def test_apache_fcgid(self):
        d = workdir("api_servers_fcgid")
        web = Apache(d, "quern-fcgid.conf", {"QUERN_PREFIX": "/ogc", "QUERN_API_BIN": API_BIN,
                                             "QUERN_CONFIG": self.config}, modules=["fcgid"],
                     extra=f'FcgidIPCDir "{d}/fcgid"\nFcgidProcessTableFile "{d}/fcgid_shm"')
        try:
            self.exercise(web.url, "/ogc")
        finally:
            web.stop()

    def test_apache_cgi(self):
        d = workdir("api_servers_cgi")
        web = Apache(d, "quern-cgi.conf", {"QUERN_PREFIX": "/ogc", "QUERN_API_BIN": API_BIN,
                                           "QUERN_CONFIG": self.config}, modules=["cgi"])
        try:
            self.exercise(web.url, "/ogc")
        finally:
            web.stop()

    def test_lighttpd_snippet(self):
        d = workdir("api_servers_lighttpd")
        port = free_port()
        conf = os.path.join(d, "lighttpd.conf")
        with open(conf, "w") as f:
            f.write(f"""
server.bind = "127.0.0.1"
server.port = {port}
server.document-root = "{d}"
server.pid-file = "{d}/lighttpd.pid"
server.errorlog = "{d}/error.log"
var.quern_api_bin = "{API_BIN}"
var.quern_config = "{self.config}"
var.quern_socket = "{d}/api.sock"
include "{os.path.join(TOP, 'apache', 'lighttpd-quern.conf')}"
""")
        web = Proc(["lighttpd", "-D", "-f", conf], log=os.path.join(d, "lighttpd.out"))
        url = f"http://127.0.0.1:{port}"

        def up():
            try:
                return requests.get(url + "/", timeout=0.5).status_code == 200
            except requests.RequestException:
                return False
        try:
            poll(up, timeout=15, what="lighttpd")
            self.exercise(url, "")
        finally:
            web.stop()


if __name__ == "__main__":
    unittest.main()
