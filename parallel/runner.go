package parallel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/cpu"
)

// chunkFunc runs items lo..hi-1 in order. It returns hi when all ran; the
// index of a failed item with its error; or, with a nil error, the index of
// the first item it did not start because the call is stopping. Before
// running item i it stores i in *pos, so that a panic can be attributed.
type chunkFunc func(lo, hi int, pos *int) (int, error)

// A runner is the state of one call: workers claim chunks of item indexes,
// record failures, and stop early when the call is cancelled or fails.
type runner struct {
	cfg      *config
	n        int // items; -1 when not known in advance (a sequence)
	workers  int // goroutines wanted, counting the caller
	capacity int // token capacity; -1 when helpers run without tokens
	ctx      context.Context
	cancel   context.CancelCauseFunc
	unhook   []func() bool
	prog     *progress

	// Set by the driver before the first chunk runs.
	helperMain func()
	describe   func(i int) string
	// wholeChunks: a failure belongs to the whole chunk it happened in,
	// because the function runs chunks, not items (MapChunks).
	wholeChunks bool

	_       cpu.CacheLinePad
	stop    atomic.Bool // no new item may start
	_       cpu.CacheLinePad
	next    atomic.Int64 // first unclaimed index
	helpers atomic.Int32 // helpers started, never decremented
	cut     atomic.Bool  // some item was skipped because of stop
	_       cpu.CacheLinePad
	done    atomic.Int64 // items finished, failed ones included
	perItem atomic.Int64 // recent nanoseconds per item, for sequences
	_       cpu.CacheLinePad

	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []*ItemError
}

// newRunner starts a call over n items. The caller must defer end; call.start
// is the way in.
func newRunner(cfg *config, ctx context.Context, n int) (*runner, error) {
	ictx, err := interrupts.enter()
	if err != nil {
		return nil, fmt.Errorf("not started: %w", err)
	}
	procs := maxProcs()
	r := &runner{cfg: cfg, n: n, workers: resolveWorkers(cfg.workers, procs), capacity: procs - 1}
	if r.workers > procs {
		// Asking for more goroutines than cores means items mostly wait;
		// they would only starve CPU-bound calls of their tokens.
		r.capacity = -1
	}
	r.ctx, r.cancel = context.WithCancelCause(ctx)
	r.unhook = append(r.unhook,
		context.AfterFunc(ictx, func() { r.cancel(ErrInterrupted) }),
		context.AfterFunc(r.ctx, func() { r.stop.Store(true) }),
	)
	if r.ctx.Err() != nil {
		r.stop.Store(true)
	}
	if cfg.progress {
		r.prog = startProgress(cfg, &r.done, n)
	}
	return r, nil
}

// end stops whatever still runs (only after a panic or runtime.Goexit
// passed through the caller, or when a consumer stopped early), waits for
// the helpers, and sets *errp to the call's error.
func (r *runner) end(errp *error) {
	r.halt(errStopped)
	r.wg.Wait()
	err := r.result()
	for _, f := range r.unhook {
		f()
	}
	if r.prog != nil {
		r.prog.stop(outcome(err))
	}
	interrupts.leave()
	if *errp == nil {
		*errp = err
	}
}

// halt makes the call stop starting items, and cancels its context.
func (r *runner) halt(cause error) {
	r.stop.Store(true)
	r.cancel(cause)
}

// runSlice drives a call over a slice: the caller works, helpers join while
// tokens are free, and runSlice returns when every worker is done.
func (r *runner) runSlice(newWorker func() (chunkFunc, func()), describe func(int) string) {
	r.describe = describe
	r.helperMain = func() {
		body, after := newWorker()
		r.work(body, after)
	}
	body, after := newWorker()
	r.work(body, after)
	r.wg.Wait()
}

// workerPos holds the index a worker is on. Bodies store to it for every
// item, so it has a cache line of its own: two workers' positions sharing
// one would make trivial items many times slower.
type workerPos struct {
	_ cpu.CacheLinePad
	i int
	_ cpu.CacheLinePad
}

const (
	// chunkTarget is how long a chunk should take: long enough to make the
	// cost of claiming it negligible, short enough that progress moves
	// smoothly and cancellation and fail-fast take effect promptly.
	chunkTarget = 100 * time.Microsecond
	maxChunk    = 1 << 20
)

// work claims and runs chunks until none are left, calling after (if not
// nil) when each chunk is done.
func (r *runner) work(body chunkFunc, after func()) {
	pos := new(workerPos)
	size := r.cfg.chunk
	adaptive := size == 0
	if adaptive {
		size = 1
	}
	for {
		lo, hi, ok := r.claim(size, adaptive)
		if !ok {
			return
		}
		r.grow()
		var start time.Time
		if adaptive {
			start = time.Now()
		}
		r.runRange(body, r.describe, lo, hi, &pos.i)
		if after != nil {
			after()
		}
		if adaptive {
			size = nextChunk(size, hi-lo, time.Since(start))
		}
	}
}

