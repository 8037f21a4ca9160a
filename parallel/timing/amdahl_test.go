package timing

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestAmdahl(t *testing.T) {
	tests := []struct{ s, n, want float64 }{
		{0, 8, 8},
		{1, 8, 1},
		{0.1, 10, 1 / 0.19},
		{0.5, 1, 1},
		{0.05, math.Inf(1), 20},
	}
	for _, tt := range tests {
		if got := Amdahl(tt.s, tt.n); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Amdahl(%v, %v) = %v, want %v", tt.s, tt.n, got, tt.want)
		}
	}
}

// amdahlTimes returns runs times per worker count, on Amdahl's curve with
// T(1) = t1 and serial fraction s, each off by a random factor within
// ±noise.
func amdahlTimes(rng *rand.Rand, t1 time.Duration, s float64, counts []int, runs int, noise float64) ([]int, []time.Duration) {
	var ws []int
	var ts []time.Duration
	for _, n := range counts {
		for range runs {
			f := 1 + noise*(2*rng.Float64()-1)
			ws = append(ws, n)
			ts = append(ts, time.Duration(float64(t1)*(s+(1-s)/float64(n))*f))
		}
	}
	return ws, ts
}

func TestFitAmdahlRecoversSerialFraction(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		s      float64
		counts []int
		noise  float64
	}{
		{0, []int{1, 2, 4, 8}, 0.02},
		{0.05, []int{1, 2, 4, 8, 16}, 0.02},
		{0.1, []int{1, 2, 3, 4}, 0.02},
		{0.25, []int{1, 2, 4, 8, 16, 32}, 0.03},
		{0.6, []int{1, 2, 4, 8}, 0.01},
		{0.3, []int{1, 2, 4}, 0}, // exact: the fit goes through the points
	}
	for _, tt := range tests {
		ws, ts := amdahlTimes(rng, 2*time.Second, tt.s, tt.counts, 5, tt.noise)
		fit, err := FitAmdahl(ws, ts)
		if err != nil {
			t.Fatalf("s=%v: %v", tt.s, err)
		}
		if math.Abs(fit.Serial-tt.s) > 0.01 {
			t.Errorf("s=%v, counts %v, noise %v: fitted %.4f", tt.s, tt.counts, tt.noise, fit.Serial)
		}
		if want := 1 / fit.Serial; fit.Limit != want {
			t.Errorf("s=%v: Limit %v, want 1/Serial = %v", tt.s, fit.Limit, want)
		}
		if math.Abs(fit.T1.Seconds()-2) > 0.05 || fit.Counts != len(tt.counts) {
			t.Errorf("s=%v: T1 %v, Counts %d", tt.s, fit.T1, fit.Counts)
		}
		if tt.noise == 0 && (math.Abs(fit.R2-1) > 1e-9 || math.Abs(fit.Serial-tt.s) > 1e-6) {
			t.Errorf("exact points: Serial %v, R2 %v", fit.Serial, fit.R2)
		}
		if fit.R2 < 0.9 && tt.s < 0.5 {
			t.Errorf("s=%v: R2 %v for points near the curve", tt.s, fit.R2)
		}
	}
}

func TestFitAmdahlStaysInRange(t *testing.T) {
	ms := func(xs ...float64) []time.Duration {
		var out []time.Duration
		for _, x := range xs {
			out = append(out, time.Duration(x*float64(time.Millisecond)))
		}
		return out
	}
	// Faster than ideal (caches): no serial part, and no limit.
	fit, err := FitAmdahl([]int{1, 2, 4}, ms(100, 45, 20))
	if err != nil || fit.Serial != 0 || !math.IsInf(fit.Limit, 1) {
		t.Errorf("superlinear times: %+v, %v", fit, err)
	}
	// Slower with more workers (contention): all serial.
	fit, err = FitAmdahl([]int{1, 2, 4}, ms(100, 110, 130))
	if err != nil || fit.Serial != 1 || fit.Limit != 1 {
		t.Errorf("times growing with workers: %+v, %v", fit, err)
	}
}

func TestFitAmdahlErrors(t *testing.T) {
	sec := time.Second
	tests := []struct {
		name    string
		workers []int
		times   []time.Duration
		tooFew  bool
	}{
		{"two counts", []int{1, 2, 1, 2}, []time.Duration{sec, sec / 2, sec, sec / 2}, true},
		{"one point", []int{1}, []time.Duration{sec}, true},
		{"lengths", []int{1, 2, 4}, []time.Duration{sec, sec}, false},
		{"zero workers", []int{0, 1, 2}, []time.Duration{sec, sec, sec}, false},
		{"zero time", []int{1, 2, 4}, []time.Duration{sec, 0, sec}, false},
	}
	for _, tt := range tests {
		_, err := FitAmdahl(tt.workers, tt.times)
		if err == nil || errors.Is(err, ErrTooFewCounts) != tt.tooFew {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestFitString(t *testing.T) {
	f := AmdahlFit{Serial: 0.0521, Limit: 1 / 0.0521, R2: 0.99812, Counts: 4}
	if got, want := f.String(), "serial fraction 0.052, limit 19.2×, R² 0.998 (4 worker counts)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	f = AmdahlFit{Serial: 0, Limit: math.Inf(1), R2: 1, Counts: 3}
	if got, want := f.String(), "serial fraction 0.000, no limit, R² 1.000 (3 worker counts)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
