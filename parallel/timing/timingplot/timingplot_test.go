package timingplot

import (
	"bytes"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/gopar/gopar/display/plots"
	"github.com/gopar/gopar/internal/carry"
	"github.com/gopar/gopar/parallel/timing"
	"gonum.org/v1/plot"
)

// sweep is a result as Sweep makes it: 1, 2, 4 and 8 workers on 4 cores,
// near Amdahl's curve for a serial fraction of 0.1.
func sweep(t *testing.T) *timing.SweepResult {
	t.Helper()
	r := &timing.SweepResult{Repeat: 3, Warmup: 1, Cores: 4}
	var ws []int
	var ms []time.Duration
	for _, n := range []int{1, 2, 4, 8} {
		m := time.Duration(float64(time.Second) * (0.1 + 0.9/float64(min(n, 4))))
		ws, ms = append(ws, n), append(ms, m)
		r.Rows = append(r.Rows, timing.Row{Workers: n, Median: m, Min: m * 95 / 100, Max: m * 110 / 100})
	}
	for i := range r.Rows {
		r.Rows[i].Speedup = ms[0].Seconds() / ms[i].Seconds()
		r.Rows[i].Efficiency = r.Rows[i].Speedup / float64(ws[i])
	}
	r.Fit, r.FitErr = timing.FitAmdahl(ws, ms)
	if r.FitErr != nil {
		t.Fatal(r.FitErr)
	}
	return r
}

func render(t *testing.T, name string, im plots.Image) image.Image {
	t.Helper()
	data, err := im.Encode()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

// colored counts pixels of a color close to c's red and blue.
func colored(img image.Image, r, b uint32) int {
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			pr, _, pb, _ := img.At(x, y).RGBA()
			if absDiff(pr>>8, r) < 24 && absDiff(pb>>8, b) < 24 {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func TestPlotsDraw(t *testing.T) {
	r := sweep(t)
	c := &timing.Comparison{Repeat: 3, Warmup: 1, Entries: []timing.Entry{
		{Name: "sequential", Median: time.Second, Min: time.Second, Max: 1100 * time.Millisecond, Ratio: 1},
		{Name: "parallel", Median: 300 * time.Millisecond, Min: 290 * time.Millisecond, Max: 320 * time.Millisecond, Ratio: 10.0 / 3},
	}}
	tests := []struct {
		name       string
		p          *plot.Plot
		wantMeas   bool // the measured series' blue
		wantFitRed bool // the fit's red
	}{
		{"speedup", Speedup(r), true, true},
		{"times", Times(r), true, true},
		{"compare", Compare(c), true, false},
		{"amdahl", Amdahl(32, 0.05, 0.1, 0.25, 0.5), true, true},
	}
	for _, tt := range tests {
		img := render(t, tt.name, plots.Image{Drawing: tt.p})
		if got := colored(img, 0x1f, 0xb4) > 200; got != tt.wantMeas {
			t.Errorf("%s: blue drawn %v, want %v", tt.name, got, tt.wantMeas)
		}
		if got := colored(img, 0xd6, 0x28) > 200; got != tt.wantFitRed {
			t.Errorf("%s: red drawn %v, want %v", tt.name, got, tt.wantFitRed)
		}
		// Every plot here can be kept between cells: no functions in it.
		var buf bytes.Buffer
		if err := carry.Encode(&buf, &tt.p); err != nil {
			t.Errorf("%s: cannot be kept: %v", tt.name, err)
		}
	}
	img := render(t, "sweep", Sweep(r))
	if b := img.Bounds(); b.Dx() <= b.Dy() {
		t.Errorf("Sweep is %v: want two panels side by side", b)
	}
}

func TestNoFitNoCurve(t *testing.T) {
	r := sweep(t)
	r.Rows = r.Rows[:2]
	r.FitErr = timing.ErrTooFewCounts
	img := render(t, "speedup", plots.Image{Drawing: Speedup(r)})
	if n := colored(img, 0xd6, 0x28); n > 0 {
		t.Errorf("%d red pixels: a fit drawn without one", n)
	}
}
