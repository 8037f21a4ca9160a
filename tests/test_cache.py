"""End-to-end tests: cached functions through the kernel. A slow function
answers from disk in later cells, after %reset and after a restart; editing
a helper it calls computes again, editing a comment does not; %cache lists
and clears."""

import os
import shutil
import tempfile
import time
import unittest

import gopar_env
from gopar_env import CELL_TIMEOUT, FIRST_CELL_TIMEOUT, execute

HELPER = "func offset(x int) int { return x + 1 }\n"
SLOW = (
    "func slowSquare(x int) int {\n"
    "\ttime.Sleep(2 * time.Second)\n"
    "\treturn offset(x) * offset(x)\n"
    "}\n"
)


class CacheTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The kernel's working directory is the notebook's: the cache goes
        # to .gopar-cache there.
        cls.dir = tempfile.mkdtemp(prefix="gopar-cache-e2e-")
        cls.km, cls.kc = gopar_env.start_kernel(cwd=cls.dir)

    @classmethod
    def tearDownClass(cls):
        gopar_env.stop_kernel(cls.km, cls.kc)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def run_ok(self, code, timeout=CELL_TIMEOUT):
        start = time.monotonic()
        out = execute(self.kc, code, timeout=timeout)
        took = time.monotonic() - start
        self.assertEqual(out.status, "ok", "cell failed:\n%s\n%s" % (code, out.describe()))
        self.assertEqual(out.errors(), [], out.describe())
        return out, took

    def timed_result(self, code, timeout=CELL_TIMEOUT):
        """The cell's result and how long its run took, as %time reports
        it (building is not what the cache saves)."""
        out, _ = self.run_ok("%time\n" + code, timeout=timeout)
        results = out.of_type("execute_result")
        self.assertEqual(len(results), 1, out.describe())
        report = [l for l in out.stream_text("stdout").splitlines() if l.startswith("time: build")]
        self.assertEqual(len(report), 1, out.describe())
        run = report[0].rsplit("run ", 1)[1]
        seconds = float(run[:-2]) / 1000 if run.endswith("ms") else float(run[:-1])
        return results[0]["content"]["data"]["text/plain"], seconds, out

    def assert_computed(self, code, want, computed, timeout=CELL_TIMEOUT):
        value, seconds, out = self.timed_result(code, timeout)
        self.assertEqual(value, want, out.describe())
        if computed:
            self.assertGreaterEqual(seconds, 2.0, "want it computed (2 s):\n" + out.describe())
        else:
            self.assertLess(seconds, 1.5, "want it answered from the cache:\n" + out.describe())
        self.assertNotIn("not kept", out.stream_text("stdout"))
        return out

    def test_cached_function_through_the_kernel(self):
        self.assert_computed(HELPER + SLOW + "sq := cache.Func(slowSquare)\nsq(4)", "25", True, FIRST_CELL_TIMEOUT)
        self.assertTrue(os.path.isfile(os.path.join(self.dir, ".gopar-cache", "CACHEDIR.TAG")))
        # A later cell: sq is made again, and answers from disk.
        self.assert_computed("sq(4)", "25", False)
        # A comment is not code; a changed helper is.
        self.assert_computed("// one more than x\nfunc offset(x int) int {\n\treturn x + 1 // still one\n}\nsq(4)", "25", False)
        self.assert_computed("func offset(x int) int { return x + 2 }\nsq(4)", "36", True)
        self.run_ok("%reset")
        self.assert_computed(
            "func offset(x int) int { return x + 2 }\n" + SLOW + "sq := cache.Func(slowSquare)\nsq(4)", "36", False
        )
        out, _ = self.run_ok("%cache")
        text = out.stream_text("stdout")
        self.assertIn("slowSquare", text)
        self.assertRegex(text, r"slowSquare\s+2\s+")  # two entries: one per version of offset

        # A new kernel process, in the same folder: nothing recomputed.
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=gopar_env.STARTUP_TIMEOUT)
        self.assert_computed(
            "func offset(x int) int { return x + 2 }\n" + SLOW + "sq := cache.Func(slowSquare)\nsq(4)",
            "36",
            False,
            FIRST_CELL_TIMEOUT,
        )
        out, _ = self.run_ok("%cache clear slowSquare")
        self.assertIn("cleared 1", out.stream_text("stdout"))
        self.assert_computed("sq(4)", "36", True)

    def test_func_literal_is_one_error_naming_the_line(self):
        out = execute(self.kc, "k := 3\nf := cache.Func(func(x int) int { return k * x })\nf(2)", timeout=FIRST_CELL_TIMEOUT)
        self.assertEqual(out.status, "error", out.describe())
        errors = out.errors()
        self.assertEqual(len(errors), 1, out.describe())
        value = errors[0]["content"]["evalue"]
        self.assertIn("function literal", value)
        self.assertIn("line 2", value + "\n".join(errors[0]["content"]["traceback"]))


if __name__ == "__main__":
    unittest.main()
