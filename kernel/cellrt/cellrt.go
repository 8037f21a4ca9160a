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
	"sync"

	"github.com/gopar/gopar/internal/childproto"
	"github.com/gopar/gopar/parallel/timing"
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

// A Renderer shows values that cannot have display methods of their own,
// such as another library's types: it returns the forms of v to show
// (MIME type to data: strings for text, bytes for images; text/plain
// replaces fmt's), or nil for a value it does not show.
type Renderer func(v any) map[protocol.MIMEType]any

var renderers struct {
	mu   sync.RWMutex
	list []Renderer
}

// RegisterRenderer adds a renderer, for packages that show another
// library's values (package display/plots shows gonum plots). Renderers
// are asked in the order they were added, for values with no display
// method.
func RegisterRenderer(r Renderer) {
	renderers.mu.Lock()
	defer renderers.mu.Unlock()
	renderers.list = append(renderers.list, r)
}

// Bundle renders v as a MIME bundle: always text/plain (fmt's %v), plus
// every rich form v offers through its methods, as IPython does, so that
// a front end picks the one it shows best. A value without such methods
// is shown by the first renderer that takes it, or as an image.Image.
// Binary forms are bytes; the kernel encodes them for the wire.
func Bundle(v any) map[protocol.MIMEType]any {
	b := map[protocol.MIMEType]any{protocol.MIMETextPlain: fmt.Sprintf("%v", v)}
	if x, ok := v.(HTMLer); ok {
		b[protocol.MIMETextHTML] = x.HTML()
	}
	if x, ok := v.(Markdowner); ok {
		b[protocol.MIMETextMarkdown] = x.Markdown()
	}
	if x, ok := v.(SVGer); ok {
		b[protocol.MIMEImageSVG] = x.SVG()
	}
	if x, ok := v.(PNGer); ok {
		b[protocol.MIMEImagePNG] = x.PNG()
	}
	if len(b) > 1 {
		return b
	}
	if forms := render(v); forms != nil {
		for k, f := range forms {
			b[k] = f
		}
		return b
	}
	if x, ok := v.(image.Image); ok {
		var buf bytes.Buffer
		if err := png.Encode(&buf, x); err == nil {
			b[protocol.MIMEImagePNG] = buf.Bytes()
			bounds := x.Bounds()
			b[protocol.MIMETextPlain] = fmt.Sprintf("image %dx%d", bounds.Dx(), bounds.Dy())
		}
	}
	return b
}

func render(v any) map[protocol.MIMEType]any {
	renderers.mu.RLock()
	list := renderers.list
	renderers.mu.RUnlock()
	for _, r := range list {
		if forms := r(v); forms != nil {
			return forms
		}
	}
	return nil
}

// Timeit times body as IPython's %timeit times a statement, and prints
// the result as it does: body runs the code n times. loops and runs are
// %timeit's -n and -r, 0 for the defaults. The composed program of a cell
// with a %timeit line calls it.
func Timeit(loops, runs int, body func(n int)) {
	var opts []timing.Option
	if loops > 0 {
		opts = append(opts, timing.Loops(loops))
	}
	if runs > 0 {
		opts = append(opts, timing.Repeat(runs))
	}
	fmt.Println(timing.ItLoop(body, opts...))
}

// Code records what the engine knows about the program's code, for the
// cached functions of package parallel/cache: a fingerprint of each
// function the cells declare, and the version of each module they use.
// The composed program calls it from a package-level declaration, so
// that it runs before the cells' own; the result means nothing.
func Code(funcs, modules map[string]string) bool {
	childproto.SetCode(funcs, modules)
	return true
}

// End runs what packages asked to do when the program ends (see
// childproto.AtEnd). The composed main defers it.
func End() { childproto.RunAtEnd() }
