package engine

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"sort"
	"strings"

	"github.com/gopar/gopar/internal/assist"
)

// A parsedCell is a cell split into what the engine does with each part.
// Line numbers are 1-based lines of the cell as the user typed it.
type parsedCell struct {
	magics  []magicLine // %... and !... lines, in order
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
}

type magicLine struct {
	line int
	text string // without the leading % or !
	bang bool   // a ! shell line
	cell bool   // a %% marker (ignored: the rest of the cell is code)
}

type importSpec struct {
	name string // "" for the default name, "_" or "." allowed
	path string
}

// A segment is a run of cell source with the cell line it starts on.
type segment struct {
	line int
	src  string
}

// A decl is a top-level declaration. keys are the names it defines,
// prefixed by kind ("func f", "type T", "method T.m", "var x", "const c")
// so that redefining one replaces the old declaration.
type decl struct {
	segment
	keys []string
	// plainTypes are the types it declares that are not generic, which a
	// program can name without type arguments.
	plainTypes []string
}

// CellError is a problem in a cell's source found before building, with
// the cell line it is on.
type CellError struct {
	Line int
	Col  int
	Msg  string
}

func (e *CellError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// parseCell splits code into magics, imports, declarations and statements.
// It is tolerant: syntax errors inside declarations and statements are
// left for the compiler, which reports them with cell line numbers.
// It fails only when the cell's top level cannot be split.
func parseCell(code string) (*parsedCell, error) {
	pc := &parsedCell{lastExpr: -1}
	goSrc := extractMagics(code, pc)
	if strings.TrimSpace(goSrc) == "" {
		return pc, nil
	}
	segs, err := splitTopLevel(goSrc)
	if err != nil {
		return nil, err
	}
	for _, s := range segs {
		switch s.kind {
		case token.IMPORT:
			specs, err := parseImports(s.segment)
			if err != nil {
				return nil, err
			}
			pc.imports = append(pc.imports, specs...)
		case token.FUNC, token.TYPE, token.VAR, token.CONST:
			d, body, isMain, err := parseDecl(s.segment)
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
			pc.stmts = append(pc.stmts, s.segment)
		}
	}
	pc.defined = definedNames(pc.stmts)
	if n := len(pc.stmts); n > 0 && !pc.hasMain && isValueExpr(pc.stmts[n-1].src) {
		pc.lastExpr = n - 1
	}
	return pc, nil
}

// extractMagics moves % and ! lines out of the Go source, leaving blank
// lines behind so the line numbers of the remaining code do not change.
// A line continues a shell command when the previous one ends in "\".
func extractMagics(code string, pc *parsedCell) string {
	lines := strings.Split(code, "\n")
	inRaw := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !inRaw {
			t := strings.TrimSpace(l)
			switch {
			case t == "%%" || strings.HasPrefix(t, "%% "):
				pc.magics = append(pc.magics, magicLine{line: i + 1, cell: true})
				lines[i] = ""
				continue
			case strings.HasPrefix(t, "%") || strings.HasPrefix(t, "!"):
				m := magicLine{line: i + 1, text: strings.TrimSpace(t[1:]), bang: t[0] == '!'}
				lines[i] = ""
				for strings.HasSuffix(m.text, `\`) && i+1 < len(lines) {
					i++
					m.text = strings.TrimSuffix(m.text, `\`) + "\n" + lines[i]
					lines[i] = ""
				}
				pc.magics = append(pc.magics, m)
				continue
			}
		}
		if strings.Count(l, "`")%2 == 1 {
			inRaw = !inRaw
		}
	}
	return strings.Join(lines, "\n")
}

type topSegment struct {
	segment
	kind token.Token // IMPORT, FUNC (declaration), TYPE, VAR, CONST, or ILLEGAL for a statement
}

// splitTopLevel cuts Go source into top-level segments at semicolons
// (explicit or automatic) outside any brackets, and classifies each by
// its first token. A segment that starts with func is a declaration only
// when a name follows (after a receiver, for methods): func() {...}() is
// a statement.
func splitTopLevel(src string) ([]topSegment, error) {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(src))
	var s scanner.Scanner
	var firstErr *CellError
	s.Init(file, []byte(src), func(pos token.Position, msg string) {
		if firstErr == nil {
			firstErr = &CellError{Line: pos.Line, Col: pos.Column, Msg: msg}
		}
	}, scanner.ScanComments)

	var toks []scanned
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		if t == token.COMMENT {
			continue
		}
		toks = append(toks, scanned{pos, t, lit})
	}
	if firstErr != nil {
		return nil, firstErr
	}

	var segs []topSegment
	depth := 0
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		first := toks[start]
		from := file.Offset(first.pos)
		to := len(src)
		if end < len(toks) {
			to = file.Offset(toks[end].pos)
		}
		seg := topSegment{segment: segment{line: file.Line(first.pos), src: strings.TrimRight(src[from:to], " \t\n;")}}
		switch first.tok {
		case token.IMPORT, token.TYPE, token.VAR, token.CONST:
			seg.kind = first.tok
		case token.FUNC:
			if isFuncDecl(toks[start:end]) {
				seg.kind = token.FUNC
			}
		}
		segs = append(segs, seg)
		start = -1
	}
	for i, t := range toks {
		switch t.tok {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
		}
		// Only a newline ends a top-level segment: explicit semicolons
		// also separate the clauses of for, if and switch headers, and
		// "a := 1; b := 2" on one line is fine as one segment.
		if t.tok == token.SEMICOLON && t.lit == "\n" && depth <= 0 {
			flush(i)
			depth = 0
			continue
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(toks))
	return segs, nil
}

