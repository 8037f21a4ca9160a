package engine

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"sort"
	"strings"

	"github.com/gopar/gopar/internal/cellsrc"
	"github.com/gopar/gopar/internal/pkgindex"
)

// A parsedCell is a cell split into what the engine does with each part.
// Line numbers are 1-based lines of the cell as the user typed it.
type parsedCell struct {
	magics  []cellsrc.Magic // %... and !... lines, in order
	imports []importSpec
	decls   []decl
	stmts   []segment // top-level statements, in order
	// defined are the names a top-level statement declares (x := ..., var
	// in a statement position is a decl, not here), in order of appearance.
	defined []string
	// lastExpr is the index in stmts of a final expression statement whose
	// value becomes the execute_result, or -1.
	lastExpr int
	// hasMain is set when the cell declares func main(); its body is then
	// the cell's statements (GoNB style).
	hasMain bool
	// parseFlags is set by GoNB's %% and %main: the program parses its
	// command line before the cell's statements run.
	parseFlags bool
	// testArgs, set by %test, is the command line of a program that runs
	// the cell's tests instead of its statements.
	testArgs []string
	// askInput is a %with_inputs or %with_password that no ! line after
	// it took: it applies to the cell's program.
	askInput *inputAsk
	// wasm is set by %wasm: the cell runs in the notebook page.
	wasm bool
}

type importSpec struct {
	name string // "" for the default name, "_" or "." allowed
	path string
}

// name is the name a file uses for the import.
func (im importSpec) nameInFile() string {
	if im.name != "" {
		return im.name
	}
	return pkgindex.ImportName(im.path)
}

// A segment is a run of cell source with the cell line it starts on.
type segment struct {
	line int
	src  string
}

// A decl is a top-level declaration.
type decl struct {
	segment
	// keys are the names it defines (cellsrc.DeclKeys), so that
	// redefining one replaces the old declaration; kinds gives each
	// key's kind (FUNC for functions and methods, TYPE, VAR, CONST).
	keys  []string
	kinds []token.Token
	// plainTypes are the types it declares that are not generic, which a
	// program can name without type arguments.
	plainTypes []string
	// plainFuncs are the functions it declares that a program can name as
	// values: no receiver, no type parameters, not init or main.
	plainFuncs []string
	// fresh is set for variables each program must make again instead of
	// carrying them: those package flag makes, which exist for a
	// program's command line only when their flag is defined in it.
	fresh bool
}

// usesPackage reports whether a declaration's source names pkg.X.
func usesPackage(n ast.Node, pkg string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == pkg {
				found = true
			}
		}
		return !found
	})
	return found
}

// names returns the keys of one kind.
func (d decl) names(kind token.Token) []string {
	var out []string
	for i, k := range d.keys {
		if d.kinds[i] == kind {
			out = append(out, k)
		}
	}
	return out
}

// CellError is a problem in a cell's source found before building, with
// the cell line it is on.
type CellError = cellsrc.Error

// parseCell splits code into magics, imports, declarations and statements.
// It is tolerant: syntax errors inside declarations and statements are
// left for the compiler, which reports them with cell line numbers.
// It fails only when the cell does not lex.
func parseCell(code string) (*parsedCell, error) {
	c := cellsrc.Read(code)
	if err := c.Err(); err != nil {
		return nil, err
	}
	pc := &parsedCell{lastExpr: -1, magics: c.Magics}
	for _, p := range c.Parts {
		s := segment{line: c.Line(p.Lead), src: c.Text(p)}
		if s.src == "" {
			continue
		}
		switch p.Kind {
		case token.PACKAGE:
			// GoNB cells may start with a package clause; every cell is
			// package main.
		case token.IMPORT:
			specs, err := parseImports(s)
			if err != nil {
				return nil, err
			}
			pc.imports = append(pc.imports, specs...)
		case token.FUNC, token.TYPE, token.VAR, token.CONST:
			d, body, isMain, err := parseDecl(s)
			if err != nil {
				return nil, err
			}
			if isMain {
				pc.hasMain = true
				pc.stmts = append(pc.stmts, body)
				continue
			}
			pc.decls = append(pc.decls, d)
		default:
			pc.stmts = append(pc.stmts, s)
		}
	}
	pc.defined = definedNames(pc.stmts)
	if n := len(pc.stmts); n > 0 && !pc.hasMain && isValueExpr(pc.stmts[n-1].src) {
		pc.lastExpr = n - 1
	}
	return pc, nil
}

// padded returns src preceded by prefix (which must not hold a newline)
// and enough newlines that parsed positions fall on the segment's cell
// lines.
func (s segment) padded(prefix string) string {
	return prefix + strings.Repeat("\n", max(s.line-1, 0)) + s.src
}

