package engine

import (
	"strings"
	"testing"
)

// A value guarded by a mutex is kept while the mutex is free; a locked
// one gets the note, and the variable is not kept.
func TestLocksCarried(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("type counter struct {\n\tmu sync.Mutex\n\tn  int\n}")
	_, rec := r.ok("c := &counter{}\nc.mu.Lock()\nc.n++\nc.mu.Unlock()")
	if out := rec.Stdout(); out != "" {
		t.Errorf("stdout %q", out)
	}
	_, rec = r.ok("c.mu.Lock()\nc.n++\nc.mu.Unlock()\nfmt.Println(c.n)")
	if out := rec.Stdout(); out != "2\n" {
		t.Errorf("stdout %q, want the counter kept", out)
	}
	_, rec = r.ok("held := &counter{}\nheld.mu.Lock()")
	if out := rec.Stdout(); !strings.Contains(out, "not kept: held") || !strings.Contains(out, "locked mutexes cannot be kept") {
		t.Errorf("stdout %q, want the note", out)
	}
}
