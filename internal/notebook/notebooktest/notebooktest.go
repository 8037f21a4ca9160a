// Package notebooktest provides a notebook.Notebook that records what a
// library shows in it, for the tests of libraries that display.
package notebooktest

import (
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/gopar/gopar/internal/notebook"
)

// Recorder records the updates and displays it is asked to show. It is safe for
// concurrent use; the zero value is ready.
type Recorder struct {
	mu      sync.Mutex
	ids     []string // distinct output block ids, in order of first use
	updates []string
	shown   []map[string]string // bundles given to Display
}

var _ notebook.Displayer = (*Recorder)(nil)

// UpdateHTML implements notebook.Notebook.
func (r *Recorder) UpdateHTML(id, html string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.ids, id) {
		r.ids = append(r.ids, id)
	}
	r.updates = append(r.updates, html)
}

// Display implements notebook.Displayer.
func (r *Recorder) Display(data map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shown = append(r.shown, maps.Clone(data))
}

// Displays returns the bundles shown with Display, in order.
func (r *Recorder) Displays() []map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.shown)
}

// UniqueID implements notebook.Notebook.
func (r *Recorder) UniqueID() string { return "test-id" }

// IDs returns the output block ids updated, in order of first use.
func (r *Recorder) IDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

// Updates returns every update's HTML, in order.
func (r *Recorder) Updates() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.updates)
}

// Last returns the last update's HTML, or "".
func (r *Recorder) Last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.updates) == 0 {
		return ""
	}
	return r.updates[len(r.updates)-1]
}

// Attach makes a new Recorder the notebook the test's program runs in,
// until the test ends.
func Attach(t testing.TB) *Recorder {
	r := &Recorder{}
	prev := notebook.Attach(r)
	t.Cleanup(func() { notebook.Attach(prev) })
	return r
}
