package gonbcomm

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cell/celltest"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// hangGuard bounds waits so that a broken hub fails instead of hanging.
const hangGuard = 20 * time.Second

// page records what the kernel sends to the page.
type page struct {
	mu   sync.Mutex
	sent []map[string]any
}

func (p *page) SendComm(m cell.CommMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, m.Data)
}

func (p *page) addresses() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, d := range p.sent {
		s := fmt.Sprint(d["address"])
		if d["read_request"] == true {
			s += "?"
		} else if v, ok := d["value"]; ok && !strings.HasPrefix(s, "#") {
			s += "=" + fmt.Sprint(v)
		}
		out = append(out, s)
	}
	return out
}

func open(t *testing.T, h *Hub, p *page, id string) {
	t.Helper()
	if !h.HandleComm(cell.CommMessage{Type: cell.CommOpen, ID: id, Target: Target}, p) {
		t.Fatal("comm_open of gonb_comm refused")
	}
}

func msg(id, address string, value any) cell.CommMessage {
	return cell.CommMessage{Type: cell.CommMsg, ID: id, Data: map[string]any{"address": address, "value": value}}
}

func TestCommLifecycle(t *testing.T) {
	h := New("1234-abcd")
	p := &page{}
	if h.HandleComm(cell.CommMessage{Type: cell.CommOpen, ID: "w", Target: "jupyter.widget"}, p) {
		t.Error("comm_open of another target was taken")
	}
	open(t, h, p, "c1")
	if got := h.Comms(""); !reflect.DeepEqual(got, map[string]string{"c1": Target}) {
		t.Errorf("Comms = %v", got)
	}
	if got := h.Comms("other"); len(got) != 0 {
		t.Errorf("Comms(other) = %v", got)
	}
	h.HandleComm(msg("c1", pingAddress, true), p)
	h.HandleComm(msg("c1", "/slider", "73"), p)
	h.HandleComm(msg("stale", "/slider", "1"), p) // another comm: ignored
	if v, ok := h.Last("/slider"); !ok || v != "73" {
		t.Errorf("Last(/slider) = %v, %v; want 73", v, ok)
	}
	if got, want := p.addresses(), []string{openAckAddress, pongAddress}; !reflect.DeepEqual(got, want) {
		t.Errorf("sent to the page %v, want %v", got, want)
	}
	h.HandleComm(cell.CommMessage{Type: cell.CommClose, ID: "c1"}, p)
	if got := h.Comms(""); len(got) != 0 {
		t.Errorf("Comms after close = %v", got)
	}
	if _, ok := h.Last("/slider"); !ok {
		t.Error("closing the comm forgot the values")
	}
}

// delivered records what a run delivers to its program.
type delivered struct {
	mu  sync.Mutex
	got []string
}

func (d *delivered) deliver(address string, v any) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, fmt.Sprintf("%s=%v", address, v))
	return true
}

func (d *delivered) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.got...)
}

func TestRunTraffic(t *testing.T) {
	h := New("1234")
	p := &page{}
	open(t, h, p, "c1")
	h.HandleComm(msg("c1", "/earlier", 5.0), p) // a widget of an earlier cell

	d := &delivered{}
	r := h.Start(context.Background(), &celltest.Recorder{}, d.deliver)
	r.Subscribe("/slider", false)
	h.HandleComm(msg("c1", "/slider", "10"), p)
	h.HandleComm(msg("c1", "/other", "11"), p) // nobody listens: kept only
	r.Value("/slider", 42, false)              // the program sets the widget
	r.Value("/earlier", nil, true)             // known: answered by the kernel
	r.Value("/unknown", nil, true)             // unknown: the page is asked
	r.Subscribe("/slider", true)
	h.HandleComm(msg("c1", "/slider", "12"), p)
	r.End()
	h.HandleComm(msg("c1", "/slider", "13"), p)

	if got, want := d.list(), []string{"/slider=10", "/earlier=5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	if got, want := p.addresses(), []string{openAckAddress, "/slider=42", "/unknown?"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sent to the page %v, want %v", got, want)
	}
	for address, want := range map[string]any{"/slider": "13", "/other": "11"} {
		if v, _ := h.Last(address); v != want {
			t.Errorf("Last(%s) = %v, want %v", address, v, want)
		}
	}
}

// Connect shows the script and returns once the page it starts opens the
// comm; then the script leaves the output.
func TestConnectShowsScriptUntilThePageConnects(t *testing.T) {
	h := New("0a1b-2c")
	p := &page{}
	var shown []cell.Display
	var mu sync.Mutex
	show := func(d cell.Display) {
		mu.Lock()
		shown = append(shown, d)
		mu.Unlock()
		if !d.Update {
			// The page runs the script.
			go h.HandleComm(cell.CommMessage{Type: cell.CommOpen, ID: "c1", Target: Target}, p)
		}
	}
	if err := h.Connect(context.Background(), show, hangGuard); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(shown) != 2 || shown[0].DisplayID == "" || shown[1].DisplayID != shown[0].DisplayID || !shown[1].Update {
		t.Fatalf("displays %+v: want the script, then its removal under the same id", shown)
	}
	html := shown[0].Data["text/html"].(string)
	if !strings.Contains(html, `const kernelId = "0a1b-2c";`) || strings.Contains(html, "__KERNEL_ID__") {
		t.Errorf("script does not name the kernel:\n%.300s", html)
	}
	if shown[1].Data["text/html"] != "" {
		t.Errorf("removal = %v", shown[1].Data)
	}
	// Connected and heard from lately: nothing to show again.
	shown = nil
	mu.Unlock()
	err := h.Connect(context.Background(), show, hangGuard)
	mu.Lock()
	if err != nil || len(shown) != 0 {
		t.Errorf("second Connect: %v, showed %d", err, len(shown))
	}
}

