package parallel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"
)

// An Option changes how one call runs. Every option applies to Map,
// ForEach, MapSeq, Unordered and MapReduce. MapCtx takes no Context (its
// first argument is one), MapChunks no Timeout, and a Pool only Context
// and Timeout. An option that does not apply to a call, like an invalid
// one, is an error that names the option and the call.
//
// The zero Option changes nothing.
type Option struct {
	kind optionSet
	set  func(*config) error // nil for the zero Option
}

// optionSet is a set of option kinds; each option belongs to one.
type optionSet uint8

const (
	optWorkers optionSet = 1 << iota
	optChunk
	optContext
	optTimeout
	optCollectErrors
	optProgress
	optProgressTo

	allOptions = optWorkers | optChunk | optContext | optTimeout | optCollectErrors | optProgress | optProgressTo
)

// String names the option of a set of one, as the package spells it.
func (s optionSet) String() string {
	switch s {
	case optWorkers:
		return "Workers"
	case optChunk:
		return "Chunk"
	case optContext:
		return "Context"
	case optTimeout:
		return "Timeout"
	case optCollectErrors:
		return "CollectErrors"
	case optProgress:
		return "Progress"
	case optProgressTo:
		return "ProgressTo"
	}
	return fmt.Sprintf("optionSet(%#x)", uint8(s))
}

type config struct {
	workers  int // as given: 0 default, negative counts back from all cores
	chunk    int // 0: sized automatically
	ctx      context.Context
	timeout  time.Duration
	collect  bool
	progress bool
	progOut  io.Writer // nil: notebook display or stderr
	progTick time.Duration
}

// A call is an entry point of the package, as its errors name it, with
// the options that apply to it.
type call struct {
	name    string
	accepts optionSet
	// why says, for options that do not apply, what to do instead, where
	// there is more to say than that they do not apply.
	why map[optionSet]string
}

var (
	callMap       = &call{name: "Map", accepts: allOptions}
	callForEach   = &call{name: "ForEach", accepts: allOptions}
	callMapSeq    = &call{name: "MapSeq", accepts: allOptions}
	callUnordered = &call{name: "Unordered", accepts: allOptions}
	callMapReduce = &call{name: "MapReduce", accepts: allOptions}
	callMapCtx    = &call{
		name:    "MapCtx",
		accepts: allOptions &^ optContext,
		why:     map[optionSet]string{optContext: "MapCtx takes its context as its first argument"},
	}
	callMapChunks = &call{
		name:    "MapChunks",
		accepts: allOptions &^ optTimeout,
		why:     map[optionSet]string{optTimeout: "it limits single items, which MapChunks does not see; use Map"},
	}
	callNewPool = &call{
		name:    "NewPool",
		accepts: optContext | optTimeout,
		why: map[optionSet]string{
			optWorkers:       "the pool's size is NewPool's first argument",
			optCollectErrors: "a pool's tasks never stop each other",
		},
	}
)

// errorf returns an error prefixed with the call's name.
func (c *call) errorf(format string, args ...any) error {
	return fmt.Errorf("parallel."+c.name+": "+format, args...)
}

// configure applies opts for the call. An invalid value is reported before
// whether the option applies: it is wrong wherever it is given.
func (c *call) configure(opts []Option) (*config, error) {
	cfg := &config{ctx: context.Background(), progTick: 250 * time.Millisecond}
	for _, o := range opts {
		if o.set == nil {
			continue
		}
		if err := o.set(cfg); err != nil {
			return nil, c.errorf("%w", err)
		}
		if o.kind&^c.accepts != 0 {
			if why := c.why[o.kind]; why != "" {
				return nil, c.errorf("option %v does not apply: %s", o.kind, why)
			}
			return nil, c.errorf("option %v does not apply", o.kind)
		}
	}
	return cfg, nil
}

// arg is an argument a call cannot do without, and whether it is missing.
type arg struct {
	name    string
	missing bool
}

// start is the opening every call over items shares: it checks the
// arguments, applies the options, and starts a runner over n items (-1 for
// a sequence) under ctx, or under the Context option when ctx is nil. The
// caller must defer the runner's end.
func (c *call) start(ctx context.Context, n int, opts []Option, args ...arg) (*runner, error) {
	for _, a := range args {
		if a.missing {
			return nil, c.errorf("%s is nil", a.name)
		}
	}
	cfg, err := c.configure(opts)
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = cfg.ctx
	}
	r, err := newRunner(cfg, ctx, n)
	if err != nil {
		return nil, c.errorf("%w", err)
	}
	return r, nil
}

// Workers sets how many goroutines run items at once, counting the caller.
// 0 (the default) and -1 mean all cores (GOMAXPROCS); -2 means all but one,
// and -k all but k-1, never fewer than one. More workers than cores is
// allowed and meant for items that sleep or wait on I/O: such a call does
// not draw on the shared worker budget (see the package documentation).
// A Pool takes its size as an argument instead.
func Workers(n int) Option {
	return Option{optWorkers, func(c *config) error {
		c.workers = n
		return nil
	}}
}

// Chunk makes each worker take n consecutive items at a time. Without it,
// chunks are sized automatically from how long items take: single items
// when they are slow, large batches when they are trivial.
func Chunk(n int) Option {
	return Option{optChunk, func(c *config) error {
		if n < 1 {
			return fmt.Errorf("Chunk(%d): chunk size must be at least 1", n)
		}
		c.chunk = n
		return nil
	}}
}

// Context makes the call stop when ctx is done: no new items start, and the
// call returns an error wrapping context.Cause(ctx). Functions that take a
// context receive one derived from ctx. MapCtx takes its context as an
// argument instead, and rejects this option.
func Context(ctx context.Context) Option {
	return Option{optContext, func(c *config) error {
		if ctx == nil {
			return errors.New("Context(nil): context must not be nil")
		}
		c.ctx = ctx
		return nil
	}}
}

// Timeout limits how long one item may run. Functions that take a context
// get one with this deadline and should return when it expires; Go cannot
// stop a running function from outside, so an item whose function ignores
// the deadline fails when it returns late, with an error wrapping
// context.DeadlineExceeded. MapChunks, which sees chunks rather than
// items, rejects it.
func Timeout(d time.Duration) Option {
	return Option{optTimeout, func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("Timeout(%v): timeout must be positive", d)
		}
		c.timeout = d
		return nil
	}}
}

// CollectErrors runs every item even when some fail, and returns all
// failures joined (errors.Join), in item order. Without it the first
// failure stops the call: items not yet started do not start, and
// functions that take a context see it cancelled.
func CollectErrors() Option {
	return Option{optCollectErrors, func(c *config) error {
		c.collect = true
		return nil
	}}
}

// Progress shows a live progress bar counting finished items, with rate and
// estimated time left: updated in place in a notebook, on standard error
// otherwise. It is updated a few times a second at most, and its last state
// is exact: N/N on success, or where the call stopped.
func Progress() Option {
	return Option{optProgress, func(c *config) error {
		c.progress = true
		return nil
	}}
}

// ProgressTo shows the progress bar as text on w, whatever the environment.
// Updates rewrite the line with a carriage return; the last one ends it
// with a newline.
func ProgressTo(w io.Writer) Option {
	return Option{optProgressTo, func(c *config) error {
		if w == nil {
			return errors.New("ProgressTo(nil): writer must not be nil")
		}
		c.progress = true
		c.progOut = w
		return nil
	}}
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
