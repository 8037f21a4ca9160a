package engine

import (
	"strconv"
	"strings"

	"github.com/gopar/gopar/internal/assist"
	"github.com/gopar/gopar/internal/cell"
)

// assistContext describes what earlier cells declared, for completion and
// inspection.
func (e *Engine) assistContext() assist.Context {
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
	return assist.Context{Decls: b.String(), Imports: imports, Vars: vars}
}

// Complete implements cell.Engine.
func (e *Engine) Complete(code string, cursor int) cell.Completion {
	return e.assist.Complete(e.assistContext(), code, cursor)
}

// Inspect implements cell.Engine.
func (e *Engine) Inspect(code string, cursor, detail int) cell.Inspection {
	return e.assist.Inspect(e.assistContext(), code, cursor, detail)
}

// IsComplete implements cell.Engine.
func (e *Engine) IsComplete(code string) cell.Completeness {
	return assist.IsComplete(code)
}
