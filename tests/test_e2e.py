"""End-to-end tests: the installed gopar kernel driven through jupyter_client."""

import os
import queue
import re
import tempfile
import time
import unittest
from unittest import mock

import zmq
from jupyter_client.session import Session

import gopar_env
from gopar_env import CELL_TIMEOUT, FIRST_CELL_TIMEOUT, execute

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def error_text(msg):
    c = msg["content"]
    return ANSI.sub("", "\n".join([c.get("ename", ""), c.get("evalue", "")] + list(c.get("traceback", []))))


class KernelCase(unittest.TestCase):
    """Starts one kernel for the class and runs a first cell to warm it."""

    kernel_name = gopar_env.KERNEL

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = gopar_env.start_kernel(cls.kernel_name)
        out = execute(cls.kc, 'fmt.Println("warm")', timeout=FIRST_CELL_TIMEOUT)
        if out.status != "ok" or "warm" not in out.stream_text("stdout"):
            gopar_env.stop_kernel(cls.km, cls.kc)
            raise AssertionError("first cell failed:\n" + out.describe())

    @classmethod
    def tearDownClass(cls):
        gopar_env.stop_kernel(cls.km, cls.kc)

    def setUp(self):
        gopar_env.drain(self.kc)

    def run_ok(self, code, timeout=CELL_TIMEOUT, **kw):
        out = execute(self.kc, code, timeout=timeout, **kw)
        self.assertEqual(out.status, "ok", "cell failed:\n%s\n%s" % (code, out.describe()))
        self.assertEqual(out.errors(), [], out.describe())
        return out

    def result_text(self, out):
        results = out.of_type("execute_result")
        self.assertEqual(len(results), 1, "want one execute_result\n" + out.describe())
        return results[0]["content"]["data"]["text/plain"]

    def assert_answers(self):
        out = self.run_ok('fmt.Println("still here")')
        self.assertIn("still here", out.stream_text("stdout"))

    def assert_interrupted(self, out):
        """The execution ended as an interrupted cell: an error reply and
        one error message, both saying Interrupted and naming the cell."""
        self.assertEqual(out.status, "error", out.describe())
        errors = out.errors()
        self.assertEqual(len(errors), 1, out.describe())
        self.assertEqual(out.reply["content"].get("ename"), "Interrupted", out.describe())
        self.assertEqual(errors[0]["content"]["ename"], "Interrupted", out.describe())
        count = out.reply["content"]["execution_count"]
        self.assertIn("cell[%d]" % count, errors[0]["content"]["evalue"], out.describe())


