package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/cachestore"
	"github.com/gopar/gopar/internal/childproto"
	"github.com/gopar/gopar/parallel"
)

var squareCalls atomic.Int64

func slowSquare(x int) int {
	squareCalls.Add(1)
	return x * x
}

func countCalls(t *testing.T, calls *atomic.Int64, f func()) int64 {
	t.Helper()
	before := calls.Load()
	f()
	return calls.Load() - before
}

func TestFuncAnswersFromDisk(t *testing.T) {
	dir := t.TempDir()
	sq := Func(slowSquare, Dir(dir))
	if n := countCalls(t, &squareCalls, func() {
		if got := sq(12); got != 144 {
			t.Errorf("sq(12) = %d", got)
		}
	}); n != 1 {
		t.Errorf("first call computed %d times, want 1", n)
	}
	// Another cached function over the same directory stands for a later
	// program: it finds the entry on disk.
	again := Func(slowSquare, Dir(dir))
	if n := countCalls(t, &squareCalls, func() {
		if got := again(12); got != 144 {
			t.Errorf("again(12) = %d", got)
		}
	}); n != 0 {
		t.Errorf("second call computed %d times, want 0", n)
	}
	if n := countCalls(t, &squareCalls, func() { again(13) }); n != 1 {
		t.Errorf("new argument computed %d times, want 1", n)
	}
	for _, name := range []string{"CACHEDIR.TAG", ".gitignore"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("cache directory lacks %s: %v", name, err)
		}
	}
}

func TestVersionOptionIsPartOfTheKey(t *testing.T) {
	dir := t.TempDir()
	Func(slowSquare, Dir(dir), Version("1"))(3)
	if n := countCalls(t, &squareCalls, func() { Func(slowSquare, Dir(dir), Version("2"))(3) }); n != 1 {
		t.Errorf("a new version computed %d times, want 1", n)
	}
	if n := countCalls(t, &squareCalls, func() { Func(slowSquare, Dir(dir), Version("1"))(3) }); n != 0 {
		t.Errorf("the old version computed %d times, want 0", n)
	}
}

// TestCodeFingerprint checks the part of the key the kernel supplies: a
// function of the cells is known by the fingerprint the engine recorded.
func TestCodeFingerprint(t *testing.T) {
	t.Cleanup(func() { childproto.SetCode(nil, nil) })
	childproto.SetCode(map[string]string{"slowSquare": "v1", "T.M": "m1"}, map[string]string{"example.com/mod": "v1.2.3"})
	tests := []struct{ name, want string }{
		{"main.slowSquare", "code:v1"},
		{"main.T.M", "code:m1"},
		{"main.(*T).M", "code:m1"},
		{"example.com/mod/sub.F", "module:example.com/mod@v1.2.3"},
		{"strings.ToUpper", "go:"},
		{"main.unknown", "exe:"},
	}
	for _, tt := range tests {
		if got := codeFingerprint(tt.name); !strings.HasPrefix(got, tt.want) {
			t.Errorf("codeFingerprint(%q) = %q, want prefix %q", tt.name, got, tt.want)
		}
	}
	childproto.SetCode(map[string]string{"slowSquare": "v2"}, nil)
	if got := codeFingerprint("main.slowSquare"); got != "code:v2" {
		t.Errorf("after a change: %q", got)
	}
}

func TestClosuresAndMethodValuesAreRefused(t *testing.T) {
	k := 3
	var b strings.Builder
	tests := []struct {
		name string
		make func()
		want string
	}{
		{"literal", func() { Func(func(x int) int { return x * k }) }, "function literal"},
		{"method value", func() { FuncErr(b.WriteString) }, "method value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, _ := r.(error)
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "top-level function") {
					t.Errorf("panic %v, want an error saying %q and how to fix it", r, tt.want)
				}
			}()
			tt.make()
		})
	}
	// A method expression names code only.
	Func((*strings.Builder).Len, Dir(t.TempDir()))
}

