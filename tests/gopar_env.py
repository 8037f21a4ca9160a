"""Shared set-up for the end-to-end tests.

setup() builds the gopar binary once per process (or takes the one
$GOPAR_BINARY names), installs two kernelspecs
into a private Jupyter data directory and points jupyter_client at it:

  gopar      interrupt_mode "signal" (what `gopar install` writes by default)
  gopar-msg  interrupt_mode "message" (interrupts arrive on the control channel)

Jupyter missing is an error, never a skip: these tests are the proof that
the kernel works with real Jupyter clients.
"""

import atexit
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import jupyter_client  # noqa: F401  (fail loudly at import when Jupyter is missing)
import nbclient  # noqa: F401
import nbformat  # noqa: F401
from jupyter_client.manager import start_new_kernel

REPO = Path(__file__).resolve().parent.parent

KERNEL = "gopar"
KERNEL_MESSAGE_INTERRUPT = "gopar-msg"

# The first cell of a kernel compiles its program from scratch; CI machines
# have two cores. Later cells reuse the build cache.
FIRST_CELL_TIMEOUT = 180
CELL_TIMEOUT = 120
STARTUP_TIMEOUT = 60

_lock = threading.Lock()
_env = None


class Env:
    def __init__(self, tmp, binary, jupyter_dir, install_output):
        self.tmp = tmp
        self.binary = binary
        self.jupyter_dir = jupyter_dir
        self.install_output = install_output


def _run(cmd, **kw):
    proc = subprocess.run(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw
    )
    if proc.returncode != 0:
        raise RuntimeError(
            "command failed (exit %d): %s\n%s" % (proc.returncode, " ".join(map(str, cmd)), proc.stdout)
        )
    return proc.stdout


def setup():
    """Builds and installs gopar once per process; returns an Env."""
    global _env
    with _lock:
        if _env is not None:
            return _env
        if shutil.which("go") is None and not os.environ.get("GOPAR_GO"):
            raise RuntimeError("go is not on PATH: the end-to-end tests need the Go toolchain")
        tmp = Path(tempfile.mkdtemp(prefix="gopar-e2e-"))
        if not os.environ.get("GOPAR_KEEP_TMP"):
            atexit.register(shutil.rmtree, tmp, True)
        if os.environ.get("GOPAR_BINARY"):
            # A prebuilt binary to test instead of the one built from this tree.
            binary = Path(os.environ["GOPAR_BINARY"]).resolve()
        else:
            binary = tmp / "gopar"
            _run(["go", "build", "-o", str(binary), "."], timeout=900)
        jupyter_dir = tmp / "jupyter"
        out = _run([str(binary), "install", "--jupyter-dir", str(jupyter_dir)], timeout=900)
        out += _run(
            [
                str(binary), "install", "--jupyter-dir", str(jupyter_dir),
                "--name", KERNEL_MESSAGE_INTERRUPT, "--display-name", "Go (gopar, message interrupts)",
                "--interrupt-mode", "message", "--no-warm",
            ],
            timeout=120,
        )
        # jupyter_client looks kernelspecs up through these at every call.
        os.environ["JUPYTER_PATH"] = str(jupyter_dir)
        os.environ["JUPYTER_DATA_DIR"] = str(jupyter_dir)
        runtime = tmp / "runtime"
        runtime.mkdir()
        os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)
        _env = Env(tmp, binary, jupyter_dir, out)
        return _env


def start_kernel(name=KERNEL, **kw):
    """Starts a kernel and a blocking client that is ready for requests;
    kw go to the kernel manager's start_kernel (cwd, env)."""
    setup()
    km, kc = start_new_kernel(kernel_name=name, startup_timeout=STARTUP_TIMEOUT, **kw)
    return km, kc


def stop_kernel(km, kc):
    try:
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)


