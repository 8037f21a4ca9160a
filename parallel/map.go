package parallel

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync/atomic"
	"time"
)

// Map calls f on every element of xs, on all cores, and returns the results
// in input order. f may be any function, a closure over the caller's
// variables included.
//
// On failure (a panic in f, or an item over the Timeout) or cancellation,
// Map returns the results it has, with zero values for items that failed or
// did not run, and an error: a *ItemError naming the item, or an error
// wrapping the cancellation cause (ErrInterrupted after SIGINT).
func Map[T, R any](xs []T, f func(T) R, opts ...Option) ([]R, error) {
	return mapSlice(callMap, xs, f, opts)
}

// ForEach calls f on every element of xs, on all cores, and returns the
// first failure (or all of them, with CollectErrors) as Map does.
func ForEach[T any](xs []T, f func(T), opts ...Option) error {
	var g func(T) struct{}
	if f != nil {
		g = func(x T) struct{} {
			f(x)
			return struct{}{}
		}
	}
	_, err := mapSlice(callForEach, xs, g, opts)
	return err
}

// mapSlice is Map, for the entry point c.
func mapSlice[T, R any](c *call, xs []T, f func(T) R, opts []Option) (out []R, err error) {
	r, err := c.start(nil, len(xs), opts, arg{"function", f == nil})
	if err != nil {
		return nil, err
	}
	defer r.end(&err)
	out = make([]R, len(xs))
	describe := func(i int) string { return shortForm(xs[i]) }
	if d := r.cfg.timeout; d > 0 {
		g := timed(f, d)
		body := func(lo, hi int, pos *int) (int, error) {
			return eachItem(r, lo, hi, pos, func(i int) (R, error) { return g(xs[i]) }, func(i int, v R) { out[i] = v })
		}
		r.runSlice(func() (chunkFunc, func()) { return body, nil }, describe)
		return out, nil
	}
	// The common case, kept to a tight loop so that trivial items cost
	// about what a hand-written loop does.
	body := func(lo, hi int, pos *int) (int, error) {
		return mapRange(f, xs, out, lo, hi, &r.stop, pos)
	}
	r.runSlice(func() (chunkFunc, func()) { return body, nil }, describe)
	return out, nil
}

// MapChunks is Map for items so cheap that a function call apiece would be
// a fair part of their cost, such as x*x over millions of numbers. f gets a
// run of consecutive items and the part of the result that matches it, so
// its loop is plain Go that the compiler optimizes as a whole:
//
//	squares, err := parallel.MapChunks(xs, func(in, out []float64) {
//		for i, x := range in {
//			out[i] = x * x
//		}
//	})
//
// Chunks are sized as for Map, to about 100 µs each; Chunk fixes their
// length. The rest is as for Map, at the grain of a chunk: a panic fails
// the chunk it happened in, with an *ItemError whose Index is the chunk's
// first item; after a failure or cancellation, chunks not yet started do
// not start; the progress bar counts items. Timeout, which limits single
// items, does not apply.
func MapChunks[T, R any](xs []T, f func(in []T, out []R), opts ...Option) (out []R, err error) {
	r, err := callMapChunks.start(nil, len(xs), opts, arg{"function", f == nil})
	if err != nil {
		return nil, err
	}
	defer r.end(&err)
	out = make([]R, len(xs))
	r.wholeChunks = true
	body := func(lo, hi int, _ *int) (int, error) {
		if r.stop.Load() {
			return lo, nil
		}
		// Full slice expressions: an append in f must not write over the
		// next chunk.
		f(xs[lo:hi:hi], out[lo:hi:hi])
		return hi, nil
	}
	r.runSlice(func() (chunkFunc, func()) { return body, nil }, func(int) string { return "" })
	return out, nil
}

// eachItem is the per-item loop of the calls whose items can fail (a
// timeout, an error): it runs item i as g(i) for i in [lo, hi), in order,
// and hands each result to put, until the call stops or an item fails. A
// failed item's result is not put: it stays zero, as Map promises.
func eachItem[R any](r *runner, lo, hi int, pos *int, g func(i int) (R, error), put func(i int, v R)) (int, error) {
	for i := lo; i < hi; i++ {
		if r.stop.Load() {
			return i, nil
		}
		*pos = i
		v, err := g(i)
		if err != nil {
			return i, err
		}
		put(i, v)
	}
	return hi, nil
}

