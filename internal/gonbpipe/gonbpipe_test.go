package gonbpipe

import (
	"encoding/json"
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