class CellTests(KernelCase):
    def test_declarations_persist_and_can_be_redefined(self):
        self.run_ok('func greet() string { return "v1" }\nvar base = 40\ntype pair struct{ a, b int }')
        out = self.run_ok('fmt.Println(greet(), base+2, pair{1, 2})')
        self.assertEqual(out.stream_text("stdout"), "v1 42 {1 2}\n")
        self.run_ok('func greet() string { return "v2" }')
        out = self.run_ok("fmt.Println(greet(), base)")
        self.assertEqual(out.stream_text("stdout"), "v2 40\n")

    def test_last_expression_is_the_result(self):
        out = self.run_ok("base2 := 20\nbase2 * 2 + 2")
        self.assertEqual(self.result_text(out), "42")

    def test_imports_are_added(self):
        out = self.run_ok('fmt.Println(strings.ToUpper("gopar"), math.Sqrt(16))')
        self.assertEqual(out.stream_text("stdout"), "GOPAR 4\n")

    def test_output_streams_while_the_cell_runs(self):
        out = self.run_ok(
            'for i := 0; i < 3; i++ {\n\tfmt.Println("tick", i)\n\ttime.Sleep(time.Second)\n}'
        )
        streams = [(t, m) for t, m in out.iopub if m["msg_type"] == "stream"]
        self.assertTrue(streams, out.describe())
        self.assertEqual(out.stream_text("stdout"), "tick 0\ntick 1\ntick 2\n")
        first = streams[0][0]
        # The cell runs at least 3 s after its first print; the first tick
        # must not wait for the end of the cell.
        self.assertLess(first, out.reply_time - 1.5, "first output was held back\n" + out.describe())
        self.assertLess(first, out.idle_time - 1.5, out.describe())

    def test_errors_are_one_message_naming_the_line(self):
        cases = {
            "panic": '// a panic on line 2\npanic("boom")',
            "exit": '// exit on line 2\nos.Exit(3)',
            "compile": "// a compile error on line 2\nvar broken int = \"not an int\"",
            "undefined": "fmt.Println(1)\nnoSuchFunction()",
        }
        for name, code in cases.items():
            with self.subTest(name):
                out = execute(self.kc, code)
                self.assertEqual(out.status, "error", out.describe())
                count = out.reply["content"]["execution_count"]
                errors = out.errors()
                self.assertEqual(len(errors), 1, "want exactly one error message\n" + out.describe())
                self.assertEqual(out.stream_text("stderr"), "", "error leaked to stderr\n" + out.describe())
                text = error_text(errors[0])
                self.assertIn("cell[%d]" % count, text, out.describe())
                self.assertEqual(out.reply["content"].get("ename"), errors[0]["content"]["ename"])
                if name == "exit":
                    # The status the program exited with, not any "3".
                    self.assertRegex(errors[0]["content"]["evalue"], r"\bexit(ed)?\b.*\bstatus 3\b", out.describe())
                if name == "panic":
                    self.assertIn("boom", text)
                self.assert_answers()
                with self.subTest(name + " names the line"):
                    self.assertIn("cell[%d] line 2" % count, text, out.describe())

    def test_failed_cell_changes_nothing(self):
        self.run_ok('func version() string { return "good" }')
        out = execute(self.kc, 'func version() string { return "bad" }\nundefinedThing()')
        self.assertEqual(out.status, "error", out.describe())
        out = self.run_ok("fmt.Println(version())")
        self.assertEqual(out.stream_text("stdout"), "good\n")

    def test_magics(self):
        self.run_ok("%env GOPAR_E2E_VAR=hello gopar")
        out = self.run_ok('fmt.Println(os.Getenv("GOPAR_E2E_VAR"))')
        self.assertEqual(out.stream_text("stdout"), "hello gopar\n")

        out = self.run_ok("!echo shell-$((6*7))")
        self.assertIn("shell-42", out.stream_text("stdout"))

        # %cd without a directory prints the current one.
        start = self.run_ok("%cd").stream_text("stdout").strip()
        self.assertTrue(os.path.isabs(start), start)
        with tempfile.TemporaryDirectory(prefix="gopar-cd-") as tmp:
            tmp = os.path.realpath(tmp)
            try:
                self.run_ok("%cd " + tmp)
                out = self.run_ok("fmt.Println(os.Getwd())")
                self.assertEqual(out.stream_text("stdout"), tmp + " <nil>\n")
            finally:
                self.run_ok("%cd " + start)

        self.run_ok("func resetMe() int { return 1 }")
        self.run_ok("%reset")
        out = execute(self.kc, "fmt.Println(resetMe())")
        self.assertEqual(out.status, "error", "declaration survived %reset\n" + out.describe())

        out = execute(self.kc, "%nosuchmagic")
        self.assertEqual(out.status, "error", out.describe())
        self.assertEqual(len(out.errors()), 1, out.describe())

    def test_kernel_info_while_a_cell_sleeps(self):
        out = execute(self.kc, 'fmt.Println("sleeping")\ntime.Sleep(5 * time.Second)', wait=False)
        gopar_env.wait_for_stream(self.kc, out, "sleeping")
        sent = time.monotonic()
        info_id = self.kc.kernel_info()
        answered = None
        while answered is None and time.monotonic() < sent + 10:
            try:
                msg = self.kc.get_shell_msg(timeout=0.05)
            except queue.Empty:
                continue
            parent = msg["parent_header"].get("msg_id")
            if parent == info_id:
                answered = time.monotonic()
                self.assertEqual(msg["msg_type"], "kernel_info_reply")
                self.assertEqual(msg["content"]["language_info"]["name"], "go")
            elif parent == out.msg_id:
                out.reply, out.reply_time = msg, time.monotonic()
        self.assertIsNotNone(answered, "no kernel_info_reply while a cell runs")
        self.assertLess(answered - sent, 1.0, "kernel_info_reply took %.2fs" % (answered - sent))
        self.assertIsNone(out.reply, "the cell ended before kernel_info was answered")
        gopar_env.collect(self.kc, out)
        self.assertEqual(out.status, "ok", out.describe())

    def test_signal_interrupt_stops_a_busy_loop(self):
        self.assertEqual(self.km.kernel_spec.interrupt_mode, "signal")
        out = execute(self.kc, 'fmt.Println("spinning")\nfor {\n}', wait=False)
        gopar_env.wait_for_stream(self.kc, out, "spinning")
        sent = time.monotonic()
        self.km.interrupt_kernel()
        gopar_env.collect(self.kc, out, timeout=30)
        self.assertLessEqual(out.reply_time - sent, 2.0, "interrupt took %.2fs\n%s" % (out.reply_time - sent, out.describe()))
        self.assert_interrupted(out)
        self.assert_answers()

    def test_input_request_round_trip(self):
        code = (
            "func echo() {\n"
            "\tr := bufio.NewReader(os.Stdin)\n"
            "\tline, err := r.ReadString('\\n')\n"
            '\tfmt.Printf("got: %s err: %v\\n", strings.TrimSpace(line), err)\n'
            "}\n"
            "echo()"
        )
        prompts = []

        def answer(prompt):
            prompts.append(prompt)
            return "hello gopar"

        out = self.run_ok(code, allow_stdin=True, answer=answer)
        self.assertEqual(len(out.input_requests), 1, out.describe())
        self.assertIn("got: hello gopar err: <nil>", out.stream_text("stdout"))

    def test_stdin_not_allowed_reads_eof(self):
        code = (
            "func readAll() {\n"
            "\tb, err := io.ReadAll(os.Stdin)\n"
            '\tfmt.Printf("read %d bytes, err %v\\n", len(b), err)\n'
            "\t_, err = bufio.NewReader(os.Stdin).ReadString('\\n')\n"
            '\tfmt.Println("then:", err)\n'
            "}\n"
            "readAll()"
        )
        out = self.run_ok(code, timeout=60, allow_stdin=False)
        self.assertEqual(out.input_requests, [])
        self.assertIn("read 0 bytes, err <nil>\nthen: EOF\n", out.stream_text("stdout"))

    def test_huge_output_is_truncated(self):
        code = (
            "func flood() {\n"
            '\tline := strings.Repeat("x", 1023) + "\\n"\n'
            "\tfor i := 0; i < 40*1024; i++ {\n"
            "\t\tos.Stdout.WriteString(line)\n"
            "\t}\n"
            "}\n"
            "flood()"
        )
        out = execute(self.kc, code, timeout=300)
        self.assertIsNotNone(out.reply)
        self.assertTrue(self.km.is_alive())
        text = out.stream_text()
        self.assertLess(len(text), 40 * 1024 * 1024, "nothing was truncated")
        self.assertGreater(len(text), 0)
        notes = text + "".join(str(m["content"]) for m in out.of_type("display_data") + out.errors())
        self.assertRegex(notes.lower(), "truncat", "no note says the output was truncated")
        self.assert_answers()

    def test_wrongly_signed_messages_are_not_executed(self):
        before = self.run_ok('fmt.Println("before")').reply["content"]["execution_count"]
        good = Session(key=self.km.session.key, signature_scheme=self.km.session.signature_scheme)
        ctx = zmq.Context()
        sock = ctx.socket(zmq.DEALER)
        sock.linger = 0
        try:
            sock.connect("%s://%s:%d" % (self.km.transport, self.km.ip, self.km.shell_port))
            content = {
                "code": 'fmt.Println("INTRUDER" + "-RAN")',
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            }
            for key in (b"not-the-key", b""):
                bad = Session(key=key, signature_scheme=self.km.session.signature_scheme)
                bad.send(sock, "execute_request", content=content)
            # No reply of any kind to the forged requests.
            self.assertEqual(sock.poll(1500), 0, "kernel answered a wrongly signed message")
            # The same socket, properly signed, is answered.
            request = good.send(sock, "kernel_info_request", content={})
            self.assertTrue(sock.poll(10000), "no kernel_info_reply to a signed request")
            _, reply = good.recv(sock, mode=zmq.NOBLOCK)
            self.assertEqual(reply["msg_type"], "kernel_info_reply")
            self.assertEqual(reply["parent_header"]["msg_id"], request["header"]["msg_id"])
        finally:
            sock.close()
            ctx.term()
        out = self.run_ok('fmt.Println("after")')
        seen = out.stream_text() + "".join(str(m["content"]) for m in out.foreign)
        self.assertNotIn("INTRUDER-RAN", seen)
        self.assertEqual(out.reply["content"]["execution_count"], before + 1)


