package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gopar/gopar/parallel"
)

func ExampleMap() {
	base := 100 // closures over the caller's variables work
	out, err := parallel.Map([]int{1, 2, 3, 4}, func(x int) int { return base + x*x })
	fmt.Println(out, err)
	// Output: [101 104 109 116] <nil>
}

func ExampleMapChunks() {
	xs := make([]float64, 1_000_000)
	for i := range xs {
		xs[i] = float64(i)
	}
	// A function call per item would cost more than x*x itself: the
	// function gets whole runs of items instead.
	squares, err := parallel.MapChunks(xs, func(in, out []float64) {
		for i, x := range in {
			out[i] = x * x
		}
	})
	fmt.Println(squares[999_999], err)
	// Output: 9.99998000001e+11 <nil>
}

func ExampleMap_panic() {
	_, err := parallel.Map([]string{"3", "1", "x"}, func(s string) int {
		if s == "x" {
			panic("not a digit")
		}
		return int(s[0] - '0')
	})
	var ie *parallel.ItemError
	if errors.As(err, &ie) {
		fmt.Println(ie.Index, ie.Input)
	}
	// Output: 2 "x"
}

func ExampleMapCtx() {
	sizes := map[string]int{"a.txt": 10, "b.txt": 20}
	out, err := parallel.MapCtx(context.Background(), []string{"a.txt", "b.txt", "c.txt"},
		func(ctx context.Context, name string) (int, error) {
			size, ok := sizes[name]
			if !ok {
				return 0, fmt.Errorf("stat %s: no such file", name)
			}
			return size, nil
		}, parallel.CollectErrors())
	fmt.Println(out)
	fmt.Println(err)
	// Output:
	// [10 20 0]
	// parallel: item 2 (input "c.txt"): stat c.txt: no such file
}

func ExampleForEach() {
	counts := make([]int, 3)
	err := parallel.ForEach([]int{0, 1, 2}, func(i int) { counts[i] = i * 10 })
	fmt.Println(counts, err)
	// Output: [0 10 20] <nil>
}

func ExampleUnordered() {
	words := []string{"go", "gopher", "parallel"}
	results, errf := parallel.Unordered(words, strings.ToUpper)
	upper := make([]string, len(words))
	for i, w := range results { // as each item finishes
		upper[i] = w
	}
	fmt.Println(upper, errf())
	// Output: [GO GOPHER PARALLEL] <nil>
}

func ExampleMapSeq() {
	out, err := parallel.MapSeq(slices.Values([]int{1, 2, 3}), func(x int) int { return -x })
	fmt.Println(out, err)
	// Output: [-1 -2 -3] <nil>
}

func ExampleMapReduce() {
	lines := []string{"the cat", "the dog", "the cat sat"}
	counts, err := parallel.MapReduce(lines,
		func(line string, emit func(string, int)) {
			for _, w := range strings.Fields(line) {
				emit(w, 1)
			}
		},
		func(a, b int) int { return a + b })
	for _, w := range slices.Sorted(maps.Keys(counts)) {
		fmt.Println(w, counts[w])
	}
	fmt.Println(err)
	// Output:
	// cat 2
	// dog 1
	// sat 1
	// the 3
	// <nil>
}

func ExampleNewPool() {
	p := parallel.NewPool(2)
	area := parallel.Submit(p, func(context.Context) (float64, error) { return 3.0 * 4.0, nil })
	name := parallel.Submit(p, func(context.Context) (string, error) { return "rectangle", nil })
	a, _ := area.Wait()
	n, _ := name.Wait()
	fmt.Println(n, a)
	fmt.Println(p.Close())
	// Output:
	// rectangle 12
	// <nil>
}

func ExampleWorkers() {
	// -2: all cores but one, as in joblib.
	out, err := parallel.Map([]int{1, 2, 3}, func(x int) int { return x * 2 }, parallel.Workers(-2))
	fmt.Println(out, err)
	// Output: [2 4 6] <nil>
}

func ExampleProgressTo() {
	var bar strings.Builder
	_, err := parallel.Map(make([]int, 50), func(x int) int { return x }, parallel.ProgressTo(&bar), parallel.Workers(1))
	lines := strings.Split(strings.TrimSpace(bar.String()), "\r")
	last := lines[len(lines)-1]
	fmt.Println(strings.Contains(last, "50/50"), err)
	// Output: true <nil>
}
