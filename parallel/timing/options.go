package timing

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// An Option changes how Sweep, Compare or It measures. Each says which of
// them it applies to; giving one to a function it does not apply to, or
// an invalid value, panics with a message naming both, as other mistakes
// in calling a function do.
type Option struct {
	name  string // as the package spells it, for messages
	calls string // the functions it applies to: "SCI" for Sweep, Compare, It
	set   func(*config) error
}

type config struct {
	workers []int
	repeat  int // 0: the function's default
	warmup  int
	loops   int // It: 0 chooses automatically
	ctx     context.Context
	now     func() time.Time // the clock; tests replace it
}

// Workers sets the worker counts Sweep measures, in the order given. One
// worker is always measured, first if it is not given, because speedups
// are relative to it. Counts above the number of cores are allowed, and
// marked in the result: for work that waits rather than computes, more
// workers than cores still help.
func Workers(counts ...int) Option {
	return Option{"Workers", "S", func(c *config) error {
		if len(counts) == 0 {
			return fmt.Errorf("no worker counts")
		}
		seen := map[int]bool{}
		for _, n := range counts {
			if n < 1 {
				return fmt.Errorf("worker count %d: counts must be at least 1", n)
			}
			if seen[n] {
				return fmt.Errorf("worker count %d given twice", n)
			}
			seen[n] = true
		}
		c.workers = append([]int(nil), counts...)
		return nil
	}}
}

// Repeat sets how many timed runs each measurement takes: Sweep and
// Compare report the median of n runs (default 3); It reports the mean
// and standard deviation of n runs (default 7, as IPython's %timeit).
func Repeat(n int) Option {
	return Option{"Repeat", "SCI", func(c *config) error {
		if n < 1 {
			return fmt.Errorf("Repeat(%d): at least one run", n)
		}
		c.repeat = n
		return nil
	}}
}

// Warmup sets how many untimed runs Sweep and Compare make before the
// timed ones of each measurement (default 1): the first run pays for what
// later ones find ready (caches filled, memory mapped, code paged in).
func Warmup(n int) Option {
	return Option{"Warmup", "SC", func(c *config) error {
		if n < 0 {
			return fmt.Errorf("Warmup(%d): cannot be negative", n)
		}
		c.warmup = n
		return nil
	}}
}

// Loops sets how many times It calls the function per timed run (%timeit
// -n). Without it, It calls the function 1, 10, 100, ... times until a
// run takes at least 0.2 seconds, and uses that count.
func Loops(n int) Option {
	return Option{"Loops", "I", func(c *config) error {
		if n < 1 {
			return fmt.Errorf("Loops(%d): at least one loop", n)
		}
		c.loops = n
		return nil
	}}
}

// Context stops the measurement when ctx is done, between runs: the
// result keeps what was measured and says why it stopped. In a notebook,
// the interrupt button does the same for Sweep and Compare.
func Context(ctx context.Context) Option {
	return Option{"Context", "SCI", func(c *config) error {
		if ctx == nil {
			return fmt.Errorf("Context(nil): context must not be nil")
		}
		c.ctx = ctx
		return nil
	}}
}

// configure applies opts for the function named fn (code is its letter in
// Option.calls), panicking on an option that is invalid or does not apply.
func configure(fn string, code byte, repeat, warmup int, opts []Option) *config {
	c := &config{repeat: repeat, warmup: warmup, ctx: context.Background(), now: time.Now}
	for _, o := range opts {
		if o.set == nil {
			continue
		}
		if err := o.set(c); err != nil {
			panic(fmt.Sprintf("timing.%s: %s: %v", fn, o.name, err))
		}
		if strings.IndexByte(o.calls, code) < 0 {
			panic(fmt.Sprintf("timing.%s: option %s does not apply", fn, o.name))
		}
	}
	return c
}

// withClock makes a measurement read the time from now (for tests).
func withClock(now func() time.Time) Option {
	return Option{"withClock", "SCI", func(c *config) error {
		c.now = now
		return nil
	}}
}
