package timing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gopar/gopar/internal/notebook"
)

// ErrInterrupted is why a measurement stopped when the notebook's
// interrupt button was pressed.
var ErrInterrupted = errors.New("timing: interrupted")

// A session is one Sweep, Compare or It call in progress: its options,
// what stops it early, and where it shows how far it got.
type session struct {
	cfg *config
	// In a notebook, SIGINT is the interrupt button, which means "stop
	// this cell": the session stops between runs and keeps what it
	// measured. After the first SIGINT Go's default comes back, so a
	// second one ends the program.
	sigs        chan os.Signal
	interrupted atomic.Bool
	quit        chan struct{}
	exited      chan struct{}

	nb notebook.Notebook // nil outside a notebook
	id string            // the progress display
}

// begin starts a session; end must be called when it is over.
func begin(cfg *config, progress bool) *session {
	s := &session{cfg: cfg, nb: notebook.Current()}
	if s.nb == nil {
		return s
	}
	if progress {
		s.id = "timing-" + s.nb.UniqueID()
	}
	s.sigs = make(chan os.Signal, 1)
	s.quit = make(chan struct{})
	s.exited = make(chan struct{})
	signal.Notify(s.sigs, os.Interrupt)
	go func() {
		defer close(s.exited)
		select {
		case <-s.sigs:
			signal.Stop(s.sigs)
			s.interrupted.Store(true)
		case <-s.quit:
		}
	}()
	return s
}

// end removes the interrupt handler, waiting for its goroutine so that
// none outlives the call.
func (s *session) end() {
	if s.sigs == nil {
		return
	}
	signal.Stop(s.sigs)
	close(s.quit)
	<-s.exited
}

// stopped says why the session must stop, or nil.
func (s *session) stopped() error {
	if s.interrupted.Load() {
		return ErrInterrupted
	}
	if err := s.cfg.ctx.Err(); err != nil {
		return fmt.Errorf("timing: stopped: %w", context.Cause(s.cfg.ctx))
	}
	return nil
}

// show replaces the session's progress display with html.
func (s *session) show(html string) {
	if s.id != "" {
		s.nb.UpdateHTML(s.id, html)
	}
}

// time runs f once and returns how long it took by the session's clock.
// A collection first, outside the timed part, gives every run the same
// start: no garbage left over from earlier runs to collect.
func (s *session) time(f func()) time.Duration {
	runtime.GC()
	start := s.cfg.now()
	f()
	return s.cfg.now().Sub(start)
}

// runs makes warmup untimed runs of f, then n timed ones, calling status
// before each (with the timed run's number, 0 for a warm-up). It stops
// early when the session must, returning the complete runs' times and
// why: a run in progress when the interrupt came is not counted.
func (s *session) runs(f func(), warmup, n int, status func(run int)) ([]time.Duration, error) {
	for range warmup {
		if err := s.stopped(); err != nil {
			return nil, err
		}
		status(0)
		f()
	}
	times := make([]time.Duration, 0, n)
	for i := range n {
		if err := s.stopped(); err != nil {
			return times, err
		}
		status(i + 1)
		d := s.time(f)
		if err := s.stopped(); err != nil {
			return times, err
		}
		times = append(times, d)
	}
	return times, nil
}
