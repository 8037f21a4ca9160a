package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/scanner"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
)

// cachePath is the package of cached functions, whose programs are told
// what the code of each function is.
const cachePath = "github.com/gopar/gopar/parallel/cache"

// codeInfo is what a program using cached functions is told about its
// code: a fingerprint per function or method the cells declare, and the
// version of each module.
type codeInfo struct {
	funcs   map[string]string
	modules map[string]string
}

// A declInfo is what one declaration contributes to fingerprints.
type declInfo struct {
	norm     string          // source without comments, layout or prints
	idents   map[string]bool // names it uses
	selected map[string]bool // names it selects (x.Name): fields or methods
	pkgs     map[string]bool // import paths it uses
}

// codeFingerprints fingerprints every function and method the cells
// declare: its source and that of every declaration it uses, directly or
// through others (functions, methods of the types it uses or names,
// types, constants), with comments, layout and printing statements left
// out, and the versions of the modules of the packages they import. Two
// programs give a function the same fingerprint exactly when what it
// computes can differ only through variables' values.
func codeFingerprints(decls []declEntry, imports []importSpec, versions map[string]string) map[string]string {
	g := newDeclGraph(decls, imports, true)
	funcs := map[string]string{}
	for i, d := range decls {
		var keys []string
		for k, key := range d.keys {
			if d.kinds[k] == token.FUNC && !strings.HasPrefix(key, "init@") {
				keys = append(keys, key)
			}
		}
		if len(keys) == 0 {
			continue
		}
		closure := g.reach(i)
		// In the order of their text, not of the cells: redefining a
		// helper moves it to the end without changing what runs.
		var norms, pkgs []string
		for _, j := range closure {
			norms = append(norms, g.infos[j].norm)
			for p := range g.infos[j].pkgs {
				pkgs = append(pkgs, p)
			}
		}
		slices.Sort(norms)
		h := sha256.New()
		for _, n := range norms {
			h.Write([]byte(n))
			h.Write([]byte{0})
		}
		slices.Sort(pkgs)
		for _, p := range slices.Compact(pkgs) {
			h.Write([]byte(p + "@" + moduleVersionOf(p, versions) + "\x00"))
		}
		fp := hex.EncodeToString(h.Sum(nil))[:32]
		for _, k := range keys {
			funcs[k] = fp
		}
	}
	return funcs
}

// A declGraph says which declarations each one uses, as far as names
// tell: a name may mean a function, type, constant or (when asked)
// variable of that name; a type brings its methods (fmt calls String,
// interfaces call the rest); a selected name, any method of that name.
type declGraph struct {
	infos   []declInfo
	named   map[string][]int // func, type, const (and var) name -> decls
	methods map[string][]int // method name -> decls
	ofType  map[string][]int // type name -> its methods' decls
}

// newDeclGraph analyses decls once; withVars has variable declarations
// count as used through their names.
func newDeclGraph(decls []declEntry, imports []importSpec, withVars bool) *declGraph {
	byName := map[string]string{} // import name -> path
	for _, im := range imports {
		if im.name != "_" && im.name != "." {
			byName[im.nameInFile()] = im.path
		}
	}
	g := &declGraph{infos: make([]declInfo, len(decls)), named: map[string][]int{}, methods: map[string][]int{}, ofType: map[string][]int{}}
	for i, d := range decls {
		g.infos[i] = analyse(d.src, byName)
		for k, key := range d.keys {
			if typ, m, ok := strings.Cut(key, "."); ok && d.kinds[k] == token.FUNC {
				g.methods[m] = append(g.methods[m], i)
				g.ofType[typ] = append(g.ofType[typ], i)
				continue
			}
			if withVars || d.kinds[k] != token.VAR {
				g.named[key] = append(g.named[key], i)
			}
		}
	}
	return g
}

