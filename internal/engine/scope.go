package engine

import (
	"strconv"
	"strings"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/pkgindex"
)

// Scope describes what earlier cells declared, for code assistance.
func (e *Engine) Scope() cell.Scope {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	b.WriteString("package main\n")
	var imports []string
	for _, im := range e.prog.imports {
		spec := strconv.Quote(im.path)
		if im.name != "" {
			spec = im.name + " " + spec
		}
		imports = append(imports, spec)
	}
	for _, d := range e.prog.decls {
		b.WriteString(d.src)
		b.WriteString("\n")
	}
	vars := map[string]string{}
	for n, t := range e.state.types {
		vars[n] = readableType(t)
	}
	return cell.Scope{Decls: b.String(), Imports: imports, Vars: vars}
}

// Packages is the package index the engine resolves names with; code
// assistance uses the same one.
func (e *Engine) Packages() *pkgindex.Index { return e.pkgs }

// ModuleDir is the work module programs are built in.
func (e *Engine) ModuleDir() string { return e.work.dir }

// GoCommand is the go command the engine builds with.
func (e *Engine) GoCommand() string { return e.work.goBin }
