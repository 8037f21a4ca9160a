"""End-to-end tests: the parallel package used from cells of the kernel."""

import time
import unittest

import gopar_env
from gopar_env import execute
from test_e2e import KernelCase


class ParallelInKernelTests(KernelCase):
    def test_map_over_a_function_from_an_earlier_cell_with_progress(self):
        self.run_ok("func work(x int) int {\n\ttime.Sleep(3 * time.Millisecond)\n\treturn x * x\n}")
        out = self.run_ok(
            "xs := make([]int, 600)\nfor i := range xs {\n\txs[i] = i\n}\n"
            "squares, err := parallel.Map(xs, work, parallel.Progress())\n"
            "fmt.Println(len(squares), squares[599], err)"
        )
        self.assertEqual(out.stream_text("stdout"), "600 358801 <nil>\n")
        shown = out.of_type("display_data")
        updates = out.of_type("update_display_data")
        self.assertEqual(len(shown), 1, out.describe())
        display_id = shown[0]["content"]["transient"]["display_id"]
        self.assertTrue(display_id)
        self.assertGreaterEqual(len(updates), 1, out.describe())
        for u in updates:
            self.assertEqual(u["content"]["transient"]["display_id"], display_id)
        final = (updates or shown)[-1]["content"]["data"]["text/html"]
        self.assertRegex(final, r"600\s*/\s*600")

    def test_interrupt_during_a_long_map(self):
        out = execute(
            self.kc,
            'fmt.Println("mapping")\n'
            "_, err := parallel.Map(make([]int, 1000000), func(x int) int {\n"
            "\ttime.Sleep(time.Millisecond)\n\treturn x\n})\n"
            "fmt.Println(err)",
            wait=False,
        )
        gopar_env.wait_for_stream(self.kc, out, "mapping")
        time.sleep(0.3)
        start = time.monotonic()
        self.km.interrupt_kernel()
        gopar_env.collect(self.kc, out, timeout=30)
        took = out.reply_time - start
        self.assertEqual(out.status, "error", out.describe())
        self.assertLess(took, 2.0, out.describe())
        self.assert_answers()


if __name__ == "__main__":
    unittest.main()
