package parallel

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestMapOrder(t *testing.T) {
	defer noLeaks(t)()
	for _, n := range []int{0, 1, 2, 7, 100, 10007} {
		for _, workers := range []int{1, 2, 5, -1, -2} {
			for _, chunk := range []int{0, 1, 3, 1000} {
				opts := []Option{Workers(workers)}
				if chunk > 0 {
					opts = append(opts, Chunk(chunk))
				}
				xs := make([]int, n)
				for i := range xs {
					xs[i] = i * 3
				}
				got, err := Map(xs, func(x int) string { return fmt.Sprint(x + 1) }, opts...)
				if err != nil {
					t.Fatalf("n=%d workers=%d chunk=%d: %v", n, workers, chunk, err)
				}
				if len(got) != n {
					t.Fatalf("n=%d workers=%d chunk=%d: %d results", n, workers, chunk, len(got))
				}
				for i, s := range got {
					if want := fmt.Sprint(i*3 + 1); s != want {
						t.Fatalf("n=%d workers=%d chunk=%d: result %d = %q, want %q", n, workers, chunk, i, s, want)
					}
				}
			}
		}
	}
}

func TestMapClosure(t *testing.T) {
	defer noLeaks(t)()
	offset := 10
	var calls atomic.Int64
	scale := map[string]int{"a": 2}
	got, err := Map([]int{1, 2, 3, 4}, func(x int) int {
		calls.Add(1)
		return x*scale["a"] + offset
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{12, 14, 16, 18}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if calls.Load() != 4 {
		t.Errorf("%d calls, want 4", calls.Load())
	}
}

func TestMapPanicNamesItem(t *testing.T) {
	defer noLeaks(t)()
	xs := make([]int, 200)
	for i := range xs {
		xs[i] = i
	}
	for _, workers := range []int{1, 2, 8} {
		out, err := Map(xs, func(x int) int {
			if x == 137 {
				panic(fmt.Sprintf("bad value %d", x))
			}
			return x
		}, Workers(workers))
		var ie *ItemError
		if !errors.As(err, &ie) {
			t.Fatalf("workers=%d: error %v is not an *ItemError", workers, err)
		}
		if ie.Index != 137 || ie.Input != "137" {
			t.Errorf("workers=%d: index %d input %q, want 137 \"137\"", workers, ie.Index, ie.Input)
		}
		var pe *PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("workers=%d: no *PanicError in %v", workers, err)
		}
		if pe.Value != "bad value 137" {
			t.Errorf("panic value %v", pe.Value)
		}
		msg := err.Error()
		for _, want := range []string{"item 137", "input 137", "bad value 137", "TestMapPanicNamesItem"} {
			if !strings.Contains(msg, want) {
				t.Errorf("message lacks %q:\n%s", want, msg)
			}
		}
		if strings.Contains(string(pe.Stack), "runtime/debug.Stack") {
			t.Errorf("stack not trimmed:\n%s", pe.Stack)
		}
		// Items that ran keep their result; the failed item and those that
		// did not run are zero. One worker runs them in order, so exactly
		// the items before the failure ran.
		if len(out) != len(xs) {
			t.Fatalf("workers=%d: %d results for %d items", workers, len(out), len(xs))
		}
		for i, v := range out {
			switch {
			case v != 0 && v != i:
				t.Errorf("workers=%d: out[%d] = %d, want %d or zero", workers, i, v, i)
			case i == 137 && v != 0:
				t.Errorf("workers=%d: failed item has result %d, want zero", workers, v)
			case workers == 1 && i < 137 && v != i:
				t.Errorf("workers=%d: out[%d] = %d, want %d: it ran before the failure", workers, i, v, i)
			case workers == 1 && i > 137 && v != 0:
				t.Errorf("workers=%d: out[%d] = %d, want zero: it ran after the failure", workers, i, v)
			}
		}
	}
}

func TestRuntimePanicUnwraps(t *testing.T) {
	defer noLeaks(t)()
	var nilMap map[string]int
	_, err := Map([]string{"k"}, func(k string) int {
		nilMap[k] = 1
		return 0
	})
	var re interface{ RuntimeError() }
	if !errors.As(err, &re) {
		t.Fatalf("runtime error not reachable through %v", err)
	}
	if !strings.Contains(err.Error(), `input "k"`) {
		t.Errorf("string input not quoted: %v", err)
	}
}

func TestFailFastStopsEarly(t *testing.T) {
	defer noLeaks(t)()
	const n = 10000
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	t.Run("one worker", func(t *testing.T) {
		var calls atomic.Int64
		_, err := Map(xs, func(x int) int {
			calls.Add(1)
			if x == 5 {
				panic("stop")
			}
			return x
		}, Workers(1))
		if err == nil {
			t.Fatal("no error")
		}
		if c := calls.Load(); c != 6 {
			t.Errorf("%d calls, want 6 (items 0..5)", c)
		}
	})
	t.Run("all workers", func(t *testing.T) {
		var calls atomic.Int64
		_, err := MapCtx(context.Background(), xs, func(ctx context.Context, x int) (int, error) {
			calls.Add(1)
			time.Sleep(50 * time.Microsecond)
			if x == 20 {
				return 0, errors.New("boom")
			}
			return x, nil
		}, Workers(4))
		var ie *ItemError
		if !errors.As(err, &ie) || ie.Index != 20 {
			t.Fatalf("error %v, want item 20", err)
		}
		if c := calls.Load(); c >= n/2 {
			t.Errorf("%d of %d items ran after a fail-fast error", c, n)
		}
	})
}

func TestCollectErrors(t *testing.T) {
	defer noLeaks(t)()
	xs := make([]int, 100)
	for i := range xs {
		xs[i] = i
	}
	var calls atomic.Int64
	sentinel := errors.New("multiple of 7")
	out, err := MapCtx(context.Background(), xs, func(_ context.Context, x int) (int, error) {
		calls.Add(1)
		if x%7 == 0 {
			return 0, fmt.Errorf("check %d: %w", x, sentinel)
		}
		if x == 50 {
			panic("fifty")
		}
		return x * 2, nil
	}, CollectErrors(), Workers(3))
	if calls.Load() != 100 {
		t.Errorf("%d calls, want all 100", calls.Load())
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v does not wrap the item errors", err)
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %T is not joined", err)
	}
	var idx []int
	for _, e := range joined.Unwrap() {
		var ie *ItemError
		if !errors.As(e, &ie) {
			t.Fatalf("%v is not an *ItemError", e)
		}
		idx = append(idx, ie.Index)
	}
	want := []int{0, 7, 14, 21, 28, 35, 42, 49, 50, 56, 63, 70, 77, 84, 91, 98}
	if !slices.Equal(idx, want) {
		t.Errorf("failed items %v, want %v", idx, want)
	}
	if out[1] != 2 || out[99] != 198 {
		t.Errorf("results of good items lost: %v", out[:3])
	}
}

func TestMapCtxWrapsError(t *testing.T) {
	defer noLeaks(t)()
	_, err := MapCtx(context.Background(), []string{"a", "b", "c"}, func(_ context.Context, s string) (int, error) {
		if s == "b" {
			return 0, errNotFound
		}
		return len(s), nil
	}, Workers(1))
	if !errors.Is(err, errNotFound) {
		t.Fatalf("got %v", err)
	}
	if got := err.Error(); got != `parallel: item 1 (input "b"): not found` {
		t.Errorf("message %q", got)
	}
}

var errNotFound = errors.New("not found")

func TestCancelReturnsPromptly(t *testing.T) {
	defer noLeaks(t)()
	xs := make([]int, 1000)
	t.Run("MapCtx items watch ctx", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var started atomic.Int64
		var after time.Time
		go func() {
			for started.Load() < 2 {
				time.Sleep(time.Millisecond)
			}
			after = time.Now()
			cancel()
		}()
		_, err := MapCtx(ctx, xs, func(ctx context.Context, _ int) (int, error) {
			started.Add(1)
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(time.Minute):
				return 1, nil
			}
		}, Workers(4))
		took := time.Since(after)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want cancellation", err)
		}
		var ie *ItemError
		if errors.As(err, &ie) {
			t.Errorf("items that only saw the cancellation are reported: %v", err)
		}
		if !strings.Contains(err.Error(), "of 1000 items") {
			t.Errorf("message lacks progress: %v", err)
		}
		t.Logf("returned %v after cancel", took)
		if took > 5*time.Second { // generous: the items alone would take a minute
			t.Errorf("returned %v after cancel", took)
		}
	})
	t.Run("Map short items", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var calls atomic.Int64
		var after atomic.Int64
		_, err := Map(xs, func(int) int {
			if calls.Add(1) == 10 {
				after.Store(time.Now().UnixNano())
				cancel()
			}
			time.Sleep(5 * time.Millisecond)
			return 0
		}, Context(ctx), Workers(2))
		took := time.Since(time.Unix(0, after.Load()))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want cancellation", err)
		}
		if c := calls.Load(); c > 100 {
			t.Errorf("%d items started, most after the cancel", c)
		}
		t.Logf("returned %v after cancel", took)
		if took > 5*time.Second {
			t.Errorf("returned %v after cancel", took)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		cause := errors.New("user gave up")
		cancel(cause)
		var calls atomic.Int64
		_, err := Map(xs, func(int) int { calls.Add(1); return 0 }, Context(ctx))
		if !errors.Is(err, cause) || calls.Load() != 0 {
			t.Errorf("err %v after %d calls, want the cause and none", err, calls.Load())
		}
	})
}

