package timing

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// It times f as IPython's %timeit times a statement, and its result prints
// as IPython's does:
//
//	fmt.Println(timing.It(func() { fibonacci(20) }))
//	// 27.1 µs ± 312 ns per loop (mean ± std. dev. of 7 runs, 10,000 loops each)
//
// It calls f 1, 10, 100, ... times in a row until that takes at least 0.2
// seconds, then times that many calls seven times (see Loops and Repeat)
// and reports the mean time per call and its standard deviation. The %timeit
// magic of the gopar kernel does this for a line of a cell.
func It(f func(), opts ...Option) *ItResult {
	return itLoop("It", func(n int) {
		for range n {
			f()
		}
	}, opts)
}

// ItLoop is It for a function that itself runs the code being timed n
// times, so that no function call per run is part of the time: what
// %timeit uses for code as short as a single addition.
func ItLoop(body func(n int), opts ...Option) *ItResult {
	return itLoop("ItLoop", body, opts)
}

// calibration is how long a run of It must take at least, as in IPython.
const calibration = 200 * time.Millisecond

func itLoop(name string, body func(n int), opts []Option) *ItResult {
	cfg := configure(name, 'I', 7, 0, opts)
	s := begin(cfg, false)
	defer s.end()
	r := &ItResult{Loops: cfg.loops}
	if r.Loops == 0 {
		for r.Loops = 1; ; r.Loops *= 10 {
			if r.Err = s.stopped(); r.Err != nil {
				return r
			}
			if n := r.Loops; s.time(func() { body(n) }) >= calibration || r.Loops >= 1e9 {
				break
			}
		}
	}
	r.Runs, r.Err = s.runs(func() { body(r.Loops) }, 0, cfg.repeat, func(int) {})
	return r
}

// An ItResult is what It measured.
type ItResult struct {
	Loops int             // calls per timed run
	Runs  []time.Duration // the time of each run, for all its calls
	Err   error           // why it stopped before every run (see Context)
}

// perCall returns the runs' times per call, in seconds.
func (r *ItResult) perCall() []float64 {
	out := make([]float64, len(r.Runs))
	for i, d := range r.Runs {
		out[i] = d.Seconds() / float64(r.Loops)
	}
	return out
}

// meanStd returns the mean time per call and its standard deviation over
// the runs (of the runs themselves, not of the mean: IPython's), in
// seconds.
func (r *ItResult) meanStd() (mean, std float64) {
	ts := r.perCall()
	for _, t := range ts {
		mean += t
	}
	mean /= float64(len(ts))
	for _, t := range ts {
		std += (t - mean) * (t - mean)
	}
	return mean, math.Sqrt(std / float64(len(ts)))
}

// Mean returns the mean time per call.
func (r *ItResult) Mean() time.Duration {
	if len(r.Runs) == 0 {
		return 0
	}
	m, _ := r.meanStd()
	return time.Duration(math.Round(m * float64(time.Second)))
}

// StdDev returns the standard deviation of the time per call over runs.
func (r *ItResult) StdDev() time.Duration {
	if len(r.Runs) == 0 {
		return 0
	}
	_, s := r.meanStd()
	return time.Duration(math.Round(s * float64(time.Second)))
}

// String reports as IPython's %timeit does, followed by a line when the
// slowest run took over four times as long as the fastest.
func (r *ItResult) String() string {
	if len(r.Runs) == 0 {
		if r.Err != nil {
			return fmt.Sprintf("no complete run (%v)", r.Err)
		}
		return "no runs"
	}
	mean, std := r.meanStd()
	var b strings.Builder
	fmt.Fprintf(&b, "%s ± %s per loop (mean ± std. dev. of %s, %s each)",
		seconds(mean), seconds(std), plural(len(r.Runs), "run"), pluralLoops(r.Loops))
	ts := r.perCall()
	best, worst := slices.Min(ts), slices.Max(ts)
	if worst > 4*best && best > 0 && worst > 1e-6 {
		fmt.Fprintf(&b, "\nNote: the slowest run took %.2f times as long as the fastest; something may have been cached after the first.", worst/best)
	}
	if r.Err != nil {
		fmt.Fprintf(&b, "\nStopped after %s: %v.", plural(len(r.Runs), "run"), r.Err)
	}
	return b.String()
}

// pluralLoops writes a loop count with thousands separators, as Python's
// "{:,}" does: "1 loop", "10,000 loops".
func pluralLoops(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if n == 1 {
		return s + " loop"
	}
	return s + " loops"
}
