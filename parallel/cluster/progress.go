package cluster

import (
	"fmt"
	"html"
	"io"
	"os"
	"time"

	"github.com/gopar/gopar/internal/notebook"
)

// progress shows a job's state and the items its workers processed: one
// block updated in place in a notebook, a line per change elsewhere.
type progress struct {
	what  string
	total int
	start time.Time
	show  func(text string)
	last  string
	done  bool
}

func startProgress(cfg *config, what string, total int) *progress {
	p := &progress{what: what, total: total, start: time.Now()}
	nb := notebook.Current()
	switch {
	case cfg.progOut != nil:
		p.show = textLines(cfg.progOut)
	case nb != nil:
		id := "cluster-progress-" + nb.UniqueID()
		p.show = func(text string) {
			nb.UpdateHTML(id, `<div style="font-family:monospace">`+html.EscapeString(text)+`</div>`)
		}
	default:
		p.show = textLines(os.Stderr)
	}
	p.update("SUBMITTED", 0)
	return p
}

func textLines(w io.Writer) func(string) {
	return func(text string) {
		// Progress must never fail the call it reports on.
		_, _ = fmt.Fprintln(w, text)
	}
}

func (p *progress) text(state string, processed int64) string {
	count := "?"
	if processed >= 0 {
		count = fmt.Sprint(processed)
	}
	return fmt.Sprintf("cluster.%s: job %s, %s/%d items processed", p.what, state, count, p.total)
}

// update shows the state when it changed.
func (p *progress) update(state string, processed int64) {
	if p.done {
		return
	}
	t := p.text(state, processed)
	if t != p.last {
		p.last = t
		p.show(t)
	}
}

// final shows the last state with the time the job took.
func (p *progress) final(state string, processed int64) {
	if p.done {
		return
	}
	p.done = true
	p.show(fmt.Sprintf("%s in %v", p.text(state, processed), time.Since(p.start).Round(time.Millisecond)))
}

// stop ends the display when the job did not reach a final state.
func (p *progress) stop() {
	if !p.done && p.last != "" {
		p.final("STOPPED", -1)
	}
}
