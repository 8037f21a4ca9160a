package store

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkNPY saves and loads 8 MiB of float64s as .npy and reports the
// time against a floor measured in the same run: writing and reading the
// same bytes with no format at all.
func BenchmarkNPY(b *testing.B) {
	for _, c := range []struct {
		name string
		v    any
	}{
		{"1d", make([]float64, 1<<20)},
		{"2d", makeRows(1<<10, 1<<10)},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			path := filepath.Join(dir, "a.npy")
			b.SetBytes(8 << 20)
			var floor, store time.Duration
			for b.Loop() {
				start := time.Now()
				rawFloor(b, filepath.Join(dir, "raw"), 1<<20)
				mid := time.Now()
				if err := Save(path, c.v); err != nil {
					b.Fatal(err)
				}
				var back any
				if err := Load(path, &back); err != nil {
					b.Fatal(err)
				}
				floor += mid.Sub(start)
				store += time.Since(mid)
			}
			b.ReportMetric(float64(store)/float64(floor), "x-floor")
		})
	}
}

func rawFloor(b *testing.B, path string, n int) {
	buf := make([]byte, 8*n)
	for i := range n {
		binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(float64(i)))
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.Fatal(err)
	}
	back, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = math.Float64frombits(binary.LittleEndian.Uint64(back[8*i:]))
	}
}

func makeRows(rows, cols int) [][]float64 {
	out := make([][]float64, rows)
	for i := range out {
		out[i] = make([]float64, cols)
	}
	return out
}
