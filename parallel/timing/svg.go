package timing

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"

	"github.com/gopar/gopar/parallel/timing/internal/timeunit"
)

// Charts are drawn as SVG by hand: a few lines, points and labels do not
// need a plotting library, and keeping one out of this package keeps
// programs that time things quick to build (plots of results with gonum
// are in package timingplot).

// Colors of the charts' series.
const (
	colorMeasured = "#1f77b4"
	colorFit      = "#d62728"
	colorIdeal    = "#7f7f7f"
	colorGrid     = "#e5e5e5"
	colorShade    = "#f2f2f2"
)

// svgDoc builds one SVG image.
type svgDoc struct {
	b    strings.Builder
	w, h float64
}

func newSVG(w, h float64) *svgDoc {
	d := &svgDoc{w: w, h: h}
	fmt.Fprintf(&d.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="11">`, w, h, w, h)
	fmt.Fprintf(&d.b, `<rect width="%g" height="%g" fill="white"/>`, w, h)
	return d
}

func (d *svgDoc) String() string { return d.b.String() + "</svg>" }

func num(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

func (d *svgDoc) line(x1, y1, x2, y2 float64, stroke string, width float64, dash string) {
	fmt.Fprintf(&d.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%g"%s/>`,
		num(x1), num(y1), num(x2), num(y2), stroke, width, dashAttr(dash))
}

