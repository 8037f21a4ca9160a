package grade

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"regexp"
	"slices"
	"strings"

	"github.com/gopar/gopar/internal/cellsrc"
)

// The markers of a solution region, as nbgrader writes them for languages
// whose comments start with //, and what replaces the region.
const (
	beginSolution = "// BEGIN SOLUTION"
	endSolution   = "// END SOLUTION"
	todo          = "// TODO: your code here"
	// Hidden tests are checks the class does not see: they go, and
	// grading with the teacher's version (Options.Teacher) runs them.
	beginHidden = "// BEGIN HIDDEN TESTS"
	endHidden   = "// END HIDDEN TESTS"
)

// A region is a part of a cell to replace, as byte offsets into it.
type region struct {
	start, end int
	indent     string // of the replacement's lines
	// body is set for a whole function body (a solution cell without
	// markers): the replacement goes between its braces, on lines of its
	// own.
	body      bool
	bodyClose string // indentation of the closing brace, for body
	// hidden is set for hidden tests, which go without a trace.
	hidden bool
	// Filled in from the cell's syntax:
	returns string   // "return ..." of the zero values, when the region held its function's return
	unused  []string // variables the region alone used
}

// StripSolutions returns code with each solution region (from a line
// "// BEGIN SOLUTION" to a line "// END SOLUTION") replaced by a line
// "// TODO: your code here". Where a region held the return of the
// function around it, a return of the zero values of the function's
// results follows, and a variable declared before the region that only
// the region used is marked used (_ = x), so the cell still compiles.
// Hidden tests, from "// BEGIN HIDDEN TESTS" to "// END HIDDEN TESTS",
// are removed. In a solution cell (whole set) without markers, every
// top-level function's body is such a region, and the cell's top-level
// statements are removed.
func StripSolutions(code string, whole bool) (string, error) {
	c := cellsrc.Read(code)
	if len(c.Magics) > 0 && c.Magics[0].Body != "" {
		return code, nil // a %%bash or %%writefile cell: no Go
	}
	if err := c.Err(); err != nil {
		return "", err
	}
	regions, err := markedRegions(c)
	if err != nil {
		return "", err
	}
	if len(regions) == 0 && whole {
		regions = wholeRegions(c)
	}
	if len(regions) == 0 {
		return code, nil
	}
	if f := composeCell(c); f.file != nil {
		for i := range regions {
			if !regions[i].hidden {
				regions[i].returns = f.zeroReturn(regions[i])
			}
		}
		markUnused(c, f, regions)
	}
	return replace(code, regions), nil
}

// markedRegions finds the regions between solution markers and between
// hidden-test markers.
func markedRegions(c *cellsrc.Cell) ([]region, error) {
	var regions []region
	open, openEnd := -1, "" // where the open region's marker is, and the marker that ends it
	for _, cm := range c.Comments {
		text := strings.TrimSpace(cm.Lit)
		if text != beginSolution && text != endSolution && text != beginHidden && text != endHidden {
			continue
		}
		line := c.Line(cm.Off)
		lineStart := strings.LastIndexByte(c.Code[:cm.Off], '\n') + 1
		if strings.TrimSpace(c.Code[lineStart:cm.Off]) != "" {
			return nil, &cellsrc.Error{Line: line, Msg: fmt.Sprintf("%q must be on a line of its own", text)}
		}
		begin := text == beginSolution || text == beginHidden
		switch {
		case begin && open >= 0:
			return nil, &cellsrc.Error{Line: line, Msg: fmt.Sprintf("%s inside the region begun on line %d", text, c.Line(open))}
		case begin:
			open, openEnd = cm.Off, endSolution
			if text == beginHidden {
				openEnd = endHidden
			}
			regions = append(regions, region{start: lineStart, indent: c.Code[lineStart:cm.Off], hidden: text == beginHidden})
		case open < 0 || text != openEnd:
			return nil, &cellsrc.Error{Line: line, Msg: fmt.Sprintf("%s without %s", text, "// BEGIN"+strings.TrimPrefix(text, "// END"))}
		default:
			regions[len(regions)-1].end = lineEnd(c.Code, cm.Off)
			open = -1
		}
	}
	if open >= 0 {
		return nil, &cellsrc.Error{Line: c.Line(open), Msg: fmt.Sprintf("%s without %s", "// BEGIN"+strings.TrimPrefix(openEnd, "// END"), openEnd)}
	}
	return regions, nil
}

