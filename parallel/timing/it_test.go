package timing

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestItChoosesLoopsAsIPython(t *testing.T) {
	tests := []struct {
		perCall time.Duration
		loops   int
	}{
		{time.Second, 1},
		{30 * time.Millisecond, 10},   // 10 calls take 0.3 s
		{20 * time.Millisecond, 10},   // exactly 0.2 s is enough
		{19 * time.Millisecond, 100},  // 0.19 s is not
		{40 * time.Nanosecond, 1e7},   // 0.4 s
		{250 * time.Microsecond, 1e3}, // 0.25 s
	}
	for _, tt := range tests {
		clk := &fakeClock{}
		calls := 0
		r := ItLoop(func(n int) {
			calls += n
			clk.advance(time.Duration(n) * tt.perCall)
		}, withClock(clk.now))
		if r.Loops != tt.loops || len(r.Runs) != 7 || r.Err != nil {
			t.Errorf("%v per call: %d loops, %d runs, err %v; want %d loops, 7 runs", tt.perCall, r.Loops, len(r.Runs), r.Err, tt.loops)
			continue
		}
		if r.Mean() != tt.perCall || r.StdDev() != 0 {
			t.Errorf("%v per call: mean %v ± %v", tt.perCall, r.Mean(), r.StdDev())
		}
		// Calibration counts 1, 10, ... up to the loops chosen, then 7 runs.
		want := 7 * tt.loops
		for n := 1; n <= tt.loops; n *= 10 {
			want += n
		}
		if calls != want {
			t.Errorf("%v per call: %d calls, want %d", tt.perCall, calls, want)
		}
	}
}

func TestItStatistics(t *testing.T) {
	clk := &fakeClock{}
	// Runs of 4 loops taking 4, 8 and 12 ms: 1, 2 and 3 ms per loop.
	k := 0
	r := It(func() {
		clk.advance(time.Duration(k/4%3+1) * time.Millisecond)
		k++
	}, Loops(4), Repeat(3), withClock(clk.now))
	if r.Loops != 4 || len(r.Runs) != 3 {
		t.Fatalf("%+v", r)
	}
	std := math.Sqrt(2.0/3) * float64(time.Millisecond)
	if r.Mean() != 2*time.Millisecond || math.Abs(float64(r.StdDev())-std) > 1 {
		t.Errorf("mean %v ± %v, want 2ms ± %v", r.Mean(), r.StdDev(), time.Duration(std))
	}
	if got, want := r.String(), "2 ms ± 816 µs per loop (mean ± std. dev. of 3 runs, 4 loops each)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestItString(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		r    ItResult
		want string
	}{
		{ItResult{Loops: 1, Runs: []time.Duration{1500 * ms}}, "1.5 s ± 0 ns per loop (mean ± std. dev. of 1 run, 1 loop each)"},
		{ItResult{Loops: 10000000, Runs: []time.Duration{632 * ms, 632 * ms}}, "63.2 ns ± 0 ns per loop (mean ± std. dev. of 2 runs, 10,000,000 loops each)"},
		{ItResult{Loops: 1, Runs: []time.Duration{ms, 5 * ms}}, "3 ms ± 2 ms per loop (mean ± std. dev. of 2 runs, 1 loop each)\nNote: the slowest run took 5.00 times as long as the fastest; something may have been cached after the first."},
		{ItResult{Loops: 10, Err: ErrInterrupted}, "no complete run (timing: interrupted)"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestItStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clk := &fakeClock{}
	calls := 0
	r := It(func() {
		calls++
		clk.advance(time.Second)
		if calls == 3 {
			cancel()
		}
	}, Context(ctx), withClock(clk.now))
	// The calibration run and the first timed run finish; the second is
	// stopped in and not counted.
	if len(r.Runs) != 1 || !errors.Is(r.Err, context.Canceled) || !strings.Contains(r.String(), "Stopped after 1 run") {
		t.Errorf("%+v: %s", r, r)
	}
}

func TestCompare(t *testing.T) {
	clk := &fakeClock{}
	var order []string
	c := Compare(
		"sequential", func() { order = append(order, "s"); clk.advance(40 * time.Millisecond) },
		"parallel", func() { order = append(order, "p"); clk.advance(10 * time.Millisecond) },
		Repeat(5), withClock(clk.now),
	)
	if strings.Join(order, "") != "sssssspppppp" {
		t.Errorf("runs in order %v", order)
	}
	if len(c.Entries) != 2 || c.Repeat != 5 || c.Warmup != 1 || c.Err != nil {
		t.Fatalf("%+v", c)
	}
	if c.Entries[0].Ratio != 1 || c.Ratio("parallel") != 4 || c.Entries[1].Median != 10*time.Millisecond || len(c.Entries[1].Times) != 5 {
		t.Errorf("entries %+v", c.Entries)
	}
	if !math.IsNaN(c.Ratio("gpu")) {
		t.Errorf("Ratio of an unknown name = %v", c.Ratio("gpu"))
	}
	html := c.HTML()
	for _, want := range []string{"<table", "speedup vs sequential", "4.00×", "<svg", "Wall-clock medians of 5 timed runs each, after 1 untimed warm-up"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	checkSVG(t, c.SVG())
	zero := Compare("a", func() {}, "b", func() {}, withClock(func() time.Time { return time.Time{} }))
	if svg := zero.SVG(); strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
		t.Errorf("chart of zero times has coordinates NaN or Inf")
	}
	if s := c.String(); !strings.Contains(s, "parallel") || !strings.Contains(s, "10 ms") {
		t.Errorf("String() = %s", s)
	}
}

func TestCompareArgumentsPanic(t *testing.T) {
	for _, tt := range []struct {
		args []any
		want string
	}{
		{[]any{"a"}, `"a" has no function after it`},
		{[]any{"a", 3}, `after "a" comes int, want a func()`},
		{[]any{func() {}}, "argument 1 is func(), want a name (string), then a func()"},
		{nil, "no functions to compare"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), tt.want) {
					t.Errorf("Compare(%v): panic %v, want %q", tt.args, r, tt.want)
				}
			}()
			Compare(tt.args...)
		}()
	}
}
