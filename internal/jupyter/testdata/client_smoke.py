"""Drive a gopar kernel (with the test engine of interop_test.go) through
jupyter_client, the reference client: signing, socket types, message shapes.
Exits non-zero with a message naming the first check that failed."""

import sys

from jupyter_client import BlockingKernelClient

TIMEOUT = 60  # hang guard only


def check(cond, what):
    if not cond:
        sys.exit("check failed: " + what)


kc = BlockingKernelClient()
kc.load_connection_file(sys.argv[1])
kc.start_channels()
kc.wait_for_ready(timeout=TIMEOUT)

info = kc.kernel_info(reply=True, timeout=TIMEOUT)["content"]
check(info["implementation"] == "gopar", "kernel_info implementation: %r" % info)
check(info["language_info"]["name"] == "go", "language_info: %r" % info)
check(info["protocol_version"] >= "5.3", "protocol_version: %r" % info)

outputs = []
reply = kc.execute_interactive("print hi", timeout=TIMEOUT, output_hook=outputs.append)
check(reply["content"]["status"] == "ok", "execute_reply: %r" % reply["content"])
check(reply["content"]["execution_count"] == 1, "execution_count: %r" % reply["content"])
kinds = [m["msg_type"] for m in outputs]
check(kinds == ["status", "execute_input", "stream", "execute_result", "status"], "iopub order: %r" % kinds)
check(outputs[2]["content"]["text"] == "print hi\n", "stream: %r" % outputs[2]["content"])
check(outputs[3]["content"]["data"]["text/plain"] == "8", "execute_result: %r" % outputs[3]["content"])

outputs = []
reply = kc.execute_interactive("fail", timeout=TIMEOUT, output_hook=outputs.append)
check(reply["content"]["status"] == "error" and reply["content"]["ename"] == "CompileError", "error reply: %r" % reply["content"])
check([m["msg_type"] for m in outputs].count("error") == 1, "one error message: %r" % outputs)

answers = []


def stdin_hook(msg):
    answers.append(msg["content"]["prompt"])
    kc.input("gopher")


outputs = []
reply = kc.execute_interactive("ask", timeout=TIMEOUT, allow_stdin=True, stdin_hook=stdin_hook, output_hook=outputs.append)
check(answers == ["name: "], "input prompt: %r" % answers)
texts = [m["content"].get("text") for m in outputs if m["msg_type"] == "stream"]
check(texts == ["got gopher\n"], "input echoed: %r" % texts)

hist = kc.history(hist_access_type="tail", n=10, output=True, reply=True, timeout=TIMEOUT)["content"]["history"]
check([h[1] for h in hist] == [1, 2, 3] and hist[0][2] == ["print hi", "8"], "history: %r" % hist)

comp = kc.complete("fmt.Pr", 6, reply=True, timeout=TIMEOUT)["content"]
check(comp["status"] == "ok" and comp["matches"] == ["fmt.PrPrintln"] and comp["cursor_end"] == 6, "complete: %r" % comp)

msg_id = kc.is_complete("func f() {")
rep = kc.get_shell_msg(timeout=TIMEOUT)
check(rep["parent_header"]["msg_id"] == msg_id, "is_complete_reply parent")
isc = rep["content"]
check(isc["status"] == "incomplete", "is_complete: %r" % isc)

check(kc.is_alive(), "heartbeat")

kc.shutdown(restart=False)
rep = kc.get_control_msg(timeout=TIMEOUT)
check(rep["msg_type"] == "shutdown_reply" and rep["content"]["restart"] is False, "shutdown_reply: %r" % rep)
kc.stop_channels()
print("ok")
