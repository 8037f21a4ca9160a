package assist

import (
	"go/ast"
	"go/parser"
	"go/token"

	"github.com/gopar/gopar/internal/cellsrc"
)

// An Outline is what code assistance makes of a cell: the names its
// declarations define, in order, and the cell lines its top-level
// statements start on (once for the statements of one top-level part). The engine makes the same of a cell it runs; a
// fuzz test holds the two to it.
type Outline struct {
	Keys  []string
	Lines []int
}

// OutlineOf reads a cell the way completion does: the repaired file that
// analysis type-checks, with no probe in it.
func OutlineOf(code string) Outline {
	ct := newCellText(code)
	src, b, _ := buildCell(ct, probeSpec{at: len(ct.Src), exprEnd: -1}, nil)
	fset := token.NewFileSet()
	f, _ := parser.ParseFile(fset, "cell.go", src, parser.AllErrors|parser.SkipObjectResolution)
	var o Outline
	if f == nil {
		return o
	}
	for i, d := range f.Decls {
		// buildCell writes the statements last, as the body of func _.
		fd, ok := d.(*ast.FuncDecl)
		if !ok || i < len(f.Decls)-1 || fd.Name.Name != "_" || fd.Recv != nil {
			o.Keys = append(o.Keys, cellsrc.DeclKeys(d)...)
			continue
		}
		if fd.Body == nil {
			continue
		}
		lastPart := -1
		for _, st := range fd.Body.List {
			if _, empty := st.(*ast.EmptyStmt); empty {
				continue
			}
			off, ok := b.toOrig(fset.Position(st.Pos()).Offset, len(ct.Src))
			// Statements of one top-level part ("a := 1; b := 2") run as
			// one: the first gives its line.
			if part := ct.PartAt(off); ok && part != lastPart {
				lastPart = part
				o.Lines = append(o.Lines, ct.Line(off))
			}
		}
	}
	return o
}
