// Package assist answers the code-assistance requests of the kernel:
// completion, inspection and whether a cell is complete. It works on source
// text only: the cell being edited plus a Context describing what earlier
// cells left behind. It never runs user code.
//
// Completion and inspection type-check a repaired copy of the cell (the
// code under the cursor is usually unfinished): the statement under the
// cursor is cut off, a probe for the expression of interest takes its
// place, and the brackets still open are closed. Package information comes
// from export data found with `go list -export` and is cached in the
// Assistant, so only the first request naming a package pays for it.
package assist

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cellsrc"
	"github.com/gopar/gopar/internal/pkgindex"
)

// Context is what earlier cells left for the cell being edited.
type Context = cell.Scope

// Assistant answers completion and inspection requests. Its methods are
// safe for concurrent use. It caches package information and `go doc`
// output; the zero value is ready to use with the current directory.
type Assistant struct {
	// Dir is where the go command runs: the kernel's work module, so that
	// packages it requires (not only the standard library) are found.
	Dir string
	// GOROOT overrides the Go root whose src directory lists the standard
	// packages; empty means go/build's default.
	GOROOT string
	// Timeout bounds each go command; zero means 30 seconds.
	Timeout time.Duration
	// GoCmd is the go command to run; empty means "go".
	GoCmd string
	// Packages tells which import path a package name means; nil means
	// an index of the standard library under GOROOT and the well-known
	// packages. The kernel shares the engine's, so that completion and
	// execution agree.
	Packages *pkgindex.Index

	mu         sync.Mutex // guards the fields below and type-checking
	exports    map[string]exportInfo
	packages   map[string]*types.Package
	gc         types.Importer
	src        types.ImporterFrom
	importFset *token.FileSet
	listFunc   func(paths []string) (map[string]exportInfo, error) // replaces go list in tests
	docFunc    func(args ...string) (string, bool)                 // replaces go doc in tests

	pkgOnce sync.Once

	docMu sync.Mutex
	docs  map[string]docResult
}

// New returns an Assistant whose go commands run in dir.
func New(dir string) *Assistant { return &Assistant{Dir: dir} }

func (a *Assistant) timeout() time.Duration {
	if a.Timeout > 0 {
		return a.Timeout
	}
	return 30 * time.Second
}

func (a *Assistant) goCmd() string {
	if a.GoCmd != "" {
		return a.GoCmd
	}
	return "go"
}

// cellText is a cell ready for analysis: cellsrc's reading of it.
type cellText struct {
	*cellsrc.Cell
}

func newCellText(code string) *cellText {
	return &cellText{cellsrc.Read(code)}
}

// importPaths returns the import paths named by the import parts.
func (c *cellText) importPaths() map[string]bool {
	paths := make(map[string]bool)
	for _, p := range c.Parts {
		if p.Kind != token.IMPORT {
			continue
		}
		for _, t := range c.Toks {
			if t.Off >= p.Start && t.Off < p.End && t.Tok == token.STRING {
				if path, err := strconv.Unquote(t.Lit); err == nil {
					paths[path] = true
				}
			}
		}
	}
	return paths
}

// probeSpec says what to analyse: the cell is cut at the start of the
// statement containing cut (or, with afterStmt, after its end), and the
// expression [exprStart, exprEnd) of the cell is placed there.
type probeSpec struct {
	at        int
	afterStmt bool
	exprStart int
	exprEnd   int // exprEnd <= exprStart: no expression, only a position
}

// analysis is a type-checked repaired copy of a cell and its context.
type analysis struct {
	cell      *cellText
	fset      *token.FileSet
	pkg       *types.Package
	info      *types.Info
	cellFile  *ast.File
	cellTF    *token.File
	ctxFile   *ast.File
	ctxSrc    string
	varsFile  *ast.File
	b         *builder
	probePos  token.Pos                   // where the probe sits: scope lookups happen here
	probe     ast.Expr                    // the probed expression, nil when none
	checkErr  error                       // set when type-checking failed midway
	pkgByName func(string) (string, bool) // the package a name means
}

// importSpec turns a Context import into spec source.
func importSpec(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if strings.ContainsAny(s, "\"`") {
		return s
	}
	return strconv.Quote(s)
}

