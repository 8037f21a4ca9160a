"""End-to-end test of parallel/cluster in a kernel: a cell's function
mapped as a Beam job on Prism in the cell's own process, and a function
literal refused with the reason."""

import re
import time
import unittest

from gopar_env import execute
from test_e2e import KernelCase

# The first cell that uses cluster adds its module, downloads Apache Beam
# through the module proxy and builds it: minutes on two cores.
BEAM_CELL_TIMEOUT = 1500


class ClusterTests(KernelCase):
    def test_map_a_cell_function_and_refuse_a_literal(self):
        self.run_ok("func cube(x int) int { return x * x * x }")
        start = time.monotonic()
        out = execute(
            self.kc,
            "xs := []int{1, 2, 3, 4, 5, 6, 7, 8}\n"
            "cubes, err := cluster.Map(xs, cube, cluster.Progress())\n"
            'fmt.Println("cubes:", cubes, err)',
            timeout=BEAM_CELL_TIMEOUT,
        )
        first = time.monotonic() - start
        self.assertEqual(out.status, "ok", out.describe())
        self.assertIn("cubes: [1 8 27 64 125 216 343 512] <nil>", out.stream_text("stdout"), out.describe())
        progress = [
            m["content"]["data"].get("text/html", "")
            for _, m in out.iopub
            if m["msg_type"] in ("display_data", "update_display_data")
        ]
        self.assertTrue(any("job DONE, 8/8 items processed" in p for p in progress), out.describe())

        # A changed cell that uses cluster: Beam is built and cached now.
        start = time.monotonic()
        out = self.run_ok(
            "counts, err := cluster.MapReduce([]string{\"a b\", \"b\"}, splitWords, add)\n"
            'fmt.Println("counts:", counts["a"], counts["b"], err)\n'
            "func splitWords(s string, emit func(string, int)) {\n"
            "\tfor _, w := range strings.Fields(s) {\n\t\temit(w, 1)\n\t}\n}\n"
            "func add(a, b int) int { return a + b }",
            timeout=BEAM_CELL_TIMEOUT,
        )
        changed = time.monotonic() - start
        self.assertIn("counts: 1 2 <nil>", out.stream_text("stdout"), out.describe())
        print("\ncluster cell latency: first %.1fs (adds and builds Beam), changed %.1fs" % (first, changed))

        out = execute(self.kc, "_, err = cluster.Map(xs, func(x int) int { return x + 1 })\nif err != nil {\n\tpanic(err)\n}")
        self.assertEqual(out.status, "error", out.describe())
        text = out.describe()
        self.assertRegex(text, re.compile(r"is a function literal: the variables it captures cannot travel"))


if __name__ == "__main__":
    unittest.main()
