package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cell/celltest"
)

func TestHelpListsEveryMagic(t *testing.T) {
	help := helpText()
	for _, m := range magics {
		if len(m.help) == 0 {
			t.Errorf("%%%s has no help line", m.name)
		}
		for _, h := range m.help {
			if !strings.HasPrefix(h[0], "%"+m.name) {
				t.Errorf("help usage %q does not name %%%s", h[0], m.name)
			}
			if !strings.Contains(help, h[0]) || !strings.Contains(help, h[1]) {
				t.Errorf("%%help lacks %q: %q", h[0], h[1])
			}
		}
	}
	for _, other := range []string{"!CMD", "%%"} {
		if !strings.Contains(help, "  "+other+" ") {
			t.Errorf("%%help lacks %s", other)
		}
	}
}

func TestEnvListing(t *testing.T) {
	e := newTestEngine(t)
	for i, tc := range []struct{ code, stdout string }{
		{"%env", "no variables set with %env\n"},
		{"%env B=2\n%env A=1", ""},
		{"%env", "A=1\nB=2\n"},
	} {
		var rec celltest.Recorder
		res := e.Execute(context.Background(), cell.Request{Code: tc.code, Count: i + 1}, &rec)
		if res.Err != nil || rec.Stdout() != tc.stdout {
			t.Errorf("%q: err %v, stdout %q, want %q", tc.code, res.Err, rec.Stdout(), tc.stdout)
		}
	}
}
