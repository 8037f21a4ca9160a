package engine

import (
	"strings"
	"testing"
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
