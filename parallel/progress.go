package parallel

import (
	"fmt"
	"html"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gopar/gopar/internal/notebook"
)

// progressState is one snapshot of a call.
type progressState struct {
	done    int64
	total   int64 // -1 when unknown (a sequence)
	elapsed time.Duration
	final   bool
	outcome string // on the final state: "" for success, else why it stopped
}

func (s progressState) rate() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.done) / s.elapsed.Seconds()
}

// eta is the estimated time left, or -1 when it cannot be estimated.
func (s progressState) eta() time.Duration {
	r := s.rate()
	if s.total < 0 || r == 0 {
		return -1
	}
	return time.Duration(float64(s.total-s.done) / r * float64(time.Second))
}

// counts is "37/100", or "37" when the total is unknown and the call runs.
func (s progressState) counts() string {
	if s.total < 0 {
		if s.final {
			return fmt.Sprintf("%d/%d", s.done, s.done)
		}
		return fmt.Sprintf("%d", s.done)
	}
	return fmt.Sprintf("%d/%d", s.done, s.total)
}

// fraction is the part done in [0, 1], or -1 when unknown.
func (s progressState) fraction() float64 {
	switch {
	case s.total == 0:
		return 1
	case s.total < 0:
		if s.final {
			return 1
		}
		return -1
	}
	return float64(s.done) / float64(s.total)
}

// status is the text after the bar: rate and ETA, or the outcome.
func (s progressState) status() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s it/s", formatRate(s.rate()))
	switch {
	case s.final && s.outcome != "":
		fmt.Fprintf(&b, ", stopped: %s", s.outcome)
	case s.final:
		fmt.Fprintf(&b, ", %s", formatDuration(s.elapsed))
	default:
		if eta := s.eta(); eta >= 0 {
			fmt.Fprintf(&b, ", ETA %s", formatDuration(eta))
		}
	}
	return b.String()
}

func formatRate(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	case r >= 10:
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.2f", r)
}

func formatDuration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// A progressView shows states; show is never called concurrently.
type progressView interface {
	show(s progressState)
}

// textView draws a bar on one line of a terminal or writer.
type textView struct {
	w    io.Writer
	last int // length of the last line, to blank leftovers
}

const barWidth = 30

func (v *textView) show(s progressState) {
	var b strings.Builder
	b.WriteString("\r")
	if f := s.fraction(); f >= 0 {
		n := int(f * barWidth)
		fmt.Fprintf(&b, "[%s%s] %3.0f%% ", strings.Repeat("#", n), strings.Repeat(".", barWidth-n), f*100)
	}
	fmt.Fprintf(&b, "%s | %s", s.counts(), s.status())
	line := b.String()
	if pad := v.last - len(line); pad > 0 {
		line += strings.Repeat(" ", pad)
	}
	v.last = len(line)
	if s.final {
		line += "\n"
	}
	// A progress bar must never fail the call it reports on.
	_, _ = io.WriteString(v.w, line)
}

// htmlView updates one display block of a notebook in place.
type htmlView struct {
	id     string
	update func(id, html string)
}

func (v *htmlView) show(s progressState) {
	var bar string
	if f := s.fraction(); f >= 0 {
		bar = fmt.Sprintf(`<progress value="%d" max="%d" style="width:24em;vertical-align:middle"></progress> %3.0f%% `,
			s.done, max(s.total, s.done), f*100)
	}
	text := html.EscapeString(s.counts() + " | " + s.status())
	v.update(v.id, fmt.Sprintf(`<div style="font-family:monospace">%s%s</div>`, bar, text))
}

// progress redraws a view from a counter on a ticker until stopped.
type progress struct {
	view   progressView
	count  *atomic.Int64
	total  int64
	start  time.Time
	quit   chan struct{}
	exited chan struct{}
}

func startProgress(cfg *config, count *atomic.Int64, total int) *progress {
	var view progressView
	nb := notebook.Current()
	switch {
	case cfg.progOut != nil:
		view = &textView{w: cfg.progOut}
	case nb != nil:
		view = &htmlView{id: "parallel-progress-" + nb.UniqueID(), update: nb.UpdateHTML}
	default:
		view = &textView{w: os.Stderr}
	}
	p := &progress{
		view:   view,
		count:  count,
		total:  int64(total),
		start:  time.Now(),
		quit:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	p.view.show(p.state())
	go p.loop(cfg.progTick)
	return p
}

func (p *progress) state() progressState {
	return progressState{done: p.count.Load(), total: p.total, elapsed: time.Since(p.start)}
}

func (p *progress) loop(every time.Duration) {
	defer close(p.exited)
	t := time.NewTicker(every)
	defer t.Stop()
	last := int64(-1)
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			s := p.state()
			if s.done != last {
				p.view.show(s)
				last = s.done
			}
		}
	}
}

// stop ends the ticker and draws the exact final state.
func (p *progress) stop(outcome string) {
	close(p.quit)
	<-p.exited
	s := p.state()
	s.final = true
	s.outcome = outcome
	p.view.show(s)
}