func TestUnhashableArgumentIsAnError(t *testing.T) {
	f := FuncErr(chanLen, Dir(t.TempDir()))
	_, err := f(make(chan int))
	var ue *UnhashableError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want an *UnhashableError", err)
	}
}

func chanLen(c chan int) (int, error) { return len(c), nil }

var flakyCalls atomic.Int64

func flaky(x int) (string, error) {
	if flakyCalls.Add(1) == 1 {
		return "", errors.New("not today")
	}
	return strconv.Itoa(x), nil
}

func TestErrorsAreNotStored(t *testing.T) {
	f := FuncErr(flaky, Dir(t.TempDir()))
	if _, err := f(1); err == nil {
		t.Fatal("first call: want the error")
	}
	if got, err := f(1); err != nil || got != "1" {
		t.Fatalf("second call = %q, %v; want it computed again", got, err)
	}
	if n := countCalls(t, &flakyCalls, func() { f(1) }); n != 0 {
		t.Errorf("third call computed %d times, want 0", n)
	}
}

func waitAndDouble(ctx context.Context, x float64) (float64, error) {
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(time.Millisecond):
		return 2 * x, nil
	}
}

func TestFuncCtx(t *testing.T) {
	f := FuncCtx(waitAndDouble, Dir(t.TempDir()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: err = %v", err)
	}
	if got, err := f(context.Background(), 1); err != nil || got != 2 {
		t.Fatalf("f(1) = %v, %v", got, err)
	}
}

var slowCalls atomic.Int64

func slowCube(x int) []int {
	slowCalls.Add(1)
	time.Sleep(50 * time.Millisecond)
	return []int{x, x * x * x}
}

func TestConcurrentCallsComputeOnce(t *testing.T) {
	f := Func(slowCube, Dir(t.TempDir()))
	results := make([][]int, 8)
	n := countCalls(t, &slowCalls, func() {
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() { results[i] = f(5) })
		}
		wg.Wait()
	})
	if n != 1 {
		t.Errorf("8 concurrent calls computed %d times, want 1", n)
	}
	for i, r := range results {
		if fmt.Sprint(r) != "[5 125]" {
			t.Errorf("result %d = %v", i, r)
		}
	}
	results[0][0] = 99
	if results[1][0] != 5 {
		t.Errorf("callers share the result's memory")
	}
}

func TestDamagedEntriesAreComputedAgain(t *testing.T) {
	damage := map[string]func(b []byte) []byte{
		"truncated":  func(b []byte) []byte { return b[:len(b)/2] },
		"flipped":    func(b []byte) []byte { b[len(b)/2] ^= 0x40; return b },
		"empty":      func(b []byte) []byte { return nil },
		"extra byte": func(b []byte) []byte { return append(b, 0) },
	}
	for name, spoil := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			f := Func(slowSquare, Dir(dir))
			f(7)
			entries, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.entry"))
			if len(entries) != 1 {
				t.Fatalf("entries: %v", entries)
			}
			b, _ := os.ReadFile(entries[0])
			os.WriteFile(entries[0], spoil(b), 0o644)
			later := Func(slowSquare, Dir(dir)) // as a later program would
			if n := countCalls(t, &squareCalls, func() {
				if got := later(7); got != 49 {
					t.Errorf("f(7) = %d", got)
				}
			}); n != 1 {
				t.Errorf("computed %d times, want 1", n)
			}
			b2, _ := os.ReadFile(entries[0])
			if _, payload, err := cachestore.Decode(b2); err != nil || len(payload) == 0 {
				t.Errorf("the damaged entry was not replaced: %v", err)
			}
		})
	}
}

func TestTrimKeepsWithinMaxBytes(t *testing.T) {
	dir := t.TempDir()
	const bound = 40 << 10
	f := Func(makeBlock, Dir(dir), MaxBytes(bound))
	for i := range 30 {
		f(i) // about 8 KiB each
	}
	var total int64
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.entry"))
	for _, p := range files {
		fi, _ := os.Stat(p)
		total += fi.Size()
	}
	if total > bound+bound/8+(8<<10) || len(files) == 0 {
		t.Errorf("%d entries take %d bytes, want about %d at most", len(files), total, bound)
	}
	if n := countCalls(t, &blockCalls, func() { Func(makeBlock, Dir(dir))(29) }); n != 0 {
		t.Errorf("the most recent entry was trimmed")
	}
}

