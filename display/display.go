// Package display lets cell code control its output in a gopar notebook
// beyond what github.com/janpfeifer/gonb/gonbui offers. Outside a gopar
// kernel its functions do nothing, so the same code runs as a plain
// program.
package display

import "github.com/gopar/gopar/kernel/cellrt"

// ClearOutput clears the output of the running cell. With wait, the
// front end clears it only when new output arrives, which avoids flicker
// when redrawing (for example a counter printed in a loop).
func ClearOutput(wait bool) {
	cellrt.ClearOutput(wait)
}

// Show displays v as the cell's result would be: text, plus HTML,
// Markdown, SVG and PNG when v has HTML, Markdown, SVG or PNG methods, an
// image for a gonum plot (see package display/plots) or an image.Image.
// It reports whether a kernel received it.
func Show(v any) bool {
	return cellrt.Display(v)
}