class MessageInterruptTests(KernelCase):
    kernel_name = gopar_env.KERNEL_MESSAGE_INTERRUPT

    def test_interrupt_request_on_control(self):
        self.assertEqual(self.km.kernel_spec.interrupt_mode, "message")
        out = execute(self.kc, 'fmt.Println("spinning")\nfor {\n}', wait=False)
        gopar_env.wait_for_stream(self.kc, out, "spinning")
        sent = time.monotonic()
        msg = self.kc.session.msg("interrupt_request", {})
        self.kc.control_channel.send(msg)
        reply = self.kc.get_control_msg(timeout=10)
        self.assertEqual(reply["msg_type"], "interrupt_reply")
        self.assertEqual(reply["parent_header"]["msg_id"], msg["header"]["msg_id"])
        self.assertEqual(reply["content"]["status"], "ok")
        gopar_env.collect(self.kc, out, timeout=30)
        self.assertLessEqual(out.reply_time - sent, 2.0, "interrupt took %.2fs\n%s" % (out.reply_time - sent, out.describe()))
        self.assert_interrupted(out)
        self.assert_answers()

    def test_interrupt_kernel_sends_a_message(self):
        # KernelManager.interrupt_kernel, as Notebook's stop button calls
        # it, must send interrupt_request on the control channel for this
        # kernelspec, and never a signal: the kernel would obey SIGINT too,
        # so only the manager's side shows how the interrupt travelled.
        self.assertEqual(self.km.kernel_spec.interrupt_mode, "message")
        out = execute(self.kc, 'fmt.Println("spinning")\nfor {\n}', wait=False)
        gopar_env.wait_for_stream(self.kc, out, "spinning")
        session = self.km.session
        real_send = session.send
        requests = []

        def spy(stream, msg_or_type, *args, **kw):
            msg = real_send(stream, msg_or_type, *args, **kw)
            if msg["msg_type"] == "interrupt_request":
                requests.append(msg)
            return msg

        signal = AssertionError("interrupt_kernel sent a signal to a message-mode kernel")
        sent = time.monotonic()
        with mock.patch.object(session, "send", spy), mock.patch.object(self.km, "signal_kernel", side_effect=signal):
            self.km.interrupt_kernel()
        self.assertEqual(len(requests), 1, "interrupt_kernel sent no interrupt_request")
        # The manager's own control socket (private to jupyter_client)
        # receives the kernel's answer to that request.
        control = self.km._control_socket
        self.assertTrue(control.poll(10000), "no interrupt_reply on the manager's control socket")
        _, reply = session.recv(control, mode=zmq.NOBLOCK)
        self.assertEqual(reply["msg_type"], "interrupt_reply")
        self.assertEqual(reply["parent_header"]["msg_id"], requests[0]["header"]["msg_id"])
        self.assertEqual(reply["content"]["status"], "ok")
        gopar_env.collect(self.kc, out, timeout=30)
        self.assertLessEqual(out.reply_time - sent, 2.0, out.describe())
        self.assert_interrupted(out)
        self.assert_answers()


