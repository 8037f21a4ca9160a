"""End-to-end tests: variables keep their values between cells."""

import time
import unittest

import gopar_env
from gopar_env import CELL_TIMEOUT, execute
from test_e2e import KernelCase, error_text


class CarriedVariableTests(KernelCase):
    def out(self, code):
        return self.run_ok(code).stream_text("stdout")

    def test_values_survive_cells(self):
        self.run_ok(
            'results, err := parallel.Map([]int{1, 2, 3}, func(x int) int { return x * 10 })\n'
            'var label = "squares"\n'
            'count := 3'
        )
        self.assertEqual(self.out("fmt.Println(len(results), results, err, label, count)"),
                         "3 [10 20 30] <nil> squares 3\n")

    def test_assignment_append_map_insert_and_mutation(self):
        self.run_ok("nums := []int{1}\nscores := map[string]int{}\ntype acc struct{ total int }\nsum := &acc{}")
        self.run_ok('nums = append(nums, 2)\nscores["a"] = 1')
        self.run_ok("func add(n int) { sum.total += n }\nadd(5)\nadd(7)")
        self.run_ok("count2 := 0\ncount2 = 41\ncount2++")
        self.assertEqual(self.out("fmt.Println(nums, scores, sum.total, count2)"),
                         "[1 2] map[a:1] 12 42\n")

    def test_kept_kinds(self):
        self.run_ok(
            "type Celsius float64\n"
            "type reading struct {\n\tWhen time.Time\n\tTemp Celsius\n\tnote string\n\tTags [2]string\n}\n"
            "r := reading{When: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), Temp: 21.5, note: \"lab\", Tags: [2]string{\"a\", \"b\"}}\n"
            "d := 1500 * time.Millisecond\n"
            "var shape any = reading{note: \"in an interface\"}\n"
            "c := complex(1, 2)\n"
            "flags := map[int]bool{1: true}"
        )
        self.assertEqual(
            self.out("fmt.Println(r.When.Format(time.RFC3339), r.Temp, r.note, r.Tags, d, shape.(reading).note, c, flags)"),
            "2024-05-06T07:08:09Z 21.5 lab [a b] 1.5s in an interface (1+2i) map[1:true]\n",
        )

    def test_errors_keep_their_message(self):
        # The standard library's errors have unexported types a later
        # program cannot rebuild; they must still arrive, as their message,
        # and with no note on stderr.
        self.run_ok(
            'n, err := strconv.Atoi("zz")\n'
            'wrapped := fmt.Errorf("config: %w", io.EOF)\n'
            '_, mapErr := parallel.Map([]int{1, -1}, func(x int) int {\n'
            '\tif x < 0 {\n\t\tpanic("negative")\n\t}\n\treturn x\n})\n'
            'var none error'
        )
        out = self.run_ok('fmt.Println(n, err)\nfmt.Println(wrapped, none == nil, err != nil)\n'
                          'fmt.Println(strings.SplitN(mapErr.Error(), "\\n", 2)[0])')
        self.assertEqual(out.stream_text("stderr"), "", out.describe())
        self.assertEqual(
            out.stream_text("stdout"),
            '0 strconv.Atoi: parsing "zz": invalid syntax\n'
            "config: EOF true true\n"
            "parallel: item 1 (input -1): panic: negative\n",
        )

    def test_aliasing_and_cycles(self):
        self.run_ok(
            "backing := []int{1, 2, 3, 4}\nfront := backing[:2]\n"
            "type node struct {\n\tnext *node\n\tv int\n}\n"
            "ring := &node{v: 1}\nring.next = &node{v: 2, next: ring}\n"
            "p1 := &node{v: 7}\np2 := p1"
        )
        self.run_ok("front[0] = 100\np2.v = 8")
        self.assertEqual(self.out("fmt.Println(backing[0], ring.next.next == ring, ring.next.next.v, p1.v, p1 == p2)"),
                         "100 true 1 8 true\n")

    def test_redefined_type_keeps_fitting_fields(self):
        self.run_ok("type rec struct {\n\tName string\n\tAge int\n}\nperson := rec{\"Ada\", 36}")
        self.run_ok("type rec struct {\n\tName string\n\tAge int\n\tEmail string\n}")
        self.assertEqual(self.out('fmt.Printf("%q %d %q\\n", person.Name, person.Age, person.Email)'),
                         '"Ada" 36 ""\n')
        # A kind change no longer fits: the variable is dropped with a note
        # that names it and says why. Only the note counts: the name alone
        # would also match a compile error ("undefined: person") from a
        # variable dropped silently.
        self.run_ok("type rec struct {\n\tName int\n}")
        out = execute(self.kc, "fmt.Println(person.Name)")
        text = out.stream_text() + "".join(error_text(m) for m in out.errors())
        self.assertRegex(text, r"(not loaded|dropped): person \([^)\n]*\bstring\b", out.describe())

    def test_failed_and_interrupted_cells_change_nothing(self):
        self.run_ok("kept := []int{1, 2, 3}")
        out = execute(self.kc, 'kept = append(kept, 4)\npanic("no")')
        self.assertEqual(out.status, "error", out.describe())
        out = execute(self.kc, "kept = append(kept, 5)\nundefinedThing()")
        self.assertEqual(out.status, "error", out.describe())
        self.assertEqual(self.out("fmt.Println(kept)"), "[1 2 3]\n")

        out = execute(self.kc, 'kept = append(kept, 6)\nfmt.Println("looping")\nfor {}', wait=False)
        gopar_env.wait_for_stream(self.kc, out, "looping")
        self.km.interrupt_kernel()
        gopar_env.collect(self.kc, out, timeout=30)
        self.assertEqual(out.status, "error", out.describe())
        self.assertEqual(self.out("fmt.Println(kept)"), "[1 2 3]\n")

    def test_values_that_cannot_travel_get_a_note(self):
        out = self.run_ok("ch := make(chan int, 1)\nfn := func() {}\nkeepMe := 1\n_, _ = ch, fn")
        note = out.stream_text("stdout").strip().splitlines()[-1]
        self.assertIn("not kept:", note)
        self.assertIn("ch (chan int", note)
        self.assertIn("fn (func()", note)
        self.assertNotIn("keepMe", note)
        out = execute(self.kc, "fmt.Println(ch)")
        self.assertEqual(out.status, "error", out.describe())
        self.assertEqual(self.out("fmt.Println(keepMe)"), "1\n")

    def test_large_value_costs_only_cells_that_use_it(self):
        self.run_ok("large := make([]float64, 100<<20/8)\nfor i := range large {\n\tlarge[i] = float64(i)\n}")
        self.run_ok("tiny := 1")

        def best_of(code, n=3):
            best = None
            for _ in range(n):
                out = self.run_ok(code)
                took = out.reply_time - out.sent
                best = took if best is None else min(best, took)
            return best

        unrelated = best_of("fmt.Println(tiny)")
        using = best_of("fmt.Println(len(large))")
        # No timing assertion beyond a sanity ratio: a cell that does not
        # use the 100 MB value must not pay for loading and saving it.
        self.assertLess(unrelated, using, "unrelated %.3fs, using %.3fs" % (unrelated, using))
        self.assertEqual(self.out("fmt.Println(len(large), large[12345])"), "13107200 12345\n")

    def test_vars_and_reset(self):
        self.run_ok("listed := []string{\"a\", \"b\"}")
        table = self.out("%vars")
        self.assertRegex(table, r"listed\s+\[\]string\s+\d+")
        self.run_ok("%reset listed")
        self.assertNotIn("listed", self.out("%vars"))
        out = execute(self.kc, "fmt.Println(listed)")
        self.assertEqual(out.status, "error", out.describe())


class RestartTests(unittest.TestCase):
    def test_restart_starts_empty(self):
        km, kc = gopar_env.start_kernel()
        try:
            out = execute(kc, "survivor := 5", timeout=gopar_env.FIRST_CELL_TIMEOUT)
            self.assertEqual(out.status, "ok", out.describe())
            km.restart_kernel(now=True)
            kc.wait_for_ready(timeout=gopar_env.STARTUP_TIMEOUT)
            out = execute(kc, "fmt.Println(survivor)", timeout=gopar_env.FIRST_CELL_TIMEOUT)
            self.assertEqual(out.status, "error", out.describe())
        finally:
            gopar_env.stop_kernel(km, kc)


if __name__ == "__main__":
    unittest.main()
