// Package cellpkgs pins the modules that notebook cells import by name.
//
// Cells are built in a work module whose requirements and checksums are
// this module's go.mod and go.sum (see internal/engine/workspace.go), and
// a cell may name the packages in the well-known table of
// internal/pkgindex without an import line. Nothing else in
// this module imports most of them, so without the blank imports below
// `go mod tidy` would drop their modules from go.mod and go.sum, and cells
// using them would no longer build. pkgindex's tests keep the two lists in
// step.
//
// Nothing imports this package: the gopar command does not link these
// libraries.
package cellpkgs

import (
	_ "github.com/janpfeifer/gonb/gonbui"
	_ "golang.org/x/sync/errgroup"
	_ "gonum.org/v1/gonum/floats"
	_ "gonum.org/v1/gonum/mat"
	_ "gonum.org/v1/gonum/stat"
	_ "gonum.org/v1/plot"
	_ "gonum.org/v1/plot/plotter"
	_ "gonum.org/v1/plot/plotutil"
	_ "gonum.org/v1/plot/vg"
)