// dropRedeclared removes from f the declarations whose names are in
// names: a later cell's declaration replaces an earlier one.
func dropRedeclared(f *ast.File, names map[string]bool) {
	var decls []ast.Decl
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if keys := cellsrc.DeclKeys(d); len(keys) > 0 && names[keys[0]] {
				continue
			}
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				break
			}
			var specs []ast.Spec
			for _, s := range d.Specs {
				keep := true
				for _, k := range cellsrc.SpecKeys(s) {
					if names[k] {
						keep = false
					}
				}
				if keep {
					specs = append(specs, s)
				}
			}
			if len(specs) == 0 {
				continue
			}
			d.Specs = specs
		}
		decls = append(decls, d)
	}
	f.Decls = decls
}

// analyze builds and type-checks the repaired cell described by p.
func (a *Assistant) analyze(ctx Context, cell *cellText, p probeSpec) *analysis {
	an := &analysis{cell: cell, fset: token.NewFileSet()}
	an.pkgByName = a.index().Lookup

	// Earlier cells.
	an.ctxSrc = ctx.Decls
	if !cellsrc.Read(an.ctxSrc).HasPackageClause() {
		an.ctxSrc = "package main\n" + an.ctxSrc
	}
	an.ctxFile, _ = parser.ParseFile(an.fset, "context.go", an.ctxSrc, parser.ParseComments|parser.AllErrors|parser.SkipObjectResolution)
	if an.ctxFile == nil {
		an.ctxFile = &ast.File{Name: ast.NewIdent("main")}
	}

	// Imports the cell sees besides its own.
	cellImports := cell.importPaths()
	var header []string
	seen := make(map[string]bool)
	addImport := func(spec string) {
		if spec == "" || seen[spec] {
			return
		}
		seen[spec] = true
		name, path, ok := specName(spec)
		if !ok || (cellImports[path] && name == pkgindex.ImportName(path)) {
			return
		}
		header = append(header, spec)
	}
	for _, s := range ctx.Imports {
		addImport(importSpec(s))
	}
	for _, is := range an.ctxFile.Imports {
		spec := is.Path.Value
		if is.Name != nil {
			spec = is.Name.Name + " " + spec
		}
		addImport(spec)
	}

	// The repaired cell. A second pass adds the standard packages it uses
	// without importing them, as the kernel does when it runs the cell,
	// and leaves out imports whose name a declaration took over.
	cellSrc, b, probeOff := buildCell(cell, p, header)
	an.cellFile, _ = parser.ParseFile(an.fset, "cell.go", cellSrc, parser.AllErrors|parser.SkipObjectResolution)
	declaredInCells := declaredNames(an.ctxFile, an.cellFile)
	kept := header[:0:0]
	for _, h := range header {
		if name, _, _ := specName(h); !declaredInCells[name] {
			kept = append(kept, h)
		}
	}
	missing := an.missingStdImports(kept, declaredInCells)
	if len(missing) > 0 || len(kept) != len(header) {
		header = append(kept, missing...)
		cellSrc, b, probeOff = buildCell(cell, p, header)
		an.cellFile, _ = parser.ParseFile(an.fset, "cell.go", cellSrc, parser.AllErrors|parser.SkipObjectResolution)
	}
	if an.cellFile == nil {
		an.cellFile = &ast.File{Name: ast.NewIdent("main")}
	}
	an.b = b
	an.cellTF = an.fset.File(an.cellFile.FileStart)
	if an.cellTF != nil {
		an.probePos = an.cellTF.Pos(probeOff)
		if p.exprEnd > p.exprStart {
			start := an.cellTF.Pos(probeOff + len(prefixAt(cellSrc, probeOff)))
			end := start + token.Pos(p.exprEnd-p.exprStart)
			ast.Inspect(an.cellFile, func(n ast.Node) bool {
				if an.probe != nil || n == nil {
					return false
				}
				if n.Pos() > end || n.End() < start {
					return false
				}
				if e, ok := n.(ast.Expr); ok && n.Pos() == start && n.End() == end {
					an.probe = e
					return false
				}
				return true
			})
		}
	}

	// Merge by name: the cell's declarations replace earlier ones.
	declared := make(map[string]bool)
	for _, d := range an.cellFile.Decls {
		for _, k := range cellsrc.DeclKeys(d) {
			declared[k] = true
		}
	}
	dropRedeclared(an.ctxFile, declared)
	for _, d := range an.ctxFile.Decls {
		for _, k := range cellsrc.DeclKeys(d) {
			declared[k] = true
		}
	}

	// Carried variables.
	an.varsFile = a.varsFile(an, ctx.Vars, declared, header)

	files := []*ast.File{an.ctxFile, an.varsFile, an.cellFile}
	var paths []string
	for _, f := range files {
		for _, is := range f.Imports {
			if path, err := strconv.Unquote(is.Path.Value); err == nil {
				paths = append(paths, path)
			}
		}
	}
	an.info = &types.Info{
		Types:      make(map[ast.Expr]types.TypeAndValue),
		Defs:       make(map[*ast.Ident]types.Object),
		Uses:       make(map[*ast.Ident]types.Object),
		Selections: make(map[*ast.SelectorExpr]*types.Selection),
		Scopes:     make(map[ast.Node]*types.Scope),
	}
	conf := types.Config{
		Importer:                 lockedImporter{a},
		Error:                    func(error) {},
		FakeImportC:              true,
		DisableUnusedImportCheck: true,
	}
	a.ensureExports(paths)
	a.mu.Lock()
	defer a.mu.Unlock()
	an.pkg, an.checkErr = check(&conf, an.fset, files, an.info)
	return an
}

