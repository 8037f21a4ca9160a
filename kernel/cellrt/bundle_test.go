package cellrt

import (
	"image"
	"slices"
	"testing"

	"github.com/janpfeifer/gonb/gonbui/protocol"
)

type tableAndChart struct{}

func (tableAndChart) HTML() string   { return "<table></table>" }
func (tableAndChart) SVG() string    { return "<svg></svg>" }
func (tableAndChart) String() string { return "2 rows" }

type foreign struct{ title string }

func keys(b map[protocol.MIMEType]any) []string {
	var ks []string
	for k := range b {
		ks = append(ks, string(k))
	}
	slices.Sort(ks)
	return ks
}

func TestBundle(t *testing.T) {
	defer func(saved []Renderer) { renderers.list = saved }(renderers.list)
	RegisterRenderer(func(v any) map[protocol.MIMEType]any {
		if f, ok := v.(*foreign); ok {
			return map[protocol.MIMEType]any{protocol.MIMEImagePNG: []byte("png"), protocol.MIMETextPlain: "plot " + f.title}
		}
		return nil
	})
	tests := []struct {
		name  string
		v     any
		keys  []string
		plain string
	}{
		{"number", 42, []string{"text/plain"}, "42"},
		{"every method", tableAndChart{}, []string{"image/svg+xml", "text/html", "text/plain"}, "2 rows"},
		{"renderer", &foreign{"speedup"}, []string{"image/png", "text/plain"}, "plot speedup"},
		{"image", image.NewGray(image.Rect(0, 0, 3, 2)), []string{"image/png", "text/plain"}, "image 3x2"},
	}
	for _, tt := range tests {
		b := Bundle(tt.v)
		if got := keys(b); !slices.Equal(got, tt.keys) || b[protocol.MIMETextPlain] != tt.plain {
			t.Errorf("%s: Bundle = %v, text %q; want %v, %q", tt.name, got, b[protocol.MIMETextPlain], tt.keys, tt.plain)
		}
	}
}
