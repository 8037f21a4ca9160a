package carry

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func lockedMutex() *struct{ Mu sync.Mutex } {
	v := &struct{ Mu sync.Mutex }{}
	v.Mu.Lock()
	return v
}

// counter is the kind of value a cell keeps: state guarded by locks, a
// lazily set field, and counters updated atomically.
type counter struct {
	mu    sync.Mutex
	rw    sync.RWMutex
	wg    sync.WaitGroup
	once  sync.Once
	lazy  int
	n     atomic.Int64
	flag  atomic.Bool
	last  atomic.Value
	Total int
}

func TestIdleSyncValues(t *testing.T) {
	var c counter
	// Used, then idle again: the states a finished cell leaves behind.
	c.mu.Lock()
	c.Total = 7
	c.mu.Unlock()
	c.rw.RLock()
	c.rw.RUnlock()
	c.rw.Lock()
	c.rw.Unlock()
	c.wg.Add(2)
	for range 2 {
		go c.wg.Done()
	}
	c.wg.Wait()
	c.once.Do(func() { c.lazy = 42 })
	c.n.Store(-5)
	c.flag.Store(true)
	c.last.Store("hello")

	var buf bytes.Buffer
	if err := Encode(&buf, &c); err != nil {
		t.Fatal(err)
	}
	var got counter
	if err := Decode(bytes.NewReader(buf.Bytes()), &got); err != nil {
		t.Fatal(err)
	}
	if got.Total != 7 || got.lazy != 42 || got.n.Load() != -5 || !got.flag.Load() || got.last.Load() != "hello" {
		t.Errorf("loaded Total %d, lazy %d, n %d, flag %v, last %v", got.Total, got.lazy, got.n.Load(), got.flag.Load(), got.last.Load())
	}
	// The Once has run: it does not run again.
	got.once.Do(func() { got.lazy = 0 })
	if got.lazy != 42 {
		t.Error("a Once that had run ran again after loading")
	}
	// The locks work: TryLock succeeds only on an unlocked mutex.
	if !got.mu.TryLock() || !got.rw.TryLock() {
		t.Fatal("loaded mutexes are not unlocked")
	}
	got.mu.Unlock()
	got.rw.Unlock()
	got.wg.Wait() // would block forever with a count
}

func TestBusySyncValuesNotKept(t *testing.T) {
	var rw sync.RWMutex
	rw.RLock()
	defer rw.RUnlock()
	var wg sync.WaitGroup
	wg.Add(1)
	defer wg.Done()
	var once struct {
		Once sync.Once
		N    int
	}
	locked := lockedMutex()
	idle := &counter{Total: 3}

	dir := t.TempDir()
	err := SaveAll(dir, map[string]any{"rw": &rw, "wg": &wg, "locked": &locked, "idle": &idle, "once": &once})
	var nk *NotKeptError
	if !errors.As(err, &nk) {
		t.Fatalf("SaveAll = %v, want a *NotKeptError", err)
	}
	want := map[string]string{
		"locked": "Mu: sync.Mutex: locked mutexes cannot be kept",
		"rw":     "sync.RWMutex: locked mutexes cannot be kept",
		"wg":     "sync.WaitGroup: WaitGroups still counting cannot be kept",
	}
	if len(nk.Vars) != len(want) {
		t.Errorf("not kept: %+v, want %v", nk.Vars, want)
	}
	for _, v := range nk.Vars {
		if w, ok := want[v.Name]; !ok || !strings.HasSuffix(v.Why, w) {
			t.Errorf("%s not kept: %q, want %q", v.Name, v.Why, w)
		}
	}
	var back *counter
	var backOnce struct {
		Once sync.Once
		N    int
	}
	if err := LoadAll(dir, map[string]any{"idle": &back, "once": &backOnce}); err != nil {
		t.Fatal(err)
	}
	if back == nil || back.Total != 3 {
		t.Errorf("idle value loaded as %+v", back)
	}
}

func TestNilFuncKept(t *testing.T) {
	type scatter struct {
		Points    []float64
		StyleFunc func(int) string // optional, nil unless set
	}
	in := []scatter{{Points: []float64{1, 2}}}
	var buf bytes.Buffer
	if err := Encode(&buf, &in); err != nil {
		t.Fatal(err)
	}
	out := []scatter{{StyleFunc: func(int) string { return "stale" }}}
	if err := Decode(bytes.NewReader(buf.Bytes()), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || len(out[0].Points) != 2 || out[0].StyleFunc != nil {
		t.Errorf("loaded %+v", out)
	}
	in[0].StyleFunc = func(int) string { return "x" }
	if err := Encode(&bytes.Buffer{}, &in); err == nil || !strings.Contains(err.Error(), "[0].StyleFunc: func(int) string: functions cannot be kept") {
		t.Errorf("Encode with a func set: %v", err)
	}
}