// wholeRegions are the regions of a solution cell without markers: the
// bodies of its top-level functions and its top-level statements.
func wholeRegions(c *cellsrc.Cell) []region {
	var regions []region
	for _, p := range c.Parts {
		switch p.Kind {
		case token.ILLEGAL:
			if p.CodeEnd <= p.Lead {
				continue
			}
			lineStart := strings.LastIndexByte(c.Code[:p.Lead], '\n') + 1
			r := region{start: lineStart, end: lineEnd(c.Code, p.CodeEnd)}
			// Statements in a row leave one TODO line.
			if n := len(regions); n > 0 && !regions[n-1].body && strings.TrimSpace(c.Code[regions[n-1].end:r.start]) == "" {
				regions[n-1].end = r.end
				continue
			}
			regions = append(regions, r)
		case token.FUNC:
			f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+c.Src[p.Lead:p.CodeEnd], 0)
			if err != nil || len(f.Decls) == 0 {
				continue
			}
			fd, ok := f.Decls[len(f.Decls)-1].(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			delta := p.Lead - len("package p;")
			lbrace, rbrace := int(fd.Body.Lbrace)-1+delta, int(fd.Body.Rbrace)-1+delta
			funcLine := strings.LastIndexByte(c.Code[:p.Lead], '\n') + 1
			indent := leadingSpace(c.Code[funcLine:])
			regions = append(regions, region{start: lbrace + 1, end: rbrace, body: true, indent: indent + "\t", bodyClose: indent})
		}
	}
	// Replacing a whole statement leaves nothing to mark used.
	return regions
}

func lineEnd(s string, off int) int {
	if nl := strings.IndexByte(s[off:], '\n'); nl >= 0 {
		return off + nl + 1
	}
	return len(s)
}

func leadingSpace(s string) string {
	return s[:len(s)-len(strings.TrimLeft(s, " \t"))]
}

// replace writes code with the regions replaced.
func replace(code string, regions []region) string {
	var b strings.Builder
	prev := 0
	for _, r := range regions {
		b.WriteString(code[prev:r.start])
		if r.body {
			b.WriteString("\n")
		}
		if r.hidden {
			prev = r.end
			continue
		}
		lines := []string{todo}
		for _, v := range r.unused {
			lines = append(lines, "_ = "+v)
		}
		if r.returns != "" {
			lines = append(lines, r.returns)
		}
		for _, l := range lines {
			b.WriteString(r.indent + l + "\n")
		}
		if r.body {
			b.WriteString(r.bodyClose)
		}
		prev = r.end
	}
	b.WriteString(code[prev:])
	return b.String()
}

// A composed cell is a cell written as one Go file, to be parsed and
// type-checked: its imports, its declarations, and its statements as the
// body of a function. //line comments keep the cell's lines in positions.
type composed struct {
	fset   *token.FileSet
	file   *ast.File // nil when the cell does not parse
	chunks []chunk
}

// A chunk is a run of cell source copied into the composed file.
type chunk struct{ cell, file, n int }

// stmtsFunc names the function whose body holds the cell's statements.
const stmtsFunc = "_cell_statements_"

func composeCell(c *cellsrc.Cell) *composed {
	f := &composed{fset: token.NewFileSet()}
	var b strings.Builder
	b.WriteString("package p\n")
	add := func(p cellsrc.Part) {
		line, col := c.Position(p.Lead)
		fmt.Fprintf(&b, "//line cell:%d:%d\n", line, col)
		f.chunks = append(f.chunks, chunk{cell: p.Lead, file: b.Len(), n: p.CodeEnd - p.Lead})
		b.WriteString(c.Src[p.Lead:p.CodeEnd])
		b.WriteString("\n")
	}
	// Go wants the imports first; a cell may have them anywhere.
	for _, p := range c.Parts {
		if p.Kind == token.IMPORT {
			add(p)
		}
	}
	for _, p := range c.Parts {
		if p.Decl() && p.Kind != token.IMPORT && p.Kind != token.PACKAGE {
			add(p)
		}
	}
	b.WriteString("func " + stmtsFunc + "() {\n")
	for _, p := range c.Parts {
		if !p.Decl() && p.CodeEnd > p.Lead {
			add(p)
		}
	}
	b.WriteString("}\n")
	file, err := parser.ParseFile(f.fset, "cell.go", b.String(), parser.SkipObjectResolution)
	if err == nil {
		f.file = file
	}
	return f
}

// cellOffset maps a position in the composed file to an offset in the
// cell, or -1 when it is in text the composition added.
func (f *composed) cellOffset(pos token.Pos) int {
	off := f.fset.File(pos).Offset(pos)
	for _, ch := range f.chunks {
		if off >= ch.file && off <= ch.file+ch.n {
			return off - ch.file + ch.cell
		}
	}
	return -1
}

