package engine

import "slices"

// companions are packages of this module that a program importing a
// package links too, for what the kernel does with that package's
// values: a gonum plot shows as an image, and is kept between cells, only
// with display/plots linked, which registers how. Cells need not name it.
var companions = map[string]string{
	"gonum.org/v1/plot": "github.com/gopar/gopar/display/plots",
}

// withCompanions returns specs plus a blank import of the companion of
// each package in them, unless the program imports it already.
func withCompanions(specs []importSpec) []importSpec {
	out := specs
	for _, im := range specs {
		c, ok := companions[im.path]
		if !ok || slices.ContainsFunc(out, func(o importSpec) bool { return o.path == c }) {
			continue
		}
		if len(out) == len(specs) {
			out = slices.Clip(out) // append must not write into specs
		}
		out = append(out, importSpec{name: "_", path: c})
	}
	return out
}
