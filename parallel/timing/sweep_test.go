package timing

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/notebook/notebooktest"
)

// amdahlWork is a function for Sweep that takes, by the fake clock, what
// Amdahl's law says for t1 and serial fraction s, plus extra for its k-th
// call.
func amdahlWork(clk *fakeClock, t1 time.Duration, s float64, extra func(k int) time.Duration) (func(int), *[]int) {
	var calls []int
	return func(w int) {
		calls = append(calls, w)
		clk.advance(time.Duration(float64(t1)*(s+(1-s)/float64(w))) + extra(len(calls)))
	}, &calls
}

func TestSweepOnFakeClock(t *testing.T) {
	clk := &fakeClock{}
	// The second timed run of every count is 30 ms slow: the median
	// ignores it, the max shows it.
	f, calls := amdahlWork(clk, 800*time.Millisecond, 0.1, func(k int) time.Duration {
		if k%4 == 3 {
			return 30 * time.Millisecond
		}
		return 0
	})
	r := Sweep(f, Workers(2, 4, 8), withClock(clk.now))

	// One worker first, then the counts given; a warm-up and three runs each.
	wantCalls := []int{1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8}
	if !slices.Equal(*calls, wantCalls) {
		t.Errorf("calls %v, want %v", *calls, wantCalls)
	}
	if r.Repeat != 3 || r.Warmup != 1 || r.Cores != runtime.GOMAXPROCS(0) || r.Err != nil || len(r.Rows) != 4 {
		t.Fatalf("result %+v", r)
	}
	for _, row := range r.Rows {
		want := time.Duration(800 * float64(time.Millisecond) * (0.1 + 0.9/float64(row.Workers)))
		if row.Median != want || row.Min != want || row.Max != want+30*time.Millisecond || len(row.Times) != 3 {
			t.Errorf("%d workers: median %v, min %v, max %v; want %v, %v, %v", row.Workers, row.Median, row.Min, row.Max, want, want, want+30*time.Millisecond)
		}
		wantS := Amdahl(0.1, float64(row.Workers))
		if math.Abs(row.Speedup-wantS) > 1e-9 || math.Abs(row.Efficiency-wantS/float64(row.Workers)) > 1e-9 {
			t.Errorf("%d workers: speedup %v, efficiency %v; want %v", row.Workers, row.Speedup, row.Efficiency, wantS)
		}
		if got := r.Speedup(row.Workers); got != row.Speedup {
			t.Errorf("Speedup(%d) = %v, row says %v", row.Workers, got, row.Speedup)
		}
	}
	if !math.IsNaN(r.Speedup(3)) {
		t.Errorf("Speedup(3) = %v for a count not measured", r.Speedup(3))
	}
	if r.FitErr != nil || math.Abs(r.Fit.Serial-0.1) > 1e-6 || math.Abs(r.Fit.R2-1) > 1e-9 {
		t.Errorf("fit %+v, %v", r.Fit, r.FitErr)
	}
	// Warm-ups are not timed: 4 counts, 3 timed and 1 untimed runs each.
	var timed time.Duration
	for _, row := range r.Rows {
		for _, d := range row.Times {
			timed += d
		}
	}
	if r.Elapsed <= timed {
		t.Errorf("Elapsed %v not above the timed runs' %v", r.Elapsed, timed)
	}
}

