package plots

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/gopar/gopar/internal/carry"
	"github.com/gopar/gopar/kernel/cellrt"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func samplePlot(t *testing.T, title string) *plot.Plot {
	t.Helper()
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "workers"
	xys := plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 1.9}, {X: 4, Y: 3.4}}
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		t.Fatal(err)
	}
	p.Add(line, points, plotter.NewGrid())
	p.Legend.Add("measured", line, points)
	return p
}

// inked counts the pixels that are not background white.
func inked(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c := color.GrayModel.Convert(img.At(x, y)).(color.Gray); c.Y < 200 {
				n++
			}
		}
	}
	return n
}

func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

func TestPNG(t *testing.T) {
	tests := []struct {
		name string
		im   Image
		w, h int
	}{
		{"default size", Image{Drawing: samplePlot(t, "a")}, 605, 378},
		{"asked size", Image{Drawing: samplePlot(t, "b"), Width: 4 * vg.Inch, Height: 3 * vg.Inch}, 384, 288},
	}
	for _, tt := range tests {
		data, err := tt.im.Encode()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		img := decodePNG(t, data)
		if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
			t.Errorf("%s: %dx%d pixels, want %dx%d", tt.name, b.Dx(), b.Dy(), tt.w, tt.h)
		}
		// Axes, labels and the line: a blank image has none.
		if n := inked(img, img.Bounds()); n < tt.w*tt.h/100 {
			t.Errorf("%s: %d inked pixels: blank", tt.name, n)
		}
	}
}

func TestSVG(t *testing.T) {
	im := SVG(samplePlot(t, "svg"))
	im.Width, im.Height = 4*vg.Inch, 3*vg.Inch
	data, err := im.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"svg"`
		Width   string   `xml:"width,attr"`
		Height  string   `xml:"height,attr"`
		Inner   []byte   `xml:",innerxml"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("not SVG: %v\n%.200s", err, data)
	}
	if doc.Width != "288pt" || doc.Height != "216pt" {
		t.Errorf("size %s × %s, want 288pt × 216pt", doc.Width, doc.Height)
	}
	if n := strings.Count(string(doc.Inner), "<path"); n < 10 {
		t.Errorf("%d paths: blank", n)
	}
}

func TestGrid(t *testing.T) {
	before, after := samplePlot(t, "before"), samplePlot(t, "after")
	im := Grid(2, before, after, nil)
	data, err := im.Encode()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, data)
	b := img.Bounds()
	// Two rows of two 10 by 7.5 cm panels at 96 dots per inch.
	if b.Dx() != 756 || b.Dy() != 567 {
		t.Fatalf("%dx%d pixels, want 756x567", b.Dx(), b.Dy())
	}
	mid := b.Dx() / 2
	quarters := []struct {
		name  string
		r     image.Rectangle
		blank bool
	}{
		{"before", image.Rect(0, 0, mid, b.Dy()/2), false},
		{"after", image.Rect(mid, 0, b.Dx(), b.Dy()/2), false},
		{"empty panels", image.Rect(0, b.Dy()*3/4, b.Dx(), b.Dy()), true},
	}
	for _, q := range quarters {
		n := inked(img, q.r)
		if q.blank != (n == 0) {
			t.Errorf("%s: %d inked pixels", q.name, n)
		}
	}
}

func TestShownAsImage(t *testing.T) {
	p := samplePlot(t, "speedup")
	b := cellrt.Bundle(p)
	decodePNG(t, b[protocol.MIMEImagePNG].([]byte))
	if got := b[protocol.MIMETextPlain]; got != `png image 16×10 cm of plot "speedup"` {
		t.Errorf("text %q", got)
	}
	b = cellrt.Bundle(SVG(p))
	if svg, ok := b[protocol.MIMEImageSVG].(string); !ok || !strings.HasPrefix(svg, "<?xml") {
		t.Errorf("SVG bundle: %v", b)
	}
	if _, ok := b[protocol.MIMEImagePNG]; ok {
		t.Error("an SVG image also sent as PNG")
	}
	b = cellrt.Bundle(Image{})
	if got := b[protocol.MIMETextPlain]; got != "plots: image has nothing to draw" || len(b) != 1 {
		t.Errorf("empty image: %v", b)
	}
}

// A plot kept by the variable codec comes back drawing the same image,
// pointing to the loading program's font cache.
func TestCarried(t *testing.T) {
	p := samplePlot(t, "carried")
	scatter, err := plotter.NewScatter(plotter.XYs{{X: 3, Y: 2}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(scatter)
	want, err := Image{Drawing: p}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := carry.Encode(&buf, &p); err != nil {
		t.Fatal(err)
	}
	var got *plot.Plot
	if err := carry.Decode(bytes.NewReader(buf.Bytes()), &got); err != nil {
		t.Fatal(err)
	}
	data, err := Image{Drawing: got}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want) {
		t.Error("the carried plot draws differently")
	}
	if buf.Len() > 64<<10 {
		t.Errorf("a small plot takes %d bytes: the font cache was stored", buf.Len())
	}
}
