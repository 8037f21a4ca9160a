package parallel

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/notebook"
	"github.com/gopar/gopar/internal/notebook/notebooktest"
)

func TestMain(m *testing.M) {
	// The first signal.Notify starts os/signal's own goroutine, which stays;
	// start it before any test takes its goroutine baseline. The handler
	// is installed only in a notebook.
	notebook.Attach(&notebooktest.Recorder{})
	_, err := Map([]int{1, 2, 3}, func(x int) int { return x })
	notebook.Attach(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "warm-up:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// noLeaks checks, when the test ends, that no goroutine started during it
// is left, that every token went back to the budget and that the SIGINT
// handler is gone. Use it as: defer noLeaks(t)().
func noLeaks(t *testing.T) func() {
	t.Helper()
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		var now int
		for range 200 { // settle: goroutines that just returned may still count
			if now = runtime.NumGoroutine(); now <= before {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if now > before {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutines: %d before, %d after\n%s", before, now, buf)
		}
		if n := budget.inUse.Load(); n != 0 {
			t.Errorf("%d budget tokens still taken", n)
		}
		if interrupts.installed() {
			t.Error("SIGINT handler still installed after the call")
		}
	}
}

// concurrency tracks how many goroutines are inside a region at once.
type concurrency struct {
	now, peak atomic.Int64
}

func (c *concurrency) enter() {
	n := c.now.Add(1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (c *concurrency) leave() { c.now.Add(-1) }

// syncBuffer is a strings.Builder safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// setProcs sets GOMAXPROCS for the test.
func setProcs(t *testing.T, n int) {
	old := runtime.GOMAXPROCS(n)
	t.Cleanup(func() { runtime.GOMAXPROCS(old) })
}
