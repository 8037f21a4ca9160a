"""End-to-end tests: magics (%goflags, %time, %env) and rich output (a
value's SVG method, display.Show, display.ClearOutput)."""

import unittest

from gopar_env import FIRST_CELL_TIMEOUT, execute
from test_e2e import KernelCase, error_text

# A Go duration as time.Duration.String writes it: 713ms, 1.5s, 2m3.1s, 0s.
DURATION = r"(?:\d+(?:\.\d+)?(?:h|m|s|ms|µs|us|ns))+"


class MagicTests(KernelCase):
    def clear_goflags(self):
        out = self.run_ok('%goflags ""')
        self.assertEqual(out.stream_text("stdout"), "goflags: []\n", out.describe())

    def test_goflags_reach_the_build(self):
        self.addCleanup(self.clear_goflags)
        out = self.run_ok("%goflags -ldflags=-X=main.linkedFlavor=blue")
        self.assertEqual(out.stream_text("stdout"), 'goflags: ["-ldflags=-X=main.linkedFlavor=blue"]\n')
        # %goflags without flags shows the ones set.
        out = self.run_ok("%goflags")
        self.assertIn("-ldflags=-X=main.linkedFlavor=blue", out.stream_text("stdout"))
        # The linker sets the cell's package-level string: only the flag
        # can have put "blue" there.
        out = self.run_ok('var linkedFlavor string\nfmt.Printf("flavor %q\\n", linkedFlavor)')
        self.assertEqual(out.stream_text("stdout"), 'flavor "blue"\n')
        self.clear_goflags()
        out = self.run_ok('var linkedFlavor string\nfmt.Printf("flavor %q\\n", linkedFlavor)')
        self.assertEqual(out.stream_text("stdout"), 'flavor ""\n', "cleared flags still apply")

    def test_goflags_race_reports_a_data_race(self):
        self.addCleanup(self.clear_goflags)
        racy = (
            "func racyCount() int {\n"
            "\tn := 0\n"
            "\tvar wg sync.WaitGroup\n"
            "\tfor i := 0; i < 2; i++ {\n"
            "\t\twg.Add(1)\n"
            "\t\tgo func() {\n"
            "\t\t\tdefer wg.Done()\n"
            "\t\t\tn++\n"
            "\t\t}()\n"
            "\t}\n"
            "\twg.Wait()\n"
            "\treturn n\n"
            "}"
        )
        self.run_ok(racy)
        # Without the race detector the unsynchronized counter goes unseen.
        out = self.run_ok("fmt.Println(racyCount())")
        self.assertNotIn("DATA RACE", out.stream_text(), out.describe())
        self.run_ok("%goflags -race")
        # The first -race build may compile the runtime and libraries anew.
        out = execute(self.kc, "fmt.Println(racyCount())", timeout=FIRST_CELL_TIMEOUT)
        self.assertIn("WARNING: DATA RACE", out.stream_text("stderr"), out.describe())
        # A program that found a race exits with status 66.
        self.assertEqual(out.status, "error", out.describe())
        self.assertEqual(len(out.errors()), 1, out.describe())
        self.assertRegex(out.errors()[0]["content"]["evalue"], r"\bstatus 66\b", out.describe())
        self.clear_goflags()
        out = self.run_ok("fmt.Println(racyCount())")
        self.assertNotIn("DATA RACE", out.stream_text(), out.describe())

    def test_bad_goflags_give_a_clear_error(self):
        self.addCleanup(self.clear_goflags)
        self.run_ok("%goflags -no-such-build-flag")
        out = execute(self.kc, 'fmt.Println("not built")')
        self.assertEqual(out.status, "error", out.describe())
        errors = out.errors()
        self.assertEqual(len(errors), 1, "want exactly one error message\n" + out.describe())
        self.assertIn("-no-such-build-flag", errors[0]["content"]["evalue"], out.describe())
        self.assertRegex(error_text(errors[0]), r"flag provided but not defined|unknown flag", out.describe())
        self.assertNotIn("not built", out.stream_text(), out.describe())
        self.clear_goflags()
        out = self.run_ok('fmt.Println("built")')
        self.assertEqual(out.stream_text("stdout"), "built\n")

    def test_time_reports_build_and_run(self):
        out = self.run_ok('%time\nfmt.Println("timed cell")')
        text = out.stream_text("stdout")
        self.assertIn("timed cell\n", text, out.describe())
        # Only the form is checked, never the durations.
        self.assertRegex(text, r"(?m)^time: build %s \((direct|go build|reused)\), run %s$" % (DURATION, DURATION), out.describe())
        out = self.run_ok('fmt.Println("untimed cell")')
        self.assertNotIn("time:", out.stream_text(), "a cell without %time reported its time\n" + out.describe())

    def test_env_lists_and_reaches_cells(self):
        self.run_ok("%env GOPAR_LISTED_A=first value\n%env GOPAR_LISTED_B=2")
        listed = self.run_ok("%env").stream_text("stdout").splitlines()
        self.assertIn("GOPAR_LISTED_A=first value", listed)
        self.assertIn("GOPAR_LISTED_B=2", listed)
        self.assertLess(listed.index("GOPAR_LISTED_A=first value"), listed.index("GOPAR_LISTED_B=2"), "not sorted")
        out = self.run_ok('fmt.Printf("%q %q\\n", os.Getenv("GOPAR_LISTED_A"), os.Getenv("GOPAR_LISTED_B"))')
        self.assertEqual(out.stream_text("stdout"), '"first value" "2"\n')
        out = self.run_ok("!echo shell sees $GOPAR_LISTED_B")
        self.assertIn("shell sees 2", out.stream_text("stdout"))
        # Setting a variable again replaces it in the list.
        self.run_ok("%env GOPAR_LISTED_B=3")
        listed = self.run_ok("%env").stream_text("stdout").splitlines()
        self.assertIn("GOPAR_LISTED_B=3", listed)
        self.assertNotIn("GOPAR_LISTED_B=2", listed)

        out = execute(self.kc, "%env =no-name")
        self.assertEqual(out.status, "error", out.describe())
        self.assertEqual(len(out.errors()), 1, out.describe())
        self.assertIn("%env NAME=VALUE", out.errors()[0]["content"]["evalue"], out.describe())