func TestTimeout(t *testing.T) {
	defer noLeaks(t)()
	t.Run("MapCtx", func(t *testing.T) {
		_, err := MapCtx(context.Background(), []int{0, 1, 2}, func(ctx context.Context, x int) (int, error) {
			if x != 1 {
				return x, nil
			}
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(time.Minute):
				return x, nil
			}
		}, Timeout(20*time.Millisecond))
		var ie *ItemError
		if !errors.As(err, &ie) || ie.Index != 1 || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want item 1 over its deadline", err)
		}
	})
	t.Run("MapCtx ignores deadline", func(t *testing.T) {
		_, err := MapCtx(context.Background(), []int{0}, func(ctx context.Context, x int) (int, error) {
			time.Sleep(30 * time.Millisecond)
			return x, nil
		}, Timeout(time.Millisecond))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("late item not reported: %v", err)
		}
	})
	t.Run("Map", func(t *testing.T) {
		out, err := Map([]int{0, 1}, func(x int) int {
			if x == 1 {
				time.Sleep(200 * time.Millisecond)
			}
			return x + 10
		}, Timeout(50*time.Millisecond), Workers(1))
		var ie *ItemError
		if !errors.As(err, &ie) || ie.Index != 1 || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want item 1 over its timeout", err)
		}
		// A late item is a failed one, and a failed item's result is zero.
		if out[1] != 0 || out[0] != 10 {
			t.Errorf("results %v, want a zero for the late item 1", out)
		}
	})
	t.Run("MapSeq", func(t *testing.T) {
		out, err := MapSeq(slices.Values([]int{0, 1}), func(x int) int {
			if x == 1 {
				time.Sleep(200 * time.Millisecond)
			}
			return x + 10
		}, Timeout(50*time.Millisecond), Workers(1))
		if !errors.Is(err, context.DeadlineExceeded) || len(out) != 2 || out[1] != 0 {
			t.Errorf("results %v, err %v: want a zero for the late item 1", out, err)
		}
	})
}