class LifecycleTests(unittest.TestCase):
    def setUp(self):
        self.km, self.kc = gopar_env.start_kernel()
        self.addCleanup(gopar_env.stop_kernel, self.km, self.kc)

    def test_restart(self):
        out = execute(self.kc, 'var marker = "before restart"\nfmt.Println(marker)', timeout=FIRST_CELL_TIMEOUT)
        self.assertEqual(out.status, "ok", out.describe())
        pid = self.km.provisioner.pid if self.km.provisioner else None
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=60)
        if pid is not None:
            self.assertNotEqual(self.km.provisioner.pid, pid, "kernel process was not replaced")
        out = execute(self.kc, 'fmt.Println("after restart")', timeout=FIRST_CELL_TIMEOUT)
        self.assertEqual(out.status, "ok", out.describe())
        self.assertIn("after restart", out.stream_text("stdout"))
        # A restarted kernel starts from scratch.
        out = execute(self.kc, "fmt.Println(marker)")
        self.assertEqual(out.status, "error", out.describe())

    def test_shutdown_request_ends_the_process(self):
        msg_id = self.kc.shutdown()
        reply = self.kc.get_control_msg(timeout=10)
        self.assertEqual(reply["msg_type"], "shutdown_reply")
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        deadline = time.monotonic() + 15
        while self.km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(self.km.is_alive(), "kernel still running 15 s after shutdown_request")


if __name__ == "__main__":
    unittest.main()
