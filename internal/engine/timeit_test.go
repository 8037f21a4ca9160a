package engine

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestApplyTimeit(t *testing.T) {
	call := func(loops, runs int, body string) string {
		return "gopar_rt.Timeit(" + strconv.Itoa(loops) + ", " + strconv.Itoa(runs) + ", func(gopar_loops int) { for range gopar_loops { " + body + "\n}\n})"
	}
	tests := []struct {
		name     string
		code     string
		stmts    []segment
		lastExpr int
		defined  []string
	}{
		{
			name:     "line alone",
			code:     "%timeit fib(20)",
			stmts:    []segment{{1, call(0, 0, "fib(20)")}},
			lastExpr: -1,
		},
		{
			name:     "options, and setup before",
			code:     "xs := load()\n%timeit -n 100 -r3 sum(xs)",
			stmts:    []segment{{1, "xs := load()"}, {2, call(100, 3, "sum(xs)")}},
			lastExpr: -1,
			defined:  []string{"xs"},
		},
		{
			name:     "between statements, value after",
			code:     "a := 1\n%timeit b := a * 2\na",
			stmts:    []segment{{1, "a := 1"}, {2, call(0, 0, "b := a * 2\n_ = b")}, {3, "a"}},
			lastExpr: 2,
			defined:  []string{"a"},
		},
		{
			name:     "after the value",
			code:     "a\n%timeit f()",
			stmts:    []segment{{1, "a"}, {2, call(0, 0, "f()")}},
			lastExpr: -1,
		},
		{
			name:     "cell",
			code:     "%%timeit -r 2\ns := 0\n\nfor i := range 10 { s += i }; s++\ns",
			stmts:    []segment{{2, call(0, 2, "s := 0;\n\nfor i := range 10 { s += i }; s++;\n_ = s;\n_ = s")}},
			lastExpr: -1,
		},
		{
			name:     "GoNB's %% with arguments is not %%timeit",
			code:     "%% timeit\nf()",
			stmts:    []segment{{2, "f()"}},
			lastExpr: 0,
		},
		{
			name:     "cell keeps its declarations",
			code:     "%%timeit\nfunc f() int { return 1 }\nf()",
			stmts:    []segment{{3, call(0, 0, "f();")}},
			lastExpr: -1,
		},
	}
	for _, tt := range tests {
		pc, err := parseCell(tt.code)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		decls := len(pc.decls)
		if m, msg := pc.applyTimeit(); m != nil {
			t.Fatalf("%s: line %d: %s", tt.name, m.Line, msg)
		}
		if len(pc.stmts) != len(tt.stmts) {
			t.Fatalf("%s: stmts %+v, want %+v", tt.name, pc.stmts, tt.stmts)
		}
		for i := range tt.stmts {
			if pc.stmts[i] != tt.stmts[i] {
				t.Errorf("%s: stmt %d = %+v, want %+v", tt.name, i, pc.stmts[i], tt.stmts[i])
			}
		}
		if pc.lastExpr != tt.lastExpr || strings.Join(pc.defined, ",") != strings.Join(tt.defined, ",") || len(pc.decls) != decls {
			t.Errorf("%s: lastExpr %d, defined %v, %d decls; want %d, %v, %d", tt.name, pc.lastExpr, pc.defined, len(pc.decls), tt.lastExpr, tt.defined, decls)
		}
	}
}

func TestTimeitMistakes(t *testing.T) {
	tests := map[string]string{
		"%timeit":                 "usage: %timeit [-n N] [-r R] STATEMENT",
		"%timeit -n":              `-n wants a positive count, not ""`,
		"%timeit -n 0 f()":        `-n wants a positive count, not "0"`,
		"%timeit -q f()":          "unknown option -q",
		"%%timeit f()\ng()":       "the code it times is the rest of the cell",
		"%%timeit\nfunc f() {}\n": "the cell has no statements to time",
	}
	for code, want := range tests {
		pc, err := parseCell(code)
		if err != nil {
			t.Fatalf("%q: %v", code, err)
		}
		m, msg := pc.applyTimeit()
		if m == nil || m.Line != 1 || !strings.Contains(msg, want) {
			t.Errorf("%q: %v %q, want line 1: %q", code, m, msg, want)
		}
	}
}

// ipythonForm is the line %timeit prints, as IPython does.
var ipythonForm = regexp.MustCompile(`^\d[\d.]* (ns|µs|ms|s) ± \d[\d.]* (ns|µs|ms|s) per loop \(mean ± std\. dev\. of \d+ runs?, [\d,]+ loops? each\)$`)

func TestTimeitRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("func fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}")
	_, rec := r.ok("n := 15\n%timeit -n 20 -r 3 x := fib(n)\nfmt.Println(\"after\", n)")
	lines := strings.Split(strings.TrimSpace(rec.Stdout()), "\n")
	// A note on a slow first run may come between.
	if len(lines) < 2 || !ipythonForm.MatchString(lines[0]) || !strings.Contains(lines[0], "of 3 runs, 20 loops each") || lines[len(lines)-1] != "after 15" {
		t.Errorf("stdout %q", rec.Stdout())
	}
	res, rec := r.ok("%%timeit -n 5 -r 1\ns := 0\nfor i := range n {\n\ts += fib(i)\n}")
	if first, _, _ := strings.Cut(rec.Stdout(), "\n"); !ipythonForm.MatchString(first) || !strings.Contains(first, "of 1 run, 5 loops each") || res.Value != nil {
		t.Errorf("%%%%timeit: stdout %q, value %+v", rec.Stdout(), res.Value)
	}
	// An error in the timed code names its line.
	res, _ = r.exec("x := 1\n%timeit undefinedThing()")
	if res.Err == nil || !strings.Contains(res.Err.Value, "line 2") || !strings.Contains(res.Err.Value, "undefinedThing") {
		t.Errorf("error %+v", res.Err)
	}
}
