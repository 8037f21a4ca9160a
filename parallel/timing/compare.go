package timing

import (
	"fmt"
	"html"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gopar/gopar/parallel/timing/internal/timeunit"
)

// Compare times functions against each other: sequential against
// parallel, one algorithm against another. Its arguments are names and
// functions in turn, then options:
//
//	timing.Compare(
//		"sequential", func() { sequential(xs) },
//		"parallel", func() { parallel.Map(xs, f) },
//	)
//
// Each function gets one untimed warm-up run and three timed ones (see
// Warmup and Repeat), in the order given; the result reports the median,
// least and greatest time of each, and how many times faster than the
// first it is. As a cell's value it shows as a table and a bar chart.
// Arguments that are not names and functions in turn panic.
func Compare(args ...any) *Comparison {
	var (
		names []string
		funcs []func()
		opts  []Option
	)
	for i := 0; i < len(args); i++ {
		switch a := args[i].(type) {
		case string:
			if i+1 >= len(args) {
				panic(fmt.Sprintf("timing.Compare: %q has no function after it", a))
			}
			f, ok := args[i+1].(func())
			if !ok {
				panic(fmt.Sprintf("timing.Compare: after %q comes %T, want a func()", a, args[i+1]))
			}
			names, funcs = append(names, a), append(funcs, f)
			i++
		case Option:
			opts = append(opts, a)
		default:
			panic(fmt.Sprintf("timing.Compare: argument %d is %T, want a name (string), then a func()", i+1, a))
		}
	}
	if len(funcs) == 0 {
		panic("timing.Compare: no functions to compare")
	}
	cfg := configure("Compare", 'C', 3, 1, opts)
	c := &Comparison{Repeat: cfg.repeat, Warmup: cfg.warmup}
	s := begin(cfg, true)
	defer s.end()
	for i, f := range funcs {
		times, err := s.runs(f, cfg.warmup, cfg.repeat, func(run int) {
			s.show(c.progressHTML(fmt.Sprintf("timing %s: %s (%d of %d)", names[i], runName(run, cfg.repeat), i+1, len(funcs))))
		})
		if err != nil {
			c.Err = err
			break
		}
		row := newRow(0, times)
		c.Entries = append(c.Entries, Entry{Name: names[i], Times: times, Median: row.Median, Min: row.Min, Max: row.Max})
	}
	for i := range c.Entries {
		c.Entries[i].Ratio = c.Entries[0].Median.Seconds() / c.Entries[i].Median.Seconds()
	}
	if c.Err != nil {
		s.show(c.HTML())
	} else {
		s.show(fmt.Sprintf(`<div style="font-family:monospace">compared %s</div>`, plural(len(c.Entries), "function")))
	}
	return c
}

// A Comparison is what Compare measured. As a cell's value it shows as a
// table and a bar chart.
type Comparison struct {
	Entries []Entry // in the order given
	Repeat  int     // timed runs per function
	Warmup  int     // untimed runs before them
	// Err says why Compare stopped before timing every function
	// (ErrInterrupted, or the Context option's cause).
	Err error
}

// An Entry is one function's measurement.
type Entry struct {
	Name             string
	Times            []time.Duration // the timed runs, in order
	Median, Min, Max time.Duration
	// Ratio is the first function's median over this one's: how many
	// times faster this one is (2 means twice as fast).
	Ratio float64
}

// Ratio returns how many times faster the function called name is than
// the first one, NaN when there is none of that name.
func (c *Comparison) Ratio(name string) float64 {
	for _, e := range c.Entries {
		if e.Name == name {
			return e.Ratio
		}
	}
	return math.NaN()
}

func (c *Comparison) notes() []string {
	notes := []string{fmt.Sprintf("Wall-clock medians of %s each, after %s; ratios against %s.",
		plural(c.Repeat, "timed run"), plural(c.Warmup, "untimed warm-up"), c.first())}
	if c.Err != nil {
		notes = append(notes, fmt.Sprintf("Stopped after %s: %v.", plural(len(c.Entries), "function"), c.Err))
	}
	return notes
}