var blockCalls atomic.Int64

func makeBlock(i int) []float64 {
	blockCalls.Add(1)
	xs := make([]float64, 1000)
	for j := range xs {
		xs[j] = float64(i * j)
	}
	return xs
}

func TestMaxAge(t *testing.T) {
	dir := t.TempDir()
	Func(slowSquare, Dir(dir))(4)
	if n := countCalls(t, &squareCalls, func() { Func(slowSquare, Dir(dir), MaxAge(time.Nanosecond))(4) }); n != 1 {
		t.Errorf("an expired entry computed %d times, want 1", n)
	}
}

func TestStatsForTheKernel(t *testing.T) {
	dir := t.TempDir()
	f := Func(slowSquare, Dir(dir))
	f(1)
	f(1)
	f(2)
	Flush()
	d, _ := cachestore.Open(dir)
	list, err := d.List()
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v", list, err)
	}
	got := list[0]
	if got.Name != "github.com/gopar/gopar/parallel/cache.slowSquare" || got.Entries != 2 || got.Hits != 1 || got.Misses != 2 || got.Bytes == 0 {
		t.Errorf("List = %+v", got)
	}
}

// TestHelperProcess writes entries when run by TestTwoProcessesShareADirectory.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("GOPAR_CACHE_TEST_DIR")
	if dir == "" {
		t.Skip("run by TestTwoProcessesShareADirectory")
	}
	f := Func(makeBlock, Dir(dir))
	for i := range 200 {
		f(i % 50)
	}
}

func TestTwoProcessesShareADirectory(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "GOPAR_CACHE_TEST_DIR="+dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := Func(makeBlock, Dir(dir))
	for i := range 200 {
		if got := f(49 - i%50); got[1] != float64(49-i%50) {
			t.Fatalf("f(%d)[1] = %v", 49-i%50, got[1])
		}
		if i%50 == 0 {
			// Remove what both write, so that writers race on the same
			// entries again.
			files, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.entry"))
			for _, p := range files[:len(files)/2] {
				os.Remove(p)
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper process: %v\n%s", err, out.String())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.entry"))
	for _, p := range files {
		b, _ := os.ReadFile(p)
		if _, _, err := cachestore.Decode(b); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	fresh := Func(makeBlock, Dir(dir))
	for i := range 50 {
		if got := fresh(i); len(got) != 1000 || got[1] != float64(i) {
			t.Errorf("fresh(%d) = %v...", i, got[:2])
		}
	}
}

func BenchmarkHitSmall(b *testing.B) {
	f := Func(slowSquare, Dir(b.TempDir()))
	f(9)
	for b.Loop() {
		f(9)
	}
}

// BenchmarkMapOfHits is parallel.Map of a cached function over 10 000
// inputs, all already in the cache on disk, as a later cell finds them.
func BenchmarkMapOfHits(b *testing.B) {
	dir := b.TempDir()
	xs := make([]int, 10000)
	for i := range xs {
		xs[i] = i
	}
	if _, err := parallel.Map(xs, Func(slowSquare, Dir(dir))); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := parallel.Map(xs, Func(slowSquare, Dir(dir))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHitFromDisk is a hit a later program makes: the entry is read
// from disk and checked, not found in memory.
func BenchmarkHitFromDisk(b *testing.B) {
	m := mustMemo(slowSquare, "cache.Func", []Option{Dir(b.TempDir())})
	compute := func(context.Context) (int, error) { return slowSquare(9), nil }
	call(context.Background(), m, []any{9}, compute)
	for b.Loop() {
		m.mu.Lock()
		m.recent = nil
		m.mu.Unlock()
		if r, _ := call(context.Background(), m, []any{9}, compute); r != 81 {
			b.Fatal(r)
		}
	}
}