class WellKnownPackageTests(KernelCase):
    def test_well_known_packages_need_no_import(self):
        # The engine's wellKnown table: each builds from the module's own
        # go.mod and go.sum (internal/cellpkgs keeps go mod tidy from
        # dropping them). Inside a function, so nothing is carried.
        code = (
            "func useWellKnown() {\n"
            "\ta := mat.NewDense(2, 2, []float64{1, 2, 3, 4})\n"
            "\tfmt.Println(mat.Det(a), stat.Mean([]float64{1, 2, 3}, nil), floats.Sum([]float64{1, 2}))\n"
            "\tvar g errgroup.Group\n"
            "\tg.Go(func() error { return nil })\n"
            "\tfmt.Println(g.Wait(), gonbui.IsNotebook)\n"
            "\tp := plot.New()\n"
            "\terr := plotutil.AddLines(p, \"line\", plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})\n"
            "\t_, err2 := p.WriterTo(2*vg.Inch, 2*vg.Inch, \"svg\")\n"
            "\tfmt.Println(err, err2, parallel.Progress != nil)\n"
            "}\n"
            "useWellKnown()"
        )
        out = execute(self.kc, code, timeout=FIRST_CELL_TIMEOUT)
        self.assertEqual(out.status, "ok", out.describe())
        self.assertEqual(out.stream_text("stdout"), "-2 2 3\n<nil> true\n<nil> <nil> true\n", out.describe())


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="12" height="12"><circle cx="6" cy="6" r="5"/></svg>'
HTML = "<b>shown</b> by display.Show"


class RichOutputTests(KernelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        out = execute(
            cls.kc,
            "type dot struct{ R int }\n"
            "func (d dot) SVG() string { return `%s` }\n"
            "type note struct{ Text string }\n"
            "func (n note) HTML() string { return `%s` }" % (SVG, HTML),
        )
        if out.status != "ok":
            raise AssertionError("declaring the display types failed:\n" + out.describe())

    def test_svg_method_makes_the_result_svg(self):
        out = self.run_ok("dot{R: 5}")
        results = out.of_type("execute_result")
        self.assertEqual(len(results), 1, out.describe())
        content = results[0]["content"]
        self.assertEqual(content["data"].get("image/svg+xml"), SVG, out.describe())
        self.assertEqual(content["data"].get("text/plain"), "{5}", out.describe())
        self.assertEqual(content["execution_count"], out.reply["content"]["execution_count"])
        self.assertEqual(out.of_type("display_data"), [], out.describe())

    def test_display_show_sends_display_data(self):
        # display needs no import line; Show reports that the kernel got it.
        # (Not as the last line: Show returns a bool, which would become
        # the cell's result.)
        out = self.run_ok('fmt.Println(display.Show(note{"x"}))\ndisplay.Show(dot{R: 1})\ndisplay.Show(42)\nfmt.Println("end")')
        self.assertEqual(out.stream_text("stdout"), "true\nend\n", out.describe())
        shown = out.of_type("display_data")
        self.assertEqual(len(shown), 3, out.describe())
        self.assertEqual(shown[0]["content"]["data"], {"text/plain": "{x}", "text/html": HTML})
        self.assertEqual(shown[1]["content"]["data"], {"text/plain": "{1}", "image/svg+xml": SVG})
        self.assertEqual(shown[2]["content"]["data"], {"text/plain": "42"})
        self.assertEqual(out.of_type("execute_result"), [], "display.Show is not the cell's result\n" + out.describe())

    def test_display_clear_output(self):
        out = self.run_ok("display.Show(1)\ndisplay.ClearOutput(false)\ndisplay.Show(2)\ndisplay.ClearOutput(true)")
        # Both travel on one channel from the cell, so their order holds.
        seen = [
            (m["msg_type"], m["content"].get("wait"), m["content"].get("data", {}).get("text/plain"))
            for _, m in out.iopub
            if m["msg_type"] in ("display_data", "clear_output")
        ]
        self.assertEqual(
            seen,
            [("display_data", None, "1"), ("clear_output", False, None), ("display_data", None, "2"), ("clear_output", True, None)],
            out.describe(),
        )


if __name__ == "__main__":
    unittest.main()
