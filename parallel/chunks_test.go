package parallel

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func squareChunk(in, out []int) {
	for i, x := range in {
		out[i] = x * x
	}
}

func TestMapChunksCoversEveryItemOnce(t *testing.T) {
	defer noLeaks(t)()
	for _, tc := range []struct {
		name string
		n    int
		opts []Option
	}{
		{"empty", 0, nil},
		{"one", 1, nil},
		{"automatic chunks", 100_003, nil},
		{"fixed chunks", 1000, []Option{Chunk(7)}},
		{"one worker", 5000, []Option{Workers(1)}},
		{"more workers than cores", 5000, []Option{Workers(8), Chunk(3)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs := make([]int, tc.n)
			for i := range xs {
				xs[i] = rand.IntN(1000)
			}
			var items atomic.Int64
			out, err := MapChunks(xs, func(in, out []int) {
				if len(in) != len(out) || len(in) == 0 {
					t.Errorf("chunk of %d items with %d results", len(in), len(out))
				}
				if cap(out) != len(out) {
					t.Errorf("result chunk has room beyond its items: cap %d, len %d", cap(out), len(out))
				}
				items.Add(int64(len(in)))
				squareChunk(in, out)
			}, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != tc.n || items.Load() != int64(tc.n) {
				t.Fatalf("%d results, %d items seen, want %d", len(out), items.Load(), tc.n)
			}
			for i, x := range xs {
				if out[i] != x*x {
					t.Fatalf("out[%d] = %d, want %d", i, out[i], x*x)
				}
			}
		})
	}
}

func TestMapChunksPanicNamesChunk(t *testing.T) {
	defer noLeaks(t)()
	xs := make([]int, 1000)
	for i := range xs {
		xs[i] = i
	}
	var ran atomic.Int64
	_, err := MapChunks(xs, func(in, out []int) {
		ran.Add(1)
		for _, x := range in {
			if x == 503 {
				panic("bad item")
			}
		}
	}, Chunk(100), Workers(1))
	var ie *ItemError
	var pe *PanicError
	if !errors.As(err, &ie) || !errors.As(err, &pe) {
		t.Fatalf("error %v, want an ItemError wrapping a PanicError", err)
	}
	if ie.Index != 500 || !strings.HasPrefix(err.Error(), "parallel: items 500 to 599: panic: bad item") {
		t.Errorf("error %q, want items 500 to 599", err)
	}
	if !strings.Contains(string(pe.Stack), "TestMapChunksPanicNamesChunk") {
		t.Errorf("stack lacks the panicking function:\n%s", pe.Stack)
	}
	if n := ran.Load(); n != 6 {
		t.Errorf("%d chunks ran, want 6: fail-fast must not start chunks after the failing one", n)
	}
}

func TestMapChunksCollectErrors(t *testing.T) {
	defer noLeaks(t)()
	xs := make([]int, 100)
	for i := range xs {
		xs[i] = i
	}
	out, err := MapChunks(xs, func(in, out []int) {
		if in[0] == 30 || in[0] == 70 {
			panic("chunk")
		}
		squareChunk(in, out)
	}, Chunk(10), CollectErrors())
	msg := err.Error()
	if !strings.Contains(msg, "items 30 to 39") || !strings.Contains(msg, "items 70 to 79") {
		t.Fatalf("error %q, want both chunks", msg)
	}
	if out[29] != 29*29 || out[80] != 80*80 || out[35] != 0 {
		t.Errorf("results around the failed chunks: %d %d %d", out[29], out[80], out[35])
	}
}

func TestMapChunksCancel(t *testing.T) {
	defer noLeaks(t)()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	xs := make([]int, 10_000)
	var chunks atomic.Int64
	var after atomic.Int64
	_, err := MapChunks(xs, func(in, out []int) {
		if chunks.Add(1) == 3 {
			after.Store(time.Now().UnixNano())
			cancel()
		}
		time.Sleep(2 * time.Millisecond)
	}, Context(ctx), Chunk(10), Workers(2)) // each worker may have a chunk in flight
	took := time.Since(time.Unix(0, after.Load()))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want cancellation", err)
	}
	if c := chunks.Load(); c > 10 {
		t.Errorf("%d chunks started, want at most a few after the cancel", c)
	}
	if !strings.Contains(err.Error(), "of 10000 items") {
		t.Errorf("message does not count items: %v", err)
	}
	t.Logf("returned %v after cancel", took)
}

func TestMapChunksProgressCountsItems(t *testing.T) {
	defer noLeaks(t)()
	var buf syncBuffer
	xs := make([]int, 300)
	_, err := MapChunks(xs, func(in, out []int) {
		time.Sleep(time.Millisecond)
	}, Chunk(7), ProgressTo(&buf), fastTicks)
	if err != nil {
		t.Fatal(err)
	}
	done, totals := drawnCounts(t, buf.String())
	for _, n := range totals {
		if n != 300 {
			t.Errorf("total %d, want items (300), not chunks", n)
		}
	}
	if len(done) == 0 || done[len(done)-1] != 300 {
		t.Errorf("ended at %v, want 300", done)
	}
}

func TestMapChunksInvalid(t *testing.T) {
	defer noLeaks(t)()
	for _, tc := range []struct {
		name string
		f    func(in, out []int)
		opts []Option
		want string
	}{
		{"nil function", nil, nil, "function is nil"},
		{"timeout", squareChunk, []Option{Timeout(time.Second)}, "Timeout"},
		{"bad option", squareChunk, []Option{Chunk(-1)}, "Chunk(-1)"},
	} {
		_, err := MapChunks([]int{1}, tc.f, tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}