// mapRange sets out[i] = f(xs[i]) for i in [lo, hi) until stop is set. It is
// Map's inner loop: it recovers a panic itself, so that the index of the
// item needs no store to memory per item, and it writes *pos only when the
// item's function ends the goroutine (runtime.Goexit).
func mapRange[T, R any](f func(T) R, xs []T, out []R, lo, hi int, stop *atomic.Bool, pos *int) (k int, err error) {
	in, res := xs[lo:hi], out[lo:hi]
	res = res[:len(in)]
	j := 0
	returned := false
	defer func() {
		if returned {
			return
		}
		if v := recover(); v != nil {
			k, err = lo+j, newPanicError(v)
			return
		}
		*pos = lo + j
	}()
	for j = 0; j < len(in); j++ {
		if stop.Load() {
			break
		}
		res[j] = f(in[j])
	}
	returned = true
	return lo + j, nil
}

// MapCtx is Map for functions that take a context and can fail. The context
// given to f is cancelled when ctx is done, when SIGINT arrives, and
// (without CollectErrors) when another item fails; with Timeout it also
// carries the item's deadline. A long-running f should watch ctx.Done() or
// pass ctx on to what it calls, so that it stops promptly.
//
// The first error f returns stops the call, unless CollectErrors is given;
// MapCtx returns it as an *ItemError, together with the results so far.
// ctx takes the place of the Context option, which does not apply.
func MapCtx[T, R any](ctx context.Context, xs []T, f func(context.Context, T) (R, error), opts ...Option) (out []R, err error) {
	// The context is checked first, so start never falls back to the
	// Context option's.
	r, err := callMapCtx.start(ctx, len(xs), opts, arg{"context", ctx == nil}, arg{"function", f == nil})
	if err != nil {
		return nil, err
	}
	defer r.end(&err)
	out = make([]R, len(xs))
	g := withContext(r.ctx, f, r.cfg.timeout)
	body := func(lo, hi int, pos *int) (int, error) {
		return eachItem(r, lo, hi, pos, func(i int) (R, error) { return g(xs[i]) }, func(i int, v R) { out[i] = v })
	}
	r.runSlice(func() (chunkFunc, func()) { return body, nil }, func(i int) string { return shortForm(xs[i]) })
	return out, nil
}

// Unordered calls f on every element of xs, on all cores, and yields each
// index with its result as soon as it is ready, in no particular order.
// Work starts when the sequence is ranged over, and stops when the loop
// ends early (break), fails or is cancelled; the second result reports
// the call's error once the loop is over.
//
//	results, errf := parallel.Unordered(urls, fetch)
//	for i, page := range results {
//		fmt.Println(urls[i], len(page))
//	}
//	if err := errf(); err != nil { ... }
func Unordered[T, R any](xs []T, f func(T) R, opts ...Option) (iter.Seq2[int, R], func() error) {
	var callErr error
	seq := func(yield func(int, R) bool) {
		callErr = unordered(xs, f, opts, yield)
	}
	return seq, func() error { return callErr }
}

type indexed[R any] struct {
	i int
	v R
}

func unordered[T, R any](xs []T, f func(T) R, opts []Option, yield func(int, R) bool) (err error) {
	r, err := callUnordered.start(nil, len(xs), opts, arg{"function", f == nil})
	if err != nil {
		return err
	}
	defer r.end(&err)
	g := timed(f, r.cfg.timeout)
	ready := make(chan []indexed[R], r.workers)
	newWorker := func() (chunkFunc, *[]indexed[R]) {
		var buf []indexed[R]
		return func(lo, hi int, pos *int) (int, error) {
			return eachItem(r, lo, hi, pos, func(i int) (R, error) { return g(xs[i]) }, func(i int, v R) {
				buf = append(buf, indexed[R]{i, v})
			})
		}, &buf
	}
	r.describe = func(i int) string { return shortForm(xs[i]) }
	r.helperMain = func() {
		body, buf := newWorker()
		r.work(body, func() {
			if len(*buf) == 0 {
				return
			}
			select {
			case ready <- *buf:
			case <-r.ctx.Done():
			}
			*buf = nil
		})
	}
	// The caller works too, and hands results to the loop body between
	// chunks, never from inside one, so a panic in the loop body is the
	// loop's own and not mistaken for an item's.
	consuming := true
	emit := func(batch []indexed[R]) {
		for _, x := range batch {
			if consuming && !yield(x.i, x.v) {
				consuming = false
				r.halt(errStopped)
			}
		}
	}
	body, buf := newWorker()
	r.work(body, func() {
		emit(*buf)
		*buf = (*buf)[:0]
		for {
			select {
			case batch := <-ready:
				emit(batch)
			default:
				return
			}
		}
	})
	go func() {
		r.wg.Wait()
		close(ready)
	}()
	for batch := range ready {
		emit(batch)
	}
	return nil
}

