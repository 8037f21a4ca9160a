package gonbpipe

import (
	"sync"
	"testing"
	"time"
)

type nopHandler struct{}

func (nopHandler) Display(map[string]any, map[string]any, string) {}
func (nopHandler) RequestInput(string, bool)                      {}
func (nopHandler) Result(map[string]any)                          {}
func (nopHandler) ClearOutput(bool)                               {}

// Close must return even when the program ended before Serve got as far
// as opening its pipe: a race that once left a cell without a reply.
func TestCloseBeforeServeOpens(t *testing.T) {
	for i := 0; i < 10; i++ {
		p, err := NewPipes(t.TempDir(), nopHandler{})
		if err != nil {
			t.Fatal(err)
		}
		p.beforeOpen = func() { time.Sleep(30 * time.Millisecond) }
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Start Serve late, after Close began.
			time.Sleep(time.Duration(i%5) * time.Millisecond)
			p.Serve()
		}()
		done := make(chan struct{})
		go func() { p.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("iteration %d: Close hung", i)
		}
		wg.Wait()
	}
}