func (c *Comparison) first() string {
	if len(c.Entries) == 0 {
		return "the first"
	}
	return c.Entries[0].Name
}

func (c *Comparison) tableHTML() string {
	var b strings.Builder
	b.WriteString(`<table ` + tableStyle + `><thead><tr>`)
	for _, h := range []string{"", "median", "min", "max", "speedup vs " + c.first()} {
		b.WriteString(th(h))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for _, e := range c.Entries {
		b.WriteString(`<tr><td style="padding:2px 10px;text-align:left">` + html.EscapeString(e.Name) + `</td>` +
			td(duration(e.Median)) + td(duration(e.Min)) + td(duration(e.Max)) + td(ratio(e.Ratio)) + `</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	return b.String()
}

// Table returns the comparison's table and notes alone.
func (c *Comparison) Table() Table {
	return Table{html: c.tableHTML() + notesHTML(c.notes()), text: c.String()}
}

// Chart returns the comparison's bar chart alone.
func (c *Comparison) Chart() Chart { return Chart{c.chartSVG()} }

// HTML shows the table, its notes and the bar chart.
func (c *Comparison) HTML() string {
	return `<div style="display:flex;flex-wrap:wrap;gap:12px 24px;align-items:flex-start"><div>` +
		c.tableHTML() + notesHTML(c.notes()) + `</div>` + c.chartSVG() + `</div>`
}

// SVG returns the bar chart.
func (c *Comparison) SVG() string { return c.chartSVG() }

// String returns the table and notes as text.
func (c *Comparison) String() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\tmedian\tmin\tmax\tspeedup vs %s\t\n", c.first())
	for _, e := range c.Entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", e.Name, duration(e.Median), duration(e.Min), duration(e.Max), ratio(e.Ratio))
	}
	tw.Flush()
	return b.String() + strings.Join(c.notes(), "\n")
}

func (c *Comparison) progressHTML(status string) string {
	var b strings.Builder
	if len(c.Entries) > 0 {
		b.WriteString(c.tableHTML())
	}
	b.WriteString(`<div style="font-family:monospace;margin-top:4px">` + html.EscapeString(status) + `…</div>`)
	return b.String()
}

// chartSVG draws a bar per function: its median time, a whisker from
// least to greatest, and how it compares with the first.
func (c *Comparison) chartSVG() string {
	const w, barH, gap = 520.0, 22.0, 10.0
	h := 50 + float64(len(c.Entries))*(barH+gap) + 20
	d := newSVG(w, h)
	if len(c.Entries) == 0 {
		d.text(w/2, h/2, "middle", "nothing measured")
		return d.String()
	}
	maxT := 1e-9 // an axis however short the runs
	labelW := 0.0
	for _, e := range c.Entries {
		maxT = math.Max(maxT, e.Max.Seconds())
		labelW = math.Max(labelW, 6.5*float64(len([]rune(e.Name))))
	}
	labelW = math.Min(labelW+10, 160)
	unit, scale := timeunit.For(maxT)
	f := frame{left: labelW, top: 30, right: w - 70, bottom: h - 36, xmin: 0, xmax: maxT * scale * 1.05, ymin: 0, ymax: 1}
	d.axes(f, "Time per run", "wall-clock time ("+unit+")", "", ticks(0, f.xmax, 5), nil, intLabel, intLabel)
	for i, e := range c.Entries {
		y := f.top + gap/2 + float64(i)*(barH+gap)
		d.rect(f.x(0), y, f.x(e.Median.Seconds()*scale)-f.x(0), barH, colorMeasured)
		mid := y + barH/2
		d.line(f.x(e.Min.Seconds()*scale), mid, f.x(e.Max.Seconds()*scale), mid, "black", 1, "")
		d.text(f.left-6, mid+4, "end", e.Name)
		label := ratio(e.Ratio) + " faster"
		switch {
		case i == 0:
			label = "baseline"
		case e.Ratio < 1:
			label = ratio(1/e.Ratio) + " slower"
		}
		d.text(f.x(e.Max.Seconds()*scale)+6, mid+4, "start", label)
	}
	return d.String()
}
