package jupyter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/cell"
)

type published struct {
	msgType string
	content map[string]any
}

type recorder struct {
	mu   sync.Mutex
	msgs []published
	sent chan struct{} // signalled on every message
}

func newRecorder() *recorder { return &recorder{sent: make(chan struct{}, 1000)} }

func (r *recorder) publish(t string, c map[string]any) {
	r.mu.Lock()
	r.msgs = append(r.msgs, published{t, c})
	r.mu.Unlock()
	select {
	case r.sent <- struct{}{}:
	default:
	}
}

func (r *recorder) all() []published {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]published(nil), r.msgs...)
}

// summary renders the messages as "type:name:text" lines for comparison.
func summary(msgs []published) []string {
	var out []string
	for _, m := range msgs {
		switch m.msgType {
		case "stream":
			out = append(out, fmt.Sprintf("stream:%s:%s", m.content["name"], m.content["text"]))
		default:
			out = append(out, m.msgType)
		}
	}
	return out
}

// newTestSink never flushes on time, so what is sent depends only on the
// calls made.
func newTestSink(r *recorder) *cellSink {
	return &cellSink{publish: r.publish, flushInterval: time.Hour, flushBytes: 64, maxBytes: 1 << 20}
}

func TestSinkCoalescesAndKeepsOrder(t *testing.T) {
	r := newRecorder()
	s := newTestSink(r)
	for i := range 10 {
		s.Stream("stdout", fmt.Sprint(i))
	}
	s.Stream("stderr", "oops\n")
	s.Stream("stdout", "a")
	s.Display(cell.Display{Data: cell.MIMEBundle{"text/html": "<b>x</b>"}, DisplayID: "d1"})
	s.Stream("stdout", "b")
	s.Display(cell.Display{Data: cell.MIMEBundle{"text/plain": "y"}, DisplayID: "d1", Update: true})
	s.ClearOutput(true)
	s.Stream("stdout", "c")
	s.close()
	s.Stream("stdout", "after close")

	got := strings.Join(summary(r.all()), "|")
	want := "stream:stdout:0123456789|stream:stderr:oops\n|stream:stdout:a|display_data|stream:stdout:b|update_display_data|clear_output|stream:stdout:c"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	msgs := r.all()
	if tr := msgs[3].content["transient"].(map[string]any); tr["display_id"] != "d1" {
		t.Errorf("display transient = %v", tr)
	}
	if msgs[6].content["wait"] != true {
		t.Errorf("clear_output content = %v", msgs[6].content)
	}
}

func TestSinkFlushesLargeBufferOnRuneBoundary(t *testing.T) {
	r := newRecorder()
	s := newTestSink(r)              // flushBytes 64
	text := strings.Repeat("é", 100) // 200 bytes, 2 per rune
	// Odd-sized pieces split runes, and flushes happen mid-rune.
	for i := 0; i < len(text); i += 7 {
		s.Stream("stdout", text[i:min(i+7, len(text))])
	}
	s.close()
	var joined strings.Builder
	for _, m := range r.all() {
		chunk := m.content["text"].(string)
		if strings.ContainsRune(chunk, '\uFFFD') || !strings.HasPrefix(text[joined.Len():], chunk) {
			t.Fatalf("chunk %q is not a whole-rune piece of the output", chunk)
		}
		joined.WriteString(chunk)
	}
	if joined.String() != text {
		t.Fatalf("output changed: %q", joined.String())
	}
	if n := len(r.all()); n < 2 {
		t.Fatalf("%d messages; the 64-byte limit should have split the output", n)
	}
}

func TestSinkCapsOutput(t *testing.T) {
	r := newRecorder()
	s := &cellSink{publish: r.publish, flushInterval: time.Hour, flushBytes: 1 << 10, maxBytes: 100}
	line := strings.Repeat("x", 29) + "\n" // 30 bytes
	for range 1000 {
		s.Stream("stdout", line)
	}
	s.close()
	var out strings.Builder
	var notes []string
	for _, m := range r.all() {
		if m.content["name"] == "stderr" {
			notes = append(notes, m.content["text"].(string))
			continue
		}
		out.WriteString(m.content["text"].(string))
	}
	if out.Len() != 100 {
		t.Errorf("sent %d bytes of stdout, want the cap of 100", out.Len())
	}
	want := fmt.Sprintf("\n[output truncated: %d more bytes]\n", 30*1000-100)
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("notes = %q, want [%q]", notes, want)
	}
}

func TestSinkTimedFlush(t *testing.T) {
	r := newRecorder()
	s := &cellSink{publish: r.publish, flushInterval: time.Millisecond, flushBytes: 1 << 10, maxBytes: 1 << 20}
	s.Stream("stdout", "tick")
	<-r.sent // no close: only the timer can send it
	if got := summary(r.all()); len(got) != 1 || got[0] != "stream:stdout:tick" {
		t.Fatalf("got %q", got)
	}
	s.close()
}

func TestSinkSilentAndStdin(t *testing.T) {
	r := newRecorder()
	s := &cellSink{publish: r.publish, silent: true, flushInterval: time.Hour, flushBytes: 64, maxBytes: 1 << 20}
	s.Stream("stdout", "hidden")
	s.Display(cell.Display{Data: cell.MIMEBundle{"text/plain": "x"}})
	s.ClearOutput(false)
	if _, err := s.Input(context.Background(), "? ", false); !errors.Is(err, cell.ErrNoStdin) {
		t.Errorf("Input without stdin: %v, want ErrNoStdin", err)
	}
	s.close()
	if n := len(r.all()); n != 0 {
		t.Fatalf("silent sink published %d messages", n)
	}

	s = newTestSink(r)
	var asked string
	s.input = func(_ context.Context, prompt string, _ bool) (string, error) {
		asked = prompt
		// The output before the prompt has reached the front end.
		if len(r.all()) != 1 {
			return "", errors.New("pending output not flushed before input_request")
		}
		return "gopher", nil
	}
	s.Stream("stdout", "before ")
	v, err := s.Input(context.Background(), "name: ", false)
	if err != nil || v != "gopher" || asked != "name: " {
		t.Fatalf("Input = %q, %v (prompt %q)", v, err, asked)
	}
}

func TestIncompleteTail(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0}, {"abc", 0}, {"é", 0}, {"\xc3", 1}, {"a\xe2\x82", 2}, {"\xf0\x9f\x98", 3}, {"😀", 0},
		{"\x80\x80", 0}, // stray continuation bytes are not held back
	}
	for _, tt := range tests {
		if got := incompleteTail([]byte(tt.in)); got != tt.want {
			t.Errorf("incompleteTail(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
