// Package timingplot draws the results of package timing as gonum plots
// (gonum.org/v1/plot), to adjust, save or combine with other plots; a plot
// that is a cell's value shows as an image (see package display/plots).
//
//	r := timing.Sweep(work)
//	timingplot.Sweep(r)          // speedup and time side by side
//	p := timingplot.Speedup(r)   // one of them, to change
//	p.Title.Text = "Monte Carlo π"
//	timingplot.Amdahl(64, 0.01, 0.05, 0.1, 0.25) // Amdahl's law, for teaching
//
// Results show as tables and charts without this package; it is separate
// so that programs that only time things do not link a plotting library.
package timingplot

import (
	"fmt"
	"image/color"
	"math"

	"github.com/gopar/gopar/display/plots"
	"github.com/gopar/gopar/parallel/timing"
	"github.com/gopar/gopar/parallel/timing/internal/timeunit"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colors of the series, the same as the charts of package timing.
var (
	measuredColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	fitColor      = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	idealColor    = color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}
	shadeColor    = color.RGBA{R: 0xf0, G: 0xf0, B: 0xf0, A: 0xff}
)

var dashed = []vg.Length{vg.Points(5), vg.Points(4)}

// Sweep shows a sweep's speedup and time plots side by side.
func Sweep(r *timing.SweepResult) plots.Image {
	return plots.Grid(2, Speedup(r), Times(r))
}

// Speedup plots a sweep's measured speedup against workers (medians, with
// bars from the slowest to the fastest run), the ideal line of n× on n
// workers and, when there is a fit, Amdahl's law fitted to the times.
// Counts above the number of cores are shaded.
func Speedup(r *timing.SweepResult) *plot.Plot {
	p := newPlot("Speedup", "workers", "speedup over 1 worker")
	maxW := maxWorkers(r)
	if float64(r.Cores) < maxW {
		shade(p, float64(r.Cores), maxW, 0, maxW)
	}
	ideal := line(plotter.XYs{{X: 1, Y: 1}, {X: maxW, Y: maxW}}, idealColor, dashed)
	p.Add(ideal)
	p.Legend.Add("ideal", ideal)
	if r.FitErr == nil {
		fit := curve(1, maxW, r.Fit.Speedup, fitColor)
		p.Add(fit)
		p.Legend.Add(fmt.Sprintf("Amdahl, serial fraction %.3f", r.Fit.Serial), fit)
	}
	var pts errorXYs
	for _, row := range r.Rows {
		if math.IsNaN(row.Speedup) {
			continue
		}
		base := row.Speedup * row.Median.Seconds()
		pts = append(pts, errorXY{
			XY:   plotter.XY{X: float64(row.Workers), Y: row.Speedup},
			low:  row.Speedup - base/row.Max.Seconds(),
			high: base/row.Min.Seconds() - row.Speedup,
		})
	}
	addMeasured(p, pts, "measured")
	// Below the curves, out of their way.
	p.Legend.Top, p.Legend.Left = false, false
	p.X.Min, p.Y.Min = 0, 0
	return p
}

// Times plots a sweep's times against workers: medians with bars from the
// fastest to the slowest run, and the times Amdahl's fit predicts.
func Times(r *timing.SweepResult) *plot.Plot {
	maxT := 0.0
	for _, row := range r.Rows {
		maxT = math.Max(maxT, row.Max.Seconds())
	}
	unit, scale := timeunit.For(maxT)
	p := newPlot("Time", "workers", "wall-clock time ("+unit+")")
	if r.FitErr == nil {
		fit := curve(1, maxWorkers(r), func(n float64) float64 { return r.Fit.Time(n).Seconds() * scale }, fitColor)
		p.Add(fit)
		p.Legend.Add("Amdahl fit", fit)
	}
	var pts errorXYs
	for _, row := range r.Rows {
		m := row.Median.Seconds() * scale
		pts = append(pts, errorXY{
			XY:   plotter.XY{X: float64(row.Workers), Y: m},
			low:  m - row.Min.Seconds()*scale,
			high: row.Max.Seconds()*scale - m,
		})
	}
	addMeasured(p, pts, "median")
	p.Legend.Left = false
	p.X.Min, p.Y.Min = 0, 0
	return p
}

