package parallel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A Pool runs submitted tasks of any shape on a fixed number of goroutines,
// like apply_async on a process pool. Submit a task with the package-level
// Submit function, which returns a Future for its result. A Pool's
// goroutines exist only while it has tasks to run, so an idle Pool costs
// nothing; Close waits for everything submitted.
//
// Tasks do not stop each other: a failing task fails only its own Future.
// They are stopped together by the pool's context (the Context option), and
// by SIGINT while any task is pending. A Pool must not be copied.
type Pool struct {
	workers int
	timeout time.Duration
	ctx     context.Context
	cancel  context.CancelCauseFunc
	unhook  func() bool // detaches ctx from the interrupt while tasks are pending

	mu      sync.Mutex
	idle    sync.Cond // signalled when pending drops to zero
	queue   []task
	running int // goroutines
	pending int // submitted and not finished
	seq     int // tasks submitted so far
	closed  bool
	errs    []*ItemError
}

type task struct {
	seq int
	run func(ctx context.Context, seq int) *ItemError
}

// NewPool returns a pool of n workers, with n following the Workers
// convention (0 or -1: all cores, -2: all but one). The options that apply
// are Context and Timeout (per task); an invalid option, or one that does
// not apply, makes every task fail with the error that describes it.
func NewPool(n int, opts ...Option) *Pool {
	p := &Pool{workers: resolveWorkers(n, maxProcs())}
	p.idle.L = &p.mu
	cfg, err := callNewPool.configure(opts)
	if err != nil {
		p.ctx, p.cancel = context.WithCancelCause(context.Background())
		p.cancel(err)
		return p
	}
	p.timeout = cfg.timeout
	p.ctx, p.cancel = context.WithCancelCause(cfg.ctx)
	return p
}

// A Future is the result of a task submitted to a Pool.
type Future[R any] struct {
	done chan struct{}
	val  R
	err  error
}

// Wait blocks until the task has finished and returns its result. An error
// is a *ItemError naming the task by submission order (from 0); a panic in
// the task is one wrapping a *PanicError.
func (f *Future[R]) Wait() (R, error) {
	<-f.done
	return f.val, f.err
}

// Done is closed when the task has finished, for use in a select.
func (f *Future[R]) Done() <-chan struct{} { return f.done }

// Submit queues f to run on p and returns its Future at once. f receives the
// pool's context, with the pool's Timeout if one was given. Work submitted
// after Close fails with ErrPoolClosed.
func Submit[R any](p *Pool, f func(context.Context) (R, error)) *Future[R] {
	fut := &Future[R]{done: make(chan struct{})}
	if f == nil {
		fut.err = errors.New("parallel.Submit: function is nil")
		close(fut.done)
		return fut
	}
	err := p.submit(func(ctx context.Context, seq int) *ItemError {
		defer close(fut.done)
		var err error
		if cause := context.Cause(ctx); cause != nil {
			err = fmt.Errorf("not started: %w", cause)
		} else {
			g := func(ctx context.Context, _ struct{}) (R, error) { return f(ctx) }
			fut.val, err = callTask(withContext(ctx, g, p.timeout))
		}
		if err == nil {
			return nil
		}
		ie := &ItemError{Index: seq, Err: err, noun: "task"}
		fut.err = ie
		return ie
	})
	if err != nil {
		fut.err = err
		close(fut.done)
	}
	return fut
}

func callTask[R any](g func(struct{}) (R, error)) (v R, err error) {
	defer func() {
		if x := recover(); x != nil {
			err = newPanicError(x)
		}
	}()
	return g(struct{}{})
}

func (p *Pool) submit(run func(ctx context.Context, seq int) *ItemError) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrPoolClosed
	}
	if p.pending == 0 {
		ictx, err := interrupts.enter()
		if err != nil {
			return fmt.Errorf("parallel: task not started: %w", err)
		}
		p.unhook = context.AfterFunc(ictx, func() { p.cancel(ErrInterrupted) })
	}
	p.pending++
	p.queue = append(p.queue, task{seq: p.seq, run: run})
	p.seq++
	if p.running < p.workers {
		p.running++
		go p.worker()
	}
	return nil
}

// worker runs queued tasks and exits when the queue is empty.
func (p *Pool) worker() {
	capacity := tokenCapacity()
	for {
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.running--
			p.mu.Unlock()
			return
		}
		t := p.queue[0]
		p.queue[0] = task{}
		p.queue = p.queue[1:]
		p.mu.Unlock()

		// A task holds a token if one is free, so that calls made inside it
		// see the cores as taken; it never waits for one.
		token := budget.tryAcquire(capacity)
		err := t.run(p.ctx, t.seq)
		if token {
			budget.release()
		}

		p.mu.Lock()
		if err != nil {
			p.errs = append(p.errs, err)
		}
		p.pending--
		if p.pending == 0 {
			p.unhook()
			interrupts.leave()
			p.idle.Broadcast()
		}
		p.mu.Unlock()
	}
}

// Close stops the pool from accepting work, waits for every submitted task
// to finish, and returns the errors of the tasks that failed, joined, in
// submission order, so that none goes unseen even if its Future is never
// waited for.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	for p.pending > 0 {
		p.idle.Wait()
	}
	errs := p.errs
	p.mu.Unlock()
	p.cancel(ErrPoolClosed)
	return joinItemErrors(errs)
}