// MapSeq calls f on every element of seq, on all cores, and returns the
// results in the order the sequence produced its elements. The sequence is
// consumed by the calling goroutine, in batches handed to the workers, so
// it need not be safe for concurrent use; it stops being consumed when the
// call fails or is cancelled. Errors are as for Map, with indexes counted
// from the start of the sequence.
func MapSeq[T, R any](seq iter.Seq[T], f func(T) R, opts ...Option) (out []R, err error) {
	r, err := callMapSeq.start(nil, -1, opts, arg{"sequence", seq == nil}, arg{"function", f == nil})
	if err != nil {
		return nil, err
	}
	defer r.end(&err)
	g := timed(f, r.cfg.timeout)

	type batch struct {
		base  int
		items []T
		out   []R
	}
	run := func(b *batch, pos *int) {
		start := time.Now()
		b.out = make([]R, len(b.items))
		body := func(lo, hi int, pos *int) (int, error) {
			return eachItem(r, lo, hi, pos, func(i int) (R, error) { return g(b.items[i-b.base]) }, func(i int, v R) { b.out[i-b.base] = v })
		}
		describe := func(i int) string { return shortForm(b.items[i-b.base]) }
		r.runRange(body, describe, b.base, b.base+len(b.items), pos)
		r.perItem.Store(int64(time.Since(start)) / int64(len(b.items)))
	}
	// Unbuffered: a batch goes to a helper only if one is idle; otherwise
	// the caller runs it, which also keeps the sequence from racing ahead.
	work := make(chan *batch)
	r.helperMain = func() {
		pos := new(workerPos)
		for b := range work {
			run(b, &pos.i)
		}
	}
	var batches []*batch
	pos := new(workerPos)
	dispatch := func(b *batch) {
		batches = append(batches, b)
		select {
		case work <- b:
			return
		default:
		}
		if r.trySpawn() {
			work <- b
			return
		}
		run(b, &pos.i)
	}
	func() {
		defer close(work)
		size := r.cfg.chunk
		if size == 0 {
			size = 1
		}
		cur := &batch{}
		count := 0
		for x := range seq {
			if r.stop.Load() {
				r.cut.Store(true)
				return
			}
			cur.items = append(cur.items, x)
			count++
			if len(cur.items) < size {
				continue
			}
			dispatch(cur)
			cur = &batch{base: count}
			if r.cfg.chunk == 0 {
				size = seqBatch(r.perItem.Load())
			}
		}
		if len(cur.items) > 0 {
			dispatch(cur)
		}
	}()
	r.wg.Wait()
	out = make([]R, 0, r.done.Load())
	for _, b := range batches {
		out = append(out, b.out...)
	}
	return out, nil
}

// seqBatch sizes a batch of sequence items from the time items take lately.
func seqBatch(perItemNS int64) int {
	if perItemNS <= 0 {
		return 1
	}
	return int(max(1, min(int64(chunkTarget)/perItemNS, 1<<14)))
}

// timed adds the Timeout check to a plain function. Without a timeout it
// only adapts the signature.
func timed[T, R any](f func(T) R, d time.Duration) func(T) (R, error) {
	if d <= 0 {
		return func(x T) (R, error) { return f(x), nil }
	}
	return func(x T) (R, error) {
		start := time.Now()
		v := f(x)
		if took := time.Since(start); took > d {
			return v, timeoutError(took, d)
		}
		return v, nil
	}
}

// withContext binds a context-taking function to the call's context, with
// a per-item deadline when d > 0.
func withContext[T, R any](ctx context.Context, f func(context.Context, T) (R, error), d time.Duration) func(T) (R, error) {
	if d <= 0 {
		return func(x T) (R, error) { return f(ctx, x) }
	}
	return func(x T) (R, error) {
		ictx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		start := time.Now()
		v, err := f(ictx, x)
		if ictx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			// Late, whether or not f noticed its deadline.
			if err == nil || errors.Is(err, context.DeadlineExceeded) {
				return v, timeoutError(time.Since(start), d)
			}
			return v, fmt.Errorf("over the %v timeout: %w", d, err)
		}
		return v, err
	}
}
