"""Shared set-up for the end-to-end tests of a system install: one
`gopar install --system` into a temporary prefix per test process, and
Unix users (created with useradd, so root only) removed at exit.
"""

import atexit
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import gopar_env

HERE = Path(__file__).resolve().parent


def run(cmd, **kw):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (" ".join(map(str, cmd)), proc.returncode, proc.stdout))
    return proc.stdout


class Site:
    """A system install in a temporary prefix and the users of a class."""

    def __init__(self, memlimit="2GiB", timeout="600", prefix=None):
        """Installs into a new temporary prefix, or uses the system install
        already in prefix."""
        self.memlimit, self.timeout = memlimit, timeout
        self.tmp = Path(tempfile.mkdtemp(prefix="gopar-system-", dir="/tmp"))
        self.tmp.chmod(0o755)
        self.users = []
        self.install_seconds = None
        if prefix is not None:
            self.prefix = Path(prefix).resolve()
            self.binary = Path(json.loads(
                (self.prefix / "share" / "jupyter" / "kernels" / "gopar" / "kernel.json").read_text())["argv"][0])
        else:
            env = gopar_env.setup()
            self.prefix = self.tmp / "prefix"
            (self.prefix / "bin").mkdir(parents=True)
            self.binary = self.prefix / "bin" / "gopar"
            shutil.copy(env.binary, self.binary)
            self.binary.chmod(0o755)
            started = time.monotonic()
            self.install_output = run(
                [str(self.binary), "install", "--system", "--prefix", str(self.prefix),
                 "--memlimit", memlimit, "--timeout", timeout],
                timeout=1800,
            )
            self.install_seconds = time.monotonic() - started
        self.shared = self.prefix / "lib" / "gopar"
        self.build_cache = self.shared / "build-cache"

    def add_user(self, label):
        name = "gopar%s%d" % (label, os.getpid() % 100000)
        home = self.tmp / ("home-" + name)
        run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/sh", name])
        self.users.append(name)
        return name, home

    def as_user(self, name, cmd, **kw):
        home = self.tmp / ("home-" + name)
        env = ["env", "-i", "HOME=%s" % home, "USER=%s" % name, "LOGNAME=%s" % name,
               "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8",
               "JUPYTER_PATH=%s" % (self.prefix / "share" / "jupyter")]
        return subprocess.run(["runuser", "-u", name, "--"] + env + cmd,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)

    def session(self, name, cells, start_at=None, timeout=1200):
        """Runs cells in a new kernel of user name; returns the session's
        report (see system_session.py)."""
        spec = {"kernel": "gopar", "cells": cells, "start_at": start_at}
        proc = self.as_user(name, ["/usr/bin/python3", "-", json.dumps(spec)],
                            input=(HERE / "system_session.py").read_text(), timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError("session of %s failed:\n%s\n%s" % (name, proc.stdout, proc.stderr))
        return json.loads(proc.stdout)

    def remove(self):
        for name in self.users:
            subprocess.run(["userdel", "--remove", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.environ.get("GOPAR_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)


def disk_usage(path):
    total = 0
    for root, dirs, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


_lock = threading.Lock()
_site = None


def site(prefix=None):
    """The process's system install, made on first use (or the one in
    prefix)."""
    global _site
    with _lock:
        if _site is None:
            _site = Site(prefix=prefix)
            atexit.register(_site.remove)
        return _site


def can_add_users():
    """Why users cannot be created here, or None."""
    if os.geteuid() != 0:
        return "needs root to create Unix users (useradd); CI runs as root"
    for cmd in ("runuser", "useradd", "userdel"):
        if shutil.which(cmd) is None:
            return "needs %s" % cmd
    return None
