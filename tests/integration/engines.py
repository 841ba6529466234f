# SPDX-License-Identifier: MIT
"""Container engines for the integration tests: podman's Docker-compatible
service and dockerd, each started here from the Debian packages in a private
directory, on its own unix socket, and stopped by PID at exit.

    eng = engines.get("podman")   # or "docker"; raises unittest.SkipTest with
                                  # the reason when the engine cannot start
    eng.socket                    # the API socket to give quern
    eng.api("GET", "/_ping")      # (status, body bytes) over the socket
    eng.containers(label="quern.job=...")

Each engine is started at most once per test run (the first get()) and has
the image localhost/busybox:latest, imported from busybox-static because no
registry is reachable. Machine quirks (runc, rlimits, netns mounts) are
described in the project's notes on the test environment.
"""
import atexit
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import time
import unittest

import harness

IMAGE = "localhost/busybox:latest"
API = "/v1.41"

_engines = {}   # name -> Engine (started) or str (why it cannot start)

PODMAN_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""


class EngineUnavailable(Exception):
    pass


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def _unmount_under(dir):
    """Unmounts whatever the engine left mounted below dir (deepest first)."""
    prefix = os.path.realpath(dir) + "/"
    mounts = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].replace("\\040", " ")
            if mp.startswith(prefix):
                mounts.append(mp)
    for mp in sorted(mounts, key=len, reverse=True):
        subprocess.run(["umount", "-l", mp], capture_output=True)


def _which(prog):
    return shutil.which(prog, path="/usr/sbin:/usr/bin:/sbin:/bin")


def _rootfs_tar(dir):
    """A tar of a minimal root file system: busybox-static and its applets."""
    path = os.path.join(dir, "busybox-rootfs.tar")
    if os.path.exists(path):
        return path
    bb = "/bin/busybox"
    if not os.path.exists(bb):
        raise EngineUnavailable("busybox-static is not installed (/bin/busybox missing)")
    applets = subprocess.run([bb, "--list"], capture_output=True, text=True, check=True).stdout.split()
    tmp = path + ".tmp"
    with tarfile.open(tmp, "w") as t:
        def add_dir(name):
            ti = tarfile.TarInfo(name)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o1777 if name == "tmp" else 0o755
            t.addfile(ti)

        def add_file(name, data, mode=0o644):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = mode
            t.addfile(ti, io.BytesIO(data))

        for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "root"):
            add_dir(d)
        with open(bb, "rb") as f:
            add_file("bin/busybox", f.read(), 0o755)
        for a in applets:
            if a == "busybox" or "/" in a:
                continue
            ti = tarfile.TarInfo("bin/" + a)
            ti.type = tarfile.SYMTYPE
            ti.linkname = "busybox"
            t.addfile(ti)
        add_file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n")
        add_file("etc/group", b"root:x:0:\nnogroup:x:65534:\n")
    os.rename(tmp, path)
    return path


class Engine:
    """One running engine; api() talks to it over its socket."""

    def __init__(self, name, dir):
        self.name = name
        self.dir = dir
        self.socket = os.path.join(dir, f"{name}.sock")
        self.proc = None

    # --- HTTP over the unix socket -----------------------------------------

    def api(self, method, path, body=None, timeout=30, headers=None, raw=False):
        """Returns (status, body bytes). path is below the API version unless it starts with //."""
        url = path[1:] if path.startswith("//") else API + path
        conn = _UnixConnection(self.socket, timeout)
        try:
            hdrs = dict(headers or {})
            data = body
            if body is not None and not raw and not isinstance(body, (bytes, str)):
                data = json.dumps(body)
                hdrs["Content-Type"] = "application/json"
            conn.request(method, url, body=data, headers=hdrs)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def ping(self):
        try:
            st, body = self.api("GET", "//_ping", timeout=2)
            return st == 200 and body.strip() == b"OK"
        except OSError:
            return False
        except http.client.HTTPException:
            return False

    def containers(self, label=None):
        """Every container (running or not), optionally only those with label k=v."""
        q = "all=true"
        if label:
            from urllib.parse import quote
            q += "&filters=" + quote(json.dumps({"label": [label]}))
        st, body = self.api("GET", "/containers/json?" + q)
        if st != 200:
            raise AssertionError(f"{self.name}: list containers: {st} {body[:200]!r}")
        return json.loads(body)

    def quern_containers(self):
        return self.containers(label="quern.job")

    def remove(self, cid):
        self.api("DELETE", f"/containers/{cid}?force=true")

    def image(self, ref=IMAGE):
        """The engine's image inspect of ref (Id, RepoDigests...)."""
        st, body = self.api("GET", f"/images/{ref}/json")
        if st != 200:
            raise AssertionError(f"{self.name}: inspect image {ref}: {st} {body[:200]!r}")
        return json.loads(body)

    def has_image(self, ref=IMAGE):
        st, _ = self.api("GET", f"/images/{ref}/json")
        return st == 200

    def run(self, argv, check=True, **kw):
        kw.setdefault("cwd", self.dir)  # nothing an engine writes lands in the source tree
        r = subprocess.run(argv, capture_output=True, timeout=120, **kw)
        if check and r.returncode != 0:
            raise EngineUnavailable(f"{self.name}: {' '.join(argv[:4])}... failed ({r.returncode}): "
                                    f"{r.stderr.decode(errors='replace').strip()[-400:]}")
        return r

    def log(self):
        p = os.path.join(self.dir, "engine.log")
        return open(p, errors="replace").read() if os.path.exists(p) else ""

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while not self.ping():
            if self.proc is not None and not self.proc.alive():
                raise EngineUnavailable(f"{self.name} exited at start: {self.log().strip()[-600:]}")
            if time.monotonic() > deadline:
                raise EngineUnavailable(f"{self.name} did not answer /_ping within {timeout} s: "
                                        f"{self.log().strip()[-600:]}")
            time.sleep(0.05)


