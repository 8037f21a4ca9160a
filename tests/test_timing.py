"""End-to-end tests: timing results and gonum plots as cell values, the
%timeit magic, and a sweep stopped by the interrupt button."""

import base64
import re
import struct
import time
import unittest

import gopar_env
from gopar_env import FIRST_CELL_TIMEOUT, execute
from test_e2e import KernelCase

# IPython's %timeit report.
TIMEIT = re.compile(
    r"^\d[\d.]* (ns|µs|ms|s) ± \d[\d.]* (ns|µs|ms|s) per loop "
    r"\(mean ± std\. dev\. of \d+ runs?, [\d,]+ loops? each\)$"
)


def png_size(data):
    """The width and height of a base64 PNG, which must be one."""
    raw = base64.b64decode(data)
    if raw[:8] != b"\x89PNG\r\n\x1a\n" or raw[12:16] != b"IHDR":
        raise AssertionError("not a PNG: %r" % raw[:16])
    return struct.unpack(">II", raw[16:24])


def displays(out):
    """The HTML of every display and update of a cell, in order."""
    return [
        m["content"]["data"].get("text/html", "")
        for _, m in out.iopub
        if m["msg_type"] in ("display_data", "update_display_data")
    ]


class TimingTests(KernelCase):
    def test_sweep_is_a_table_and_a_chart(self):
        out = execute(
            self.kc,
            "r := timing.Sweep(func(w int) {\n"
            "\tvar wg sync.WaitGroup\n"
            "\tfor range w {\n"
            "\t\twg.Go(func() { time.Sleep(40 * time.Millisecond / time.Duration(w)) })\n"
            "\t}\n"
            "\twg.Wait()\n"
            "}, timing.Workers(1, 2, 4))\n"
            "r",
            timeout=FIRST_CELL_TIMEOUT,
        )
        self.assertEqual(out.status, "ok", out.describe())
        results = out.of_type("execute_result")
        self.assertEqual(len(results), 1, out.describe())
        data = results[0]["content"]["data"]
        self.assertIn("<table", data.get("text/html", ""), out.describe())
        self.assertIn("<svg", data["text/html"], "the chart goes with the table")
        self.assertTrue(data.get("image/svg+xml", "").startswith("<svg"), out.describe())
        self.assertRegex(data["text/plain"], r"workers\s+median\s+min\s+max\s+speedup\s+efficiency")
        self.assertIn("serial fraction", data["text/plain"])
        # Progress while it ran, in one display updated in place.
        self.assertIn("swept 3 worker counts", displays(out)[-1], out.describe())
        # The result is a value like any other: carried to the next cell.
        out = self.run_ok('fmt.Printf("%.1f %d\\n", r.Speedup(1), len(r.Rows))')
        self.assertEqual(out.stream_text("stdout"), "1.0 3\n", out.describe())
        # timingplot draws it with gonum: an image.
        out = self.run_ok("timingplot.Sweep(r)", timeout=FIRST_CELL_TIMEOUT)
        results = out.of_type("execute_result")
        self.assertEqual(len(results), 1, out.describe())
        width, height = png_size(results[0]["content"]["data"]["image/png"])
        self.assertGreater(width, height, "two panels side by side")

    def test_plot_is_an_image_and_is_kept(self):
        out = execute(
            self.kc,
            "p := plot.New()\n"
            'p.Title.Text = "squares"\n'
            "l, _ := plotter.NewLine(plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 4}, {X: 3, Y: 9}})\n"
            "p.Add(l)\n"
            "p",
            timeout=FIRST_CELL_TIMEOUT,
        )
        self.assertEqual(out.status, "ok", out.describe())
        data = out.of_type("execute_result")[0]["content"]["data"]
        self.assertEqual(png_size(data["image/png"]), (605, 378), "16 by 10 cm at 96 dpi")
        self.assertNotIn("&{", data["text/plain"])
        self.assertNotIn("not kept", out.stream_text(), out.describe())
        # Shown again from a later cell, changed.
        out = self.run_ok('p.Title.Text = "squares, again"\np')
        data = out.of_type("execute_result")[0]["content"]["data"]
        self.assertEqual(data["text/plain"], 'png image 16×10 cm of plot "squares, again"')
        png_size(data["image/png"])
        # As SVG when asked.
        out = self.run_ok("plots.SVG(p)")
        data = out.of_type("execute_result")[0]["content"]["data"]
        self.assertIn("<svg", data.get("image/svg+xml", ""), out.describe())
        self.assertNotIn("image/png", data)

    def test_timeit_prints_ipythons_report(self):
        self.run_ok("func fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}")
        out = self.run_ok("%timeit -r 3 fib(12)")
        first = out.stream_text("stdout").splitlines()[0]
        self.assertRegex(first, TIMEIT)
        self.assertIn("of 3 runs,", first)

    def test_amdahl_curves_for_teaching(self):
        out = self.run_ok("timingplot.Amdahl(32, 0.05, 0.1, 0.25)")
        png_size(out.of_type("execute_result")[0]["content"]["data"]["image/png"])

    def test_interrupt_keeps_the_finished_rows(self):
        out = execute(
            self.kc,
            'fmt.Println("sweeping")\n'
            "r := timing.Sweep(func(w int) { time.Sleep(time.Duration(w) * 300 * time.Millisecond) },\n"
            "\ttiming.Workers(1, 2), timing.Repeat(1), timing.Warmup(0))\n"
            "fmt.Println(len(r.Rows), r.Err)",
            wait=False,
        )
        gopar_env.collect(self.kc, out, until=lambda o: any("count 2 of 2" in h for h in displays(o)))
        self.km.interrupt_kernel()
        gopar_env.collect(self.kc, out, timeout=30)
        self.assert_interrupted(out)
        self.assertIn("Stopped after 1 worker count: timing: interrupted.", displays(out)[-1], out.describe())
        self.assertIn("1 timing: interrupted\n", out.stream_text("stdout"), out.describe())
        self.assert_answers()


if __name__ == "__main__":
    unittest.main()