func TestInvalidOptions(t *testing.T) {
	defer noLeaks(t)()
	tests := []struct {
		opt  Option
		want string
	}{
		{Chunk(0), "Chunk(0)"},
		{Chunk(-3), "Chunk(-3)"},
		{Timeout(-time.Second), "Timeout(-1s)"},
		{Context(nil), "Context(nil)"}, //nolint:staticcheck // testing the nil check
		{ProgressTo(nil), "ProgressTo(nil)"},
	}
	for _, tt := range tests {
		_, err := Map([]int{1}, func(x int) int { return x }, tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want one naming %s", err, tt.want)
		}
	}
	if _, err := Map[int, int]([]int{1}, nil); err == nil {
		t.Error("nil function accepted")
	}
	if _, err := MapCtx[int, int](nil, []int{1}, func(context.Context, int) (int, error) { return 0, nil }); err == nil { //nolint:staticcheck // testing the nil check
		t.Error("nil context accepted")
	}
}

func TestResolveWorkers(t *testing.T) {
	tests := []struct{ n, cores, want int }{
		{0, 8, 8}, {-1, 8, 8}, {-2, 8, 7}, {-8, 8, 1}, {-20, 8, 1}, {3, 8, 3}, {64, 8, 64}, {0, 1, 1}, {-2, 1, 1},
	}
	for _, tt := range tests {
		if got := resolveWorkers(tt.n, tt.cores); got != tt.want {
			t.Errorf("resolveWorkers(%d, %d) = %d, want %d", tt.n, tt.cores, got, tt.want)
		}
	}
}

