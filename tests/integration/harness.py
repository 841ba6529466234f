# SPDX-License-Identifier: MIT
"""The integration harness: real PostgreSQL, real lighttpd + quern-api, real
quern-runner, each started here and stopped by PID.

./dev test starts one throwaway PostgreSQL cluster per run and exports
QUERN_TEST_PGHOST (its socket directory); each test class makes its own
database with Database(name). Stack(name) bundles a database, a config
file, lighttpd serving quern-api on a free loopback port and, on request,
runners. Everything a test starts is registered and stopped at exit even
when the test fails.

Waiting is always poll-with-deadline (poll()), never a bare sleep.
"""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import time

import psycopg2
import psycopg2.extras
import requests
import yaml

BUILD = os.environ.get("QUERN_BUILD", os.path.join(os.path.dirname(__file__), "../../build-test"))
TOP = os.environ.get("QUERN_TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
OUT = os.environ.get("QUERN_TEST_OUT", "/tmp/quern-test-out")
PGHOST = os.environ.get("QUERN_TEST_PGHOST", "")

API_BIN = os.path.join(BUILD, "cgi/quern-api")
RUNNER_BIN = os.path.join(BUILD, "runner/quern-runner")
ADMIN_BIN = os.path.join(BUILD, "admin/quern-admin")
CLIENT_BIN = os.path.join(BUILD, "client/quern")
PLUGINS = os.path.join(TOP, "plugins")

# ./dev test --valgrind: every quern program the tests start runs under memcheck, through
# wrappers that replace the paths above (one log per process in QUERN_VALGRIND_LOGS).
VALGRIND_LOGS = os.environ.get("QUERN_VALGRIND_LOGS", "")


def _valgrind_wrappers():
    global API_BIN, RUNNER_BIN, ADMIN_BIN, CLIENT_BIN
    d = os.path.join(VALGRIND_LOGS, "bin")
    os.makedirs(d, exist_ok=True)
    # Apache runs CGI and fcgid programs as its own user with a minimal PATH: the log
    # directory must be writable for it, and valgrind named by its full path.
    os.chmod(VALGRIND_LOGS, 0o1777)
    valgrind = shutil.which("valgrind") or "/usr/bin/valgrind"
    opts = ["--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite", "--child-silent-after-fork=yes", "--num-callers=30",
            f"--suppressions={TOP}/tests/valgrind.supp", f"--log-file={VALGRIND_LOGS}/%p.log"]
    paths = []
    for real in (API_BIN, RUNNER_BIN, ADMIN_BIN, CLIENT_BIN):
        w = os.path.join(d, os.path.basename(real))
        with open(w, "w") as f:
            f.write(f"#!/bin/sh\nexec {valgrind} {' '.join(opts)} {real} \"$@\"\n")
        os.chmod(w, 0o755)
        paths.append(w)
    API_BIN, RUNNER_BIN, ADMIN_BIN, CLIENT_BIN = paths


if VALGRIND_LOGS:
    _valgrind_wrappers()

_started = []  # Proc objects still running, stopped at exit


def _stop_all():
    for p in list(_started):
        p.stop()


atexit.register(_stop_all)


def poll(fn, timeout=10.0, interval=0.02, what="condition"):
    """Calls fn until it returns a truthy value; returns it. Fails at the deadline."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workdir(name):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    os.chmod(d, 0o755)
    return d


class Database:
    """A fresh database in the run's cluster, with the quern schema applied (init=True)."""

    def __init__(self, name, init=True, host=None):
        host = host or PGHOST
        if not host:
            raise RuntimeError("QUERN_TEST_PGHOST is not set: run the tests through ./dev test")
        self.name = name
        self.dsn = f"host={host} dbname={name} user=quern"
        admin = psycopg2.connect(host=host, dbname="postgres", user="quern")
        admin.autocommit = True
        with admin.cursor() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        self._conn = None
        if init:
            self.admin("init")

    def env(self, **extra):
        env = dict(os.environ)
        env["QUERN_DATABASE_URL"] = self.dsn
        env.pop("QUERN_CONFIG", None)
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def admin(self, *args, check=True, config=None, **env):
        """Runs quern-admin; returns CompletedProcess (text)."""
        argv = [ADMIN_BIN] + (["-c", config] if config else []) + list(args)
        r = subprocess.run(argv, env=self.env(**env), capture_output=True, text=True, timeout=120)
        if check and r.returncode != 0:
            raise AssertionError(f"quern-admin {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    def connect(self):
        c = psycopg2.connect(self.dsn)
        c.autocommit = True
        return c

    @property
    def conn(self):
        if self._conn is None or self._conn.closed:
            self._conn = self.connect()
        return self._conn

    def query(self, sql, params=()):
        with self.conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as c:
            c.execute(sql, params)
            return c.fetchall() if c.description else []

    def value(self, sql, params=()):
        with self.conn.cursor() as c:
            c.execute(sql, params)
            row = c.fetchone()
            return row[0] if row else None

    def close(self):
        if self._conn is not None:
            self._conn.close()


class Proc:
    """A process started by the harness and stopped by its PID."""

    def __init__(self, argv, env=None, log=None, cwd=None):
        self.argv = argv
        self.log_path = log
        logf = open(log, "ab") if log else subprocess.DEVNULL
        self.p = subprocess.Popen(argv, env=env, stdout=logf, stderr=subprocess.STDOUT, cwd=cwd,
                                  start_new_session=True)
        if log:
            logf.close()
        self.pid = self.p.pid
        _started.append(self)

    def alive(self):
        return self.p.poll() is None

    def send(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.alive():
            try:
                os.kill(self.pid, sig)
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.p.wait(5)
            except ProcessLookupError:
                pass
        if self in _started:
            _started.remove(self)
        return self.p.returncode

    def kill9(self):
        self.stop(signal.SIGKILL)

    def log(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, errors="replace") as f:
            return f.read()


def write_config(path, cfg):
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


class Lighttpd:
    """lighttpd on a free loopback port with quern-api as its FastCGI backend (spawned by lighttpd)."""

    def __init__(self, dir, config_path, env=None, procs=2, prefix="/", extra="", modules=()):
        self.dir = dir
        self.port = free_port()
        self.pidfile = os.path.join(dir, "lighttpd.pid")
        conf = os.path.join(dir, "lighttpd.conf")
        benv = {"QUERN_CONFIG": config_path}
        for k, v in (env or {}).items():
            benv[k] = v
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                benv[k] = os.environ[k]
        benv_s = ", ".join(f'"{k}" => "{v}"' for k, v in benv.items())
        www = os.path.join(dir, "www")
        os.makedirs(www, exist_ok=True)
        fix_root = '"fix-root-scriptname" => "enable",' if prefix == "/" else ""
        with open(conf, "w") as f:
            f.write(f"""
server.modules = ({", ".join(f'"{m}"' for m in list(modules) + ["mod_fastcgi"])})
server.bind = "127.0.0.1"
server.port = {self.port}
server.document-root = "{www}"
server.pid-file = "{self.pidfile}"
server.errorlog = "{dir}/lighttpd-error.log"
server.max-request-size = 65536
fastcgi.server = ("{prefix}" => ((
    "socket" => "{dir}/api.sock",
    "bin-path" => "{API_BIN}",
    "bin-environment" => ({benv_s}),
    "max-procs" => {procs},
    "check-local" => "disable",
    {fix_root}
)))
{extra}
""")
        self.proc = Proc(["lighttpd", "-D", "-f", conf], log=os.path.join(dir, "lighttpd.out"))
        self.url = f"http://127.0.0.1:{self.port}"
        poll(self._up, timeout=15, what="lighttpd to accept connections")

    def _up(self):
        if not self.proc.alive():
            raise AssertionError("lighttpd exited:\n" + self.proc.log() + self.error_log())
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def error_log(self):
        p = os.path.join(self.dir, "lighttpd-error.log")
        return open(p, errors="replace").read() if os.path.exists(p) else ""

    def stop(self):
        self.proc.stop()


class Stack:
    """A database, a config file, lighttpd + quern-api, and runners on demand."""

    def __init__(self, name, config=None, plugins=PLUGINS, api=True, api_env=None, pghost=None):
        self.name = name
        self.dir = workdir(name)
        self.db = Database(name.replace("-", "_"), host=pghost)
        self.jobs_dir = os.path.join(self.dir, "jobs")
        os.makedirs(self.jobs_dir)
        cfg = {
            "database": {"url": self.db.dsn},
            "plugins": {"dirs": [plugins] if isinstance(plugins, str) else plugins},
            "runner": {"work_dir": self.jobs_dir, "poll_interval": 1, "lease": 6,
                       "kill_grace": 2, "slots": 4},
            "storage": {"path": os.path.join(self.dir, "files")},
            "log": {"level": "debug"},
        }
        for section, values in (config or {}).items():
            cfg.setdefault(section, {}).update(values)
        self.cfg = cfg
        self.config_path = write_config(os.path.join(self.dir, "quern.yaml"), cfg)
        self.runners = []
        self.web = None
        if self.has_sync():
            self.admin("sync")
        if api:
            self.web = Lighttpd(self.dir, self.config_path, env=api_env)
            self.url = self.web.url

    @staticmethod
    def has_sync():
        r = subprocess.run([ADMIN_BIN, "help"], capture_output=True, text=True)
        return "\n  sync" in r.stdout

    def admin(self, *args, check=True, **env):
        return self.db.admin(*args, check=check, config=self.config_path, **env)

    def runner_env(self, **extra):
        env = dict(os.environ)
        env.pop("QUERN_DATABASE_URL", None)
        env["QUERN_CONFIG"] = self.config_path
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def start_runner(self, *args, env=None, name=None):
        n = len(self.runners)
        log = os.path.join(self.dir, f"runner{n}.log")
        r = Proc([RUNNER_BIN, "--foreground"] + list(args), env=self.runner_env(**(env or {})), log=log)
        self.runners.append(r)
        return r

    def get(self, path, **kw):
        kw.setdefault("timeout", 30)
        return requests.get(self.url + path, **kw)

    def post(self, path, body=None, **kw):
        kw.setdefault("timeout", 60)
        if body is not None and not isinstance(body, (bytes, str)):
            kw.setdefault("headers", {})
            kw["headers"].setdefault("Content-Type", "application/json")
            body = json.dumps(body)
        return requests.post(self.url + path, data=body, **kw)

    def delete(self, path, **kw):
        kw.setdefault("timeout", 30)
        return requests.delete(self.url + path, **kw)

    def job(self, job_id):
        rows = self.db.query("SELECT * FROM quern.jobs WHERE id = %s", (job_id,))
        return rows[0] if rows else None

    def wait_status(self, job_id, statuses=("successful", "failed", "dismissed"), timeout=30):
        if isinstance(statuses, str):
            statuses = (statuses,)
        return poll(lambda: (j := self.job(job_id)) and j["status"] in statuses and j,
                    timeout=timeout, what=f"job {job_id} to reach {statuses}")

    def stop(self):
        for r in self.runners:
            r.stop()
        if self.web:
            self.web.stop()
        self.db.close()


PG_BIN = "/usr/lib/postgresql/15/bin"


class Cluster:
    """A private PostgreSQL cluster (initdb as user postgres, unix socket only) for
    tests that stop or restart the server; the run's shared cluster stays untouched.
    Stopped at exit like every Proc."""

    def __init__(self, name):
        import pwd
        self.dir = workdir(name)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        self.log = os.path.join(self.dir, "server.log")
        pw = pwd.getpwnam("postgres")
        for d in (self.data, self.sock):
            os.makedirs(d)
            os.chown(d, pw.pw_uid, pw.pw_gid)
        os.chmod(self.data, 0o700)
        open(self.log, "w").close()
        os.chown(self.log, pw.pw_uid, pw.pw_gid)
        self._run("initdb", "-D", self.data, "-U", "quern", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        self.host = self.sock
        self.running = False
        self.start()
        _started.append(self)

    def _run(self, prog, *args):
        r = subprocess.run(["runuser", "-u", "postgres", "--", os.path.join(PG_BIN, prog)] + list(args),
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"{prog} failed: {r.stdout}{r.stderr}")
        return r

    def start(self):
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o",
                  f"-c listen_addresses='' -c unix_socket_directories='{self.sock}' "
                  "-c fsync=off -c max_connections=50", "start")
        self.running = True

    def stop(self, sig=None, timeout=None):
        if self.running:
            self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
            self.running = False
        if sig is None and self in _started:
            _started.remove(self)

    def restart(self):
        self.down()
        self.start()

    def down(self):
        """Stops the server but keeps the cluster (start() brings it back)."""
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        self.running = False
