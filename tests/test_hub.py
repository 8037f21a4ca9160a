"""End to end: a class on Debian's JupyterHub (3.0, with
configurable-http-proxy). The Hub runs on 127.0.0.1 with a dummy
authenticator and its local process spawner; two Unix users' servers are
started through the Hub's REST API, and a cell runs in a gopar kernel of
each through the Jupyter server API (REST for the kernel, its websocket
for the cell), in a kernel that runs as the user.

Needs root, as JupyterHub's local spawner does to start servers as other
users; CI runs as root.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request
import uuid

import system_env
from system_env import run

from tornado import ioloop, websocket
from tornado.httpclient import HTTPRequest

HUB_TIMEOUT = 120
CELL = (
    'squares, err := parallel.Map([]int{1, 2, 3}, func(x int) int { return x * x })\n'
    'fmt.Println(os.Getenv("USER"), os.Getuid(), squares, err)'
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    def __init__(self, site, users):
        self.site = site
        self.dir = site.tmp / ("hub-%s" % uuid.uuid4().hex[:8])
        self.dir.mkdir()
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = "http://127.0.0.1:%d" % self.port
        config = self.dir / "jupyterhub_config.py"
        config.write_text("\n".join([
            "c.JupyterHub.ip = '127.0.0.1'",
            "c.JupyterHub.port = %d" % self.port,
            "c.JupyterHub.hub_ip = '127.0.0.1'",
            "c.JupyterHub.hub_port = %d" % free_port(),
            "c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:%d'" % free_port(),
            "c.JupyterHub.db_url = 'sqlite:///%s'" % (self.dir / "jupyterhub.sqlite"),
            "c.JupyterHub.cookie_secret_file = %r" % str(self.dir / "cookie_secret"),
            "c.ConfigurableHTTPProxy.pid_file = %r" % str(self.dir / "proxy.pid"),
            "c.JupyterHub.authenticator_class = 'dummy'",
            "c.Authenticator.allowed_users = %r" % set(users),
            "c.JupyterHub.spawner_class = 'jupyterhub.spawner.LocalProcessSpawner'",
            "c.Spawner.start_timeout = %d" % HUB_TIMEOUT,
            "c.Spawner.http_timeout = %d" % HUB_TIMEOUT,
            # A real install under /usr/local needs no JUPYTER_PATH.
            "c.Spawner.environment = {'JUPYTER_PATH': %r}" % str(site.prefix / "share" / "jupyter"),
            "c.JupyterHub.services = [{'name': 'teacher', 'api_token': %r}]" % self.token,
            "c.JupyterHub.load_roles = [{'name': 'teacher', 'services': ['teacher'],"
            " 'scopes': ['admin:users', 'admin:servers', 'access:servers', 'list:users', 'read:users']}]",
        ]) + "\n")
        self.log = open(self.dir / "hub.log", "w")
        # Debian installs the proxy's Node modules in /usr/share/nodejs,
        # where a Node.js from elsewhere (NodeSource's) does not look.
        env = dict(os.environ, NODE_PATH=os.pathsep.join(
            p for p in (os.environ.get("NODE_PATH"), "/usr/share/nodejs") if p))
        self.proc = subprocess.Popen(
            ["jupyterhub", "-f", str(config)], cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT,
            env=env, start_new_session=True)
        deadline = time.monotonic() + HUB_TIMEOUT
        while True:
            try:
                self.api("GET", "/hub/api/")
                return
            except (urllib.error.URLError, ConnectionError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterHub did not start:\n" + self.log_text())
                time.sleep(0.5)

    def log_text(self):
        return (self.dir / "hub.log").read_text()[-6000:]

    def api(self, method, path, body=None):
        req = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": "token " + self.token},
            data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(req, timeout=60) as resp:
            data = resp.read()
        return json.loads(data) if data else None

    def start_server(self, user):
        """Starts user's server through the REST API and waits until the Hub
        says it is ready."""
        # The Hub added the allowed users when it started.
        self.api("POST", "/hub/api/users/%s/server" % user)
        deadline = time.monotonic() + HUB_TIMEOUT
        while True:
            server = self.api("GET", "/hub/api/users/%s" % user).get("servers", {}).get("", {})
            if server.get("ready"):
                return
            if time.monotonic() > deadline:
                raise RuntimeError("%s's server did not start:\n%s" % (user, self.log_text()))
            time.sleep(0.5)

    def stop(self):
        try:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, 9)
        self.log.close()


def execute(url, token, code, timeout=300):
    """Runs code in the kernel at url (the kernel's channels websocket) and
    returns its reply status, stdout and errors."""

    async def go():
        conn = await websocket.websocket_connect(
            HTTPRequest(url, headers={"Authorization": "token " + token}, connect_timeout=60))
        msg_id = uuid.uuid4().hex
        conn.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": "teacher", "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        out = {"status": None, "stdout": "", "errors": [], "idle": False}
        while out["status"] is None or not out["idle"]:
            raw = await conn.read_message()
            if raw is None:
                raise RuntimeError("the kernel's websocket closed: %s" % out)
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "execute_reply":
                out["status"] = content["status"]
            elif kind == "stream" and content["name"] == "stdout":
                out["stdout"] += content["text"]
            elif kind == "error":
                out["errors"].append("\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                out["idle"] = True
        conn.close()
        return out

    return ioloop.IOLoop.current().run_sync(go, timeout=timeout)


class HubTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        reason = system_env.can_add_users()
        if reason:
            raise unittest.SkipTest(reason)
        for cmd in ("jupyterhub", "configurable-http-proxy", "jupyterhub-singleuser"):
            if shutil.which(cmd) is None:
                raise AssertionError("%s is missing: install Debian's jupyterhub" % cmd)
        cls.site = system_env.site()
        cls.users = [cls.site.add_user("hub")[0], cls.site.add_user("hubb")[0]]
        cls.hub = Hub(cls.site, cls.users)

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def test_each_user_runs_a_cell_in_their_own_kernel(self):
        for user in self.users:
            with self.subTest(user=user):
                self.hub.start_server(user)
                base = "/user/%s/api" % user
                kernel = self.hub.api("POST", base + "/kernels", {"name": "gopar"})
                try:
                    ws = "ws://127.0.0.1:%d%s/kernels/%s/channels" % (self.hub.port, base, kernel["id"])
                    out = execute(ws, self.hub.token, CELL)
                finally:
                    self.hub.api("DELETE", base + "/kernels/" + kernel["id"])
                self.assertEqual(out["status"], "ok", "%s\n%s" % (out, self.hub.log_text()))
                uid = run(["id", "-u", user]).strip()
                self.assertEqual(out["stdout"], "%s %s [1 4 9] <nil>\n" % (user, uid))
                self.hub.api("DELETE", "/hub/api/users/%s/server" % user)


if __name__ == "__main__":
    unittest.main()