func TestOversubscribedWorkers(t *testing.T) {
	defer noLeaks(t)()
	// Fewer cores than workers, whatever the machine has.
	setProcs(t, 4)
	var c concurrency
	xs := make([]int, 64)
	_, err := Map(xs, func(int) int {
		c.enter()
		defer c.leave()
		time.Sleep(20 * time.Millisecond)
		return 0
	}, Workers(32))
	if err != nil {
		t.Fatal(err)
	}
	if p := c.peak.Load(); p > 32 || p <= int64(maxProcs()) {
		t.Errorf("peak concurrency %d with Workers(32) for sleeping items", p)
	}
}

func TestNestedStaysWithinBudget(t *testing.T) {
	defer noLeaks(t)()
	setProcs(t, 4)
	var inner, outer concurrency
	xs := make([]int, 8)
	_, err := Map(xs, func(int) int {
		outer.enter()
		defer outer.leave()
		r, err := Map(xs, func(int) int {
			inner.enter()
			defer inner.leave()
			time.Sleep(2 * time.Millisecond)
			return 1
		})
		if err != nil {
			panic(err)
		}
		return len(r)
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := inner.peak.Load(); p > 4 {
		t.Errorf("%d inner items ran at once with GOMAXPROCS 4", p)
	}
	if p := outer.peak.Load(); p > 4 || p < 2 {
		t.Errorf("outer peak %d, want 2..4", p)
	}
	t.Logf("peaks: outer %d inner %d", outer.peak.Load(), inner.peak.Load())
}

func TestDeeplyNestedDoesNotDeadlock(t *testing.T) {
	defer noLeaks(t)()
	xs := []int{1, 2, 3, 4, 5, 6}
	var leaves atomic.Int64
	total, err := MapReduce(xs, func(a int, emit func(string, int)) {
		ys, err := Map(xs, func(b int) int {
			zs, _ := Unordered(xs, func(c int) int {
				leaves.Add(1)
				return a * b * c
			})
			s := 0
			for _, z := range zs {
				s += z
			}
			return s
		}, Workers(-1))
		if err != nil {
			panic(err)
		}
		for _, y := range ys {
			emit("sum", y)
		}
	}, func(a, b int) int { return a + b })
	if err != nil {
		t.Fatal(err)
	}
	if want := 21 * 21 * 21; total["sum"] != want {
		t.Errorf("sum %d, want %d", total["sum"], want)
	}
	if leaves.Load() != 216 {
		t.Errorf("%d leaf calls, want 216", leaves.Load())
	}
}

func TestForEach(t *testing.T) {
	defer noLeaks(t)()
	seen := make([]atomic.Int32, 500)
	idx := make([]int, 500)
	for i := range idx {
		idx[i] = i
	}
	if err := ForEach(idx, func(i int) { seen[i].Add(1) }); err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Fatalf("item %d seen %d times", i, seen[i].Load())
		}
	}
	err := ForEach(idx, func(i int) {
		if i == 3 {
			panic("three")
		}
	})
	var ie *ItemError
	if !errors.As(err, &ie) || ie.Index != 3 {
		t.Errorf("got %v, want item 3", err)
	}
}

func TestUnordered(t *testing.T) {
	defer noLeaks(t)()
	xs := make([]int, 1000)
	for i := range xs {
		xs[i] = i
	}
	t.Run("all items once", func(t *testing.T) {
		results, errf := Unordered(xs, func(x int) int { return x * x })
		seen := make([]bool, len(xs))
		for i, v := range results {
			if seen[i] {
				t.Fatalf("index %d yielded twice", i)
			}
			seen[i] = true
			if v != i*i {
				t.Fatalf("index %d yielded %d", i, v)
			}
		}
		if err := errf(); err != nil {
			t.Fatal(err)
		}
		for i, s := range seen {
			if !s {
				t.Fatalf("index %d never yielded", i)
			}
		}
	})
	t.Run("early break stops work", func(t *testing.T) {
		var calls atomic.Int64
		results, errf := Unordered(xs, func(x int) int {
			calls.Add(1)
			time.Sleep(100 * time.Microsecond)
			return x
		}, Workers(2))
		n := 0
		for range results {
			if n++; n == 5 {
				break
			}
		}
		if err := errf(); err != nil {
			t.Errorf("break reported as %v", err)
		}
		if c := calls.Load(); c > 500 {
			t.Errorf("%d items ran after the loop stopped at 5", c)
		}
	})
	t.Run("failure", func(t *testing.T) {
		results, errf := Unordered(xs, func(x int) int {
			if x == 500 {
				panic("half")
			}
			return x
		}, Workers(1))
		n := 0
		for range results {
			n++
		}
		var ie *ItemError
		if err := errf(); !errors.As(err, &ie) || ie.Index != 500 {
			t.Errorf("got %v, want item 500", err)
		}
		if n != 500 {
			t.Errorf("%d results before the failure, want 500", n)
		}
	})
	t.Run("loop body panics", func(t *testing.T) {
		results, _ := Unordered(xs, func(x int) int { return x })
		func() {
			defer func() {
				if recover() != "consumer" {
					t.Error("the loop body's panic did not reach its caller")
				}
			}()
			for range results {
				panic("consumer")
			}
		}()
	})
}

