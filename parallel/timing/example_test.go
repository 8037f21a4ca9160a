package timing_test

import (
	"fmt"
	"math"
	"time"

	"github.com/gopar/gopar/parallel"
	"github.com/gopar/gopar/parallel/timing"
)

func slowSquare(x float64) float64 {
	time.Sleep(10 * time.Millisecond)
	return x * x
}

func ExampleSweep() {
	xs := make([]float64, 64)
	r := timing.Sweep(func(w int) {
		parallel.Map(xs, slowSquare, parallel.Workers(w))
	}, timing.Workers(1, 2, 4, 8))
	// As a cell's last expression, r shows as a table and a chart.
	fmt.Printf("%.1f× on 8 workers; serial fraction %.2f\n", r.Speedup(8), r.Fit.Serial)
}

func ExampleCompare() {
	xs := make([]float64, 64)
	c := timing.Compare(
		"sequential", func() {
			for _, x := range xs {
				slowSquare(x)
			}
		},
		"parallel", func() { parallel.Map(xs, slowSquare, parallel.Workers(8)) },
	)
	fmt.Printf("parallel is %.1f× as fast\n", c.Ratio("parallel"))
}

func ExampleIt() {
	fmt.Println(timing.It(func() { math.Sqrt(2) }))
}

func ExampleAmdahl() {
	// With 5% of the work serial, no number of workers beats 20×.
	for _, n := range []float64{2, 8, 64, math.Inf(1)} {
		fmt.Printf("%4v workers: %5.2f×\n", n, timing.Amdahl(0.05, n))
	}
	// Output:
	//    2 workers:  1.90×
	//    8 workers:  5.93×
	//   64 workers: 15.42×
	// +Inf workers: 20.00×
}

func ExampleFitAmdahl() {
	workers := []int{1, 2, 4, 8}
	times := []time.Duration{1000 * time.Millisecond, 550 * time.Millisecond, 325 * time.Millisecond, 212 * time.Millisecond}
	fit, err := timing.FitAmdahl(workers, times)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fit)
	// Output: serial fraction 0.100, limit 10.0×, R² 1.000 (4 worker counts)
}
