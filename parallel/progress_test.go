package parallel

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/notebook/notebooktest"
)

// fastTicks makes the bar redraw often, so that tests see intermediate
// states without running long.
var fastTicks = Option{set: func(c *config) error {
	c.progTick = time.Millisecond
	return nil
}}

var countRE = regexp.MustCompile(`(\d+)(?:/(\d+))? \|`)

// counts returns the item counts drawn, in order, and the totals.
func drawnCounts(t *testing.T, out string) (done, totals []int) {
	t.Helper()
	for _, line := range strings.Split(out, "\r") {
		if line == "" {
			continue
		}
		m := countRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line without count: %q", line)
		}
		d, _ := strconv.Atoi(m[1])
		done = append(done, d)
		if m[2] != "" {
			n, _ := strconv.Atoi(m[2])
			totals = append(totals, n)
		}
	}
	return done, totals
}

func TestProgressCountsItems(t *testing.T) {
	defer noLeaks(t)()
	for _, workers := range []int{1, 2} {
		var buf syncBuffer
		xs := make([]int, 300)
		_, err := Map(xs, func(int) int {
			time.Sleep(100 * time.Microsecond)
			return 0
		}, Workers(workers), Chunk(7), ProgressTo(&buf), fastTicks)
		if err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.HasSuffix(out, "\n") {
			t.Errorf("final line not ended: %q", out[max(0, len(out)-80):])
		}
		done, totals := drawnCounts(t, out)
		if len(done) < 2 {
			t.Fatalf("workers=%d: %d states drawn", workers, len(done))
		}
		for i := 1; i < len(done); i++ {
			if done[i] < done[i-1] {
				t.Errorf("count went back: %v", done)
			}
		}
		for _, n := range totals {
			if n != 300 {
				t.Errorf("total %d, want items (300), not chunks", n)
			}
		}
		if last := done[len(done)-1]; last != 300 {
			t.Errorf("workers=%d: ended at %d/300", workers, last)
		}
		if !strings.Contains(out, "300/300") || !strings.Contains(out, "100%") {
			t.Errorf("final state missing: %q", out[max(0, len(out)-120):])
		}
	}
}

func TestProgressShowsWhereItStopped(t *testing.T) {
	defer noLeaks(t)()
	var buf syncBuffer
	xs := make([]int, 100)
	for i := range xs {
		xs[i] = i
	}
	_, err := Map(xs, func(x int) int {
		if x == 40 {
			panic("forty")
		}
		return x
	}, Workers(1), ProgressTo(&buf))
	if err == nil {
		t.Fatal("no error")
	}
	out := buf.String()
	if !strings.Contains(out, "41/100") || !strings.Contains(out, "stopped: item 40 failed") {
		t.Errorf("final state %q", out)
	}
}

func TestProgressInterruptedOutcome(t *testing.T) {
	defer noLeaks(t)()
	var buf syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	_, err := MapCtx(ctx, make([]int, 100), func(ctx context.Context, x int) (int, error) {
		cancel()
		<-ctx.Done()
		return 0, ctx.Err()
	}, Workers(1), ProgressTo(&buf))
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "stopped: cancelled") {
		t.Errorf("final state %q", out)
	}
}

func TestProgressSequence(t *testing.T) {
	defer noLeaks(t)()
	var buf syncBuffer
	seq := func(yield func(int) bool) {
		for i := range 123 {
			if !yield(i) {
				return
			}
		}
	}
	if _, err := MapSeq(seq, func(x int) int { return x }, ProgressTo(&buf)); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "123/123") {
		t.Errorf("final state %q", out)
	}
}

func TestProgressNotebook(t *testing.T) {
	defer noLeaks(t)()
	fake := notebooktest.Attach(t)
	start := time.Now()
	_, err := Map(make([]int, 200), func(int) int {
		time.Sleep(2 * time.Millisecond)
		return 0
	}, Progress())
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if ids := fake.IDs(); len(ids) != 1 || ids[0] != "parallel-progress-test-id" {
		t.Errorf("updates went to display ids %v, want one", ids)
	}
	last := fake.Last()
	if !strings.Contains(last, `<progress value="200" max="200"`) || !strings.Contains(last, "200/200") {
		t.Errorf("final update %q", last)
	}
	// One at the start, one at the end, and at most one per tick between.
	if limit := 2 + int(elapsed/(250*time.Millisecond)); len(fake.Updates()) > limit {
		t.Errorf("%d updates in %v, more than a few a second", len(fake.Updates()), elapsed)
	}
}

func TestProgressStateText(t *testing.T) {
	tests := []struct {
		s    progressState
		want []string
	}{
		{progressState{done: 50, total: 100, elapsed: 5 * time.Second}, []string{"50/100", " 50%", "10.0 it/s", "ETA 5s"}},
		{progressState{done: 100, total: 100, elapsed: 2 * time.Second, final: true}, []string{"100/100", "100%", "50.0 it/s", ", 2s"}},
		{progressState{done: 7, total: -1, elapsed: time.Second}, []string{"\r7 | ", "7.00 it/s"}},
		{progressState{done: 7, total: 10, elapsed: time.Second, final: true, outcome: "interrupted"}, []string{"7/10", "stopped: interrupted"}},
		{progressState{done: 0, total: 0, final: true}, []string{"0/0", "100%"}},
	}
	for _, tt := range tests {
		var b strings.Builder
		(&textView{w: &b}).show(tt.s)
		for _, w := range tt.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%+v drawn as %q, lacks %q", tt.s, b.String(), w)
			}
		}
	}
}
