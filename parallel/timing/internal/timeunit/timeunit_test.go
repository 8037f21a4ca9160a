package timeunit

import "testing"

func TestFor(t *testing.T) {
	for _, tt := range []struct {
		max   float64
		unit  string
		scale float64
	}{{2.5, "s", 1}, {1, "s", 1}, {0.02, "ms", 1e3}, {3e-5, "µs", 1e6}, {4e-9, "ns", 1e9}, {0, "ns", 1e9}} {
		if u, s := For(tt.max); u != tt.unit || s != tt.scale {
			t.Errorf("For(%g) = %s, %g; want %s, %g", tt.max, u, s, tt.unit, tt.scale)
		}
	}
}