class Podman(Engine):
    def __init__(self, dir):
        super().__init__("podman", dir)
        self.conf = os.path.join(dir, "containers.conf")
        self.global_args = ["--root", os.path.join(dir, "root"), "--runroot", os.path.join(dir, "runroot"),
                            "--tmpdir", os.path.join(dir, "tmp")]

    def env(self):
        env = dict(os.environ)
        env["CONTAINERS_CONF"] = self.conf
        env["TMPDIR"] = os.path.join(self.dir, "tmp")
        return env

    def start(self):
        podman = _which("podman")
        if podman is None or _which("runc") is None:
            raise EngineUnavailable("podman or runc is not installed (Debian packages podman runc catatonit)")
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(PODMAN_CONF)
        self.podman = [podman] + self.global_args
        self.proc = harness.Proc(self.podman + ["system", "service", "--time=0", "unix://" + self.socket],
                                 env=self.env(), log=os.path.join(self.dir, "engine.log"),
                                 cwd=self.dir)  # conmon writes an "oom" file into its cwd
        self.wait_ready(30)

    def import_image(self, tar):
        with open(tar, "rb") as f:
            self.run(self.podman + ["import", "--change", 'CMD ["/bin/sh"]', "--change", "ENV PATH=/bin",
                                    "-", IMAGE], stdin=f, env=self.env())

    def stop(self):
        if self.proc is not None:
            self.proc.stop()
            self.proc = None
        _unmount_under(self.dir)


class Docker(Engine):
    def __init__(self, dir):
        super().__init__("docker", dir)
        self.exec_root = os.path.join(dir, "exec")

    def start(self):
        dockerd = _which("dockerd")
        if dockerd is None or _which("containerd") is None:
            raise EngineUnavailable("dockerd is not installed (Debian package docker.io)")
        self.proc = harness.Proc([dockerd, "--host", "unix://" + self.socket, "--iptables=false",
                                  "--ip-masq=false", "--bridge=none", "--storage-driver=overlay2",
                                  "--data-root", os.path.join(self.dir, "data"),
                                  "--exec-root", self.exec_root,
                                  "--pidfile", os.path.join(self.dir, "dockerd.pid")],
                                 log=os.path.join(self.dir, "engine.log"), cwd=self.dir)
        self.wait_ready(60)

    def import_image(self, tar):
        docker = _which("docker")
        if docker is None:
            raise EngineUnavailable("the docker client is not installed (Debian package docker.io)")
        with open(tar, "rb") as f:
            self.run([docker, "-H", "unix://" + self.socket, "import", "-c", 'CMD ["/bin/sh"]',
                      "-c", "ENV PATH=/bin", "-", IMAGE], stdin=f)

    def stop(self):
        if self.proc is None:
            _unmount_under(self.dir)
            return
        # dockerd takes 12-15 s to stop on SIGTERM; it stops its containerd itself.
        self.proc.stop(signal.SIGTERM, timeout=40)
        self.proc = None
        # exec/netns/default above all, and any overlay mount left behind.
        _unmount_under(self.dir)


_KINDS = {"podman": Podman, "docker": Docker}


def _start(name):
    base = os.path.join(harness.OUT, "engines")
    os.makedirs(base, exist_ok=True)
    dir = os.path.join(base, name)
    _unmount_under(dir)
    shutil.rmtree(dir, ignore_errors=True)
    os.makedirs(dir)
    eng = _KINDS[name](dir)
    try:
        eng.start()
        if not eng.has_image():
            eng.import_image(_rootfs_tar(base))
        if not eng.has_image():
            raise EngineUnavailable(f"{name}: {IMAGE} missing after import")
    except BaseException:
        eng.stop()
        raise
    return eng


def get(name):
    """The running engine name ("podman" or "docker"); unittest.SkipTest if it cannot start."""
    cur = _engines.get(name)
    if cur is None:
        t0 = time.monotonic()
        try:
            cur = _start(name)
            print(f"engines: {name} ready in {time.monotonic() - t0:.1f} s on {cur.socket}", flush=True)
        except EngineUnavailable as e:
            cur = str(e)
            print(f"engines: {name} cannot start: {cur}", flush=True)
        _engines[name] = cur
    if isinstance(cur, str):
        raise unittest.SkipTest(f"{name} cannot start: {cur}")
    return cur


def stop(name):
    cur = _engines.pop(name, None)
    if isinstance(cur, Engine):
        cur.stop()


def _stop_all():
    for name in list(_engines):
        stop(name)


# Registered after harness's own handler, so it runs first (atexit is LIFO):
# the engines stop before the harness kills what is left.
atexit.register(_stop_all)
