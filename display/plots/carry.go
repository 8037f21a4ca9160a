package plots

import (
	"image"
	"image/color"

	"github.com/gopar/gopar/internal/carry"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg/draw"
)

// Plots keep their text handler's font cache, gonum's default one, which
// holds parsed fonts (and functions): every program has its own, so a
// carried plot points to the loading program's. The types below are what
// a plot holds in interfaces, which a loading program rebuilds by name.
func init() {
	carry.RegisterGlobal("gonum.org/v1/plot/font.DefaultCache", font.DefaultCache)
	for _, v := range []any{
		// text.Handler
		text.Plain{}, text.Latex{},
		// plot.Ticker, plot.Normalizer
		plot.DefaultTicks{}, plot.LogTicks{}, plot.ConstantTicks{}, plot.TimeTicks{},
		plot.LinearScale{}, plot.LogScale{}, plot.InvertedScale{},
		// plot.Plotter, plot.Thumbnailer and the data they hold
		plotter.BarChart{}, plotter.BoxPlot{}, plotter.ColorBar{}, plotter.Contour{},
		plotter.YErrorBars{}, plotter.XErrorBars{}, plotter.Field{}, plotter.Function{},
		plotter.GlyphBoxes{}, plotter.Grid{}, plotter.HeatMap{}, plotter.Histogram{},
		plotter.Image{}, plotter.Labels{}, plotter.Line{}, plotter.Polygon{},
		plotter.QuartPlot{}, plotter.Sankey{}, plotter.Scatter{},
		plotter.Values{}, plotter.XYs{}, plotter.XYZs{}, plotter.XYValues{},
		plotter.XValues{}, plotter.YValues{}, plotter.XYLabels{}, plotter.Errors{},
		plotter.ValueLabels{},
		// draw.GlyphDrawer
		draw.CircleGlyph{}, draw.RingGlyph{}, draw.SquareGlyph{}, draw.BoxGlyph{},
		draw.TriangleGlyph{}, draw.PyramidGlyph{}, draw.PlusGlyph{}, draw.CrossGlyph{},
		// color.Color, image.Image (plotter.Image)
		color.RGBA{}, color.RGBA64{}, color.NRGBA{}, color.NRGBA64{}, color.Alpha{},
		color.Alpha16{}, color.Gray{}, color.Gray16{}, color.CMYK{}, color.YCbCr{},
		color.NYCbCrA{},
		image.RGBA{}, image.NRGBA{}, image.Gray{}, image.Gray16{}, image.RGBA64{},
		image.NRGBA64{}, image.Paletted{}, image.Uniform{},
	} {
		carry.Register(v)
	}
}
