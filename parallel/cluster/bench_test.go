package cluster

import (
	"testing"

	"github.com/gopar/gopar/parallel"
)

// The overhead of a Beam job on Prism in this process against parallel
// on the same machine, for slow CPU-bound items: compare the ns/op of the
// two in one run (go test -bench Slow -benchtime 3x).
func BenchmarkSlowItems(b *testing.B) {
	xs := make([]int, 64)
	for i := range xs {
		xs[i] = i
	}
	b.Run("parallel.Map", func(b *testing.B) {
		for b.Loop() {
			if _, err := parallel.Map(xs, slowSquare); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cluster.Map", func(b *testing.B) {
		for b.Loop() {
			if _, err := Map(xs, slowSquare); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The fixed cost of a job: one trivial item, so the time is building,
// submitting and following the pipeline, and reading its result.
func BenchmarkJobFixedCost(b *testing.B) {
	xs := []int{3}
	for b.Loop() {
		if _, err := Map(xs, square); err != nil {
			b.Fatal(err)
		}
	}
}
