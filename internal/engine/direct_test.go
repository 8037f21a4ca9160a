package engine

import (
	"context"
	"io"
	"testing"
)

// TestResolutionKeptInMemory: resolving the same imports again in a
// kernel costs no go list.
func TestResolutionKeptInMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	e := newTestEngine(t)
	d := &e.work.direct
	d.cacheDir, d.sharedConfigs = "", ""
	env := e.environ()
	first, err := d.config(context.Background(), []string{"fmt"}, "", env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	second, err := d.config(context.Background(), []string{"fmt"}, "", env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Error("the second resolution of the same imports did not come from memory")
	}
}
