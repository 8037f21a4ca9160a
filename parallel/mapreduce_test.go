package parallel

import (
	"errors"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestMapReduceWordCount(t *testing.T) {
	defer noLeaks(t)()
	lines := []string{"a b a", "c", "", "b a"}
	counts, err := MapReduce(lines, func(line string, emit func(string, int)) {
		for _, w := range strings.Fields(line) {
			emit(w, 1)
		}
	}, func(a, b int) int { return a + b })
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"a": 3, "b": 2, "c": 1}; !maps.Equal(counts, want) {
		t.Errorf("got %v, want %v", counts, want)
	}
}

// TestMapReduceMatchesSequential is a property test: on random inputs,
// option sets and combiners, MapReduce equals a plain loop.
func TestMapReduceMatchesSequential(t *testing.T) {
	defer noLeaks(t)()
	type combiner struct {
		name string
		f    func(a, b int64) int64
	}
	combiners := []combiner{
		{"sum", func(a, b int64) int64 { return a + b }},
		{"max", func(a, b int64) int64 { return max(a, b) }},
		{"xor", func(a, b int64) int64 { return a ^ b }},
	}
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 7))
		n := rng.IntN(3000)
		keys := 1 + rng.IntN(50)
		xs := make([]int64, n)
		for i := range xs {
			xs[i] = rng.Int64N(1 << 20)
		}
		c := combiners[seed%uint64(len(combiners))]
		mapper := func(x int64, emit func(int, int64)) {
			for j := range int(x % 4) { // 0 to 3 pairs per item
				emit(int((x+int64(j))%int64(keys)), x>>uint(j))
			}
		}
		want := map[int]int64{}
		for _, x := range xs {
			mapper(x, func(k int, v int64) {
				if old, ok := want[k]; ok {
					v = c.f(old, v)
				}
				want[k] = v
			})
		}
		opts := []Option{Workers(1 + rng.IntN(4))}
		if rng.IntN(2) == 0 {
			opts = append(opts, Chunk(1+rng.IntN(100)))
		}
		got, err := MapReduce(xs, mapper, c.f, opts...)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("seed %d (%s, n=%d): got %v, want %v", seed, c.name, n, got, want)
		}
	}
}

func TestMapReduceErrors(t *testing.T) {
	defer noLeaks(t)()
	_, err := MapReduce([]int{1, 2, 3}, func(x int, emit func(int, int)) {
		if x == 2 {
			panic("two")
		}
		emit(x, x)
	}, func(a, b int) int { return a + b })
	var ie *ItemError
	if !errors.As(err, &ie) || ie.Index != 1 {
		t.Errorf("got %v, want item 1", err)
	}
	// A panic in combine while merging the workers' maps is an error too.
	xs := make([]int, 1000)
	_, err = MapReduce(xs, func(x int, emit func(int, int)) { emit(0, 1) }, func(a, b int) int {
		if a+b > 600 {
			panic("too big")
		}
		return a + b
	}, Workers(4), Chunk(100))
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Errorf("combine panic: %v", err)
	}
	if _, err := MapReduce[int, int, int](xs, nil, func(a, b int) int { return a }); err == nil {
		t.Error("nil mapper accepted")
	}
}
