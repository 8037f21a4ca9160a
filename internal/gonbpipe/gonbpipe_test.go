package gonbpipe

import (
	"encoding/gob"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janpfeifer/gonb/gonbui/protocol"
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

type displayRecorder struct {
	nopHandler
	data []map[string]any
}

func (r *displayRecorder) Display(data map[string]any, _ map[string]any, _ string) {
	r.data = append(r.data, data)
}

// JSON content arrives as text (gob carries no arbitrary values) and
// leaves as JSON, so that a front end or a notebook file stores the value.
func TestJSONContentIsJSON(t *testing.T) {
	tests := []struct {
		mime, content string
		wantJSON      bool
	}{
		{"application/json", `{"a":1}`, true},
		{"application/vnd.gopar.check+json", `{"name":"x","passed":true}`, true},
		{"application/vnd.gopar.check+json", `{"name":`, false}, // not JSON: kept as text
		{"text/html", `{"a":1}`, false},
		{"text/plain+json", `1`, false}, // only application/ types
	}
	for _, tt := range tests {
		rec := &displayRecorder{}
		p := &Pipes{handler: rec}
		p.handle(&protocol.DisplayData{Data: map[protocol.MIMEType]any{protocol.MIMEType(tt.mime): tt.content}})
		if len(rec.data) != 1 {
			t.Fatalf("%s: %d displays, want 1", tt.mime, len(rec.data))
		}
		got := rec.data[0][tt.mime]
		raw, isJSON := got.(json.RawMessage)
		if isJSON != tt.wantJSON {
			t.Errorf("%s %q: passed on as %T, want JSON %v", tt.mime, tt.content, got, tt.wantJSON)
			continue
		}
		if isJSON && string(raw) != tt.content {
			t.Errorf("%s: JSON %s, want %s", tt.mime, raw, tt.content)
		}
	}
}

// commRecorder records a program's comm traffic.
type commRecorder struct {
	nopHandler
	mu     sync.Mutex
	events []string
	got    chan struct{}
}

func (c *commRecorder) CommValue(address string, value any, request bool) {
	c.record(fmt.Sprintf("value %s %v request=%v", address, value, request))
}

func (c *commRecorder) CommSubscribe(address string, unsubscribe bool) {
	c.record(fmt.Sprintf("subscribe %s unsubscribe=%v", address, unsubscribe))
}

func (c *commRecorder) record(e string) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
	c.got <- struct{}{}
}

// fakeProgram opens the pipes as gonbui does.
type fakeProgram struct {
	enc *gob.Encoder
	dec *gob.Decoder
	w   *os.File
	r   *os.File
}

func openAsProgram(t *testing.T, p *Pipes) *fakeProgram {
	t.Helper()
	env := map[string]string{}
	for _, kv := range p.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	w, err := os.OpenFile(env[protocol.GONB_PIPE_ENV], os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenFile(env[protocol.GONB_PIPE_BACK_ENV], os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeProgram{enc: gob.NewEncoder(w), dec: gob.NewDecoder(r), w: w, r: r}
}

func (f *fakeProgram) send(t *testing.T, mime protocol.MIMEType, v any) {
	t.Helper()
	if err := f.enc.Encode(&protocol.DisplayData{Data: map[protocol.MIMEType]any{mime: v}}); err != nil {
		t.Fatal(err)
	}
}

// A program's subscriptions, values and requests reach a CommHandler, and
// values delivered to it arrive on its back pipe in order, after the
// acknowledgement of a sync sent before them.
func TestCommTraffic(t *testing.T) {
	h := &commRecorder{got: make(chan struct{}, 10)}
	p, err := NewPipes(t.TempDir(), h)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- p.Serve() }()
	prog := openAsProgram(t, p)

	prog.send(t, protocol.MIMECommSubscribe, &protocol.CommSubscription{Address: "/slider"})
	prog.send(t, protocol.MIMECommValue, &protocol.CommValue{Address: "/slider", Value: 42})
	prog.send(t, protocol.MIMECommValue, &protocol.CommValue{Address: "/slider", Request: true})
	prog.send(t, protocol.MIMECommSubscribe, &protocol.CommSubscription{Address: "/slider", Unsubscribe: true})
	for range 4 {
		select {
		case <-h.got:
		case <-time.After(20 * time.Second):
			t.Fatalf("comm traffic did not arrive; got %q", h.events)
		}
	}
	want := []string{
		"subscribe /slider unsubscribe=false",
		"value /slider 42 request=false",
		"value /slider <nil> request=true",
		"subscribe /slider unsubscribe=true",
	}
	if !slices.Equal(h.events, want) {
		t.Errorf("handler got %q, want %q", h.events, want)
	}

	prog.send(t, protocol.MIMECommValue, &protocol.CommValue{Address: protocol.GonbuiSyncAddress, Value: 1})
	var ack protocol.CommValue
	if err := prog.dec.Decode(&ack); err != nil || ack.Address != protocol.GonbuiSyncAckAddress {
		t.Fatalf("sync: got %+v, %v", ack, err)
	}
	for i, v := range []any{"73", 2.5, []string{"a"}} {
		if !p.Deliver("/slider", v) {
			t.Fatalf("Deliver %d dropped", i)
		}
	}
	for i, want := range []any{"73", 2.5, []string{"a"}} {
		var got protocol.CommValue
		if err := prog.dec.Decode(&got); err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
		if got.Address != "/slider" || fmt.Sprint(got.Value) != fmt.Sprint(want) {
			t.Errorf("delivery %d = %+v, want %v", i, got, want)
		}
	}
	prog.w.Close()
	prog.r.Close()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	p.Close()
	if p.Deliver("/slider", 1) {
		t.Error("Deliver after Close was accepted")
	}
}
