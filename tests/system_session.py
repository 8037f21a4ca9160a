"""A student's session, run as that Unix user by test_system.py and
bench_system.py: `runuser -u USER -- /usr/bin/python3 - SPEC < this file`.

SPEC is JSON: {"kernel": NAME, "cells": [CODE, ...], "start_at": EPOCH?}.
Starts a kernel the way the user's Jupyter would (kernelspecs found through
JUPYTER_PATH), waits until start_at if given, runs the cells in order and
prints JSON: for each cell its status, the seconds from request to reply
and to the first output, its stdout, stderr, error and result mime types;
and the uid the kernel runs as.

It reads no file of the repository: the user may not be able to.
"""

import json
import queue
import sys
import time

from jupyter_client.manager import start_new_kernel


def run_cell(kc, code, timeout=600):
    msg_id = kc.execute(code, stop_on_error=False)
    sent = time.monotonic()
    cell = {"stdout": "", "stderr": "", "error": None, "mimes": [], "first_output": None}
    reply = idle = None
    deadline = sent + timeout
    while reply is None or idle is None:
        if time.monotonic() > deadline:
            cell["error"] = "timed out"
            break
        for get in (kc.get_iopub_msg, kc.get_shell_msg):
            try:
                msg = get(timeout=0.01)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            now = time.monotonic()
            if kind == "execute_reply":
                reply = msg
                cell["seconds"] = now - sent
                cell["status"] = msg["content"]["status"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = now
            elif kind == "stream":
                cell[msg["content"]["name"]] += msg["content"]["text"]
            elif kind in ("execute_result", "display_data"):
                cell["mimes"] += sorted(msg["content"]["data"])
            elif kind == "error":
                cell["error"] = "\n".join(msg["content"]["traceback"])
            if kind in ("stream", "execute_result", "display_data", "error") and cell["first_output"] is None:
                cell["first_output"] = now - sent
    return cell


def main():
    spec = json.loads(sys.argv[1])
    km, kc = start_new_kernel(kernel_name=spec["kernel"], startup_timeout=120)
    try:
        if spec.get("start_at"):
            time.sleep(max(0, spec["start_at"] - time.time()))
        cells = [run_cell(kc, code) for code in spec["cells"]]
        uid = run_cell(kc, "fmt.Println(os.Getuid())")["stdout"].strip()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    json.dump({"cells": cells, "kernel_uid": uid}, sys.stdout)


main()