// reach returns, sorted, the declarations decl i uses, itself included.
func (g *declGraph) reach(i int) []int {
	seen := map[int]bool{i: true}
	queue := []int{i}
	for len(queue) > 0 {
		j := queue[0]
		queue = queue[1:]
		add := func(ds []int) {
			for _, d := range ds {
				if !seen[d] {
					seen[d] = true
					queue = append(queue, d)
				}
			}
		}
		for name := range g.infos[j].idents {
			add(g.named[name])
			add(g.ofType[name])
		}
		for name := range g.infos[j].selected {
			add(g.methods[name])
		}
	}
	out := make([]int, 0, len(seen))
	for j := range seen {
		out = append(out, j)
	}
	sort.Ints(out)
	return out
}

// analyse parses a declaration and returns its normal form and what it
// uses.
func analyse(src string, imports map[string]string) declInfo {
	info := declInfo{idents: map[string]bool{}, selected: map[string]bool{}, pkgs: map[string]bool{}}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", "package p;"+src, parser.SkipObjectResolution)
	if err != nil {
		info.norm = src // it compiled, so this does not happen; be exact anyway
		return info
	}
	dropPrints(f)
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok {
				if p, isPkg := imports[id.Name]; isPkg {
					info.pkgs[p] = true
					return false
				}
			}
			info.selected[n.Sel.Name] = true
		case *ast.Ident:
			info.idents[n.Name] = true
		}
		return true
	})
	var buf bytes.Buffer
	for _, d := range f.Decls {
		printer.Fprint(&buf, fset, d)
		buf.WriteByte('\n')
	}
	info.norm = tokens(buf.Bytes())
	return info
}

// tokens spells Go source as its tokens, one space apart, so that where
// lines break does not count: a semicolon is one whether written or
// implied by a line's end, and a comma or semicolon before a closing
// bracket, which only a broken line needs, is left out.
func tokens(src []byte) string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(src)), src, nil, 0)
	var toks []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.RBRACE, token.RPAREN, token.RBRACK:
			if n := len(toks); n > 0 && (toks[n-1] == "," || toks[n-1] == ";") {
				toks = toks[:n-1]
			}
		case token.SEMICOLON:
			lit = ""
		}
		if lit == "" {
			lit = tok.String()
		}
		toks = append(toks, lit)
	}
	return strings.Join(toks, " ")
}

// dropPrints removes statements that only print values already computed
// (fmt.Println(x), log.Printf("%v", x.y)), which change what a function
// shows, not what it returns. A print whose arguments call anything
// stays: the call may matter.
func dropPrints(f *ast.File) {
	ast.Inspect(f, func(n ast.Node) bool {
		if b, ok := n.(*ast.BlockStmt); ok {
			b.List = slices.DeleteFunc(b.List, isPurePrint)
		}
		if c, ok := n.(*ast.CaseClause); ok {
			c.Body = slices.DeleteFunc(c.Body, isPurePrint)
		}
		return true
	})
}

func isPurePrint(s ast.Stmt) bool {
	es, ok := s.(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok {
		return false
	}
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		if fn.Name != "println" && fn.Name != "print" {
			return false
		}
	case *ast.SelectorExpr:
		pkg, ok := fn.X.(*ast.Ident)
		if !ok || (pkg.Name != "fmt" && pkg.Name != "log") || !strings.HasPrefix(fn.Sel.Name, "Print") {
			return false
		}
	default:
		return false
	}
	pure := true
	for _, a := range call.Args {
		ast.Inspect(a, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr, *ast.FuncLit:
				pure = false
			case *ast.UnaryExpr:
				if n.Op == token.ARROW {
					pure = false
				}
			}
			return pure
		})
	}
	return pure
}

