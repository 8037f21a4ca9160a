package engine

import (
	"context"
	"os/exec"
	"strings"
	"time"
)

// wellKnown are packages notebooks use often enough that a cell may name
// them without an import. The standard library is added from `go list`.
var wellKnown = map[string]string{
	"parallel": "github.com/gopar/gopar/parallel",
	"display":  "github.com/gopar/gopar/display",
	"gonbui":   "github.com/janpfeifer/gonb/gonbui",
	"plot":     "gonum.org/v1/plot",
	"plotter":  "gonum.org/v1/plot/plotter",
	"plotutil": "gonum.org/v1/plot/plotutil",
	"vg":       "gonum.org/v1/plot/vg",
	"mat":      "gonum.org/v1/gonum/mat",
	"stat":     "gonum.org/v1/gonum/stat",
	"floats":   "gonum.org/v1/gonum/floats",
	"errgroup": "golang.org/x/sync/errgroup",
	// Names the standard library has twice: the usual choice.
	"rand":       "math/rand",
	"template":   "text/template",
	"scanner":    "text/scanner",
	"pprof":      "runtime/pprof",
	"constraint": "go/build/constraint",
}

// pkgIndex maps a package name to the import path a cell most likely
// means. It is filled once per engine, in the background, by one
// `go list std`; until then (or if that fails) lookups miss and the
// slower general resolver is used.
type pkgIndex struct {
	ready chan struct{}
	names map[string]string
}

func newPkgIndex(goBin string) *pkgIndex {
	ix := &pkgIndex{ready: make(chan struct{})}
	go ix.load(goBin)
	return ix
}

func (ix *pkgIndex) load(goBin string) {
	defer close(ix.ready)
	names := map[string]string{}
	dup := map[string]bool{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "list", "std").Output()
	if err == nil {
		for _, p := range strings.Fields(string(out)) {
			if strings.Contains(p, "internal") || strings.HasPrefix(p, "vendor/") || strings.HasPrefix(p, "cmd/") {
				continue
			}
			name := importName(importSpec{path: p})
			if _, seen := names[name]; seen {
				dup[name] = true
			}
			names[name] = p
		}
	}
	for name := range dup {
		delete(names, name)
	}
	for name, p := range wellKnown {
		names[name] = p
	}
	ix.names = names
}

// lookup returns the import path for a package name, waiting briefly for
// the index to load.
func (ix *pkgIndex) lookup(name string) (string, bool) {
	if ix == nil {
		return "", false
	}
	select {
	case <-ix.ready:
	case <-time.After(5 * time.Second):
		return "", false
	}
	p, ok := ix.names[name]
	return p, ok
}
