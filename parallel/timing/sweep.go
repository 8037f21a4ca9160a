package timing

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"time"
)

// Sweep times f at several worker counts and shows how it scales. f runs
// the work with the number of workers it is given, typically by passing
// it on:
//
//	r := timing.Sweep(func(w int) {
//		parallel.Map(xs, slowSquare, parallel.Workers(w))
//	})
//
// The counts are 1, 2, 4, ... up to the number of cores (GOMAXPROCS),
// which is included; Workers sets others, measured in the order given. Each count gets one untimed
// warm-up run and three timed ones (see Warmup and Repeat); rows report
// the median, least and greatest time, and the speedup and efficiency
// against one worker. Amdahl's law is fitted to the medians (see
// FitAmdahl).
//
// In a notebook, Sweep shows which count it is timing, and the interrupt
// button stops it: the result keeps the rows finished so far, and says it
// was interrupted. The Context option does the same in any program.
func Sweep(f func(workers int), opts ...Option) *SweepResult {
	cfg := configure("Sweep", 'S', 3, 1, opts)
	cores := runtime.GOMAXPROCS(0)
	counts := cfg.workers
	if counts == nil {
		counts = defaultCounts(cores)
	}
	if !slices.Contains(counts, 1) {
		counts = append([]int{1}, counts...)
	}
	r := &SweepResult{Repeat: cfg.repeat, Warmup: cfg.warmup, Cores: cores}
	s := begin(cfg, true)
	defer s.end()
	start := cfg.now()
	for i, n := range counts {
		times, err := s.runs(func() { f(n) }, cfg.warmup, cfg.repeat, func(run int) {
			s.show(r.progressHTML(fmt.Sprintf("timing %s: %s (count %d of %d)", plural(n, "worker"), runName(run, cfg.repeat), i+1, len(counts))))
		})
		if err != nil {
			r.Err = err
			break
		}
		r.addRow(newRow(n, times))
	}
	r.Elapsed = cfg.now().Sub(start)
	r.finish() // also when no row was finished
	if r.Err != nil {
		s.show(r.HTML())
	} else {
		s.show(fmt.Sprintf(`<div style="font-family:monospace">swept %s in %s</div>`, plural(len(r.Rows), "worker count"), duration(r.Elapsed)))
	}
	return r
}

// runName names a run for progress: "warm-up", "run 2/3".
func runName(run, of int) string {
	if run == 0 {
		return "warm-up"
	}
	return fmt.Sprintf("run %d/%d", run, of)
}

// defaultCounts is 1, 2, 4, ... below cores, then cores.
func defaultCounts(cores int) []int {
	var counts []int
	for n := 1; n < cores; n *= 2 {
		counts = append(counts, n)
	}
	return append(counts, cores)
}

// A SweepResult is what Sweep measured. As a cell's value it shows as a
// table and a chart of speedup and time against workers.
type SweepResult struct {
	Rows    []Row // one per worker count, fewest workers first
	Repeat  int   // timed runs per row
	Warmup  int   // untimed runs before them
	Cores   int   // GOMAXPROCS during the sweep
	Elapsed time.Duration
	// Fit is Amdahl's law fitted to the rows' medians, when FitErr is
	// nil.
	Fit    AmdahlFit
	FitErr error
	// Err says why the sweep stopped before measuring every count
	// (ErrInterrupted, or the Context option's cause); nil when it did
	// not.
	Err error
}

// A Row is one worker count's measurement.
type Row struct {
	Workers          int
	Times            []time.Duration // the timed runs, in order
	Median, Min, Max time.Duration
	// Speedup is one worker's median over this row's; Efficiency is the
	// speedup per worker (1 is perfect scaling).
	Speedup, Efficiency float64
}

func newRow(workers int, times []time.Duration) Row {
	return Row{
		Workers: workers,
		Times:   times,
		Median:  median(times),
		Min:     slices.Min(times),
		Max:     slices.Max(times),
	}
}

// baseSeconds is the median time on one worker, NaN when it was not
// measured (the sweep was stopped before).
func (r *SweepResult) baseSeconds() float64 {
	for _, row := range r.Rows {
		if row.Workers == 1 {
			return row.Median.Seconds()
		}
	}
	return math.NaN()
}

// addRow adds a row in order of workers, and works out speedups and the
// fit again (the progress display shows them).
func (r *SweepResult) addRow(row Row) {
	i, _ := slices.BinarySearchFunc(r.Rows, row.Workers, func(r Row, n int) int { return r.Workers - n })
	r.Rows = slices.Insert(r.Rows, i, row)
	r.finish()
}

// finish works out speedups and the fit from the rows.
func (r *SweepResult) finish() {
	base := r.baseSeconds()
	var workers []int
	var medians []time.Duration
	for i := range r.Rows {
		row := &r.Rows[i]
		row.Speedup = base / row.Median.Seconds()
		row.Efficiency = row.Speedup / float64(row.Workers)
		workers = append(workers, row.Workers)
		medians = append(medians, row.Median)
	}
	r.Fit, r.FitErr = FitAmdahl(workers, medians)
}

// Speedup returns the measured speedup at n workers, NaN when n was not
// measured.
func (r *SweepResult) Speedup(n int) float64 {
	for _, row := range r.Rows {
		if row.Workers == n {
			return row.Speedup
		}
	}
	return math.NaN()
}

// aboveCores reports whether a row used more workers than there are cores.
func (r *SweepResult) aboveCores(row Row) bool { return row.Workers > r.Cores }

// superlinear reports whether a row's speedup exceeds its worker count:
// possible (more workers bring more cache) but usually noise, so it is
// marked rather than claimed.
func superlinear(row Row) bool { return row.Speedup > float64(row.Workers) }
