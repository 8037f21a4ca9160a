package engine

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkTimingCells measures changed cells that show timing results
// against one that only maps, in the same run: what showing a sweep
// costs (package timing draws its own chart, so nothing but timing is
// linked), and what drawing it with gonum costs (linking gonum/plot and
// its fonts). Each iteration runs each cell once, changed, so each
// builds; the sweeps are tiny, so building is most of the time.
func BenchmarkTimingCells(b *testing.B) {
	const work = "func(w int) { parallel.Map([]int{1, 2, 3, 4}, func(x int) int { return x * %d }, parallel.Workers(w)) }"
	const opts = "timing.Workers(1, 2), timing.Repeat(1), timing.Warmup(0)"
	cells := []struct{ name, code string }{
		{"map", "r, _ := parallel.Map([]int{1, 2, 3, 4}, func(x int) int { return x * %d })\nr"},
		{"sweep", "timing.Sweep(" + work + ", " + opts + ")"},
		{"sweep-gonum", "timingplot.Sweep(timing.Sweep(" + work + ", " + opts + "))"},
	}
	e := newBenchEngine(b)
	count := 1
	for _, c := range cells {
		execCell(b, e, fmt.Sprintf(c.code, -1), count) // fills the build cache
		count++
	}
	total := make([]time.Duration, len(cells))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, c := range cells {
			start := time.Now()
			execCell(b, e, fmt.Sprintf(c.code, i), count)
			total[j] += time.Since(start)
			count++
		}
	}
	b.StopTimer()
	n := float64(b.N)
	for j, c := range cells {
		b.ReportMetric(float64(total[j].Milliseconds())/n, c.name+"-ms/cell")
		if j > 0 {
			b.ReportMetric(float64(total[j])/float64(total[0]), c.name+"/map")
		}
	}
}
