package jupyter

import (
	"context"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gopar/gopar/internal/cell"
)

// Defaults for stream coalescing; see Options.
const (
	DefaultStreamFlushInterval = 50 * time.Millisecond
	DefaultStreamFlushBytes    = 64 << 10
	DefaultMaxStreamBytes      = 2 << 20
)

// publishFunc sends one iopub message whose parent is the running request.
type publishFunc func(msgType string, content map[string]any)

// inputFunc asks the front end for a line of input.
type inputFunc func(ctx context.Context, prompt string, password bool) (string, error)

// cellSink is the cell.Sink of one execute_request. Stream text is
// coalesced: it is held until flushInterval has passed, the buffer holds
// flushBytes, the stream name changes, or anything else is sent, so the
// front end gets few large stream messages in the order the cell produced
// its output. At most maxBytes of stream text per cell are sent; the rest
// is counted and reported in one note when the cell ends, so a cell that
// prints without end cannot flood the kernel or the front end.
type cellSink struct {
	publish       publishFunc
	input         inputFunc // nil when the request does not allow stdin
	silent        bool
	flushInterval time.Duration
	flushBytes    int
	maxBytes      int64

	mu       sync.Mutex
	name     string // stream the buffer belongs to
	buf      []byte
	timer    *time.Timer
	accepted int64 // stream bytes sent or buffered
	dropped  int64 // stream bytes over maxBytes
	endsInNL bool  // the last text sent ended a line
	sentAny  bool
	closed   bool
}

var _ cell.InputSink = (*cellSink)(nil)

// Stream implements cell.Sink.
func (s *cellSink) Stream(name, text string) {
	if text == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.silent || s.closed {
		return
	}
	if room := s.maxBytes - s.accepted; int64(len(text)) > room {
		cut := max(room, 0)
		// Cut on a rune boundary so the kept text stays valid UTF-8.
		for cut > 0 && cut < int64(len(text)) && !utf8.RuneStart(text[cut]) {
			cut--
		}
		s.dropped += int64(len(text)) - cut
		text = text[:cut]
		if text == "" {
			return
		}
	}
	s.accepted += int64(len(text))
	if name != s.name && len(s.buf) > 0 {
		s.flushLocked(true)
	}
	s.name = name
	s.buf = append(s.buf, text...)
	if len(s.buf) >= s.flushBytes {
		s.flushLocked(false)
	}
	if len(s.buf) > 0 && s.timer == nil {
		s.timer = time.AfterFunc(s.flushInterval, s.timedFlush)
	}
}

func (s *cellSink) timedFlush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer = nil
	if !s.closed {
		s.flushLocked(false)
	}
}

// flushLocked sends the buffered stream text. Unless all is set, an
// incomplete UTF-8 sequence at the end is kept for the next flush, since
// the engine may split its output anywhere.
func (s *cellSink) flushLocked(all bool) {
	n := len(s.buf)
	if !all {
		n -= incompleteTail(s.buf)
	}
	if n <= 0 {
		return
	}
	text := string(s.buf[:n])
	s.buf = append(s.buf[:0], s.buf[n:]...)
	s.publish("stream", map[string]any{"name": s.name, "text": text})
	s.sentAny = true
	s.endsInNL = text[len(text)-1] == '\n'
	if len(s.buf) == 0 && s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}

// incompleteTail returns how many bytes at the end of b are the start of a
// UTF-8 sequence that is not complete yet.
func incompleteTail(b []byte) int {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			return 0 // ASCII: nothing pending
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-i:]) {
				return 0
			}
			return i
		}
	}
	return 0
}

// Display implements cell.Sink.
func (s *cellSink) Display(d cell.Display) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.silent || s.closed {
		return
	}
	s.flushLocked(true)
	msgType := "display_data"
	if d.Update && d.DisplayID != "" {
		msgType = "update_display_data"
	}
	s.publish(msgType, displayContent(d))
}

// displayContent is the content of display_data, update_display_data and
// (with execution_count added) execute_result.
func displayContent(d cell.Display) map[string]any {
	data := map[string]any(d.Data)
	if data == nil {
		data = map[string]any{}
	}
	md := d.Metadata
	if md == nil {
		md = map[string]any{}
	}
	c := map[string]any{"data": data, "metadata": md}
	if d.DisplayID != "" {
		c["transient"] = map[string]any{"display_id": d.DisplayID}
	}
	return c
}

// ClearOutput implements cell.Sink.
func (s *cellSink) ClearOutput(wait bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.silent || s.closed {
		return
	}
	s.flushLocked(true)
	s.publish("clear_output", map[string]any{"wait": wait})
}

// Input implements cell.Sink.
func (s *cellSink) Input(ctx context.Context, prompt string, password bool) (string, error) {
	if s.input == nil {
		return "", cell.ErrNoStdin
	}
	// The prompt must come after what the cell printed before asking.
	s.mu.Lock()
	if !s.closed {
		s.flushLocked(true)
	}
	s.mu.Unlock()
	return s.input(ctx, prompt, password)
}

// close sends what is buffered and, if output was cut, the note saying how
// much. Later calls on the sink are ignored: the cell has ended.
func (s *cellSink) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.flushLocked(true)
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.dropped > 0 {
		note := fmt.Sprintf("[output truncated: %d more bytes]\n", s.dropped)
		if s.sentAny && !s.endsInNL {
			note = "\n" + note
		}
		s.publish("stream", map[string]any{"name": "stderr", "text": note})
	}
	s.closed = true
}