func parseImports(s segment) ([]importSpec, error) {
	fset := token.NewFileSet()
	// A full parse: ImportsOnly would stop after the imports and miss what
	// follows them in the same part, which the program would then lose.
	f, err := parser.ParseFile(fset, "cell", s.padded("package p;"), 0)
	if err != nil {
		return nil, asCellError(err)
	}
	var specs []importSpec
	for _, is := range f.Imports {
		spec := importSpec{path: strings.Trim(is.Path.Value, "\"`")}
		if is.Name != nil {
			spec.name = is.Name.Name
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// parseDecl finds the names a declaration defines. For func main it
// returns the body (without braces) as a statement segment instead.
func parseDecl(s segment) (d decl, body segment, isMain bool, err error) {
	fset := token.NewFileSet()
	src := s.padded("package p;")
	f, err := parser.ParseFile(fset, "cell", src, parser.ParseComments)
	if err != nil {
		return decl{}, segment{}, false, asCellError(err)
	}
	d.segment = s
	for _, gd := range f.Decls {
		kind := token.FUNC
		switch gd := gd.(type) {
		case *ast.FuncDecl:
			if gd.Recv == nil && gd.Name.Name == "main" && gd.Type.Params.NumFields() == 0 && gd.Body != nil {
				lbrace := fset.Position(gd.Body.Lbrace)
				rbrace := fset.Position(gd.Body.Rbrace)
				inner := src[lbrace.Offset+1 : rbrace.Offset]
				return decl{}, segment{line: lbrace.Line, src: inner}, true, nil
			}
			if gd.Recv == nil && strings.HasPrefix(gd.Name.Name, "init_") && gd.Type.Params.NumFields() == 0 && gd.Type.Results.NumFields() == 0 {
				// GoNB's convention: each cell may have its own init_NAME,
				// run as an init; it is remembered, and replaced, by its
				// name.
				off := fset.Position(gd.Name.Pos()).Offset - (len(src) - len(s.src))
				d.src = d.src[:off] + "init" + d.src[off+len(gd.Name.Name):]
			}
			if gd.Recv == nil && gd.Type.TypeParams == nil && !strings.HasPrefix(gd.Name.Name, "init_") && gd.Name.Name != "init" && gd.Name.Name != "main" && gd.Name.Name != "_" {
				d.plainFuncs = append(d.plainFuncs, gd.Name.Name)
			}
			if gd.Recv == nil && gd.Name.Name == "init" {
				// An init has no name and may repeat; the engine
				// remembers each by where it was written, so running
				// its cell again replaces it.
				d.keys = append(d.keys, fmt.Sprintf("init@%d", s.line))
				d.kinds = append(d.kinds, token.FUNC)
				continue
			}
		case *ast.GenDecl:
			kind = gd.Tok
			for _, spec := range gd.Specs {
				if ts, ok := spec.(*ast.TypeSpec); ok && ts.TypeParams == nil {
					d.plainTypes = append(d.plainTypes, ts.Name.Name)
				}
			}
			if gd.Tok == token.VAR && usesPackage(gd, "flag") {
				d.fresh = true
			}
		}
		for _, k := range cellsrc.DeclKeys(gd) {
			d.keys = append(d.keys, k)
			d.kinds = append(d.kinds, kind)
		}
	}
	return d, segment{}, false, nil
}

// definedNames lists the variables that top-level statements declare with
// := or var, so the composed program can mark them used (a notebook cell
// that only sets x is fine) and, later, carry them.
func definedNames(stmts []segment) []string {
	seen := map[string]bool{}
	var names []string
	add := func(n string) {
		if n != "_" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, s := range stmts {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "cell", "package p;func _(){\n"+s.src+"\n}", 0)
		if err != nil {
			continue
		}
		body := f.Decls[0].(*ast.FuncDecl).Body
		for _, st := range body.List {
			switch st := st.(type) {
			case *ast.AssignStmt:
				if st.Tok == token.DEFINE {
					for _, l := range st.Lhs {
						if id, ok := l.(*ast.Ident); ok {
							add(id.Name)
						}
					}
				}
			case *ast.DeclStmt:
				if gd, ok := st.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
					for _, spec := range gd.Specs {
						for _, n := range spec.(*ast.ValueSpec).Names {
							add(n.Name)
						}
					}
				}
			}
		}
	}
	return names
}

// isValueExpr reports whether a statement is a lone expression that may
// have a value worth showing. Calls are included (whether they return a
// value is decided when compiling); receives and type expressions are not.
func isValueExpr(src string) bool {
	expr, err := parser.ParseExpr(src)
	if err != nil {
		return false
	}
	switch e := expr.(type) {
	case *ast.UnaryExpr:
		return e.Op != token.ARROW
	case *ast.ArrayType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType, *ast.MapType, *ast.StructType:
		return false
	}
	return true
}

func asCellError(err error) error {
	if list, ok := err.(scanner.ErrorList); ok && len(list) > 0 {
		return &CellError{Line: list[0].Pos.Line, Col: list[0].Pos.Column, Msg: list[0].Msg}
	}
	return err
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Packages whose calls show something themselves: exercise checks (a
// green or red line) and display (display.Show).
const (
	checkPath   = "github.com/gopar/gopar/parallel/check"
	displayPath = "github.com/gopar/gopar/display"
)

// showsItself reports whether a cell's last expression is a call of
// package check or display, which shows its own output: the bool it
// returns is for code that wants it, not a result to print under it.
func showsItself(src string, imports []importSpec, index *pkgindex.Index) bool {
	e, err := parser.ParseExpr(src)
	if err != nil {
		return false
	}
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	p, found := "", false
	for _, im := range imports {
		if im.nameInFile() == x.Name {
			p, found = im.path, true
		}
	}
	if !found {
		p, _ = index.Lookup(x.Name)
	}
	return p == checkPath || p == displayPath
}