// buildCell writes the repaired cell as a Go file: the header imports,
// the cell's declarations, then its statements in one function body. The
// part holding p.at is cut at a statement boundary, where the probe goes.
// It returns the file, its map to the cell and the probe's offset.
func buildCell(cell *cellText, p probeSpec, header []string) (string, *builder, int) {
	ci := cell.PartAt(p.at)
	cur := cell.Parts[ci]
	at := p.at
	if p.afterStmt {
		at = stmtEnd(cell.Toks, cur, p.at)
	}
	c := cutAt(cell.Toks, cur, at)
	b := &builder{}
	b.lit("package main\n")
	for _, h := range header {
		b.lit("import " + h + "\n")
	}
	src := cell.Src
	probeOff := 0
	writeProbe := func(prefix string) {
		b.copy(src, cur.Start, c.keep)
		b.lit("\n")
		probeOff = b.len()
		if p.exprEnd > p.exprStart {
			b.lit(prefix)
			b.copy(src, p.exprStart, p.exprEnd)
		}
		b.lit("\n" + c.closers + "\n")
	}
	for i, ch := range cell.Parts {
		if !ch.Decl() || ch.Kind == token.PACKAGE {
			continue
		}
		if i == ci {
			prefix := "_ = "
			if c.root {
				prefix = "var _ = "
			}
			writeProbe(prefix)
			continue
		}
		b.copy(src, ch.Start, ch.End)
		b.lit("\n")
	}
	b.lit("func _() {\n")
	for i, ch := range cell.Parts {
		if ch.Decl() || i > ci {
			continue
		}
		if i == ci {
			writeProbe("_ = ")
			continue
		}
		b.copy(src, ch.Start, ch.End)
		b.lit("\n")
	}
	b.lit("\n}\n")
	return b.String(), b, probeOff
}

// declaredNames returns the package-level names the files declare.
func declaredNames(files ...*ast.File) map[string]bool {
	names := make(map[string]bool)
	for _, f := range files {
		if f == nil {
			continue
		}
		for _, d := range f.Decls {
			for _, k := range cellsrc.DeclKeys(d) {
				names[k] = true
			}
		}
	}
	return names
}

// missingStdImports returns import specs for the standard packages the
// cell names in selectors (strings.ToUpper) without importing them or
// declaring the name otherwise.
func (an *analysis) missingStdImports(header []string, declared map[string]bool) []string {
	if an.cellFile == nil {
		return nil
	}
	have := make(map[string]bool)
	for _, h := range header {
		if name, _, ok := specName(h); ok {
			have[name] = true
		}
	}
	for _, is := range an.cellFile.Imports {
		path, _ := strconv.Unquote(is.Path.Value)
		name := pkgindex.ImportName(path)
		if is.Name != nil {
			name = is.Name.Name
		}
		have[name] = true
	}
	var missing []string
	ast.Inspect(an.cellFile, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && !have[id.Name] && !declared[id.Name] {
			if path, ok := an.pkgByName(id.Name); ok {
				have[id.Name] = true
				missing = append(missing, strconv.Quote(path))
			}
		}
		return true
	})
	return missing
}

// specName returns the name and path an import spec binds.
func specName(spec string) (name, path string, ok bool) {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p; import "+spec, parser.ImportsOnly)
	if err != nil || len(f.Imports) != 1 {
		return "", "", false
	}
	is := f.Imports[0]
	path, err = strconv.Unquote(is.Path.Value)
	if err != nil {
		return "", "", false
	}
	name = pkgindex.ImportName(path)
	if is.Name != nil {
		name = is.Name.Name
	}
	return name, path, true
}

