package timing

import (
	"encoding/xml"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/notebook"
)

// fakeClock is a clock that the function being timed moves on, so that
// measured times are exact.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeNotebook records the displays it is asked to update.
type fakeNotebook struct {
	mu      sync.Mutex
	ids     map[string]bool
	updates []string
}

func (nb *fakeNotebook) UpdateHTML(id, html string) {
	nb.mu.Lock()
	defer nb.mu.Unlock()
	if nb.ids == nil {
		nb.ids = map[string]bool{}
	}
	nb.ids[id] = true
	nb.updates = append(nb.updates, html)
}

func (nb *fakeNotebook) UniqueID() string { return "test-id" }

func (nb *fakeNotebook) last() string {
	nb.mu.Lock()
	defer nb.mu.Unlock()
	if len(nb.updates) == 0 {
		return ""
	}
	return nb.updates[len(nb.updates)-1]
}

// attachNotebook makes the test's program run in a fake notebook until
// the test ends.
func attachNotebook(t *testing.T) *fakeNotebook {
	nb := &fakeNotebook{}
	prev := notebook.Attach(nb)
	t.Cleanup(func() { notebook.Attach(prev) })
	return nb
}

// checkSVG fails the test unless s is one well-formed SVG document.
func checkSVG(t *testing.T, s string) {
	t.Helper()
	if !strings.HasPrefix(s, "<svg ") {
		t.Fatalf("not an SVG document: %.80s", s)
	}
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("SVG does not parse: %v", err)
			}
			return
		}
	}
}
