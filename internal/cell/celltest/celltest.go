// Package celltest provides a cell.Sink that records what a cell
// produces, for tests and for callers that only need the text.
package celltest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/cell"
)

// Recorder is a cell.Sink that keeps everything, in order. Given Inputs,
// it also answers input requests with them, one each, then end-of-file.
// The zero value is ready to use; it is safe for concurrent use.
type Recorder struct {
	Inputs []string // answers to give, in order

	mu       sync.Mutex
	events   []string // "stdout:...", "stderr:...", "display", "clear"
	stdout   strings.Builder
	stderr   strings.Builder
	displays []cell.Display
	asked    int
}

var _ cell.InputSink = (*Recorder)(nil)

// Stream implements cell.Sink.
func (r *Recorder) Stream(name, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "stdout" {
		r.stdout.WriteString(text)
	} else {
		r.stderr.WriteString(text)
	}
	r.events = append(r.events, name+":"+text)
}

// Display implements cell.Sink.
func (r *Recorder) Display(d cell.Display) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.displays = append(r.displays, d)
	r.events = append(r.events, "display")
}

// ClearOutput implements cell.Sink.
func (r *Recorder) ClearOutput(wait bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, "clear")
}

// Input implements cell.InputSink.
func (r *Recorder) Input(ctx context.Context, prompt string, password bool) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.asked >= len(r.Inputs) {
		return "", cell.ErrNoStdin
	}
	r.asked++
	return r.Inputs[r.asked-1], nil
}

// Stdout returns what the cell wrote to stdout.
func (r *Recorder) Stdout() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stdout.String()
}

// Stderr returns what the cell wrote to stderr.
func (r *Recorder) Stderr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stderr.String()
}

// Displays returns the rich outputs, in order.
func (r *Recorder) Displays() []cell.Display {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]cell.Display(nil), r.displays...)
}

// Events returns every output in order: "stdout:TEXT", "stderr:TEXT",
// "display" and "clear".
func (r *Recorder) Events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// WaitFor waits up to a minute until the cell has printed text to stdout:
// it is running.
func (r *Recorder) WaitFor(t testing.TB, text string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(r.Stdout(), text) {
			return
		}
	}
	t.Fatalf("cell did not print %q within a minute", text)
}