func TestMapSeq(t *testing.T) {
	defer noLeaks(t)()
	gen := func(n int, produced *atomic.Int64) iter.Seq[int] {
		return func(yield func(int) bool) {
			for i := range n {
				produced.Add(1)
				if !yield(i) {
					return
				}
			}
		}
	}
	for _, n := range []int{0, 1, 5, 3000} {
		for _, opts := range [][]Option{nil, {Workers(1)}, {Chunk(7)}, {Workers(3), Chunk(1)}} {
			var produced atomic.Int64
			got, err := MapSeq(gen(n, &produced), func(x int) int { return x + 1 }, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("n=%d: %d results", n, len(got))
			}
			for i, v := range got {
				if v != i+1 {
					t.Fatalf("n=%d: result %d = %d", n, i, v)
				}
			}
		}
	}
	var produced atomic.Int64
	_, err := MapSeq(gen(100000, &produced), func(x int) int {
		if x == 1234 {
			panic("seq item")
		}
		return x
	}, Chunk(10))
	var ie *ItemError
	if !errors.As(err, &ie) || ie.Index != 1234 || ie.Input != "1234" {
		t.Fatalf("got %v, want item 1234", err)
	}
	if p := produced.Load(); p >= 100000 {
		t.Errorf("sequence consumed to the end (%d) after a failure", p)
	}
}

func TestGoexitInItem(t *testing.T) {
	defer noLeaks(t)()
	notReturned := errors.New("Map did not return")
	done := make(chan error, 1)
	go func() {
		err := notReturned
		defer func() { done <- err }()
		_, err = Map(make([]int, 100), func(x int) int {
			runtime.Goexit()
			return 0
		}, Workers(1))
	}()
	if err := <-done; err != notReturned {
		t.Errorf("caller that called Goexit returned %v", err)
	}
	// Items on a helper: the call must report the item, not lose it. The
	// caller takes item 0 before it starts the helper, and holds it until
	// item 50 has started, so item 50 is the helper's.
	setProcs(t, 2) // a token for the helper
	xs := make([]int, 100)
	for i := range xs {
		xs[i] = i
	}
	reached := make(chan struct{})
	go func() {
		err := notReturned
		defer func() { done <- err }()
		_, err = Map(xs, func(x int) int {
			switch x {
			case 0:
				select {
				case <-reached:
				case <-time.After(time.Minute): // only if no helper ever came
				}
			case 50:
				close(reached)
				runtime.Goexit()
			}
			return x
		}, Workers(2), Chunk(1))
	}()
	err := <-done
	var ie *ItemError
	switch {
	case err == notReturned:
		t.Error("the caller ran item 50, which the test meant for the helper")
	case !errors.Is(err, errGoexit) || !errors.As(err, &ie) || ie.Index != 50:
		t.Errorf("got %v, want item 50 reported", err)
	}
}

func TestMapSeqPanickingSequence(t *testing.T) {
	defer noLeaks(t)()
	seq := func(yield func(int) bool) {
		for i := range 100 {
			if i == 60 {
				panic("sequence broke")
			}
			if !yield(i) {
				return
			}
		}
	}
	defer func() {
		if v := recover(); v != "sequence broke" {
			t.Errorf("recovered %v, want the sequence's own panic", v)
		}
	}()
	MapSeq(seq, func(x int) int { return x }, Workers(2))
	t.Error("MapSeq returned")
}

func TestSingleFailureIsItemError(t *testing.T) {
	defer noLeaks(t)()
	_, err := Map([]int{1, 2}, func(x int) int {
		if x == 2 {
			panic("two")
		}
		return x
	})
	if ie, ok := err.(*ItemError); !ok || ie.Index != 1 {
		t.Fatalf("error %T %v, want the *ItemError itself", err, err)
	}
}
