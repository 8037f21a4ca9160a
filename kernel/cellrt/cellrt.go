// Package cellrt is the part of the kernel that runs inside a cell's
// program. The kernel composes every cell into a program that imports it;
// users do not import it themselves (package display is the public face).
// It must stay importable, outside internal/, because the composed
// programs live in a module of their own.
//
// Everything it shows goes to the kernel through GoNB's display pipe
// (gonbui), the one channel a cell program has (see package childproto).
// Outside the kernel, every call is a no-op, so cell code also runs as an
// ordinary program.
package cellrt

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/gopar/gopar/internal/childproto"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// send passes one display to the kernel and reports whether it got there:
// false outside the kernel or when the channel is broken.
func send(d *protocol.DisplayData) bool {
	if !gonbui.IsNotebook {
		return false
	}
	gonbui.SendData(d)
	return gonbui.Error() == nil
}

// Show sends the value of the cell's last expression as its
// execute_result. The composed program calls it with the expression's
// values; a call with other than exactly one value (a function returning
// nothing usable, or several results like fmt.Println's) shows nothing,
// as Python shows nothing for print().
func Show(values ...any) {
	if len(values) != 1 {
		return
	}
	send(&protocol.DisplayData{Data: Bundle(values[0]), Metadata: map[string]any{childproto.ResultKey: true}})
}

// Display shows v as display_data, as Show would as a result. It reports
// whether a kernel received it.
func Display(v any) bool {
	return send(&protocol.DisplayData{Data: Bundle(v)})
}

// ClearOutput clears the running cell's output; with wait, only when new
// output arrives.
func ClearOutput(wait bool) bool {
	return send(&protocol.DisplayData{Data: map[protocol.MIMEType]any{childproto.MIMEClearOutput: wait}})
}

// HTMLer, Markdowner, SVGer and PNGer are the display methods a value can
// implement to show itself richly as a cell result.
type (
	HTMLer     interface{ HTML() string }
	Markdowner interface{ Markdown() string }
	SVGer      interface{ SVG() string }
	PNGer      interface{ PNG() []byte }
)

// Bundle renders v as a MIME bundle: always text/plain (fmt's %v), plus
// the rich forms v offers. Binary forms are bytes; the kernel encodes
// them for the wire.
func Bundle(v any) map[protocol.MIMEType]any {
	b := map[protocol.MIMEType]any{protocol.MIMETextPlain: fmt.Sprintf("%v", v)}
	switch x := v.(type) {
	case HTMLer:
		b[protocol.MIMETextHTML] = x.HTML()
	case Markdowner:
		b[protocol.MIMETextMarkdown] = x.Markdown()
	case SVGer:
		b[protocol.MIMEImageSVG] = x.SVG()
	case PNGer:
		b[protocol.MIMEImagePNG] = x.PNG()
	case image.Image:
		var buf bytes.Buffer
		if err := png.Encode(&buf, x); err == nil {
			b[protocol.MIMEImagePNG] = buf.Bytes()
			bounds := x.Bounds()
			b[protocol.MIMETextPlain] = fmt.Sprintf("image %dx%d", bounds.Dx(), bounds.Dy())
		}
	}
	return b
}
