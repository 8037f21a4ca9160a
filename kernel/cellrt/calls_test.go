package cellrt_test

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"strconv"
	"testing"

	"github.com/gopar/gopar/internal/childproto"
)

// TestCallsCompile type-checks every call the engine writes into a
// composed program against this package, so a renamed or changed entry
// point fails here rather than in a notebook.
func TestCallsCompile(t *testing.T) {
	vars := `map[string]any{"x": &x}`
	src := "package main\n\nimport " + childproto.RuntimeName + " " + strconv.Quote(childproto.RuntimePath) + "\n\n" +
		childproto.CodeDecl(map[string]string{"f": "1"}, map[string]string{"example.com/m": "v1.0.0"}) + "\n\n" +
		"type T struct{ A int }\n\nvar x T\n\nfunc main() {\n" +
		childproto.EndCall() + "\n" +
		childproto.RegisterCall("T") + "\n" +
		childproto.LoadVarsCall(vars) + "\n" +
		childproto.AtCall(3, 14) + "\n" +
		childproto.ShowCall("x.A") + "\n" +
		childproto.TimeitCall(10, 3, "x.A++") + "\n" +
		childproto.SaveVarsCall(vars, "x") + "\n}\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", src, 0)
	if err != nil {
		t.Fatalf("composed calls do not parse: %v\n%s", err, src)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	if _, err := conf.Check("main", fset, []*ast.File{f}, nil); err != nil {
		t.Fatalf("composed calls do not type-check: %v\n%s", err, src)
	}
}

func TestLineRoundTrip(t *testing.T) {
	for _, c := range []struct{ cell, line int }{{0, 0}, {1, 1}, {42, 7}, {1 << 30, 1<<31 - 1}} {
		if gotCell, gotLine := childproto.DecodeLine(childproto.EncodeLine(c.cell, c.line)); gotCell != c.cell || gotLine != c.line {
			t.Errorf("line %d:%d came back as %d:%d", c.cell, c.line, gotCell, gotLine)
		}
	}
}
