package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeModule writes a module with the given files (path relative to
// dir: content) and returns dir.
func writeModule(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTrackAndUntrack(t *testing.T) {
	r := &runner2{t: t, e: newTestEngine(t)}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	lib := writeModule(t, filepath.Join(dir, "lib"), map[string]string{"go.mod": "module example.com/lib\n\ngo 1.21\n"})
	os.Mkdir(a, 0o755)
	os.Mkdir(b, 0o755)
	r.ok("%cd " + dir)
	steps := []struct{ code, stdout string }{
		{"%track", "nothing tracked\n"},
		{"%track a\n//gonb:%track " + b, "tracking " + a + "\ntracking " + b + "\n"},
		{"%track a", "already tracked: " + a + "\n"},
		{"%untrack " + a, "untracked " + a + "\n"},
		{"%track", "tracked (an edit under these makes the next cell build again):\n  " + b + "\n"},
		{"%track a\n%untrack " + dir + "/...\n%untrack", "tracking " + a + "\nuntracked " + a + "\nuntracked " + b + "\nnothing tracked\n"},
		{"%track a\n%untrack ...", "tracking " + a + "\nuntracked " + a + "\n"},
		// What go.mod replaces a module with is tracked without asking.
		{"%goreplace example.com/lib => lib\n%track", "example.com/lib => " + lib + "\ntracked (an edit under these makes the next cell build again):\n  " + lib + "  (go.mod replaces example.com/lib)\n"},
	}
	for _, st := range steps {
		_, rec := r.ok(st.code)
		if got := rec.Stdout(); got != st.stdout {
			t.Errorf("%q printed %q, want %q", st.code, got, st.stdout)
		}
	}
	for code, want := range map[string]string{
		"%track nosuchdir":  "nosuchdir: no such file or directory",
		"%untrack a":        a + " is not tracked",
		"%untrack " + lib:   "tracked because go.mod replaces example.com/lib",
		"%goworkfix":        "no go.work in the cells' module",
		"%untrack lib/x...": "", // nothing under it: not an error
	} {
		res, _ := r.exec(code)
		switch {
		case want == "" && res.Err != nil:
			t.Errorf("%q: %s", code, res.Err.Value)
		case want != "" && (res.Err == nil || !strings.Contains(res.Err.Value, want)):
			t.Errorf("%q: error %v, want one saying %q", code, res.Err, want)
		}
	}
}

// An edit under a tracked path changes the build's inputs; under a path
// no longer tracked it does not.
func TestBuildInputsFollowTrackedFiles(t *testing.T) {
	e := newTestEngine(t)
	dir := writeModule(t, t.TempDir(), map[string]string{"a.txt": "one", "sub/b.txt": "two", ".git/HEAD": "x"})
	w := e.work
	edit := func(name, content string) string {
		t.Helper()
		before := w.buildInputs()
		writeModule(t, dir, map[string]string{name: content})
		return before
	}
	before := edit("sub/b.txt", "changed")
	if w.buildInputs() != before {
		t.Errorf("inputs changed with an untracked edit")
	}
	w.track.add(dir)
	if before = edit("sub/b.txt", "changed again"); w.buildInputs() == before {
		t.Errorf("inputs unchanged after an edit under a tracked directory")
	}
	if before = edit(".git/HEAD", "y, a hidden directory"); w.buildInputs() != before {
		t.Errorf("inputs changed with an edit in a hidden directory")
	}
	if before = edit("go.work", "go 1.21\n"); w.buildInputs() == before {
		t.Errorf("inputs unchanged by a go.work")
	}
	w.track.remove(dir, false)
	if before = edit("a.txt", "edited, untracked"); w.buildInputs() != before {
		t.Errorf("inputs changed with an edit under an untracked directory")
	}
	// go.work's directories are tracked as go.mod's are.
	os.WriteFile(filepath.Join(w.dir, "go.work"), []byte("go 1.21\n\nuse (\n\t.\n\t"+dir+"\n)\n"), 0o644)
	if before = edit("a.txt", "edited, used by go.work"); w.buildInputs() == before {
		t.Errorf("inputs unchanged after an edit in a directory go.work uses")
	}
}

// A local module that embeds a file from a subdirectory: an edit there is
// in the next cell's program, though the package's own files are
// unchanged.
func TestEditUnderReplacedModuleRebuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	lib := writeModule(t, t.TempDir(), map[string]string{
		"go.mod":       "module example.com/lib\n\ngo 1.21\n",
		"lib.go":       "package lib\n\nimport _ \"embed\"\n\n//go:embed data/msg.txt\nvar Msg string\n",
		"data/msg.txt": "one",
	})
	r.ok("%goreplace example.com/lib => " + lib)
	code := "import \"example.com/lib\"\nfmt.Println(lib.Msg)"
	if _, rec := r.ok(code); rec.Stdout() != "one\n" {
		t.Fatalf("stdout %q", rec.Stdout())
	}
	writeModule(t, lib, map[string]string{"data/msg.txt": "two"})
	if _, rec := r.ok(code); rec.Stdout() != "two\n" {
		t.Errorf("after the edit, stdout %q, want \"two\\n\"", rec.Stdout())
	}
}

// GoNB's go.work in the cells' module, and %goworkfix.
func TestGoWorkAndGoworkfix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	lib := writeModule(t, t.TempDir(), map[string]string{
		"go.mod": "module example.com/lib\n\ngo 1.21\n",
		"lib.go": "package lib\n\nfunc A() string { return \"from lib\" }\n",
	})
	r.ok("!*go work init && go work use . " + lib)
	code := "import \"example.com/lib\"\nfmt.Println(lib.A())"
	if _, rec := r.ok(code); rec.Stdout() != "from lib\n" {
		t.Fatalf("with go.work: stdout %q, stderr %q", rec.Stdout(), rec.Stderr())
	}
	steps := []struct{ code, stdout string }{
		{"//gonb:%goworkfix", "example.com/lib => " + lib + "\n"},
		{"%goworkfix", "example.com/lib => " + lib + " already\n"},
		{"!*grep example.com/lib go.mod", "replace example.com/lib => " + lib + "\n"},
		{"%track", "tracked (an edit under these makes the next cell build again):\n  " + lib + "  (go.mod replaces example.com/lib)\n"},
		// Without the go.work, the replacement serves.
		{"!*rm go.work\n" + code, "from lib\n"},
	}
	for _, st := range steps {
		_, rec := r.ok(st.code)
		if got := rec.Stdout(); got != st.stdout {
			t.Errorf("%q printed %q, want %q (stderr %q)", st.code, got, st.stdout, rec.Stderr())
		}
	}
}

// Paths in %%writefile, %capture and %track expand environment variables
// (%env's too) and ~, as GoNB's do.
func TestPathsExpandAsInGoNB(t *testing.T) {
	r := &runner2{t: t, e: newTestEngine(t)}
	dir := t.TempDir()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	r.ok("%env TEST_DIR=" + dir + "/")
	r.ok("%%writefile ${TEST_DIR}poetry.txt\nroses")
	r.ok("%capture $TEST_DIR/captured.txt\n!echo captured")
	for name, want := range map[string]string{"poetry.txt": "roses\n", "captured.txt": "captured\n"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s holds %q (%v), want %q", name, b, err, want)
		}
	}
	for in, want := range map[string]string{
		"${TEST_DIR}x": filepath.Join(dir, "x"),
		"~/x":          filepath.Join(home, "x"),
		"~x":           filepath.Join(r.e.dir, "~x"),
		"$NO_SUCH_VAR": r.e.dir,
	} {
		if got := r.e.resolvePath(in); got != want {
			t.Errorf("resolvePath(%q) = %q, want %q", in, got, want)
		}
	}
}