func (d *svgDoc) polyline(xs, ys []float64, stroke string, width float64, dash string) {
	var pts strings.Builder
	for i := range xs {
		fmt.Fprintf(&pts, "%s,%s ", num(xs[i]), num(ys[i]))
	}
	fmt.Fprintf(&d.b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="%g"%s/>`,
		strings.TrimSpace(pts.String()), stroke, width, dashAttr(dash))
}

func (d *svgDoc) circle(x, y, r float64, fill string) {
	fmt.Fprintf(&d.b, `<circle cx="%s" cy="%s" r="%g" fill="%s"/>`, num(x), num(y), r, fill)
}

func (d *svgDoc) rect(x, y, w, h float64, fill string) {
	fmt.Fprintf(&d.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(x), num(y), num(w), num(h), fill)
}

// text writes s at x, y; anchor is start, middle or end.
func (d *svgDoc) text(x, y float64, anchor, s string, attrs ...string) {
	fmt.Fprintf(&d.b, `<text x="%s" y="%s" text-anchor="%s"%s>%s</text>`, num(x), num(y), anchor, strings.Join(attrs, ""), html.EscapeString(s))
}

func dashAttr(dash string) string {
	if dash == "" {
		return ""
	}
	return ` stroke-dasharray="` + dash + `"`
}

// A frame is a panel's data area: pixels left, top, right, bottom, and
// the data ranges they show.
type frame struct {
	left, top, right, bottom float64
	xmin, xmax, ymin, ymax   float64
}

func (f frame) x(v float64) float64 {
	return f.left + (v-f.xmin)/(f.xmax-f.xmin)*(f.right-f.left)
}

func (f frame) y(v float64) float64 {
	return f.bottom - (v-f.ymin)/(f.ymax-f.ymin)*(f.bottom-f.top)
}

// axes draws the frame's grid, ticks and labels; xfmt and yfmt write
// tick values.
func (d *svgDoc) axes(f frame, title, xlabel, ylabel string, xticks, yticks []float64, xfmt, yfmt func(float64) string) {
	for _, t := range yticks {
		d.line(f.left, f.y(t), f.right, f.y(t), colorGrid, 1, "")
		d.text(f.left-4, f.y(t)+4, "end", yfmt(t))
	}
	for _, t := range xticks {
		d.line(f.x(t), f.top, f.x(t), f.bottom, colorGrid, 1, "")
		d.text(f.x(t), f.bottom+14, "middle", xfmt(t))
	}
	d.line(f.left, f.bottom, f.right, f.bottom, "black", 1, "")
	d.line(f.left, f.top, f.left, f.bottom, "black", 1, "")
	d.text((f.left+f.right)/2, f.top-8, "middle", title, ` font-size="13"`)
	d.text((f.left+f.right)/2, f.bottom+30, "middle", xlabel)
	cy := (f.top + f.bottom) / 2
	d.text(f.left-38, cy, "middle", ylabel, fmt.Sprintf(` transform="rotate(-90 %s %s)"`, num(f.left-38), num(cy)))
}

// legend writes entries (color, dash, label) from x, y downwards.
func (d *svgDoc) legend(x, y float64, entries [][3]string) {
	for i, e := range entries {
		yy := y + float64(i)*14
		d.line(x, yy-4, x+18, yy-4, e[0], 2, e[1])
		d.text(x+22, yy, "start", e[2])
	}
}

// ticks returns round values spanning about lo to hi, at most n+1 of
// them: steps of 1, 2 or 5 times a power of ten.
func ticks(lo, hi float64, n int) []float64 {
	if !(hi > lo) {
		return []float64{lo}
	}
	raw := (hi - lo) / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := p
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			step = m * p
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// workerTicks are the x ticks for worker counts: whole numbers only.
func workerTicks(max float64) []float64 {
	t := ticks(0, max, 6)
	out := t[:0]
	for _, v := range t {
		if v == math.Trunc(v) {
			out = append(out, v)
		}
	}
	return out
}

func intLabel(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// chartSVG draws a sweep: speedup against workers, with the ideal line
// and the fitted Amdahl curve, beside time against workers.
func (r *SweepResult) chartSVG() string {
	const w, h = 720, 290
	d := newSVG(w, h)
	if len(r.Rows) == 0 {
		d.text(w/2, h/2, "middle", "nothing measured")
		return d.String()
	}
	maxW := 1.0
	for _, row := range r.Rows {
		maxW = math.Max(maxW, float64(row.Workers))
	}
	xmax := maxW * 1.05
	fitted := r.FitErr == nil

	// Speedup.
	maxS := maxW
	for _, row := range r.Rows {
		if s := r.baseSeconds() / row.Min.Seconds(); finite(s) {
			maxS = math.Max(maxS, s)
		}
	}
	sp := frame{left: 55, top: 28, right: 340, bottom: 240, xmin: 0, xmax: xmax, ymin: 0, ymax: maxS * 1.08}
	if float64(r.Cores) < maxW {
		d.rect(sp.x(float64(r.Cores)), sp.top, sp.right-sp.x(float64(r.Cores)), sp.bottom-sp.top, colorShade)
		d.text(sp.right-4, sp.bottom-6, "end", "more workers than cores", ` fill="#999"`)
	}
	d.axes(sp, "Speedup", "workers", "speedup over 1 worker", workerTicks(xmax), ticks(0, sp.ymax, 5), intLabel, intLabel)
	d.line(sp.x(1), sp.y(1), sp.x(maxW), sp.y(maxW), colorIdeal, 1.5, "5,4")
	if fitted {
		xs, ys := sample(1, maxW, func(n float64) (float64, float64) { return sp.x(n), sp.y(r.Fit.Speedup(n)) })
		d.polyline(xs, ys, colorFit, 1.5, "")
	}
	base := r.baseSeconds()
	var mx, my []float64
	for _, row := range r.Rows {
		if !finite(row.Speedup) || !finite(base/row.Min.Seconds()) {
			continue // a run too short for the clock to see
		}
		x := sp.x(float64(row.Workers))
		d.line(x, sp.y(base/row.Max.Seconds()), x, sp.y(base/row.Min.Seconds()), colorMeasured, 1, "")
		mx, my = append(mx, x), append(my, sp.y(row.Speedup))
	}
	d.polyline(mx, my, colorMeasured, 2, "")
	for i := range mx {
		d.circle(mx[i], my[i], 3.5, colorMeasured)
	}
	entries := [][3]string{{colorMeasured, "", "measured (median, min–max)"}, {colorIdeal, "5,4", "ideal: n workers, n×"}}
	if fitted {
		entries = append(entries, [3]string{colorFit, "", fmt.Sprintf("Amdahl, serial fraction %.3f", r.Fit.Serial)})
	}
	d.legend(sp.left+8, sp.top+14, entries)

	// Time.
	maxT := 1e-9 // an axis however short the runs
	for _, row := range r.Rows {
		maxT = math.Max(maxT, row.Max.Seconds())
	}
	unit, scale := timeunit.For(maxT)
	tf := frame{left: 420, top: 28, right: 705, bottom: 240, xmin: 0, xmax: xmax, ymin: 0, ymax: maxT * 1.08 * scale}
	d.axes(tf, "Time", "workers", "wall-clock time ("+unit+")", workerTicks(xmax), ticks(0, tf.ymax, 5), intLabel, intLabel)
	if fitted {
		xs, ys := sample(1, maxW, func(n float64) (float64, float64) { return tf.x(n), tf.y(r.Fit.Time(n).Seconds() * scale) })
		d.polyline(xs, ys, colorFit, 1.5, "")
	}
	mx, my = mx[:0], my[:0]
	for _, row := range r.Rows {
		x := tf.x(float64(row.Workers))
		d.line(x, tf.y(row.Min.Seconds()*scale), x, tf.y(row.Max.Seconds()*scale), colorMeasured, 1, "")
		mx, my = append(mx, x), append(my, tf.y(row.Median.Seconds()*scale))
	}
	d.polyline(mx, my, colorMeasured, 2, "")
	for i := range mx {
		d.circle(mx[i], my[i], 3.5, colorMeasured)
	}
	return d.String()
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// sample evaluates f at 60 points from lo to hi.
func sample(lo, hi float64, f func(float64) (float64, float64)) (xs, ys []float64) {
	const n = 60
	for i := range n + 1 {
		x, y := f(lo + (hi-lo)*float64(i)/n)
		xs, ys = append(xs, x), append(ys, y)
	}
	return xs, ys
}