// moduleVersionOf names the version of the module providing an import
// path: Go's own for the standard library (the cache adds it), the
// required version (or the replacement) for the rest.
func moduleVersionOf(path string, versions map[string]string) string {
	if !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
		return "std"
	}
	best := ""
	for m := range versions {
		if (path == m || strings.HasPrefix(path, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	if best == "" {
		return "unknown"
	}
	return versions[best]
}

// moduleVersions reads the versions of the modules the cells' go.mod
// requires, a replacement counting as its target.
func moduleVersions(dir string) map[string]string {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return nil
	}
	mf, err := modfile.Parse("go.mod", b, nil)
	if err != nil {
		return nil
	}
	versions := map[string]string{}
	for _, r := range mf.Require {
		versions[r.Mod.Path] = r.Mod.Version
	}
	for _, r := range mf.Replace {
		if _, ok := versions[r.Old.Path]; ok || r.Old.Version == "" {
			versions[r.Old.Path] = "=> " + r.New.Path + " " + r.New.Version
		}
	}
	return versions
}

// readsVariables lists the variables the cells declare (or carry) that
// the function with key fn reads, directly or through what it calls:
// their values are not part of a cached function's key.
func readsVariables(fn string, decls []declEntry, g *declGraph, vars map[string]bool) []string {
	start := -1
	for i, d := range decls {
		if slices.Contains(d.names(token.FUNC), fn) {
			start = i
		}
	}
	if start < 0 {
		return nil
	}
	var out []string
	for _, j := range g.reach(start) {
		for name := range g.infos[j].idents {
			if vars[name] && !isLocal(decls[j].src, name) {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// isLocal reports whether name is declared inside the declaration (a
// parameter, a local variable), which shadows a package-level one.
func isLocal(src, name string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+src, 0)
	if err != nil {
		return false
	}
	local := false
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		ast.Inspect(fd, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Field:
				for _, id := range n.Names {
					local = local || id.Name == name
				}
			case *ast.AssignStmt:
				if n.Tok == token.DEFINE {
					for _, l := range n.Lhs {
						if id, ok := l.(*ast.Ident); ok && id.Name == name {
							local = true
						}
					}
				}
			case *ast.ValueSpec:
				for _, id := range n.Names {
					local = local || id.Name == name
				}
			case *ast.RangeStmt:
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if id, ok := e.(*ast.Ident); ok && id.Name == name {
						local = true
					}
				}
			}
			return !local
		})
	}
	return local
}

// cachedCall is a cell function the cell passes to package cache.
type cachedCall struct {
	fn   string
	line int
}

// cachedCalls finds cache.Func(f) and its kin in a cell's statements and
// declarations, where f is one of the cells' functions.
func cachedCalls(pc *parsedCell, decls []declEntry, cacheName string) []cachedCall {
	var segs []segment
	segs = append(segs, pc.stmts...)
	for _, d := range decls {
		if d.cell == currentCell {
			segs = append(segs, d.segment)
		}
	}
	var out []cachedCall
	for i, s := range segs {
		src := s.padded("package p;")
		if i < len(pc.stmts) {
			src = s.padded("package p;func _(){") + "\n}"
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !strings.HasPrefix(sel.Sel.Name, "Func") {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != cacheName {
				return true
			}
			if id, ok := call.Args[0].(*ast.Ident); ok {
				out = append(out, cachedCall{fn: id.Name, line: fset.Position(call.Pos()).Line})
			}
			return true
		})
	}
	return out
}

// cacheNotes says, for each cell function the cell caches that reads
// package-level variables, that their values are not part of the key.
func cacheNotes(cellNum int, pc *parsedCell, decls []declEntry, imports []importSpec, carried map[string]bool) []string {
	name := ""
	for _, im := range imports {
		if im.path == cachePath {
			name = im.nameInFile()
		}
	}
	if name == "" {
		return nil
	}
	vars := maps.Clone(carried)
	for _, d := range decls {
		for _, v := range d.names(token.VAR) {
			vars[v] = true
		}
	}
	var notes []string
	var g *declGraph
	for _, c := range cachedCalls(pc, decls, name) {
		if g == nil {
			g = newDeclGraph(decls, imports, false) // once, for every call
		}
		if read := readsVariables(c.fn, decls, g, vars); len(read) > 0 {
			notes = append(notes, fmt.Sprintf("note: cell[%d] line %d: %s reads %s; cached results do not change when %s: pass %s as an argument, or change cache.Version",
				cellNum, c.line, c.fn, plural(read, "the variable ", "the variables "), plural(read, "it does", "they do"), plural(read, "it", "them")))
		}
	}
	return notes
}

// plural picks the form for one or several names; forms ending in a space
// are followed by the names.
func plural(names []string, one, many string) string {
	form := one
	if len(names) > 1 {
		form = many
	}
	if strings.HasSuffix(form, " ") {
		return form + strings.Join(names, ", ")
	}
	return form
}
