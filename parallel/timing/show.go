package timing

import (
	"fmt"
	"html"
	"strings"
	"text/tabwriter"
)

// Marks on rows whose numbers need a second look.
const (
	markAboveCores  = "†"
	markSuperlinear = "‡"
)

// tableStyle keeps tables compact and numbers aligned in every front end.
const tableStyle = `style="border-collapse:collapse;font-variant-numeric:tabular-nums"`

func th(s string) string {
	return `<th style="padding:2px 10px;text-align:right;border-bottom:1px solid #999">` + html.EscapeString(s) + `</th>`
}

func td(s string) string {
	return `<td style="padding:2px 10px;text-align:right">` + html.EscapeString(s) + `</td>`
}

// A Table is a result's table alone: as a cell's value it shows as HTML.
type Table struct {
	html, text string
}

// HTML returns the table as HTML.
func (t Table) HTML() string { return t.html }

// String returns the table as text.
func (t Table) String() string { return t.text }

// A Chart is a result's chart alone: as a cell's value it shows as SVG.
type Chart struct{ svg string }

// SVG returns the chart as an SVG document.
func (c Chart) SVG() string { return c.svg }

// String says what the chart is, for the text form of a cell's result.
func (c Chart) String() string { return "timing chart (SVG)" }

// rowMarks are the marks a row carries after its worker count and its
// speedup.
func (r *SweepResult) rowMarks(row Row) (workers, speedup string) {
	if r.aboveCores(row) {
		workers = markAboveCores
	}
	if superlinear(row) {
		speedup = markSuperlinear
	}
	return workers, speedup
}

// notes are the sentences under a sweep's table: how it was measured, the
// fit, what the marks mean, and why it stopped early.
func (r *SweepResult) notes() []string {
	notes := []string{fmt.Sprintf("Wall-clock medians of %s per worker count, after %s; %s.",
		plural(r.Repeat, "timed run"), plural(r.Warmup, "untimed warm-up"), plural(r.Cores, "core"))}
	switch {
	case r.FitErr == nil:
		notes = append(notes, "Amdahl's law fitted by least squares: "+r.Fit.String()+".")
	case len(r.Rows) < 3:
		// Not errors.Is: a result carried to a later cell keeps its
		// errors' messages, not their identity.
		notes = append(notes, fmt.Sprintf("No Amdahl fit: it needs times at 3 or more worker counts, and there are %d (Workers sets them).", len(r.Rows)))
	default:
		notes = append(notes, "No Amdahl fit: "+r.FitErr.Error()+".")
	}
	var above, super bool
	for _, row := range r.Rows {
		above = above || r.aboveCores(row)
		super = super || superlinear(row)
	}
	if above {
		notes = append(notes, fmt.Sprintf("%s More workers than the %s: only work that waits, rather than computes, can still speed up there. The fit includes these rows.", markAboveCores, plural(r.Cores, "core")))
	}
	if super {
		notes = append(notes, markSuperlinear+" Speedup above the worker count: more workers can bring more cache, but this is usually noise; time longer runs.")
	}
	if r.Err != nil {
		notes = append(notes, fmt.Sprintf("Stopped after %s: %v.", plural(len(r.Rows), "worker count"), r.Err))
	}
	return notes
}

// tableHTML is the sweep's rows as an HTML table.
func (r *SweepResult) tableHTML() string {
	var b strings.Builder
	b.WriteString(`<table ` + tableStyle + `><thead><tr>`)
	for _, h := range []string{"workers", "median", "min", "max", "speedup", "efficiency"} {
		b.WriteString(th(h))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for _, row := range r.Rows {
		wm, sm := r.rowMarks(row)
		b.WriteString("<tr>" + td(fmt.Sprint(row.Workers)+wm) + td(duration(row.Median)) + td(duration(row.Min)) +
			td(duration(row.Max)) + td(ratio(row.Speedup)+sm) + td(percent(row.Efficiency)) + "</tr>")
	}
	b.WriteString(`</tbody></table>`)
	return b.String()
}

func notesHTML(notes []string) string {
	var b strings.Builder
	for _, n := range notes {
		b.WriteString(`<div style="max-width:40em;margin-top:4px">` + html.EscapeString(n) + `</div>`)
	}
	return b.String()
}

// tableText is the sweep's rows as text, aligned.
func (r *SweepResult) tableText() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workers\tmedian\tmin\tmax\tspeedup\tefficiency\t")
	for _, row := range r.Rows {
		wm, sm := r.rowMarks(row)
		fmt.Fprintf(tw, "%d%s\t%s\t%s\t%s\t%s%s\t%s\t\n", row.Workers, wm, duration(row.Median), duration(row.Min),
			duration(row.Max), ratio(row.Speedup), sm, percent(row.Efficiency))
	}
	tw.Flush()
	return b.String()
}

// Table returns the sweep's table and notes alone.
func (r *SweepResult) Table() Table {
	return Table{html: r.tableHTML() + notesHTML(r.notes()), text: r.String()}
}

// Chart returns the sweep's chart alone: speedup against workers, with
// the ideal line and the fitted Amdahl curve, beside time against
// workers.
func (r *SweepResult) Chart() Chart { return Chart{r.chartSVG()} }

// HTML shows the table, its notes and the chart.
func (r *SweepResult) HTML() string {
	return `<div style="display:flex;flex-wrap:wrap;gap:12px 24px;align-items:flex-start"><div>` +
		r.tableHTML() + notesHTML(r.notes()) + `</div>` + r.chartSVG() + `</div>`
}

// SVG returns the chart, for front ends that show images rather than HTML.
func (r *SweepResult) SVG() string { return r.chartSVG() }

// String returns the table and notes as text.
func (r *SweepResult) String() string {
	return r.tableText() + strings.Join(r.notes(), "\n")
}

// progressHTML is what a running sweep shows: the rows so far and what it
// is timing now.
func (r *SweepResult) progressHTML(status string) string {
	var b strings.Builder
	if len(r.Rows) > 0 {
		b.WriteString(r.tableHTML())
	}
	b.WriteString(`<div style="font-family:monospace;margin-top:4px">` + html.EscapeString(status) + `…</div>`)
	return b.String()
}
