package engine

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"slices"
	"strings"
	"testing"
)

func TestWithCompanions(t *testing.T) {
	const plots = "github.com/gopar/gopar/display/plots"
	tests := []struct {
		in   []importSpec
		want []string // paths
	}{
		{[]importSpec{{path: "fmt"}}, []string{"fmt"}},
		{[]importSpec{{path: "fmt"}, {path: "gonum.org/v1/plot"}}, []string{"fmt", "gonum.org/v1/plot", plots}},
		{[]importSpec{{name: "gopar_gonum_org_v1_plot", path: "gonum.org/v1/plot"}, {path: "gonum.org/v1/plot/plotter"}}, []string{"gonum.org/v1/plot", "gonum.org/v1/plot/plotter", plots}},
		{[]importSpec{{path: plots}, {path: "gonum.org/v1/plot"}}, []string{plots, "gonum.org/v1/plot"}},
	}
	for _, tt := range tests {
		in := slices.Clone(tt.in)
		var got []string
		for _, im := range withCompanions(tt.in) {
			got = append(got, im.path)
			if im.path == plots && !slices.Contains(in, im) && im.name != "_" {
				t.Errorf("companion imported as %q", im.name)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("withCompanions(%v) = %v, want %v", tt.in, got, tt.want)
		}
		if !slices.Equal(in, tt.in) {
			t.Errorf("withCompanions changed its argument: %v", tt.in)
		}
	}
}

// A gonum plot is a value: shown as an image, and kept for later cells
// without a note.
func TestPlotIsAValue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	res, rec := r.ok("p := plot.New()\np.Title.Text = \"kept\"\nl, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})\np.Add(l)\np")
	checkPNG(t, res.Value.Data["image/png"])
	if out := rec.Stdout(); strings.Contains(out, "not kept") {
		t.Errorf("stdout %q", out)
	}
	res, rec = r.ok(`p.Title.Text += " again"` + "\np")
	checkPNG(t, res.Value.Data["image/png"])
	if got := res.Value.Data["text/plain"]; got != `png image 16×10 cm of plot "kept again"` {
		t.Errorf("carried plot shown as %q (stdout %q, stderr %q)", got, rec.Stdout(), rec.Stderr())
	}
}

func checkPNG(t *testing.T, data any) {
	t.Helper()
	s, ok := data.(string)
	if !ok {
		t.Fatalf("image/png is %T, want base64 text", data)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Fatalf("image/png does not decode: %v", err)
	}
}
