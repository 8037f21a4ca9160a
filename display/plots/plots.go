// Package plots shows gonum plots (gonum.org/v1/plot) in notebook cells
// and keeps them between cells.
//
// A *plot.Plot that is a cell's last expression, or is passed to
// display.Show, appears as a PNG image of DefaultWidth by DefaultHeight.
// Image shows a plot at another size or as SVG, and Grid shows several
// plots in one image, for before-and-after comparisons:
//
//	p := plot.New()
//	p.Title.Text = "squares"
//	line, _ := plotter.NewLine(plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 4}, {X: 3, Y: 9}})
//	p.Add(line)
//	p                // a PNG image
//	plots.SVG(p)     // the same plot as SVG
//	plots.Grid(2, before, after)
//
// The gopar kernel links this package into every program that imports
// gonum.org/v1/plot, so a plot shows as an image without naming it. A plot
// held in a variable is kept for later cells like any other value: the
// package registers gonum's default font cache and the types a plot holds
// in interfaces (plotters, tickers, colors, glyphs) with the kernel's
// variable codec.
package plots

import (
	"bytes"
	"fmt"
	"image/color"

	"github.com/gopar/gopar/kernel/cellrt"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The size plots show at, chosen to fill about the width of a notebook's
// output area: a PNG image is 96 pixels per inch.
const (
	DefaultWidth  = 16 * vg.Centimeter
	DefaultHeight = 10 * vg.Centimeter
)

// A Drawer draws onto a canvas, as *plot.Plot does.
type Drawer interface {
	Draw(draw.Canvas)
}

// An Image is a drawing to show as an image. As a cell's value, or passed
// to display.Show, it shows in its format.
type Image struct {
	Drawing Drawer // a *plot.Plot, or a Grid's drawing
	// Width and Height are the image's size; zero means DefaultWidth by
	// DefaultHeight.
	Width, Height vg.Length
	// Format is "png" (the default when empty) or "svg".
	Format string
}

// SVG shows a plot as an SVG image, which stays sharp when zoomed.
func SVG(p *plot.Plot) Image {
	return Image{Drawing: p, Format: "svg"}
}

// Grid lays plots out in rows of cols, in one image of cols by rows
// panels, each 10 by 7.5 centimetres; their data areas line up. A nil plot
// leaves its panel empty.
func Grid(cols int, ps ...*plot.Plot) Image {
	if cols < 1 {
		cols = 1
	}
	rows := (len(ps) + cols - 1) / cols
	g := make(grid, max(rows, 1))
	for i := range g {
		g[i] = make([]*plot.Plot, cols)
		for j := range g[i] {
			if k := i*cols + j; k < len(ps) {
				g[i][j] = ps[k]
			}
		}
	}
	return Image{
		Drawing: g,
		Width:   vg.Length(cols) * 10 * vg.Centimeter,
		Height:  vg.Length(len(g)) * 7.5 * vg.Centimeter,
	}
}

// grid is plots in rows.
type grid [][]*plot.Plot

func (g grid) Draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	tiles := draw.Tiles{
		Rows: len(g), Cols: len(g[0]),
		PadX: 4 * vg.Millimeter, PadY: 4 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter,
		PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter,
	}
	canvases := plot.Align(g, tiles, c)
	for i, row := range g {
		for j, p := range row {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
}

func (im Image) size() (w, h vg.Length) {
	w, h = im.Width, im.Height
	if w <= 0 {
		w = DefaultWidth
	}
	if h <= 0 {
		h = DefaultHeight
	}
	return w, h
}

func (im Image) format() string {
	if im.Format == "" {
		return "png"
	}
	return im.Format
}

// Encode draws the image and returns it encoded in its format.
func (im Image) Encode() (data []byte, err error) {
	if im.Drawing == nil {
		return nil, fmt.Errorf("plots: image has nothing to draw")
	}
	format := im.format()
	if format != "png" && format != "svg" {
		return nil, fmt.Errorf("plots: format %q: want png or svg", format)
	}
	w, h := im.size()
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	// gonum panics on plots it cannot draw (an axis range of NaN, a
	// logarithmic axis reaching zero); a cell should get an error.
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("plots: cannot draw: %v", r)
		}
	}()
	im.Drawing.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plots: encode %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// String describes the image, for the text form of a cell's result.
func (im Image) String() string {
	w, h := im.size()
	return fmt.Sprintf("%s image %.3g×%.3g cm of %s", im.format(), w/vg.Centimeter, h/vg.Centimeter, describe(im.Drawing))
}

func describe(d Drawer) string {
	switch d := d.(type) {
	case *plot.Plot:
		if d == nil {
			return "a nil plot"
		}
		if d.Title.Text != "" {
			return fmt.Sprintf("plot %q", d.Title.Text)
		}
		return "a plot"
	case grid:
		return fmt.Sprintf("%d×%d plots", len(d), len(d[0]))
	}
	return fmt.Sprintf("%T", d)
}

// bundle is how an image shows: in its format, or as the error that kept
// it from being drawn.
func (im Image) bundle() map[protocol.MIMEType]any {
	data, err := im.Encode()
	if err != nil {
		return map[protocol.MIMEType]any{protocol.MIMETextPlain: err.Error()}
	}
	b := map[protocol.MIMEType]any{protocol.MIMETextPlain: im.String()}
	if im.format() == "svg" {
		b[protocol.MIMEImageSVG] = string(data)
	} else {
		b[protocol.MIMEImagePNG] = data
	}
	return b
}

func render(v any) map[protocol.MIMEType]any {
	switch v := v.(type) {
	case *plot.Plot:
		if v == nil {
			return nil
		}
		return Image{Drawing: v}.bundle()
	case Image:
		return v.bundle()
	}
	return nil
}

func init() {
	cellrt.RegisterRenderer(render)
}