// Compare plots a comparison as bars of median time, one per function,
// labelled with how many times faster than the first it is.
func Compare(c *timing.Comparison) *plot.Plot {
	maxT := 0.0
	for _, e := range c.Entries {
		maxT = math.Max(maxT, e.Max.Seconds())
	}
	unit, scale := timeunit.For(maxT)
	p := newPlot("Time per run", "wall-clock time ("+unit+")", "")
	p.Legend = plot.NewLegend() // nothing to explain
	values := make(plotter.Values, len(c.Entries))
	names := make([]string, len(c.Entries))
	var labels plotter.XYLabels
	var whiskers errorXYs
	for i, e := range c.Entries {
		// Nominal axes count from the bottom; the first function goes
		// on top, as in the table.
		y := float64(len(c.Entries) - 1 - i)
		values[len(c.Entries)-1-i] = e.Median.Seconds() * scale
		names[len(c.Entries)-1-i] = e.Name
		label := fmt.Sprintf("%.2f× faster", e.Ratio)
		switch {
		case i == 0:
			label = "baseline"
		case e.Ratio < 1:
			label = fmt.Sprintf("%.2f× slower", 1/e.Ratio)
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: e.Max.Seconds() * scale, Y: y})
		labels.Labels = append(labels.Labels, label)
		m := e.Median.Seconds() * scale
		whiskers = append(whiskers, errorXY{XY: plotter.XY{X: m, Y: y}, low: m - e.Min.Seconds()*scale, high: e.Max.Seconds()*scale - m})
	}
	bars, err := plotter.NewBarChart(values, vg.Points(18))
	if err != nil {
		return failed(p, err)
	}
	bars.Horizontal = true
	bars.Color = measuredColor
	bars.LineStyle.Width = 0
	p.Add(bars)
	if len(whiskers) > 0 {
		xerr, err := plotter.NewXErrorBars(whiskers)
		if err != nil {
			return failed(p, err)
		}
		p.Add(xerr)
		lab, err := plotter.NewLabels(labels)
		if err != nil {
			return failed(p, err)
		}
		lab.Offset = vg.Point{X: vg.Points(5), Y: -vg.Points(4)}
		p.Add(lab)
	}
	p.NominalY(names...)
	// Half a bar's slot around the outer bars, which otherwise sit on
	// the plot's edges.
	p.Y.Min, p.Y.Max = -0.6, float64(len(c.Entries))-0.4
	p.X.Min = 0
	p.X.Max = maxT * scale * 1.35 // room for the labels
	return p
}

// Amdahl plots Amdahl's law: the speedup on 1 to maxWorkers workers for
// each serial fraction given, beside the ideal n×. However many workers,
// a fraction s keeps the speedup below 1/s.
func Amdahl(maxWorkers int, serial ...float64) *plot.Plot {
	p := newPlot("Amdahl's law", "workers", "speedup")
	maxW := float64(max(maxWorkers, 2))
	ideal := line(plotter.XYs{{X: 1, Y: 1}, {X: maxW, Y: maxW}}, idealColor, dashed)
	p.Add(ideal)
	p.Legend.Add("ideal", ideal)
	for i, s := range serial {
		c := curve(1, maxW, func(n float64) float64 { return timing.Amdahl(s, n) }, palette[i%len(palette)])
		p.Add(c)
		p.Legend.Add(fmt.Sprintf("serial %g%% (limit %.4g×)", s*100, 1/s), c)
	}
	p.X.Min, p.Y.Min = 0, 0
	return p
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return p
}

// failed titles p with the error that kept it from being drawn.
func failed(p *plot.Plot, err error) *plot.Plot {
	p.Title.Text += " (" + err.Error() + ")"
	return p
}

func maxWorkers(r *timing.SweepResult) float64 {
	m := 1.0
	for _, row := range r.Rows {
		m = math.Max(m, float64(row.Workers))
	}
	return m
}

func line(xys plotter.XYs, c color.Color, dashes []vg.Length) *plotter.Line {
	l := &plotter.Line{XYs: xys, LineStyle: plotter.DefaultLineStyle}
	l.LineStyle.Color = c
	l.LineStyle.Width = vg.Points(1.5)
	l.LineStyle.Dashes = dashes
	return l
}

// curve samples f from lo to hi as a line. It is not a plotter.Function,
// which holds f: a plot holding a function cannot be kept between cells.
func curve(lo, hi float64, f func(float64) float64, c color.Color) *plotter.Line {
	const n = 100
	xys := make(plotter.XYs, 0, n+1)
	for i := range n + 1 {
		x := lo + (hi-lo)*float64(i)/n
		xys = append(xys, plotter.XY{X: x, Y: f(x)})
	}
	return line(xys, c, nil)
}

// shade fills the rectangle from x0, y0 to x1, y1.
func shade(p *plot.Plot, x0, x1, y0, y1 float64) {
	poly, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
	if err != nil {
		return
	}
	poly.Color = shadeColor
	poly.LineStyle.Width = 0
	p.Add(poly)
}

// errorXY is a point with how far below and above it its runs went.
type errorXY struct {
	plotter.XY
	low, high float64
}

type errorXYs []errorXY

func (e errorXYs) Len() int                        { return len(e) }
func (e errorXYs) XY(i int) (float64, float64)     { return e[i].X, e[i].Y }
func (e errorXYs) YError(i int) (float64, float64) { return e[i].low, e[i].high }
func (e errorXYs) XError(i int) (float64, float64) { return e[i].low, e[i].high }

// addMeasured adds points joined by a line, with their error bars.
func addMeasured(p *plot.Plot, pts errorXYs, name string) {
	if len(pts) == 0 {
		return
	}
	xys := make(plotter.XYs, len(pts))
	for i, e := range pts {
		xys[i] = e.XY
	}
	l := line(xys, measuredColor, nil)
	l.LineStyle.Width = vg.Points(2)
	dots, err := plotter.NewScatter(xys)
	if err != nil {
		return
	}
	dots.GlyphStyle = draw.GlyphStyle{Color: measuredColor, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
	bars, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return
	}
	bars.LineStyle.Color = measuredColor
	p.Add(l, bars, dots)
	p.Legend.Add(name, l, dots)
}
