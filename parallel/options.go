package parallel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"
)

// An Option changes how one call runs. Options that do not apply to a call
// (Chunk for a Pool, for example) are ignored.
type Option func(*config)

type config struct {
	workers  int // as given: 0 default, negative counts back from all cores
	chunk    int // 0: sized automatically
	ctx      context.Context
	timeout  time.Duration
	collect  bool
	progress bool
	progOut  io.Writer // nil: notebook display or stderr
	progTick time.Duration
	err      error // first invalid option
}

func newConfig(opts []Option) *config {
	c := &config{ctx: context.Background(), progTick: 250 * time.Millisecond}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

func (c *config) invalid(err error) {
	if c.err == nil {
		c.err = err
	}
}

// Workers sets how many goroutines run items at once, counting the caller.
// 0 (the default) and -1 mean all cores (GOMAXPROCS); -2 means all but one,
// and -k all but k-1, never fewer than one. More workers than cores is
// allowed and meant for items that sleep or wait on I/O: such a call does
// not draw on the shared worker budget (see the package documentation).
func Workers(n int) Option {
	return func(c *config) { c.workers = n }
}

// Chunk makes each worker take n consecutive items at a time. Without it,
// chunks are sized automatically from how long items take: single items
// when they are slow, large batches when they are trivial.
func Chunk(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.invalid(fmt.Errorf("parallel: Chunk(%d): chunk size must be at least 1", n))
			return
		}
		c.chunk = n
	}
}

// Context makes the call stop when ctx is done: no new items start, and the
// call returns an error wrapping context.Cause(ctx). Functions that take a
// context receive one derived from ctx. MapCtx takes its context as an
// argument and ignores this option.
func Context(ctx context.Context) Option {
	return func(c *config) {
		if ctx == nil {
			c.invalid(errors.New("parallel: Context(nil): context must not be nil"))
			return
		}
		c.ctx = ctx
	}
}

// Timeout limits how long one item may run. Functions that take a context
// get one with this deadline and should return when it expires; Go cannot
// stop a running function from outside, so an item whose function ignores
// the deadline fails when it returns late, with an error wrapping
// context.DeadlineExceeded.
func Timeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.invalid(fmt.Errorf("parallel: Timeout(%v): timeout must be positive", d))
			return
		}
		c.timeout = d
	}
}

// CollectErrors runs every item even when some fail, and returns all
// failures joined (errors.Join), in item order. Without it the first
// failure stops the call: items not yet started do not start, and
// functions that take a context see it cancelled.
func CollectErrors() Option {
	return func(c *config) { c.collect = true }
}

// Progress shows a live progress bar counting finished items, with rate and
// estimated time left: updated in place in a notebook, on standard error
// otherwise. It is updated a few times a second at most, and its last state
// is exact: N/N on success, or where the call stopped.
func Progress() Option {
	return func(c *config) { c.progress = true }
}

// ProgressTo shows the progress bar as text on w, whatever the environment.
// Updates rewrite the line with a carriage return; the last one ends it
// with a newline.
func ProgressTo(w io.Writer) Option {
	return func(c *config) {
		if w == nil {
			c.invalid(errors.New("parallel: ProgressTo(nil): writer must not be nil"))
			return
		}
		c.progress = true
		c.progOut = w
	}
}

// resolveWorkers turns the Workers convention into a count, given the
// number of cores.
func resolveWorkers(n, cores int) int {
	switch {
	case n == 0:
		return cores
	case n < 0:
		return max(cores+1+n, 1)
	}
	return n
}

func maxProcs() int { return runtime.GOMAXPROCS(0) }
