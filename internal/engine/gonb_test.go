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
