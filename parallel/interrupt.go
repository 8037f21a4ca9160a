package parallel

import (
	"context"
	"os"
	"os/signal"
	"sync"

	"github.com/gopar/gopar/internal/notebook"
)

// interruptHandler turns SIGINT into cancellation of every running call,
// in a program that runs in a notebook: there SIGINT is the interrupt
// button, which means "stop this cell", not "die". Other programs keep
// Go's default SIGINT behaviour, as they would without this package.
//
// Even in a notebook, the handler is installed only while at least one
// call (or Pool task) is running, so a cell that is not inside a parallel
// call is interrupted as any Go program is. After a SIGINT the default is
// restored at once, so a second one ends the program, and the interrupted
// state is sticky: every later call fails with ErrInterrupted at once.
// That is what makes a cell end even when its code loops over calls.
type interruptHandler struct {
	mu     sync.Mutex
	active int
	ctx    context.Context // cancelled with ErrInterrupted on SIGINT
	cancel context.CancelCauseFunc
	sigs   chan os.Signal
	quit   chan struct{}
	exited chan struct{}
}

var interrupts = newInterruptHandler()

func newInterruptHandler() *interruptHandler {
	h := &interruptHandler{}
	h.ctx, h.cancel = context.WithCancelCause(context.Background())
	return h
}

// enter registers a running call. The returned context is cancelled with
// ErrInterrupted when SIGINT arrives and the handler is installed; leave
// must be called when the call ends, unless enter returned an error.
func (h *interruptHandler) enter() (context.Context, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx.Err() != nil {
		return nil, ErrInterrupted
	}
	h.active++
	if h.active == 1 && notebook.Current() != nil {
		h.sigs = make(chan os.Signal, 1)
		h.quit = make(chan struct{})
		h.exited = make(chan struct{})
		signal.Notify(h.sigs, os.Interrupt)
		go h.listen(h.sigs, h.quit, h.exited)
	}
	return h.ctx, nil
}

func (h *interruptHandler) listen(sigs chan os.Signal, quit, exited chan struct{}) {
	defer close(exited)
	select {
	case <-sigs:
		signal.Stop(sigs)
		h.cancel(ErrInterrupted)
	case <-quit:
	}
}

// leave unregisters a call; the last one out removes the handler and waits
// for its goroutine, so none outlives the call.
func (h *interruptHandler) leave() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.active--
	if h.active > 0 || h.sigs == nil {
		return
	}
	signal.Stop(h.sigs)
	close(h.quit)
	<-h.exited
	h.sigs, h.quit, h.exited = nil, nil, nil
}

// installed reports whether the SIGINT handler is in place.
func (h *interruptHandler) installed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sigs != nil
}

// reset forgets a past interrupt. Only tests need it: a program that was
// interrupted is meant to end.
func (h *interruptHandler) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx.Err() != nil && h.active == 0 {
		h.ctx, h.cancel = context.WithCancelCause(context.Background())
	}
}
