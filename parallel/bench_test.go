package parallel

import (
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	conciter "github.com/sourcegraph/conc/iter"
	"golang.org/x/sync/errgroup"
)

// spin does floating-point work proportional to n.
func spin(n int) float64 {
	s := 0.0
	for i := range n {
		s += math.Sqrt(float64(i) + s*1e-9)
	}
	return s
}

// spinFor returns the spin size that takes about d on this machine.
func spinFor(d time.Duration) int {
	n := 1 << 14
	for {
		start := time.Now()
		sink = spin(n) // used, so the work is not optimized away
		if took := time.Since(start); took > 5*time.Millisecond {
			return int(float64(n) * float64(d) / float64(took))
		}
		n *= 2
	}
}

var (
	calibrate sync.Once
	spin20ms  int
	spin10us  int
)

func calibrated() {
	calibrate.Do(func() {
		spin20ms = spinFor(20 * time.Millisecond)
		spin10us = spinFor(10 * time.Microsecond)
	})
}

var sink float64

// spinAll is the sequential reference loop for the spin benchmarks.
func spinAll(items []int) []float64 {
	out := make([]float64, len(items))
	for i, n := range items {
		out[i] = spin(n)
	}
	return out
}

// (a) 64 CPU-bound items of about 20 ms each: speedup of Map on all cores
// over a sequential loop. Run with -benchtime=3x or so.
func BenchmarkCPUBound(b *testing.B) {
	calibrated()
	items := make([]int, 64)
	for i := range items {
		items[i] = spin20ms
	}
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			sink = spinAll(items)[0]
		}
	})
	b.Run("Map", func(b *testing.B) {
		for b.Loop() {
			out, err := Map(items, spin)
			if err != nil {
				b.Fatal(err)
			}
			sink = out[0]
		}
	})
}

var squareSink []int

// (b) 10 million trivial items (x*x): Map and MapChunks against a
// hand-written chunked loop, conc's iter.Map and errgroup with SetLimit.
// Each allocates its result slice, as Map must.
func BenchmarkTrivial(b *testing.B) {
	const n = 10_000_000
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	square := func(x int) int { return x * x }
	// A chunked loop written by hand, one block per core. "Func" calls the
	// same function value Map gets, which Go cannot inline through a
	// parameter; "Inline" has x*x written in the loop.
	hand := func(f func(int) int) []int {
		out := make([]int, n)
		workers := runtime.GOMAXPROCS(0)
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := w*n/workers, (w+1)*n/workers
			wg.Go(func() {
				if f == nil {
					for i := lo; i < hi; i++ {
						out[i] = xs[i] * xs[i]
					}
					return
				}
				for i := lo; i < hi; i++ {
					out[i] = f(xs[i])
				}
			})
		}
		wg.Wait()
		return out
	}
	// Grow the heap to its working size first, so that the first
	// sub-benchmark does not pay alone for faulting in fresh memory.
	for range 5 {
		squareSink = hand(nil)
	}
	b.Run("Map", func(b *testing.B) {
		for b.Loop() {
			out, err := Map(xs, square)
			if err != nil {
				b.Fatal(err)
			}
			squareSink = out
		}
	})
	// The same work as a chunk function, with x*x written in its loop.
	b.Run("MapChunks", func(b *testing.B) {
		for b.Loop() {
			out, err := MapChunks(xs, func(in, out []int) {
				for i, x := range in {
					out[i] = x * x
				}
			})
			if err != nil {
				b.Fatal(err)
			}
			squareSink = out
		}
	})
	b.Run("handChunkedFunc", func(b *testing.B) {
		for b.Loop() {
			squareSink = hand(square)
		}
	})
	b.Run("handChunkedInline", func(b *testing.B) {
		for b.Loop() {
			squareSink = hand(nil)
		}
	})
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			out := make([]int, n)
			for i, x := range xs {
				out[i] = x * x
			}
			squareSink = out
		}
	})
	b.Run("concIterMap", func(b *testing.B) {
		for b.Loop() {
			squareSink = conciter.Map(xs, func(x *int) int { return *x * *x })
		}
	})
	b.Run("errgroupSetLimit", func(b *testing.B) {
		for b.Loop() {
			out := make([]int, n)
			var g errgroup.Group
			g.SetLimit(runtime.GOMAXPROCS(0))
			for i := range xs {
				g.Go(func() error {
					out[i] = xs[i] * xs[i]
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
			squareSink = out
		}
	})
}

// (c) Overhead per item for 10 µs items: compare ns/item of Map with one
// worker against the sequential loop; the difference is the overhead.
func BenchmarkItem10us(b *testing.B) {
	calibrated()
	items := make([]int, 2000)
	for i := range items {
		items[i] = spin10us
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(items)), "ns/item")
	}
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			sink = spinAll(items)[0]
		}
		report(b)
	})
	b.Run("Map1worker", func(b *testing.B) {
		for b.Loop() {
			out, _ := Map(items, spin, Workers(1))
			sink = out[0]
		}
		report(b)
	})
	b.Run("Map", func(b *testing.B) {
		for b.Loop() {
			out, _ := Map(items, spin)
			sink = out[0]
		}
		report(b)
	})
}
