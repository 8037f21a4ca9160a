package timing

import (
	"testing"
	"time"
)

// The expectations are IPython's _format_time for the same values.
func TestSeconds(t *testing.T) {
	tests := []struct {
		s    float64
		want string
	}{
		{0.0123, "12.3 ms"},
		{63.2e-9, "63.2 ns"},
		{1.5, "1.5 s"},
		{0.1, "100 ms"},
		{63, "1min 3s"},
		{3725, "1h 2min 5s"},
		{0, "0 ns"},
		{2.5e-10, "0.25 ns"},
		{999.5e-6, "1e+03 µs"},
		{1e-3, "1 ms"},
		{59.99, "60 s"},
		{172805, "2d 5s"},
	}
	for _, tt := range tests {
		if got := seconds(tt.s); got != tt.want {
			t.Errorf("seconds(%v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{[]time.Duration{5 * ms}, 5 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 5 * ms}, 5 * ms},
		{[]time.Duration{4 * ms, 1 * ms, 2 * ms, 100 * ms}, 3 * ms},
	}
	for _, tt := range tests {
		in := append([]time.Duration(nil), tt.in...)
		if got := median(in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.in[i] {
				t.Fatalf("median reordered its argument: %v", in)
			}
		}
	}
}

func TestFormats(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{ratio(1.934), "1.93×"},
		{ratio(19.23), "19.2×"},
		{ratio(123.4), "123×"},
		{percent(0.9649), "96%"},
		{percent(0.052), "5.2%"},
		{pluralLoops(1), "1 loop"},
		{pluralLoops(100), "100 loops"},
		{pluralLoops(1000), "1,000 loops"},
		{pluralLoops(10000000), "10,000,000 loops"},
		{plural(1, "run"), "1 run"},
		{plural(7, "run"), "7 runs"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
