package timing

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Amdahl returns the speedup Amdahl's law predicts on n workers for work
// whose serial fraction is s: 1 / (s + (1-s)/n). However many workers
// there are, it stays below 1/s.
func Amdahl(s, n float64) float64 {
	return 1 / (s + (1-s)/n)
}

// An AmdahlFit is Amdahl's law fitted to measured times:
// T(n) = T1 · (Serial + (1-Serial)/n).
type AmdahlFit struct {
	// Serial is the fraction of the work on one worker that does not
	// get faster with more: s, between 0 and 1.
	Serial float64
	// Limit is the speedup no number of workers reaches, 1/Serial
	// (+Inf when Serial is 0).
	Limit float64
	// R2 is the fit's coefficient of determination on the times: 1 for
	// times exactly on the curve, near 0 when the curve explains them no
	// better than their mean does.
	R2 float64
	// T1 is the fitted time on one worker.
	T1 time.Duration
	// Counts is how many distinct worker counts the fit is based on.
	Counts int
}

// ErrTooFewCounts is returned by FitAmdahl for times measured at fewer than
// three distinct worker counts: two parameters fitted to two points always
// fit, and so say nothing.
var ErrTooFewCounts = errors.New("timing: an Amdahl fit needs times at 3 or more worker counts")

// FitAmdahl fits Amdahl's law to times measured at worker counts (one time
// per entry of workers; a count may appear more than once, for repeated
// runs). It fits T(n) = a + b/n by least squares, with a and b at least 0,
// so that the serial fraction a/(a+b) lies between 0 and 1.
func FitAmdahl(workers []int, times []time.Duration) (AmdahlFit, error) {
	if len(workers) != len(times) {
		return AmdahlFit{}, fmt.Errorf("timing: FitAmdahl: %d worker counts but %d times", len(workers), len(times))
	}
	distinct := map[int]bool{}
	xs := make([]float64, len(workers)) // 1/n
	ys := make([]float64, len(times))   // seconds
	for i, n := range workers {
		if n < 1 {
			return AmdahlFit{}, fmt.Errorf("timing: FitAmdahl: worker count %d", n)
		}
		if times[i] <= 0 {
			return AmdahlFit{}, fmt.Errorf("timing: FitAmdahl: time %v at %d workers", times[i], n)
		}
		distinct[n] = true
		xs[i], ys[i] = 1/float64(n), times[i].Seconds()
	}
	if len(distinct) < 3 {
		return AmdahlFit{}, fmt.Errorf("%w, have %d", ErrTooFewCounts, len(distinct))
	}
	a, b := leastSquares(xs, ys)
	// The minimum with a or b below zero lies on the boundary of the
	// allowed region: fit the one remaining parameter alone.
	switch {
	case a < 0:
		a, b = 0, dot(xs, ys)/dot(xs, xs)
	case b < 0:
		a, b = mean(ys), 0
	}
	f := AmdahlFit{Serial: a / (a + b), Counts: len(distinct)}
	f.Limit = 1 / f.Serial
	f.T1 = time.Duration((a + b) * float64(time.Second))
	f.R2 = rSquared(xs, ys, a, b)
	return f, nil
}

// leastSquares fits y = a + b·x.
func leastSquares(xs, ys []float64) (a, b float64) {
	mx, my := mean(xs), mean(ys)
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	b = sxy / sxx
	return my - b*mx, b
}

func rSquared(xs, ys []float64, a, b float64) float64 {
	my := mean(ys)
	var res, tot float64
	for i := range xs {
		e := ys[i] - (a + b*xs[i])
		res += e * e
		tot += (ys[i] - my) * (ys[i] - my)
	}
	if tot == 0 {
		return 1 // every time equal, and the fit (b = 0) through them
	}
	return 1 - res/tot
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func dot(xs, ys []float64) float64 {
	var s float64
	for i := range xs {
		s += xs[i] * ys[i]
	}
	return s
}

// Time is the fitted time on n workers.
func (f AmdahlFit) Time(n float64) time.Duration {
	return time.Duration(float64(f.T1) * (f.Serial + (1-f.Serial)/n))
}

// Speedup is the fitted speedup on n workers.
func (f AmdahlFit) Speedup(n float64) float64 {
	return Amdahl(f.Serial, n)
}

// String summarizes the fit: "serial fraction 0.052, limit 19.2×, R² 0.998
// (4 worker counts)".
func (f AmdahlFit) String() string {
	limit := "no limit"
	if !math.IsInf(f.Limit, 1) {
		limit = "limit " + ratio(f.Limit)
	}
	return fmt.Sprintf("serial fraction %.3f, %s, R² %.3f (%s)", f.Serial, limit, f.R2, plural(f.Counts, "worker count"))
}