func TestSweepStopsAndKeepsFinishedRows(t *testing.T) {
	clk := &fakeClock{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls []int
	f := func(w int) {
		calls = append(calls, w)
		clk.advance(time.Second / time.Duration(w))
		if w == 4 && len(calls) == 10 {
			cancel() // during the second timed run at 4 workers
		}
	}
	r := Sweep(f, Workers(1, 2, 4, 8), Context(ctx), withClock(clk.now))
	if len(r.Rows) != 2 || r.Rows[0].Workers != 1 || r.Rows[1].Workers != 2 {
		t.Fatalf("rows %+v, want those of 1 and 2 workers", r.Rows)
	}
	if !errors.Is(r.Err, context.Canceled) {
		t.Errorf("Err = %v", r.Err)
	}
	if len(calls) != 10 {
		t.Errorf("%d calls after the cancel", len(calls)-10)
	}
	if !errors.Is(r.FitErr, ErrTooFewCounts) {
		t.Errorf("FitErr = %v", r.FitErr)
	}
	if s := r.String(); !strings.Contains(s, "Stopped after 2 worker counts: timing: stopped: context canceled.") ||
		!strings.Contains(s, "No Amdahl fit: it needs times at 3 or more worker counts, and there are 2") {
		t.Errorf("String() = %s", s)
	}
}

// In a notebook, SIGINT is the interrupt button: it stops the session
// between runs instead of ending the program.
func TestInterruptStopsBetweenRuns(t *testing.T) {
	notebooktest.Attach(t)
	s := begin(&config{ctx: context.Background(), now: time.Now}, true)
	defer s.end()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !s.interrupted.Load() {
		if time.Now().After(deadline) {
			t.Fatal("SIGINT not seen")
		}
		time.Sleep(time.Millisecond)
	}
	runs := 0
	times, err := s.runs(func() { runs++ }, 1, 3, func(int) {})
	if !errors.Is(err, ErrInterrupted) || len(times) != 0 || runs != 0 {
		t.Errorf("after SIGINT: %d runs, times %v, err %v", runs, times, err)
	}
}

func TestSweepShowsProgressInNotebook(t *testing.T) {
	nb := notebooktest.Attach(t)
	clk := &fakeClock{}
	f, _ := amdahlWork(clk, time.Second, 0, func(int) time.Duration { return 0 })
	Sweep(f, Workers(1, 2), Repeat(2), Warmup(0), withClock(clk.now))
	if ids := nb.IDs(); len(ids) != 1 {
		t.Errorf("progress in %d displays, want 1", len(ids))
	}
	var sawRun bool
	for _, u := range nb.Updates() {
		// The row done so far, with its speedup, and what runs now.
		sawRun = sawRun || strings.Contains(u, "1.00×") && strings.Contains(u, "timing 2 workers: run 2/2 (count 2 of 2)")
	}
	if !sawRun || !strings.Contains(nb.Last(), "swept 2 worker counts in 3 s") {
		t.Errorf("progress updates %q", nb.Updates())
	}
}

func TestSweepMarks(t *testing.T) {
	cores := runtime.GOMAXPROCS(0)
	clk := &fakeClock{}
	// Superlinear at 2 workers (2.5×), flat beyond the cores.
	f := func(w int) {
		switch {
		case w == 1:
			clk.advance(time.Second)
		case w == 2:
			clk.advance(400 * time.Millisecond)
		default:
			clk.advance(time.Second / time.Duration(min(w, cores)))
		}
	}
	r := Sweep(f, Workers(1, 2, cores+1), withClock(clk.now))
	text := r.String()
	above := strings.Contains(text, "† More workers than the")
	super := strings.Contains(text, "‡ Speedup above the worker count")
	if !above || !super {
		t.Errorf("notes lack the marks (above cores %v, superlinear %v):\n%s", above, super, text)
	}
	lines := strings.Split(text, "\n")
	if !strings.Contains(lines[2], "2.50×‡") || !strings.Contains(lines[3], "†") {
		t.Errorf("rows not marked:\n%s", text)
	}
	if strings.Contains(lines[1], "†") || strings.Contains(lines[1], "‡") {
		t.Errorf("one worker marked:\n%s", text)
	}
}

func TestSweepRowsInWorkerOrder(t *testing.T) {
	clk := &fakeClock{}
	f, calls := amdahlWork(clk, time.Second, 0.1, func(int) time.Duration { return 0 })
	r := Sweep(f, Workers(8, 2, 4), Warmup(0), Repeat(1), withClock(clk.now))
	if !slices.Equal(*calls, []int{1, 8, 2, 4}) {
		t.Errorf("measured %v, want 1 first, then in the order given", *calls)
	}
	var got []int
	for _, row := range r.Rows {
		got = append(got, row.Workers)
	}
	if !slices.Equal(got, []int{1, 2, 4, 8}) || math.Abs(r.Rows[3].Speedup-Amdahl(0.1, 8)) > 1e-9 {
		t.Errorf("rows %v, speedup at 8 %v", got, r.Rows[3].Speedup)
	}
}

func TestSweepStoppedBeforeAnyRow(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := Sweep(func(int) { t.Error("ran after the context was done") }, Context(ctx))
	if len(r.Rows) != 0 || r.FitErr == nil || !errors.Is(r.Err, context.Canceled) {
		t.Errorf("rows %v, fit error %v, error %v", r.Rows, r.FitErr, r.Err)
	}
	if s := r.String(); strings.Contains(s, "fitted") {
		t.Errorf("claims a fit:\n%s", s)
	}
}

func TestSweepDisplays(t *testing.T) {
	clk := &fakeClock{}
	f, _ := amdahlWork(clk, 2*time.Second, 0.2, func(int) time.Duration { return 0 })
	r := Sweep(f, Workers(1, 2, 4), withClock(clk.now))
	html := r.HTML()
	for _, want := range []string{"<table", "<th", "2.50×", "<svg", "Wall-clock medians of 3 timed runs per worker count, after 1 untimed warm-up", "serial fraction 0.200"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	checkSVG(t, r.SVG())
	checkSVG(t, r.Chart().SVG())
	if tab := r.Table(); !strings.Contains(tab.HTML(), "<table") || strings.Contains(tab.HTML(), "<svg") || tab.String() != r.String() {
		t.Errorf("Table() = %+v", tab)
	}
	// Runs too short for the clock still draw.
	zero := Sweep(func(int) {}, Workers(1, 2, 4), withClock(func() time.Time { return time.Time{} }))
	checkSVG(t, zero.SVG())
	if svg := zero.SVG(); strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
		t.Errorf("chart of zero times has coordinates NaN or Inf")
	}
	// An empty result (interrupted before anything) still displays.
	empty := &SweepResult{Repeat: 3, Warmup: 1, Cores: 2, Err: ErrInterrupted, FitErr: ErrTooFewCounts}
	checkSVG(t, empty.SVG())
	if !strings.Contains(empty.String(), "Stopped after 0 worker counts: timing: interrupted.") {
		t.Errorf("empty: %s", empty.String())
	}
}

func TestDefaultCounts(t *testing.T) {
	for cores, want := range map[int][]int{1: {1}, 2: {1, 2}, 6: {1, 2, 4, 6}, 8: {1, 2, 4, 8}, 12: {1, 2, 4, 8, 12}} {
		if got := defaultCounts(cores); !slices.Equal(got, want) {
			t.Errorf("defaultCounts(%d) = %v, want %v", cores, got, want)
		}
	}
}

func TestOptionMistakesPanic(t *testing.T) {
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"loops for sweep", func() { Sweep(func(int) {}, Loops(3)) }, "timing.Sweep: option Loops does not apply"},
		{"zero workers", func() { Sweep(func(int) {}, Workers(0, 2)) }, "timing.Sweep: Workers: worker count 0: counts must be at least 1"},
		{"twice", func() { Sweep(func(int) {}, Workers(2, 2)) }, "worker count 2 given twice"},
		{"workers for It", func() { It(func() {}, Workers(2)) }, "timing.It: option Workers does not apply"},
		{"repeat 0", func() { Compare("a", func() {}, Repeat(0)) }, "timing.Compare: Repeat: Repeat(0): at least one run"},
	}
	for _, tt := range tests {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), tt.want) {
					t.Errorf("%s: panic %v, want %q", tt.name, r, tt.want)
				}
			}()
			tt.call()
		}()
	}
}

