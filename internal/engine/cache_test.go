package engine

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestCachedFunctions(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("%env GOPAR_CACHE_DIR=" + t.TempDir())

	computes := func(code, want string, computed bool) {
		t.Helper()
		res, rec := r.ok(code)
		if got := strings.Contains(rec.Stdout(), "computing"); got != computed {
			t.Errorf("cell %q: computed = %v, want %v (stdout %q)", code, got, computed, rec.Stdout())
		}
		if res.Value == nil || res.Value.Data["text/plain"] != want {
			t.Errorf("cell %q: result %v, want %s", code, res.Value, want)
		}
		if strings.Contains(rec.Stdout(), "not kept") {
			t.Errorf("cell %q: %q", code, rec.Stdout())
		}
	}
	const helper = "func helper(x int) int { return x + 1 }\n"
	const slow = "func slow(x int) int {\n\tfmt.Println(\"computing\", x)\n\treturn helper(x) * 10\n}\n"
	computes(helper+slow+"sq := cache.Func(slow)\nsq(3)", "40", true)
	computes("sq(3)", "40", false) // sq is made again in a later cell
	// A comment, layout and a print are not the code that computes.
	computes("func helper(x int) int {\n\t// one more than x\n\tfmt.Println(x)\n\treturn x +\n\t\t1\n}\nsq(3)", "40", false)
	computes("func helper(x int) int { return x + 2 }\nsq(3)", "50", true)
	computes("sq(3)", "50", false)

	_, rec := r.ok("%cache")
	if out := rec.Stdout(); !strings.Contains(out, "slow") || !strings.Contains(out, "hits") {
		t.Errorf("%%cache: %q", out)
	}
	r.ok("%reset")
	computes("func helper(x int) int { return x + 2 }\n"+slow+"sq := cache.Func(slow)\nsq(3)", "50", false)
	_, rec = r.ok("%cache clear slow")
	if !strings.Contains(rec.Stdout(), "cleared 1") {
		t.Errorf("%%cache clear: %q", rec.Stdout())
	}
	computes("sq(3)", "50", true)

	res, _ := r.exec("x := 2\nf := cache.Func(func(y int) int { return x * y })")
	if res.Err == nil || !strings.Contains(res.Err.Value, "function literal") || !strings.Contains(strings.Join(res.Err.Traceback, "\n"), "line 2") {
		t.Errorf("a func literal: %+v", res.Err)
	}

	_, rec = r.ok("var scale = 2\nfunc scaled(x int) int { return x * scale }\ns := cache.Func(scaled)")
	if !strings.Contains(rec.Stderr(), "scaled reads the variable scale") {
		t.Errorf("no note about the variable: stderr %q", rec.Stderr())
	}
	// A variable's value may go into the expression: later programs
	// load it before they make the function again.
	dir := t.TempDir()
	r.ok(fmt.Sprintf("dir := %q\nlimit := 1 << 20", dir))
	computes("inDir := cache.Func(slow, cache.Dir(dir), cache.MaxBytes(int64(limit)))\ninDir(4)", "60", true)
	computes("inDir(4)", "60", false)
	if entries, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.entry")); len(entries) != 1 {
		t.Errorf("entries in the chosen directory: %v", entries)
	}
	_, rec = r.ok("var up = strings.ToUpper\ng := slow")
	if strings.Contains(rec.Stdout(), "not kept") {
		t.Errorf("func variables made again are said not kept: %q", rec.Stdout())
	}
	res, _ = r.ok("up(\"a\") + fmt.Sprint(g(3))")
	if res.Value == nil || res.Value.Data["text/plain"] != "A50" {
		t.Errorf("remade variables: %v", res.Value)
	}
}

func TestCacheMagicMessages(t *testing.T) {
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("%cd " + t.TempDir())
	_, rec := r.ok("%cache")
	if got := rec.Stdout(); got != "no cached results in .gopar-cache\n" {
		t.Errorf("%%cache = %q", got)
	}
	_, rec = r.ok("%cache clear")
	if got := rec.Stdout(); got != "cleared 0 cached functions\n" {
		t.Errorf("%%cache clear = %q", got)
	}
	for _, bad := range []string{"%cache clear slow", "%cache drop"} {
		if res, _ := r.exec(bad); res.Err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
