"""End-to-end tests with Debian's jupyter console (6.4) in a pseudo-terminal:
a cell runs and prints, and the ways README's "Runaway cells" gives to stop
a running cell work: SIGINT to the kernel, and Ctrl-C under --simple-prompt.
Ctrl-C in the full terminal UI does not reach the kernel (the console
prints "KeyboardInterrupt escaped interact()"), as README says."""

import os
import re
import signal
import time
import unittest
from pathlib import Path

import pexpect

import gopar_env
from gopar_env import FIRST_CELL_TIMEOUT

# The full UI colours its prompt: "In [" escape codes, the number, "]: ".
ESC = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"


def prompt(n):
    return re.compile(r"In \[" + ESC + str(n) + ESC + r"\]: ")


def children(pid):
    """The pids of a process's children."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


class Console:
    """jupyter console on the gopar kernel, in a pseudo-terminal."""

    def __init__(self, *args):
        gopar_env.setup()
        self.p = pexpect.spawn(
            "jupyter-console", ["--kernel", gopar_env.KERNEL, *args],
            encoding="utf-8", timeout=FIRST_CELL_TIMEOUT, dimensions=(40, 200),
            # A pseudo-terminal does not answer cursor position requests;
            # waiting for the answer would swallow what is typed meanwhile.
            env=dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1"),
        )
        self.p.expect(prompt(1))

    def kernel_pid(self):
        for pid in children(self.p.pid):
            if b"kernel" in Path("/proc/%d/cmdline" % pid).read_bytes():
                return pid
        raise AssertionError("no kernel process under the console (pid %d)" % self.p.pid)

    def run(self, code):
        self.p.sendline(code)

    def expect_line(self, text, timeout=FIRST_CELL_TIMEOUT):
        """Waits for a line of output that is text (not the echoed input)."""
        self.p.expect(re.compile(r"(?:^|\n)" + ESC + re.escape(text) + r"\r?\n"), timeout=timeout)

    def close(self):
        kernel = None
        try:
            kernel = self.kernel_pid()
        except (AssertionError, OSError):
            pass
        self.p.sendcontrol("d")
        try:
            self.p.expect(["exit", pexpect.EOF], timeout=10)
            self.p.sendline("y")
            self.p.expect(pexpect.EOF, timeout=30)
        except (pexpect.TIMEOUT, OSError):
            pass
        self.p.close(force=True)
        if kernel is not None:
            # The kernel goes with its front end.
            deadline = time.monotonic() + 30
            while Path("/proc/%d" % kernel).exists() and time.monotonic() < deadline:
                time.sleep(0.2)


# A cell that prints, then runs until stopped. The word is split so that
# the echoed input does not match the output.
RUNAWAY = 'fmt.Println("run" + "ning"); for { time.Sleep(50 * time.Millisecond) }'


class ConsoleTests(unittest.TestCase):
    def console(self, *args):
        c = Console(*args)
        self.addCleanup(c.close)
        return c

    def test_cell_prints(self):
        c = self.console()
        c.run("fmt.Println(6 * 7)")
        c.expect_line("42")
        c.p.expect(prompt(2))

    def test_sigint_to_the_kernel_interrupts_the_cell(self):
        c = self.console()
        c.run(RUNAWAY)
        c.expect_line("running")
        os.kill(c.kernel_pid(), signal.SIGINT)
        c.p.expect(r"cell\[1\] interrupted", timeout=30)
        c.p.expect(prompt(2))

        # Ctrl-C in the full UI stays in the console: the cell runs on and
        # the next one waits behind it, until the kernel gets SIGINT; then
        # it is aborted, as a cell queued behind a failed one is.
        c.run(RUNAWAY)
        c.expect_line("running")
        c.p.sendcontrol("c")
        c.p.expect("KeyboardInterrupt escaped interact")
        c.p.expect(prompt(3))
        c.run('fmt.Println("aft" + "er")')
        with self.assertRaises(pexpect.TIMEOUT):
            c.expect_line("after", timeout=3)
        os.kill(c.kernel_pid(), signal.SIGINT)
        time.sleep(2)
        c.run('fmt.Println("aft" + "er")')
        c.expect_line("after", timeout=60)

    def test_ctrl_c_interrupts_with_simple_prompt(self):
        c = self.console("--simple-prompt")
        c.run(RUNAWAY)
        c.expect_line("running")
        c.p.sendcontrol("c")
        c.p.expect(r"cell\[1\] interrupted", timeout=30)
        c.p.expect(prompt(2))
        c.run('fmt.Println("aft" + "er")')
        c.expect_line("after", timeout=60)


if __name__ == "__main__":
    unittest.main()