// spin burns CPU for about n iterations, split over w goroutines.
func spin(n, w int) {
	done := make(chan float64, w)
	for i := range w {
		go func() {
			x := float64(i)
			for j := 0; j < n/w; j++ {
				x = math.Sqrt(x + float64(j))
			}
			done <- x
		}()
	}
	for range w {
		<-done
	}
}

// cpuTime is the CPU time the process has used, all threads together.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestSweepMeasuresCPUBoundSpeedup runs a real sweep of CPU-bound work at
// 1 and 2 workers and checks the speedup measured in the same run: at
// least 1.7, and not above 2.05. It also measures how many cores the
// process got while each count ran: on a machine busy with other work a
// sweep cannot find the speedup the cores did not give (nor avoid one
// that a slowed single worker makes up), and the test tries again, then
// skips. A sweep that timed wrongly with the cores available fails.
func TestSweepMeasuresCPUBoundSpeedup(t *testing.T) {
	if testing.Short() {
		t.Skip("times real work")
	}
	if runtime.GOMAXPROCS(0) < 2 || runtime.NumCPU() < 2 {
		t.Skip("needs 2 cores")
	}
	var busy []string
	for range 4 {
		var cpu, wall [3]time.Duration // by worker count
		r := Sweep(func(w int) {
			c0, t0 := cpuTime(t), time.Now()
			spin(20_000_000, w)
			cpu[w] += cpuTime(t) - c0
			wall[w] += time.Since(t0)
		}, Workers(1, 2))
		s := r.Speedup(2)
		one, two := cpu[1].Seconds()/wall[1].Seconds(), cpu[2].Seconds()/wall[2].Seconds()
		switch {
		case s >= 1.7 && s <= 2.05:
			return
		case one < 0.95 || two < 1.8:
			busy = append(busy, fmt.Sprintf("speedup %.2f, cores busy %.2f and %.2f", s, one, two))
			continue
		}
		t.Fatalf("speedup at 2 workers %.2f, with %.2f and %.2f cores busy: want between 1.7 and 2.05\n%s", s, one, two, r)
	}
	t.Skipf("the machine is busy: %s", strings.Join(busy, "; "))
}