func TestConnectWithoutPage(t *testing.T) {
	rec := &celltest.Recorder{}
	err := New("12ab").Connect(context.Background(), rec.Display, 50*time.Millisecond)
	if !errors.Is(err, ErrNoPage) {
		t.Errorf("Connect with no page: %v, want ErrNoPage", err)
	}
	if err := New("").Connect(context.Background(), rec.Display, time.Minute); !errors.Is(err, ErrNoKernelID) {
		t.Errorf("Connect with no kernel id: %v, want ErrNoKernelID", err)
	}
	if err := New("</script>").Connect(context.Background(), rec.Display, time.Minute); !errors.Is(err, ErrNoKernelID) {
		t.Errorf("Connect with a kernel id Jupyter does not make: %v, want ErrNoKernelID", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := New("12ab").Connect(ctx, rec.Display, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted Connect: %v", err)
	}
}

// A page that stopped answering (closed, reloaded) is found out by a ping
// and its comm dropped, so the script is shown again.
func TestSilentPageIsReplaced(t *testing.T) {
	h := New("12ab")
	open(t, h, &page{}, "old")
	h.mu.Lock()
	h.heard = time.Now().Add(-time.Minute)
	h.mu.Unlock()
	var scripts int
	show := func(d cell.Display) {
		if !d.Update {
			scripts++
			go h.HandleComm(cell.CommMessage{Type: cell.CommOpen, ID: "new", Target: Target}, &page{})
		}
	}
	if err := h.Connect(context.Background(), show, hangGuard); err != nil {
		t.Fatal(err)
	}
	if got := h.Comms(""); scripts != 1 || got["new"] != Target || len(got) != 1 {
		t.Errorf("after a silent page: %d scripts shown, comms %v", scripts, got)
	}
}

func TestProgramValue(t *testing.T) {
	for _, tc := range []struct {
		json string
		want any
		ok   bool
	}{
		{`"73"`, "73", true},
		{`2.5`, 2.5, true},
		{`3`, 3.0, true},
		{`true`, true, true},
		{`null`, nil, true},
		{`[1, 2, 3]`, []int{1, 2, 3}, true},
		{`[1, 2.5]`, []float64{1, 2.5}, true},
		{`["a", "b"]`, []string{"a", "b"}, true},
		{`[]`, []string{}, true},
		{`[1, "a"]`, nil, false},
		{`{"a": 1}`, map[string]int{"a": 1}, true},
		{`{"a": 1.5}`, map[string]float64{"a": 1.5}, true},
		{`{"a": "x"}`, map[string]string{"a": "x"}, true},
		{`{"a": [1]}`, nil, false},
		{`[[1]]`, nil, false},
		{`[1e300]`, []float64{1e300}, true},
	} {
		var v any
		if err := json.Unmarshal([]byte(tc.json), &v); err != nil {
			t.Fatal(err)
		}
		got, ok := programValue(v)
		if ok != tc.ok || (ok && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("programValue(%s) = %#v, %v; want %#v, %v", tc.json, got, ok, tc.want, tc.ok)
		}
	}
}

// Whatever the page sends, a value programValue accepts travels to the
// program through gob, as gonbui decodes it.
func FuzzProgramValue(f *testing.F) {
	for _, s := range []string{`"x"`, `1`, `[1,2]`, `{"a":1}`, `[1.5]`, `{"a":"b"}`, `null`, `[true]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		pv, ok := programValue(v)
		if !ok {
			return
		}
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(&protocol.CommValue{Address: "/a", Value: pv}); err != nil {
			t.Fatalf("programValue(%s) = %#v does not encode: %v", data, pv, err)
		}
		var back protocol.CommValue
		if err := gob.NewDecoder(&buf).Decode(&back); err != nil {
			t.Fatalf("decode %#v: %v", pv, err)
		}
	})
}

// A page that connects after the program stopped waiting for it is still
// used: on a loaded machine the page's script may take that long.
func TestPageConnectingLate(t *testing.T) {
	h := New("12ab")
	h.openTimeout = 20 * time.Millisecond
	rec := &celltest.Recorder{}
	d := &delivered{}
	r := h.Start(context.Background(), rec, d.deliver)
	defer r.End()
	r.Subscribe("/s", false) // waits, in vain
	if !strings.Contains(rec.Stderr(), "widgets: no notebook page connected") {
		t.Errorf("stderr %q: want a note", rec.Stderr())
	}
	p := &page{}
	open(t, h, p, "late")
	h.HandleComm(msg("late", "/s", "5"), p)
	r.Value("/s", 6, false)
	if got, want := d.list(), []string{"/s=5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	if got, want := p.addresses(), []string{openAckAddress, "/s=6"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sent to the page %v, want %v", got, want)
	}
}