class Outcome:
    """What one execute_request produced, with arrival times (time.monotonic)."""

    def __init__(self, msg_id, sent):
        self.msg_id = msg_id
        self.sent = sent
        self.reply = None
        self.reply_time = None
        self.idle_time = None
        self.iopub = []  # (arrival time, message), excluding status and execute_input
        self.foreign = []  # iopub messages answering other requests
        self.input_requests = []

    @property
    def status(self):
        return self.reply["content"]["status"] if self.reply else None

    def of_type(self, msg_type):
        return [m for _, m in self.iopub if m["msg_type"] == msg_type]

    def stream_text(self, name=None):
        return "".join(
            m["content"]["text"]
            for m in self.of_type("stream")
            if name is None or m["content"]["name"] == name
        )

    def errors(self):
        return self.of_type("error")

    def describe(self):
        lines = ["reply: %s" % (self.reply and self.reply["content"])]
        for t, m in self.iopub:
            content = dict(m["content"])
            if "text" in content and len(content["text"]) > 300:
                content["text"] = content["text"][:300] + "...(%d chars)" % len(m["content"]["text"])
            lines.append("  +%.2fs %s %s" % (t - self.sent, m["msg_type"], content))
        return "\n".join(lines)


def execute(kc, code, timeout=CELL_TIMEOUT, allow_stdin=False, answer=None, wait=True):
    """Sends an execute_request and, when wait, collects its reply, its iopub
    messages up to the idle status and its input_requests.

    answer(prompt) -> str answers input_requests; without it they fail the
    call. With wait=False the Outcome is returned at once; finish it with
    collect().
    """
    msg_id = kc.execute(code, allow_stdin=allow_stdin, stop_on_error=False)
    out = Outcome(msg_id, time.monotonic())
    if wait:
        collect(kc, out, timeout, answer)
    return out


def collect(kc, out, timeout=CELL_TIMEOUT, answer=None, until=None):
    """Reads the channels until the execution is over (reply and idle
    status both seen) or until(out) is true; raises TimeoutError after
    timeout seconds."""
    deadline = time.monotonic() + timeout
    while not (out.reply is not None and out.idle_time is not None):
        if until is not None and until(out):
            return out
        if time.monotonic() > deadline:
            raise TimeoutError(
                "cell did not finish within %ss\n%s" % (timeout, out.describe())
            )
        got = False
        for channel, get in (
            ("iopub", kc.get_iopub_msg), ("shell", kc.get_shell_msg), ("stdin", kc.get_stdin_msg)
        ):
            try:
                msg = get(timeout=0.02)
            except queue.Empty:
                continue
            got = True
            now = time.monotonic()
            if msg["parent_header"].get("msg_id") != out.msg_id:
                if channel == "iopub":
                    out.foreign.append(msg)
                continue
            kind = msg["msg_type"]
            if channel == "shell":
                out.reply, out.reply_time = msg, now
            elif channel == "stdin":
                out.input_requests.append(msg)
                if answer is None:
                    raise AssertionError("unexpected input_request: %s" % msg["content"])
                kc.input(answer(msg["content"]["prompt"]))
            elif kind == "status":
                if msg["content"]["execution_state"] == "idle":
                    out.idle_time = now
            elif kind != "execute_input":
                out.iopub.append((now, msg))
        if not got:
            time.sleep(0.01)
    return out


def wait_for_stream(kc, out, text, timeout=CELL_TIMEOUT):
    """Collects until a stream containing text arrived (the cell is running)."""
    collect(kc, out, timeout, until=lambda o: text in o.stream_text())
    if text not in out.stream_text():
        raise AssertionError("cell ended before printing %r\n%s" % (text, out.describe()))
    return out


def drain(kc, seconds=0.2):
    """Discards whatever is queued on the client's channels."""
    for get in (kc.get_iopub_msg, kc.get_shell_msg, kc.get_stdin_msg, kc.get_control_msg):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                get(timeout=0.02)
            except queue.Empty:
                break
