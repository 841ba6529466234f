# SPDX-License-Identifier: MIT
"""A private one-node Slurm cluster for the integration tests.

SlurmCluster(dir) starts munged (as user munge, on its own socket and key),
slurmctld and slurmd (in the foreground, with a generated slurm.conf on
free loopback ports) and, on request, slurmrestd as user slurm: with
rest_auth/local on a unix socket (jobs then run as user slurm) and with
rest_auth/jwt on a loopback TCP port. Everything lives under dir and each
daemon is stopped by its PID. start() waits (poll with a deadline) until
the node is idle; when Slurm cannot start, skip_reason says why and the
tests skip themselves with it.

The shared working directory (shared_dir) is world-writable with the
sticky bit so that jobs run as root (command-line tools) and as slurm
(slurmrestd with local auth) can both write there.
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time

import harness

SBIN = "/usr/sbin"
HOST = socket.gethostname()


def _have_binaries():
    for b in ("munged", "slurmctld", "slurmd", "slurmrestd"):
        if not os.access(os.path.join(SBIN, b), os.X_OK):
            return f"{SBIN}/{b} is not installed (apt-get install slurm-wlm munge slurmrestd)"
    for u in ("munge", "slurm"):
        try:
            pwd.getpwnam(u)
        except KeyError:
            return f"user {u} does not exist"
    return None


def _chown(path, user):
    pw = pwd.getpwnam(user)
    os.chown(path, pw.pw_uid, pw.pw_gid)


class SlurmCluster:
    """munged + slurmctld + slurmd (+ slurmrestd) in a private directory."""

    def __init__(self, dir):
        self.dir = dir
        self.procs = {}
        self.skip_reason = None
        self.conf = os.path.join(dir, "slurm.conf")
        self.munge_socket = os.path.join(dir, "munge", "munge.socket")
        self.shared_dir = os.path.join(dir, "shared")
        self.rest_socket = os.path.join(dir, "rest", "slurmrestd.sock")
        self.rest_port = None
        self.jwt_key = os.path.join(dir, "state", "jwt.key")

    # --- environment for the client commands -----------------------------

    def env(self, base=None):
        env = dict(base if base is not None else os.environ)
        env["SLURM_CONF"] = self.conf
        return env

    def run(self, *argv, check=True, timeout=30):
        r = subprocess.run(list(argv), env=self.env(), capture_output=True, text=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()}")
        return r

    # --- start ----------------------------------------------------------

    def _write_conf(self, ctld_port, slurmd_port):
        state = os.path.join(self.dir, "state")
        spool = os.path.join(self.dir, "spool")
        lines = [
            "ClusterName=quern",
            f"SlurmctldHost={HOST}(127.0.0.1)",
            f"SlurmctldPort={ctld_port}",
            f"SlurmdPort={slurmd_port}",
            "SlurmUser=slurm",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.munge_socket}",
            "AuthAltTypes=auth/jwt",
            f"AuthAltParameters=jwt_key={self.jwt_key}",
            f"StateSaveLocation={state}",
            f"SlurmdSpoolDir={spool}",
            f"SlurmctldPidFile={self.dir}/slurmctld.pid",
            f"SlurmdPidFile={self.dir}/slurmd.pid",
            f"SlurmctldLogFile={self.dir}/slurmctld.log",
            f"SlurmdLogFile={self.dir}/slurmd.log",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/filetxt",
            f"JobCompLoc={self.dir}/jobcomp.txt",
            "MpiDefault=none",
            "MailProg=/bin/true",
            "ReturnToService=2",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            "DefMemPerCPU=200",
            "MinJobAge=300",
            "KillWait=2",
            "InactiveLimit=0",
            f"NodeName={HOST} NodeAddr=127.0.0.1 CPUs={os.cpu_count() or 1} RealMemory=4000 "
            "State=UNKNOWN",
            "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
        ]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _start_munge(self):
        mdir = os.path.join(self.dir, "munge")
        os.makedirs(mdir)
        os.chmod(mdir, 0o755)
        _chown(mdir, "munge")
        key = os.path.join(mdir, "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(128))
        os.chmod(key, 0o400)
        _chown(key, "munge")
        argv = ["runuser", "-u", "munge", "--", f"{SBIN}/munged", "--foreground",
                f"--socket={self.munge_socket}", f"--key-file={key}",
                f"--pid-file={mdir}/munged.pid", f"--log-file={mdir}/munged.log",
                f"--seed-file={mdir}/munged.seed"]
        self.procs["munged"] = harness.Proc(argv, log=os.path.join(self.dir, "munged.out"))
        harness.poll(lambda: os.path.exists(self.munge_socket) or not self.procs["munged"].alive(),
                     10, what="munged socket")
        if not self.procs["munged"].alive():
            raise RuntimeError("munged exited: " + self.procs["munged"].log()[-500:])

    def start(self, timeout=60):
        """Starts the cluster; returns self. On failure sets skip_reason and stops what started."""
        self.skip_reason = _have_binaries()
        if self.skip_reason:
            return self
        try:
            self._start(timeout)
        except Exception as e:  # anything that keeps Slurm from starting is a skip reason
            self.skip_reason = f"Slurm could not start: {e}"
            self.stop()
        return self

    def _start(self, timeout):
        for d in ("state", "spool", "rest"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        os.makedirs(self.shared_dir, exist_ok=True)
        os.chmod(self.shared_dir, 0o1777)
        _chown(os.path.join(self.dir, "state"), "slurm")
        os.chmod(os.path.join(self.dir, "state"), 0o700)
        with open(self.jwt_key, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(self.jwt_key, 0o600)
        _chown(self.jwt_key, "slurm")
        _chown(os.path.join(self.dir, "rest"), "slurm")
        os.chmod(self.dir, 0o755)
        self._write_conf(harness.free_port(), harness.free_port())
        open(os.path.join(self.dir, "jobcomp.txt"), "a").close()
        _chown(os.path.join(self.dir, "jobcomp.txt"), "slurm")
        for f in ("slurmctld.log",):
            open(os.path.join(self.dir, f), "a").close()
            _chown(os.path.join(self.dir, f), "slurm")
        self._start_munge()
        env = self.env()
        self.procs["slurmctld"] = harness.Proc(
            [f"{SBIN}/slurmctld", "-D", "-i", "-f", self.conf], env=env,
            log=os.path.join(self.dir, "slurmctld.out"))
        self.procs["slurmd"] = harness.Proc(
            [f"{SBIN}/slurmd", "-D", "-f", self.conf], env=env,
            log=os.path.join(self.dir, "slurmd.out"))
        harness.poll(self._node_idle, timeout, interval=0.2, what="the Slurm node to be idle")

    def _node_idle(self):
        for name in ("slurmctld", "slurmd"):
            if not self.procs[name].alive():
                log = os.path.join(self.dir, name + ".log")
                tail = open(log, errors="replace").read()[-800:] if os.path.exists(log) else ""
                raise RuntimeError(f"{name} exited: {self.procs[name].log()[-400:]} {tail}")
        r = self.run("sinfo", "-h", "-N", "-o", "%T", check=False, timeout=10)
        return r.returncode == 0 and r.stdout.strip() == "idle"

    # --- slurmrestd -----------------------------------------------------

    def start_rest_local(self, timeout=15):
        """slurmrestd with rest_auth/local on a unix socket (requests run as user slurm)."""
        env = self.env()
        env.pop("SLURM_JWT", None)
        argv = ["runuser", "-u", "slurm", "--", f"{SBIN}/slurmrestd", "-f", self.conf,
                "-a", "rest_auth/local", "-s", "openapi/v0.0.38", f"unix:{self.rest_socket}"]
        self.procs["slurmrestd-local"] = p = harness.Proc(
            argv, env=env, log=os.path.join(self.dir, "slurmrestd-local.out"))
        harness.poll(lambda: os.path.exists(self.rest_socket) or not p.alive(), timeout,
                     what="slurmrestd socket")
        if not p.alive():
            raise AssertionError("slurmrestd (local) exited: " + p.log()[-800:])
        return self.rest_socket

    def start_rest_jwt(self, timeout=15):
        """slurmrestd with rest_auth/jwt on a loopback TCP port; returns its base URL."""
        self.rest_port = harness.free_port()
        env = self.env()
        env["SLURM_JWT"] = "daemon"
        argv = ["runuser", "-u", "slurm", "--", f"{SBIN}/slurmrestd", "-f", self.conf,
                "-a", "rest_auth/jwt", "-s", "openapi/v0.0.38", f"127.0.0.1:{self.rest_port}"]
        self.procs["slurmrestd-jwt"] = p = harness.Proc(
            argv, env=env, log=os.path.join(self.dir, "slurmrestd-jwt.out"))

        def up():
            if not p.alive():
                raise AssertionError("slurmrestd (jwt) exited: " + p.log()[-800:])
            try:
                with socket.create_connection(("127.0.0.1", self.rest_port), 0.5):
                    return True
            except OSError:
                return False
        harness.poll(up, timeout, what="slurmrestd TCP port")
        return f"http://127.0.0.1:{self.rest_port}"

    def token(self, user="root", lifespan=3600):
        """A JWT for user from `scontrol token`."""
        r = self.run("scontrol", "token", f"username={user}", f"lifespan={lifespan}")
        for word in r.stdout.split():
            if word.startswith("SLURM_JWT="):
                return word[len("SLURM_JWT="):]
        raise AssertionError("scontrol token printed no SLURM_JWT: " + r.stdout)

    # --- queries used by tests --------------------------------------------

    def job_state(self, job_id):
        r = self.run("scontrol", "show", "job", "-o", str(job_id), check=False)
        for word in r.stdout.split():
            if word.startswith("JobState="):
                return word.split("=", 1)[1]
        return None

    # --- stop -------------------------------------------------------------

    def stop(self):
        for name in ("slurmrestd-jwt", "slurmrestd-local", "slurmd", "slurmctld", "munged"):
            p = self.procs.pop(name, None)
            if p is not None:
                p.stop()
        # job steps left behind by slurmd (slurmstepd) end with their jobs; none outlive stop


def cluster(name):
    """A started cluster in a fresh work directory (check .skip_reason)."""
    d = harness.workdir(name)
    return SlurmCluster(d).start()


if __name__ == "__main__":  # manual check: python3 slurm.py
    c = cluster("slurm-manual")
    print("skip:", c.skip_reason)
    if not c.skip_reason:
        print(c.run("sinfo").stdout)
        print(c.run("sbatch", "--parsable", "--output=/dev/null", "--wrap", "true").stdout)
        print("rest local:", c.start_rest_local())
        print("rest jwt:", c.start_rest_jwt(), c.token()[:12] + "...")
        shutil.copy(c.conf, "/tmp/quern-slurm-manual.conf")
    c.stop()