// scanned is one token of a cell.
type scanned struct {
	pos token.Pos
	tok token.Token
	lit string
}

// isFuncDecl reports whether tokens starting with FUNC declare a function
// or method, as opposed to a function literal used in a statement.
func isFuncDecl(toks []scanned) bool {
	if len(toks) < 2 {
		return false
	}
	if toks[1].tok == token.IDENT {
		return true
	}
	if toks[1].tok != token.LPAREN {
		return false
	}
	depth := 0
	for i := 1; i < len(toks); i++ {
		switch toks[i].tok {
		case token.LPAREN:
			depth++
		case token.RPAREN:
			depth--
			if depth == 0 {
				return i+1 < len(toks) && toks[i+1].tok == token.IDENT
			}
		}
	}
	return false
}

// padded returns src preceded by prefix (which must not hold a newline)
// and enough newlines that parsed positions fall on the segment's cell
// lines.
func (s segment) padded(prefix string) string {
	return prefix + strings.Repeat("\n", max(s.line-1, 0)) + s.src
}

func parseImports(s segment) ([]importSpec, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell", s.padded("package p;"), parser.ImportsOnly)
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
		switch gd := gd.(type) {
		case *ast.FuncDecl:
			if gd.Recv == nil {
				if gd.Name.Name == "main" && gd.Type.Params.NumFields() == 0 && gd.Body != nil {
					lbrace := fset.Position(gd.Body.Lbrace)
					rbrace := fset.Position(gd.Body.Rbrace)
					inner := src[lbrace.Offset+1 : rbrace.Offset]
					return decl{}, segment{line: lbrace.Line, src: inner}, true, nil
				}
				if gd.Name.Name == "init" {
					// init functions may repeat; key each by its position.
					d.keys = append(d.keys, fmt.Sprintf("func init@%d", s.line))
					continue
				}
				d.keys = append(d.keys, "func "+gd.Name.Name)
				continue
			}
			recv := "" // no receiver type: the compiler will say so
			if len(gd.Recv.List) > 0 {
				recv = assist.ReceiverTypeName(gd.Recv.List[0].Type)
			}
			if recv == "" {
				recv = "?"
			}
			d.keys = append(d.keys, "method "+recv+"."+gd.Name.Name)
		case *ast.GenDecl:
			for _, spec := range gd.Specs {
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					d.keys = append(d.keys, "type "+spec.Name.Name)
					if spec.TypeParams == nil {
						d.plainTypes = append(d.plainTypes, spec.Name.Name)
					}
				case *ast.ValueSpec:
					kind := "var "
					if gd.Tok == token.CONST {
						kind = "const "
					}
					for _, n := range spec.Names {
						if n.Name != "_" {
							d.keys = append(d.keys, kind+n.Name)
						}
					}
				}
			}
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