// enclosing returns the innermost function whose body holds the region,
// or nil.
func (f *composed) enclosing(r region) (ftype *ast.FuncType, body *ast.BlockStmt) {
	ast.Inspect(f.file, func(n ast.Node) bool {
		var t *ast.FuncType
		var b *ast.BlockStmt
		switch fn := n.(type) {
		case *ast.FuncDecl:
			if fn.Name.Name == stmtsFunc && fn.Recv == nil {
				return true
			}
			t, b = fn.Type, fn.Body
		case *ast.FuncLit:
			t, b = fn.Type, fn.Body
		default:
			return true
		}
		if b == nil {
			return false
		}
		open, close := f.cellOffset(b.Lbrace), f.cellOffset(b.Rbrace)
		if open < 0 || close < 0 || open >= r.start || r.end > close {
			return false
		}
		ftype, body = t, b
		return true
	})
	return ftype, body
}

// zeroReturn is the return statement a region's replacement needs, or "".
func (f *composed) zeroReturn(r region) string {
	ftype, body := f.enclosing(r)
	if ftype == nil || ftype.Results.NumFields() == 0 {
		return ""
	}
	if !r.body && !f.holdsReturn(body, r) {
		return ""
	}
	var zeros []string
	for _, field := range ftype.Results.List {
		z := zeroValue(field.Type)
		for range max(len(field.Names), 1) {
			zeros = append(zeros, z)
		}
	}
	return "return " + strings.Join(zeros, ", ")
}

// holdsReturn reports whether the region holds a return statement of the
// function whose body is given (not of a function literal inside it).
func (f *composed) holdsReturn(body *ast.BlockStmt, r region) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			if off := f.cellOffset(n.Pos()); off >= r.start && off < r.end {
				found = true
			}
		}
		return !found
	})
	return found
}

// zeroValue is an expression for the zero value of the type t.
func zeroValue(t ast.Expr) string {
	switch t := t.(type) {
	case *ast.Ident:
		switch t.Name {
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
			"uintptr", "byte", "rune", "float32", "float64", "complex64", "complex128":
			return "0"
		case "string":
			return `""`
		case "bool":
			return "false"
		case "error", "any":
			return "nil"
		}
	case *ast.StarExpr, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType:
		return "nil"
	case *ast.ArrayType:
		if t.Len == nil {
			return "nil"
		}
	case *ast.ParenExpr:
		return zeroValue(t.X)
	}
	// A named type, an array or a struct: whatever it is, *new(T) is its
	// zero value.
	return "*new(" + types.ExprString(t) + ")"
}

// unusedVar matches go/types' report of a variable never used.
var unusedVar = regexp.MustCompile(`^declared and not used: (\w+)$|^(\w+) declared and not used$`)

// unusedVars type-checks a composed cell and returns the variables it
// declares and never uses, by name. Other errors (names from earlier
// cells, imports the checker cannot read) do not matter here.
func unusedVars(fset *token.FileSet, file *ast.File) map[string]bool {
	unused := map[string]bool{}
	conf := types.Config{
		Importer: noImporter{},
		Error: func(err error) {
			var te types.Error
			if errors.As(err, &te) {
				if m := unusedVar.FindStringSubmatch(te.Msg); m != nil {
					unused[m[1]+m[2]] = true
				}
			}
		},
	}
	conf.Check("p", fset, []*ast.File{file}, nil)
	return unused
}

type noImporter struct{}

func (noImporter) Import(path string) (*types.Package, error) {
	return nil, fmt.Errorf("%s is not read", path)
}

// markUnused finds the variables that become unused when the regions go,
// declared in a function around a region and used in it, and has the
// region's replacement mark them used.
func markUnused(c *cellsrc.Cell, f *composed, regions []region) {
	before := unusedVars(f.fset, f.file)
	stripped := cellsrc.Read(replace(c.Code, regions))
	g := composeCell(stripped)
	if g.file == nil {
		return
	}
	after := unusedVars(g.fset, g.file)
	for name := range after {
		if before[name] {
			continue
		}
		for i, r := range regions {
			if ftype, _ := f.enclosing(r); ftype == nil || r.body || r.hidden {
				continue
			}
			if slices.ContainsFunc(c.Toks, func(t cellsrc.Token) bool {
				return t.Tok == token.IDENT && t.Lit == name && t.Off >= r.start && t.Off < r.end
			}) {
				regions[i].unused = append(regions[i].unused, name)
				break
			}
		}
	}
	for i := range regions {
		slices.Sort(regions[i].unused)
	}
}
