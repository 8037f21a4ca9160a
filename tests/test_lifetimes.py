"""End-to-end tests: the kernel's processes live and die together, and
%memlimit and %timeout stop a runaway cell with the kernel and its
variables intact.

Every process a test starts is killed in its clean-up, so a failing test
leaves no spinning cell behind.
"""

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import unittest

import gopar_env
from gopar_env import FIRST_CELL_TIMEOUT, execute
from test_e2e import KernelCase

# A runaway cell that has started a process of its own. It prints the
# pids and the path of its line file, which lies in the kernel's directory.
SPIN_CELL = """\
sleeper := exec.Command("sleep", "3600")
if err := sleeper.Start(); err != nil {
	panic(err)
}
fmt.Printf("pids %d %d\\n", os.Getpid(), sleeper.Process.Pid)
fmt.Printf("line file %s\\n", os.Getenv("GOPAR_LINE_FILE"))
for {
}"""

SPIN_REPORT = re.compile(r"pids (\d+) (\d+)\nline file (.*)\n")


def running(pid):
    """Whether pid is a live process: it exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def still_running(pids, seconds):
    """Waits up to seconds for every pid to end; returns those still running."""
    deadline = time.monotonic() + seconds
    while True:
        alive = [p for p in pids if running(p)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class KernelDeathTests(unittest.TestCase):
    """However the kernel ends, its running cell and what the cell started
    end with it."""

    def start_spinning_cell(self):
        km, kc = gopar_env.start_kernel()
        self.addCleanup(gopar_env.stop_kernel, km, kc)
        out = execute(kc, SPIN_CELL, wait=False)
        gopar_env.collect(kc, out, FIRST_CELL_TIMEOUT, until=lambda o: SPIN_REPORT.search(o.stream_text()))
        m = SPIN_REPORT.search(out.stream_text())
        self.assertIsNotNone(m, "the cell did not start:\n" + out.describe())
        pids = [int(m.group(1)), int(m.group(2))]
        self.addCleanup(kill_all, pids)
        self.assertEqual(still_running(pids, 0), pids)
        return km, pids

    def test_sigkill_of_the_kernel_ends_its_cell(self):
        km, pids = self.start_spinning_cell()
        os.kill(km.provisioner.pid, signal.SIGKILL)
        left = still_running(pids, 2.0)
        self.assertEqual(left, [], "cell processes running 2 s after the kernel was killed")

    def test_forced_shutdown_ends_the_cell(self):
        # What a front end does to a kernel that does not answer in time.
        km, pids = self.start_spinning_cell()
        km.shutdown_kernel(now=True)
        left = still_running(pids, 2.0)
        self.assertEqual(left, [], "cell processes running 2 s after a forced shutdown")


# Starts a kernel as a front end does, runs SPIN_CELL in it, reports the
# pids and dies without shutting the kernel down.
LAUNCHER = textwrap.dedent(
    """\
    import os, re, sys
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=sys.argv[1])
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=%(startup)d)
    msg_id = kc.execute(sys.argv[2])
    text = ""
    while not re.search(sys.argv[3], text):
        msg = kc.get_iopub_msg(timeout=%(first_cell)d)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            text += msg["content"]["text"]
        elif msg["msg_type"] == "error":
            print("error", msg["content"], flush=True)
            os._exit(1)
    print("kernel", km.provisioner.pid, flush=True)
    print(text, end="", flush=True)
    os._exit(0)
    """
) % {"startup": gopar_env.STARTUP_TIMEOUT, "first_cell": FIRST_CELL_TIMEOUT}


class FrontEndDeathTests(unittest.TestCase):
    def test_kernel_exits_with_its_front_end(self):
        gopar_env.setup()
        launcher = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, gopar_env.KERNEL, SPIN_CELL, SPIN_REPORT.pattern],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.addCleanup(launcher.kill)
        pids = []
        self.addCleanup(kill_all, pids)
        # The launcher exits on its own once it has printed the report, or
        # on an error when its timeouts expire.
        report = b"".join(launcher.stdout.readline() for _ in range(3)).decode()
        launcher.wait(timeout=60)
        # The kernel inherited the launcher's stdout and stderr. Close the
        # reading ends, as a dying front end does: the kernel must still
        # shut down cleanly rather than die of a broken pipe.
        os.set_blocking(launcher.stderr.fileno(), False)
        errors = (launcher.stderr.read() or b"").decode(errors="replace")
        launcher.stdout.close()
        launcher.stderr.close()
        m = re.search(r"kernel (\d+)\n", report)
        spin = SPIN_REPORT.search(report)
        self.assertTrue(launcher.returncode == 0 and m and spin, "launcher failed:\n" + report + errors)
        kernel = int(m.group(1))
        pids += [kernel, int(spin.group(1)), int(spin.group(2))]
        left = still_running(pids, 5.0)
        self.assertEqual(left, [], "running 5 s after the front end died (kernel %d)" % kernel)
        run_dir = os.path.dirname(spin.group(3))
        self.assertFalse(os.path.exists(run_dir), "the kernel left its directory behind: " + run_dir)


class LimitTests(KernelCase):
    """%memlimit and %timeout give a way out of a runaway cell that needs
    nothing from the front end."""

    def assert_stopped(self, out, ename, evalue):
        self.assertEqual(out.status, "error", out.describe())
        errors = out.errors()
        self.assertEqual(len(errors), 1, "want exactly one error message\n" + out.describe())
        self.assertEqual(errors[0]["content"]["ename"], ename, out.describe())
        self.assertEqual(errors[0]["content"]["evalue"], evalue, out.describe())
        self.assertEqual(out.reply["content"].get("ename"), ename, out.describe())
        self.assertTrue(self.km.is_alive())

    def test_memlimit_stops_a_cell_that_allocates_without_bound(self):
        self.run_ok("carried := []int{1, 2, 3}")
        out = self.run_ok("%memlimit 512MiB")
        self.assertEqual(out.stream_text("stdout"), "memlimit: 512.0 MiB\n")
        try:
            # 1 GiB every 100 ms, every page touched so that it is resident.
            code = (
                "carried = append(carried, 4)\n"
                "hog := [][]byte{}\n"
                "for {\n"
                "\tb := make([]byte, 1<<30)\n"
                "\tfor i := 0; i < len(b); i += 4096 {\n"
                "\t\tb[i] = 1\n"
                "\t}\n"
                "\thog = append(hog, b)\n"
                "\ttime.Sleep(100 * time.Millisecond)\n"
                "}"
            )
            out = execute(self.kc, code)
            count = out.reply["content"]["execution_count"]
            self.assert_stopped(
                out,
                "MemoryLimit",
                "cell[%d] used more than 512.0 MiB and was stopped; `%%memlimit` changes the cap" % count,
            )
            out = self.run_ok("fmt.Println(carried)")
            self.assertEqual(out.stream_text("stdout"), "[1 2 3]\n")
        finally:
            self.run_ok("%memlimit off")

    def test_timeout_stops_a_sleeping_cell(self):
        self.run_ok("%timeout 2")
        try:
            sent = time.monotonic()
            out = execute(self.kc, 'fmt.Println("sleeping")\ntime.Sleep(time.Hour)')
            took = time.monotonic() - sent
            count = out.reply["content"]["execution_count"]
            self.assert_stopped(
                out, "Timeout", "cell[%d] ran longer than 2s and was stopped; `%%timeout` changes the limit" % count
            )
            self.assertEqual(out.stream_text("stdout"), "sleeping\n")
            self.assertLess(took, 60, "stopped after %.1f s" % took)
        finally:
            self.run_ok("%timeout off")
        self.assert_answers()
