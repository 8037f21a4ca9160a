package engine

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"

	"github.com/gopar/gopar/internal/childproto"
	"github.com/gopar/gopar/internal/pkgindex"
	"golang.org/x/tools/imports"
)

// declEntry is a declaration remembered from a cell that compiled.
type declEntry struct {
	decl
	cell int // execution count of the cell it came from
}

// program is the state that persists between cells: imports and
// declarations, merged by name. It is copied, changed and swapped in only
// when a cell compiles, so a failing cell changes nothing.
type program struct {
	imports []importSpec
	decls   []declEntry
}

func (p *program) clone() *program {
	return &program{imports: slices.Clone(p.imports), decls: slices.Clone(p.decls)}
}

// merge adds a cell's imports and declarations; a declaration replaces
// every earlier one that shares a name with it.
func (p *program) merge(cellNum int, pc *parsedCell) {
	for _, im := range pc.imports {
		p.addImport(im)
	}
	for _, d := range pc.decls {
		p.decls = slices.DeleteFunc(p.decls, func(old declEntry) bool {
			for _, k := range d.keys {
				if slices.Contains(old.keys, k) {
					return true
				}
			}
			return false
		})
		p.decls = append(p.decls, declEntry{decl: d, cell: cellNum})
	}
}

func (p *program) addImport(im importSpec) {
	// A new import of a path, or under a name, replaces the old one.
	p.imports = slices.DeleteFunc(p.imports, func(old importSpec) bool {
		return old.path == im.path || (im.name != "" && im.name != "_" && old.name == im.name)
	})
	p.imports = append(p.imports, im)
}

// remove forgets the declarations or import that name denotes: a key
// ("f", "T.M"), a name as %list writes it ("func f", "import fmt"), or an
// import path or name. It reports whether anything was removed.
func (p *program) remove(name string) bool {
	n := len(p.decls) + len(p.imports)
	p.decls = slices.DeleteFunc(p.decls, func(d declEntry) bool {
		return slices.Contains(d.keys, name) || slices.Contains(declNames(d.decl), name)
	})
	path := strings.TrimPrefix(name, "import ")
	p.imports = slices.DeleteFunc(p.imports, func(im importSpec) bool {
		return im.path == path || im.nameInFile() == path
	})
	return len(p.decls)+len(p.imports) < n
}

// addImportIfMissing remembers an import that was found for a cell,
// unless the path is imported already.
func (p *program) addImportIfMissing(im importSpec) {
	for _, old := range p.imports {
		if old.path == im.path {
			return
		}
	}
	p.imports = append(p.imports, im)
}

// composeOptions controls how one cell becomes a program.
type composeOptions struct {
	cell int  // execution count of the cell being run
	show bool // wrap the last expression to show its value
	vars varPlan
	// code, when set, is told to the program, which uses cached
	// functions.
	code *codeInfo
}

