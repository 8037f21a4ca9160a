package engine

import (
	"strings"
	"testing"
)

// Cells written for GoNB run as GoNB runs them.
func TestGoNBStyleCells(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	steps := []struct{ code, stdout string }{
		// %% with arguments: main's body parses them with package flag.
		{"package main\n\nvar x = flag.Int(\"x\", 0, \"x\")\n\n%% -x=17\nfmt.Println(\"x is\", *x)", "x is 17\n"},
		// The prefix keeps the magic a Go comment; %args sets the line.
		{"//gonb:%args -x=5\n//gonb:%%\nfmt.Println(\"x is\", *x, flag.Args())", "x is 5 []\n"},
		{"%main -x=3 extra\nfmt.Println(*x, flag.Args())", "3 [extra]\n"},
		// Each cell's init_NAME runs as an init, before main.
		{"func init_a() { fmt.Println(\"init a\") }\nfunc init_b() { fmt.Println(\"init b\") }\nfmt.Println(\"main\")", "init a\ninit b\nmain\n"},
		// A declaration declared again replaces the old one, after the rest.
		{"func init_a() { fmt.Println(\"init a, again\") }\nfmt.Println(\"main\")", "init b\ninit a, again\nmain\n"},
		// bash, in the cells' module with !*, and GoNB's variables.
		{"!if [[ -n $GONB_DIR && $GONB_DIR == $GOPAR_MODULE_DIR ]]; then echo bash; fi\n!*test -f go.mod && echo module here", "bash\nmodule here\n"},
		{"%version", "gopar \n"},
		{"%ls", "func init_a\nfunc init_b\nimport flag\nimport fmt\nvar x\n"},
		{"%rm init_b\n%rm func init_a import fmt\n%ls", "removed init_b\nremoved func init_a, import fmt\nimport flag\nvar x\n"},
	}
	for _, st := range steps {
		_, rec := r.ok(st.code)
		if got := rec.Stdout(); got != st.stdout {
			t.Errorf("cell %q printed %q, want %q (stderr %q)", st.code, got, st.stdout, rec.Stderr())
		}
	}
	res, _ := r.exec("%rm nosuchthing")
	if res.Err == nil || !strings.Contains(res.Err.Value, "nosuchthing") {
		t.Errorf("%%rm of an unknown name: %+v", res.Err)
	}
}

// GoNB's cell magics and output capture.
func TestGoNBCellMagics(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	dir := t.TempDir()
	r.ok("%cd " + dir)
	steps := []struct{ code, stdout string }{
		{"%%writefile notes.txt\nfirst %line\n!not a shell line", "Writing notes.txt\n"},
		{"%%writefile -a notes.txt\nsecond", "Appending to notes.txt\n"},
		{"%%bash\nfor i in 1 2; do echo \"n=$i\"; done\ncat notes.txt", "n=1\nn=2\nfirst %line\n!not a shell line\nsecond\n"},
		{"%%sh\necho from sh", "from sh\n"},
		{"%%script tr a-z A-Z\nshout", "SHOUT\n"},
		{"%capture out.txt\nfmt.Println(\"kept\")\n!echo also kept", "also kept\nkept\n"},
		{"%capture -a out.txt\nfmt.Println(\"more\")", "more\n"},
		{"!cat out.txt", "also kept\nkept\nmore\n"},
		{"var flavor = flag.String(\"flavor\", \"plain\", \"\")\nfunc run() { fmt.Println(\"flavor\", *flavor) }\n%exec run -flavor=mint", "flavor mint\n"},
	}
	for _, st := range steps {
		_, rec := r.ok(st.code)
		if got := rec.Stdout(); got != st.stdout {
			t.Errorf("cell %q printed %q, want %q (stderr %q)", st.code, got, st.stdout, rec.Stderr())
		}
	}
}

// %noautoget makes a missing module an error; %reset go.mod undoes what
// cells added.
func TestAutogetAndResetGoMod(t *testing.T) {
	e := newTestEngine(t)
	r := &runner2{t: t, e: e}
	r.ok("%noautoget")
	if !e.work.noAutoGet {
		t.Fatal("%noautoget did not switch adding modules off")
	}
	r.ok("%autoget")
	if e.work.noAutoGet {
		t.Fatal("%autoget did not switch adding modules on")
	}
	r.ok("!*go mod edit -require=example.com/pinned@v1.2.3")
	_, rec := r.ok("%gomod")
	if !strings.Contains(rec.Stdout(), "example.com/pinned v1.2.3") {
		t.Fatalf("go.mod after editing: %s", rec.Stdout())
	}
	_, rec = r.ok("%reset go.mod\n%gomod")
	if strings.Contains(rec.Stdout(), "example.com/pinned") || !strings.Contains(rec.Stdout(), "github.com/gopar/gopar") {
		t.Errorf("go.mod after %%reset go.mod: %s", rec.Stdout())
	}
}

// %test runs the cell's tests in its own program: passing, failing (the
// cell's error names the test), benchmarks, and carried variables seen.
func TestTestMagic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("base := 40")
	_, rec := r.ok("%test\nfunc add(a, b int) int { return a + b }\nfunc TestAdd(t *testing.T) {\n\tif add(base, 2) != 42 {\n\t\tt.Fatal(\"wrong\")\n\t}\n}")
	if out := rec.Stdout(); !strings.Contains(out, "--- PASS: TestAdd") || !strings.Contains(out, "PASS") {
		t.Errorf("passing test printed %q (stderr %q)", out, rec.Stderr())
	}
	res, rec := r.exec("%test\nfunc TestBroken(t *testing.T) { t.Error(\"broken on purpose\") }\nfunc TestFine(t *testing.T) {}")
	if res.Err == nil || res.Err.Name != "TestFailure" || !strings.Contains(res.Err.Value, "TestBroken failed") || strings.Contains(res.Err.Value, "TestFine") {
		t.Errorf("failing test: error %+v, stdout %q", res.Err, rec.Stdout())
	}
	if !strings.Contains(rec.Stdout(), "broken on purpose") {
		t.Errorf("failing test's message not shown: %q", rec.Stdout())
	}
	// Only this cell's tests run: TestAdd, from an earlier cell, does not.
	if strings.Contains(rec.Stdout(), "TestAdd") {
		t.Errorf("an earlier cell's test ran: %q", rec.Stdout())
	}
	_, rec = r.ok("%test -test.run=^$ -test.bench=. -test.benchtime=10x\nfunc BenchmarkAdd(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t\tadd(i, i)\n\t}\n}")
	if !strings.Contains(rec.Stdout(), "BenchmarkAdd") || !strings.Contains(rec.Stdout(), "ns/op") {
		t.Errorf("benchmark printed %q (stderr %q)", rec.Stdout(), rec.Stderr())
	}
	res, _ = r.exec("%test\nfunc helper() {}")
	if res.Err == nil || !strings.Contains(res.Err.Value, "no TestXxx") {
		t.Errorf("%%test without tests: %+v", res.Err)
	}
}

func TestTestFuncNames(t *testing.T) {
	for name, want := range map[string]bool{"Test": true, "TestAdd": true, "Test_x": true, "Testify": false, "TestÄ": true, "Tes": false} {
		if got := testFunc(name, "Test"); got != want {
			t.Errorf("testFunc(%q) = %v, want %v", name, got, want)
		}
	}
}