// check runs the type checker; a panic on a malformed tree is turned into
// an error so that a request on strange input still gets an answer.
func check(conf *types.Config, fset *token.FileSet, files []*ast.File, info *types.Info) (pkg *types.Package, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("type-check: %v", r)
		}
	}()
	pkg = types.NewPackage("main", "main")
	_ = types.NewChecker(conf, fset, pkg, info).Files(files)
	return pkg, nil
}

func (a *Assistant) initCaches() {
	if a.exports == nil {
		a.exports = make(map[string]exportInfo)
		a.packages = make(map[string]*types.Package)
	}
}

// prefixAt returns the probe prefix written at off ("_ = " or "var _ = ").
func prefixAt(src string, off int) string {
	for _, p := range []string{"var _ = ", "_ = "} {
		if strings.HasPrefix(src[off:], p) {
			return p
		}
	}
	return ""
}

// varsFile declares the carried variables not declared by any cell.
func (a *Assistant) varsFile(an *analysis, vars map[string]string, declared map[string]bool, header []string) *ast.File {
	names := make([]string, 0, len(vars))
	for n := range vars {
		if !declared[n] && token.IsIdentifier(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	imported := make(map[string]bool)
	var sb strings.Builder
	sb.WriteString("package main\n")
	for _, h := range header {
		sb.WriteString("import " + h + "\n")
		if name, _, ok := specName(h); ok {
			imported[name] = true
		}
	}
	var decls strings.Builder
	for _, n := range names {
		typ := stripMain(vars[n])
		e, err := parser.ParseExpr(typ)
		if err != nil {
			typ = "any"
		} else {
			ast.Inspect(e, func(x ast.Node) bool {
				if sel, ok := x.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && !imported[id.Name] {
						if path, ok := an.pkgByName(id.Name); ok {
							imported[id.Name] = true
							fmt.Fprintf(&sb, "import %q\n", path)
						}
					}
				}
				return true
			})
		}
		fmt.Fprintf(&decls, "var %s %s\n", n, typ)
	}
	sb.WriteString(decls.String())
	f, _ := parser.ParseFile(an.fset, "vars.go", sb.String(), parser.AllErrors|parser.SkipObjectResolution)
	if f == nil {
		f = &ast.File{Name: ast.NewIdent("main")}
	}
	return f
}

// stripMain removes the "main." qualifier from a type string: carried
// variables of cell-declared types are reported that way.
func stripMain(typ string) string {
	var sb strings.Builder
	for i := 0; i < len(typ); i++ {
		if strings.HasPrefix(typ[i:], "main.") && (i == 0 || !isIdentByte(typ[i-1])) {
			i += len("main.") - 1
			continue
		}
		sb.WriteByte(typ[i])
	}
	return sb.String()
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 0x80 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// lookup finds the object name denotes at the probe position.
func (an *analysis) lookup(name string) types.Object {
	if an.pkg == nil {
		return nil
	}
	s := an.scopeAt()
	if s == nil {
		return nil
	}
	_, obj := s.LookupParent(name, an.probePos)
	return obj
}

// scopeAt returns the innermost scope at the probe position.
func (an *analysis) scopeAt() *types.Scope {
	if an.pkg == nil {
		return nil
	}
	s := an.pkg.Scope().Innermost(an.probePos)
	if s == nil {
		s = an.pkg.Scope()
	}
	return s
}

// cellOffset maps a position in the repaired cell to an offset in the
// cell as received; ok is false for positions outside the cell file or in
// text the repair added.
func (an *analysis) cellOffset(pos token.Pos) (int, bool) {
	if an.cellTF == nil || !pos.IsValid() || pos < token.Pos(an.cellTF.Base()) || int(pos) > an.cellTF.Base()+an.cellTF.Size() {
		return 0, false
	}
	return an.b.toOrig(an.cellTF.Offset(pos), len(an.cell.Src))
}

// For binds the assistant to the scope of a running notebook: the result
// answers the kernel's code-assistance requests, each against what the
// cells have declared by then.
func (a *Assistant) For(scope func() Context) cell.Assistant {
	return bound{a: a, scope: scope}
}

type bound struct {
	a     *Assistant
	scope func() Context
}

func (b bound) Complete(code string, cursor int) cell.Completion {
	return b.a.Complete(b.scope(), code, cursor)
}

func (b bound) Inspect(code string, cursor, detail int) cell.Inspection {
	return b.a.Inspect(b.scope(), code, cursor, detail)
}

func (b bound) IsComplete(code string) cell.Completeness { return IsComplete(code) }