// compose writes the Go source of the program that runs a cell: every
// remembered declaration, then the cell's statements as main's body. Line
// directives make compile errors and panic traces name cell[N]:line.
func compose(imports []importSpec, decls []declEntry, pc *parsedCell, opt composeOptions) string {
	var b strings.Builder
	b.WriteString("package main\n\n")
	if importsCluster(imports) && !slices.Contains(imports, importSpec{name: clusterName, path: clusterModule}) {
		imports = append(slices.Clip(imports), importSpec{name: clusterName, path: clusterModule})
	}
	writeImports(&b, imports, len(pc.stmts) > 0 || len(opt.vars.save) > 0 || len(opt.vars.load) > 0 || opt.code != nil)
	if opt.code != nil {
		b.WriteString("\n//line gopar-code.go:1\n" + childproto.CodeDecl(opt.code.funcs, opt.code.modules) + "\n")
	}
	if len(opt.vars.declare) > 0 {
		// Declared before the load below: Go initializes package-level
		// variables in declaration order as their dependencies allow, so
		// these, which have no initializers, are done first, and the load
		// is then the first initializer ready to run.
		b.WriteString("\n//line gopar-vars.go:1\nvar (\n")
		for _, v := range opt.vars.declare {
			b.WriteString("\t" + v + "\n")
		}
		b.WriteString(")\n")
	}
	if len(opt.vars.load) > 0 {
		// Carried values are loaded by the first package-level
		// initializer, so that the cells' own initializers (var y = x+1,
		// var sq = cache.Func(f, cache.Dir(dir))) see them. Values inside
		// interfaces are rebuilt by type name: the codec must know the
		// types the cells declare.
		b.WriteString("\n//line gopar-vars.go:1\nvar _ = func() bool {\n")
		for i, d := range decls {
			if !opt.vars.skipDecl[i] {
				for _, t := range d.plainTypes {
					b.WriteString(childproto.RegisterCall(t) + "\n")
				}
			}
		}
		b.WriteString(childproto.LoadVarsCall(varMap(opt.vars.load)) + "\nreturn true\n}()\n")
	}
	for i, d := range decls {
		if opt.vars.skipDecl[i] {
			continue
		}
		fmt.Fprintf(&b, "\n//line cell[%d]:%d\n%s\n", d.cell, d.line, d.src)
	}
	b.WriteString("\n//line gopar-main.go:1\nfunc main() {\n")
	if importsCluster(imports) {
		writeClusterStart(&b, decls, opt.vars.skipDecl)
	}
	if opt.code != nil {
		b.WriteString(childproto.EndCall() + "\n")
	}
	if pc.parseFlags {
		b.WriteString("flag.Parse()\n")
	}
	for i, s := range pc.stmts {
		// Recording the running statement lets the kernel name the line
		// of an os.Exit, which leaves no trace of its own.
		b.WriteString(childproto.AtCall(opt.cell, s.line) + "\n")
		fmt.Fprintf(&b, "//line cell[%d]:%d\n", opt.cell, s.line)
		if i == pc.lastExpr && opt.show {
			b.WriteString(childproto.ShowCall(s.src) + "\n")
			continue
		}
		b.WriteString(s.src)
		b.WriteString("\n")
	}
	if len(pc.defined) > 0 {
		// A cell that only sets a variable is normal in a notebook; the
		// compiler's "declared and not used" must not reject it.
		b.WriteString("//line gopar-main.go:2\n")
		for _, n := range pc.defined {
			fmt.Fprintf(&b, "_ = %s\n", n)
		}
	}
	if len(opt.vars.save) > 0 {
		b.WriteString("//line gopar-main.go:3\n" + childproto.SaveVarsCall(varMap(opt.vars.save), opt.vars.remadeSaved()...) + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// clusterName is the name a program imports parallel/cluster under for
// the calls the engine adds, which no cell name can shadow.
const clusterName = "gopar_cluster"

func importsCluster(imports []importSpec) bool {
	return slices.ContainsFunc(imports, func(im importSpec) bool {
		return im.path == clusterModule && im.name != clusterName
	})
}

// writeClusterStart begins main of a program that uses parallel/cluster.
// Its functions travel to Beam's workers by name, and a worker is this
// program started again: every function the cells declare is registered,
// then Init turns a worker aside before the cell's own work (or the
// loading of variables, which live with the kernel) begins.
func writeClusterStart(b *strings.Builder, decls []declEntry, skip map[int]bool) {
	var fns []string
	for i, d := range decls {
		if !skip[i] {
			fns = append(fns, d.plainFuncs...)
		}
	}
	if len(fns) > 0 {
		fmt.Fprintf(b, "%s.Register(%s)\n", clusterName, strings.Join(fns, ", "))
	}
	fmt.Fprintf(b, "%s.Init()\n", clusterName)
}

// varMap is the source of a map from variable names to their addresses.
func varMap(names []string) string {
	var b strings.Builder
	b.WriteString("map[string]any{")
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: &%s", n, n)
	}
	b.WriteString("}")
	return b.String()
}

// writeImports writes the import block. The runtime is always linked: a
// cell of declarations alone still runs their initializers, and the
// runtime is what attaches the notebook (progress bars, interrupts) to
// the libraries they call. Unless the program calls it, it is imported
// for that effect only.
func writeImports(b *strings.Builder, specs []importSpec, callsRT bool) {
	b.WriteString("import (\n")
	for _, im := range specs {
		if im.name != "" {
			fmt.Fprintf(b, "\t%s %s\n", im.name, strconv.Quote(im.path))
		} else {
			fmt.Fprintf(b, "\t%s\n", strconv.Quote(im.path))
		}
	}
	name := childproto.RuntimeName
	if !callsRT {
		name = "_"
	}
	fmt.Fprintf(b, "\t%s %s\n", name, strconv.Quote(childproto.RuntimePath))
	b.WriteString(")\n")
}

// fixImports drops imports the program does not use and adds the ones it
// needs but lacks; where it cannot tell, the imports stay as they are
// and the compiler names the problem. Dropping is done here, from the parsed file; only when
// a package name is unresolved is golang.org/x/tools/imports asked to
// find it, which is the slow path. The result is the import list to
// compose with.
func fixImports(filename, src string, specs []importSpec, index *pkgindex.Index) []importSpec {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, 0)
	if err != nil {
		// Leave syntax errors for the compiler, which names the cell line.
		return specs
	}
	used := map[string]bool{} // unresolved identifiers used as X in X.Sel
	unresolved := map[string]bool{}
	for _, id := range f.Unresolved {
		unresolved[id.Name] = true
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil && unresolved[id.Name] {
				used[id.Name] = true
			}
		}
		return true
	})
	var kept []importSpec
	provided := map[string]bool{}
	for _, im := range specs {
		name := im.nameInFile()
		if im.name == "_" || im.name == "." || used[name] {
			kept = append(kept, im)
			provided[name] = true
		}
	}
	missing := false
	for _, n := range sortedKeys(used) {
		if provided[n] || n == childproto.RuntimeName || isPredeclared(n) {
			continue
		}
		if p, ok := index.Lookup(n); ok {
			kept = append(kept, importSpec{path: p})
			provided[n] = true
			continue
		}
		missing = true
	}
	if !missing {
		return kept
	}
	out, err := imports.Process(filename, []byte(src), &imports.Options{Comments: true, TabIndent: true, TabWidth: 8})
	if err != nil {
		return kept
	}
	g, err := parser.ParseFile(token.NewFileSet(), filename, out, parser.ImportsOnly)
	if err != nil {
		return kept
	}
	var fixed []importSpec
	for _, is := range g.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		if p == childproto.RuntimePath {
			continue
		}
		im := importSpec{path: p}
		if is.Name != nil {
			im.name = is.Name.Name
		}
		fixed = append(fixed, im)
	}
	return fixed
}

// isPredeclared reports whether a name is one of Go's predeclared
// identifiers, which are never packages.
func isPredeclared(n string) bool {
	return types.Universe.Lookup(n) != nil
}
