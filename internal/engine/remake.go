package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"

	"github.com/gopar/gopar/internal/pkgindex"
)

// A remade variable holds a value that cannot be carried between
// programs, a func, but that each later program can make again from the
// expression that made it: sq := cache.Func(slowSquare), g := slowSquare.
// After the cell runs, the engine declares it as var sq = cache.Func(...)
// for later cells, where the expression runs again.
type remade struct {
	name string
	expr string   // the expression, as the cell wrote it
	line int      // cell line of the statement
	uses []string // variables or constants it reads, which later programs must have
}

// remakeables finds the statements of a cell that set a variable from an
// expression later programs can evaluate again, and the variables of the
// cell's declarations whose initializers can be (their declarations run
// again in every program anyway).
func remakeables(pc *parsedCell, decls []declEntry, imports []importSpec, index *pkgindex.Index) (stmts []remade, declVars []string) {
	funcs := map[string]bool{}
	for _, d := range decls {
		for _, n := range d.names(token.FUNC) {
			if !strings.Contains(n, ".") {
				funcs[n] = true
			}
		}
	}
	pkgs := map[string]string{} // import name -> path
	for _, im := range imports {
		pkgs[im.nameInFile()] = im.path
	}
	r := &remaker{funcs: funcs, pkgs: func(name string) string {
		if p, ok := pkgs[name]; ok {
			return p
		}
		if funcs[name] {
			return ""
		}
		// A package the cell names without an import line, which the
		// build adds.
		p, _ := index.Lookup(name)
		return p
	}}
	for _, s := range pc.stmts {
		fset := token.NewFileSet()
		src := s.padded("package p;func _(){") + "\n}"
		f, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, st := range f.Decls[0].(*ast.FuncDecl).Body.List {
			as, ok := st.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 || (as.Tok != token.DEFINE && as.Tok != token.ASSIGN) {
				continue
			}
			id, ok := as.Lhs[0].(*ast.Ident)
			if !ok || id.Name == "_" {
				continue
			}
			r.uses = nil
			if !r.statement(as.Rhs[0]) {
				continue
			}
			expr := src[fset.Position(as.Rhs[0].Pos()).Offset:fset.Position(as.Rhs[0].End()).Offset]
			stmts = append(stmts, remade{name: id.Name, expr: expr, line: fset.Position(as.Pos()).Line, uses: r.uses})
		}
	}
	for _, d := range decls {
		if d.cell != currentCell {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+d.src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, gd := range f.Decls {
			g, ok := gd.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				if len(vs.Names) != 1 || len(vs.Values) != 1 {
					continue
				}
				if r.statement(vs.Values[0]) || r.pkgMember(vs.Values[0]) {
					declVars = append(declVars, vs.Names[0].Name)
				}
			}
		}
	}
	return stmts, declVars
}

type remaker struct {
	funcs map[string]bool          // top-level functions of the cells
	pkgs  func(name string) string // the import path a name means, or ""
	uses  []string                 // other names the expression reads
}

// statement reports whether an expression that sets a variable in a
// statement can be evaluated again by a later program with the same
// result: a cell function's name, or a call of package cache whose
// arguments are such, or constants and package members.
func (r *remaker) statement(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return r.statement(e.X)
	case *ast.Ident:
		return r.funcs[e.Name]
	case *ast.CallExpr:
		sel, ok := e.Fun.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		if x, ok := sel.X.(*ast.Ident); !ok || r.pkgs(x.Name) != cachePath {
			return false
		}
		for _, a := range e.Args {
			if !r.argument(a) {
				return false
			}
		}
		return true
	}
	return false
}

// argument reports whether an argument of such a call depends only on
// what later programs have too: functions, literals, package members,
// calls of packages (cache.Dir(filepath.Join("a", "b"))), and variables
// or constants, which must still be there when the cell has run.
func (r *remaker) argument(e ast.Expr) bool {
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			ok = false
		case *ast.SelectorExpr:
			if r.pkgMember(n) {
				return false
			}
			if x, isIdent := n.X.(*ast.Ident); isIdent {
				r.uses = append(r.uses, x.Name) // a field of a variable
				return false
			}
			ok = false
		case *ast.CallExpr:
			switch fn := n.Fun.(type) {
			case *ast.SelectorExpr:
			case *ast.Ident:
				ok = r.funcs[fn.Name] || isPredeclared(fn.Name)
			default:
				ok = false
			}
		case *ast.Ident:
			if !r.funcs[n.Name] && !isPredeclared(n.Name) {
				r.uses = append(r.uses, n.Name)
			}
		}
		return ok
	})
	return ok
}

// pkgMember reports whether e is pkg.Name for an imported package.
func (r *remaker) pkgMember(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	return r.pkgs(x.Name) != ""
}

// remake declares, for later cells, the variables a successful run set
// from remakeable expressions but could not keep. e.mu is held.
func (e *Engine) remake(cellNum int, rs []remade) {
	declared := map[string]bool{}
	for _, d := range e.prog.decls {
		for k, key := range d.keys {
			if d.kinds[k] == token.VAR || d.kinds[k] == token.CONST {
				declared[key] = true
			}
		}
	}
	for _, r := range rs {
		if _, kept := e.state.types[r.name]; kept {
			continue
		}
		if slices.ContainsFunc(r.uses, func(n string) bool {
			_, carried := e.state.types[n]
			return !carried && !declared[n]
		}) {
			continue // it reads something later cells will not have
		}
		d, _, _, err := parseDecl(segment{line: r.line, src: "var " + r.name + " = " + r.expr})
		if err != nil {
			continue
		}
		prog := e.prog.clone()
		prog.merge(cellNum, &parsedCell{decls: []decl{d}})
		e.prog = prog
	}
}