// nextChunk sizes the next chunk to take about chunkTarget, growing at most
// eightfold at a time so that one fast measurement cannot overshoot.
func nextChunk(size, ran int, took time.Duration) int {
	if took <= 0 {
		return min(size*8, maxChunk)
	}
	ideal := int(int64(chunkTarget) * int64(ran) / int64(took))
	return max(1, min(ideal, size*8, maxChunk))
}

// claim takes the next chunk of at most size items. Automatic chunks are
// also capped by a share of what remains, so workers finish together.
func (r *runner) claim(size int, guided bool) (lo, hi int, ok bool) {
	n := int64(r.n)
	for {
		start := r.next.Load()
		if r.stop.Load() {
			if start < n {
				r.cut.Store(true)
			}
			return 0, 0, false
		}
		if start >= n {
			return 0, 0, false
		}
		c := min(int64(size), n-start)
		if guided {
			c = min(c, max(1, (n-start)/int64(2*r.workers)))
		}
		if r.next.CompareAndSwap(start, start+c) {
			return int(start), int(start + c), true
		}
	}
}

// grow starts helpers while items remain, the call wants more workers and
// the budget has tokens.
func (r *runner) grow() {
	for r.next.Load() < int64(r.n) && r.trySpawn() {
	}
}

// trySpawn starts one helper running r.helperMain if the call wants one
// and a token is free.
func (r *runner) trySpawn() bool {
	for {
		h := r.helpers.Load()
		if int(h)+1 >= r.workers {
			return false
		}
		token := r.capacity >= 0
		if token && !budget.tryAcquire(r.capacity) {
			return false
		}
		if !r.helpers.CompareAndSwap(h, h+1) {
			if token {
				budget.release()
			}
			continue
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if token {
				defer budget.release()
			}
			r.helperMain()
		}()
		return true
	}
}

// runRange runs items lo..hi-1 through body, recording failures and
// carrying on after them as far as the call allows.
func (r *runner) runRange(body chunkFunc, describe func(int) string, lo, hi int, pos *int) {
	for lo < hi {
		k, err := r.call(body, describe, lo, hi, pos)
		if err == nil {
			r.done.Add(int64(k - lo))
			if k < hi {
				r.cut.Store(true)
			}
			return
		}
		lo = r.failed(k, lo, hi, describe, err)
	}
}

// failed records the failure of item k of the chunk lo..hi-1 (or of the
// whole chunk, with wholeChunks), counts what failed as done, and returns
// the index after it.
func (r *runner) failed(k, lo, hi int, describe func(int) string, err error) int {
	e := &ItemError{Index: k, Err: err}
	end := k + 1
	if r.wholeChunks {
		e.Index, e.end = lo, hi
		end = hi
	} else {
		e.Input = describe(k)
	}
	r.done.Add(int64(end - lo))
	r.fail(e)
	return end
}

// call runs body, turning a panic into the failure of the item it was on.
// runtime.Goexit (t.FailNow in a test, say) cannot be stopped, but the item
// it ended is recorded as failed before the goroutine goes.
func (r *runner) call(body chunkFunc, describe func(int) string, lo, hi int, pos *int) (k int, err error) {
	*pos = lo
	returned := false
	defer func() {
		if v := recover(); v != nil {
			k, err = *pos, newPanicError(v)
		} else if !returned {
			r.failed(*pos, lo, hi, describe, errGoexit)
		}
	}()
	k, err = body(lo, hi, pos)
	returned = true
	return k, err
}

// fail records a failure; without CollectErrors it stops the call, and
// only the first failure is kept.
func (r *runner) fail(e *ItemError) {
	r.mu.Lock()
	if r.cfg.collect || len(r.errs) == 0 {
		r.errs = append(r.errs, e)
	}
	r.mu.Unlock()
	if !r.cfg.collect {
		r.halt(errStopped)
	}
}

// result is the call's error: a cancellation that left items unrun, and the
// item failures in item order.
func (r *runner) result() error {
	var all []error
	cause := context.Cause(r.ctx)
	cancelled := cause != nil && cause != errStopped && r.cut.Load()
	if cancelled {
		total := "?"
		if r.n >= 0 {
			total = fmt.Sprint(r.n)
		}
		all = append(all, fmt.Errorf("parallel: stopped after %d of %s items: %w", r.done.Load(), total, cause))
	}
	r.mu.Lock()
	errs := r.errs
	r.mu.Unlock()
	var kept []*ItemError
	for _, e := range errs {
		// Items that merely reported the cancellation add nothing to it.
		var p *PanicError
		if cancelled && errors.Is(e.Err, r.ctx.Err()) && !errors.As(e.Err, &p) {
			continue
		}
		kept = append(kept, e)
	}
	if len(kept) > 0 {
		all = append(all, joinItemErrors(kept))
	}
	if len(all) == 1 {
		return all[0]
	}
	return errors.Join(all...)
}

// outcome says in a few words how a call ended, for the progress bar.
func outcome(err error) string {
	var ie *ItemError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrInterrupted):
		return "interrupted"
	case errors.As(err, &ie):
		if u, ok := err.(interface{ Unwrap() []error }); ok && len(u.Unwrap()) > 1 {
			return fmt.Sprintf("%d items failed", len(u.Unwrap()))
		}
		return fmt.Sprintf("item %d failed", ie.Index)
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	}
	return "failed"
}
