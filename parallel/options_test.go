package parallel

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/notebook/notebooktest"
)

// entryPoint runs one of the package's entry points over a few items, with
// opts, counting the items (or tasks) it runs in calls.
type entryPoint struct {
	name string
	run  func(calls *atomic.Int64, opts ...Option) error
}

var entryPoints = []entryPoint{
	{"Map", func(calls *atomic.Int64, opts ...Option) error {
		_, err := Map([]int{1, 2, 3}, func(x int) int { calls.Add(1); return x }, opts...)
		return err
	}},
	{"ForEach", func(calls *atomic.Int64, opts ...Option) error {
		return ForEach([]int{1, 2, 3}, func(int) { calls.Add(1) }, opts...)
	}},
	{"MapCtx", func(calls *atomic.Int64, opts ...Option) error {
		_, err := MapCtx(context.Background(), []int{1, 2, 3}, func(_ context.Context, x int) (int, error) {
			calls.Add(1)
			return x, nil
		}, opts...)
		return err
	}},
	{"MapChunks", func(calls *atomic.Int64, opts ...Option) error {
		_, err := MapChunks([]int{1, 2, 3}, func(in, out []int) { calls.Add(int64(len(in))); copy(out, in) }, opts...)
		return err
	}},
	{"MapSeq", func(calls *atomic.Int64, opts ...Option) error {
		_, err := MapSeq(slices.Values([]int{1, 2, 3}), func(x int) int { calls.Add(1); return x }, opts...)
		return err
	}},
	{"Unordered", func(calls *atomic.Int64, opts ...Option) error {
		results, errf := Unordered([]int{1, 2, 3}, func(x int) int { calls.Add(1); return x }, opts...)
		for range results {
		}
		return errf()
	}},
	{"MapReduce", func(calls *atomic.Int64, opts ...Option) error {
		_, err := MapReduce([]int{1, 2, 3}, func(x int, emit func(int, int)) { calls.Add(1); emit(x%2, x) },
			func(a, b int) int { return a + b }, opts...)
		return err
	}},
	{"NewPool", func(calls *atomic.Int64, opts ...Option) error {
		p := NewPool(1, opts...)
		_, err := Submit(p, func(context.Context) (int, error) { calls.Add(1); return 0, nil }).Wait()
		p.Close()
		return err
	}},
}

// TestOptionsThatDoNotApply gives every option to every entry point: those
// that do not apply must fail the call, before any item runs, with an error
// naming the option and the call; the others must work.
func TestOptionsThatDoNotApply(t *testing.T) {
	defer noLeaks(t)()
	notebooktest.Attach(t) // Progress draws there rather than on the test's stderr
	options := []struct {
		name string
		opt  Option
	}{
		{"Workers", Workers(2)},
		{"Chunk", Chunk(1)},
		{"Context", Context(context.Background())},
		{"Timeout", Timeout(time.Minute)},
		{"CollectErrors", CollectErrors()},
		{"Progress", Progress()},
		{"ProgressTo", ProgressTo(io.Discard)},
	}
	doesNotApply := map[string][]string{
		"MapCtx":    {"Context"},
		"MapChunks": {"Timeout"},
		"NewPool":   {"Workers", "Chunk", "CollectErrors", "Progress", "ProgressTo"},
	}
	for _, ep := range entryPoints {
		for _, o := range options {
			t.Run(ep.name+"/"+o.name, func(t *testing.T) {
				// The option comes after the zero Option and one that applies,
				// so that neither hides it.
				applies := CollectErrors()
				if ep.name == "NewPool" {
					applies = Timeout(time.Minute)
				}
				var calls atomic.Int64
				err := ep.run(&calls, Option{}, applies, o.opt)
				if !slices.Contains(doesNotApply[ep.name], o.name) {
					if err != nil {
						t.Errorf("%s with %s: %v", ep.name, o.name, err)
					}
					return
				}
				want := fmt.Sprintf("parallel.%s: option %s does not apply", ep.name, o.name)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%s with %s: error %v, want one containing %q", ep.name, o.name, err, want)
				}
				if n := calls.Load(); n != 0 {
					t.Errorf("%s with %s: %d items ran", ep.name, o.name, n)
				}
			})
		}
	}
}

// TestInvalidOptionNamesCall checks that every entry point names itself
// when an option's value is wrong.
func TestInvalidOptionNamesCall(t *testing.T) {
	defer noLeaks(t)()
	for _, ep := range entryPoints {
		var calls atomic.Int64
		err := ep.run(&calls, Timeout(-time.Second))
		want := fmt.Sprintf("parallel.%s: Timeout(-1s): timeout must be positive", ep.name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", ep.name, err, want)
		}
		if n := calls.Load(); n != 0 {
			t.Errorf("%s: %d items ran", ep.name, n)
		}
	}
}
