package engine

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/gopar/gopar/internal/carry"
	"github.com/gopar/gopar/internal/childproto"
)

// stateStore holds the variables carried between cells. Each run that
// saves works in a new generation directory, made of hard links to the
// current one (cheap, whatever the values' size); the engine adopts it
// only when the run succeeded, so a failed or interrupted cell leaves
// every carried value as it was.
type stateStore struct {
	root  string
	gen   int
	cur   string                        // current generation; "" when empty
	types map[string]childproto.VarType // carried variables and their types
	// groups maps each variable to its group: variables that share
	// memory are saved and loaded together, so the sharing survives.
	groups map[string]string
}

func newStateStore(root string) (*stateStore, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	return &stateStore{root: root, types: map[string]childproto.VarType{}}, nil
}

// next prepares the directory for a run that saves.
func (s *stateStore) next() (string, error) {
	s.gen++
	dir := filepath.Join(s.root, fmt.Sprintf("gen-%d", s.gen))
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("state dir: %w", err)
	}
	if s.cur == "" {
		return dir, nil
	}
	entries, err := os.ReadDir(s.cur)
	if err != nil {
		return "", fmt.Errorf("state dir: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		if err := os.Link(filepath.Join(s.cur, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return "", fmt.Errorf("state dir: %w", err)
		}
	}
	return dir, nil
}

// adopt makes dir, written by a successful run, the current generation.
// A types file that cannot be read costs the variables, not the kernel.
func (s *stateStore) adopt(dir string) error {
	types, err := childproto.ReadTypes(dir)
	if err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("carried variables lost: %w", err)
	}
	if s.cur != "" {
		os.RemoveAll(s.cur)
	}
	s.cur, s.types, s.groups = dir, types, varGroups(dir)
	return nil
}

// varGroups reads which variables were saved together because they
// share memory.
func varGroups(dir string) map[string]string {
	list, err := carry.List(dir)
	if err != nil {
		return nil
	}
	groups := make(map[string]string, len(list))
	for _, v := range list {
		groups[v.Name] = v.Group
	}
	return groups
}

// discard drops a generation a failed run wrote.
func (s *stateStore) discard(dir string) {
	if dir != "" && dir != s.cur {
		os.RemoveAll(dir)
	}
}

// forget removes variables from the current generation.
func (s *stateStore) forget(names ...string) error {
	if s.cur == "" {
		return nil
	}
	dir, err := s.next()
	if err != nil {
		return err
	}
	if err := carry.Remove(dir, names...); err != nil {
		s.discard(dir)
		return err
	}
	types, err := childproto.ReadTypes(dir)
	if err != nil {
		types = map[string]childproto.VarType{}
	}
	for _, n := range names {
		delete(types, n)
	}
	if err := childproto.WriteTypes(dir, types); err != nil {
		s.discard(dir)
		return err
	}
	return s.adopt(dir)
}

// reset forgets every variable.
func (s *stateStore) reset() {
	if s.cur != "" {
		os.RemoveAll(s.cur)
	}
	s.cur, s.types, s.groups = "", map[string]childproto.VarType{}, nil
}

// varPlan is what one program does with carried variables.
type varPlan struct {
	declare []string // package-level declarations: "name type"
	imports []importSpec
	load    []string
	save    []string
	// dropped maps carried variables that no longer fit to why.
	dropped map[string]string
	// skipDecl marks declarations replaced by carried variables.
	skipDecl map[int]bool
	// remade are variables the cell sets from expressions later
	// programs evaluate again, and remadeDecl those of its declarations
	// that are made again anyway: when their values cannot be kept, no
	// note says so.
	remade     []remade
	remadeDecl []string
}

// remadeSaved lists the saved variables that are made again by later
// programs.
func (p varPlan) remadeSaved() []string {
	var out []string
	for _, name := range p.save {
		if slices.ContainsFunc(p.remade, func(r remade) bool { return r.name == name }) || slices.Contains(p.remadeDecl, name) {
			out = append(out, name)
		}
	}
	return out
}

// droppedNote names the dropped variables and why, for the cell's output.
func (p varPlan) droppedNote() string {
	var parts []string
	for _, name := range sortedKeys(p.dropped) {
		parts = append(parts, name+" ("+p.dropped[name]+")")
	}
	return "dropped: " + strings.Join(parts, ", ")
}

// allCarried reports whether a declaration declares only variables, all
// of them carried.
func allCarried(d decl, types map[string]childproto.VarType) bool {
	if d.fresh {
		return false
	}
	for i, k := range d.keys {
		if d.kinds[i] != token.VAR {
			return false
		}
		if _, carried := types[k]; !carried {
			return false
		}
	}
	return len(d.keys) > 0
}

// planVars decides which carried variables a cell's program declares,
// loads and saves. Every carried variable is declared, so functions from
// earlier cells that use them compile; only those the cell uses, directly
// or through functions it calls, are loaded and saved again.
func planVars(types map[string]childproto.VarType, groups map[string]string, decls []declEntry, pc *parsedCell) varPlan {
	plan := varPlan{skipDecl: map[int]bool{}, dropped: map[string]string{}}
	names := plan.skipCarried(types, decls)
	plan.declareCarried(types, names)
	used := usedNames(decls, pc, plan.skipDecl)
	// A variable that shares memory with a used one comes along, or the
	// sharing would be lost when the used one is saved again.
	usedGroups := map[string]bool{}
	for name := range types {
		if g := groups[name]; g != "" && used[name] {
			usedGroups[g] = true
		}
	}
	for name := range types {
		if g := groups[name]; g != "" && usedGroups[g] {
			used[name] = true
		}
	}
	saved := map[string]bool{}
	for _, d := range decls {
		if d.fresh {
			for _, name := range d.names(token.VAR) {
				saved[name] = true // made again by each program, never carried
			}
		}
	}
	save := func(name string) {
		if !saved[name] {
			plan.save = append(plan.save, name)
			saved[name] = true
		}
	}
	for _, name := range sortedKeys(types) {
		if _, dropped := plan.dropped[name]; used[name] && !names.redefined[name] && !dropped && !saved[name] {
			plan.load = append(plan.load, name)
			save(name)
		}
	}
	for _, d := range decls {
		if d.cell == currentCell {
			for _, name := range d.names(token.VAR) {
				save(name)
			}
		}
	}
	for _, name := range pc.defined {
		save(name)
	}
	return plan
}

// declaredNames sorts what the composed declarations define.
type declaredNames struct {
	vars      map[string]bool // variables the kept declarations define
	typeNames map[string]bool // types declared in cells
	redefined map[string]bool // variables the current cell declares
	others    map[string]bool // funcs, types and consts
}

// skipCarried marks the var declarations of earlier cells whose
// variables are all carried: they are not composed again, since their
// initializers ran once and the carried values replace them. It returns
// what the kept declarations define.
func (plan *varPlan) skipCarried(types map[string]childproto.VarType, decls []declEntry) declaredNames {
	n := declaredNames{vars: map[string]bool{}, typeNames: map[string]bool{}, redefined: map[string]bool{}, others: map[string]bool{}}
	for i, d := range decls {
		if d.cell != currentCell && allCarried(d.decl, types) {
			plan.skipDecl[i] = true
			continue
		}
		for k, name := range d.keys {
			switch d.kinds[k] {
			case token.VAR:
				n.vars[name] = true
				if d.cell == currentCell {
					n.redefined[name] = true
				}
			case token.TYPE:
				n.typeNames[name] = true
				n.others[name] = true
			default:
				n.others[name] = true
			}
		}
	}
	return n
}

// declareCarried declares the carried variables that still fit what the
// cells declare, with the imports their types need, and drops the others
// with the reason.
func (plan *varPlan) declareCarried(types map[string]childproto.VarType, names declaredNames) {
	imported := map[string]bool{}
	for _, name := range sortedKeys(types) {
		t := types[name]
		if names.others[name] {
			plan.dropped[name] = "a cell declares " + name + " otherwise now"
			continue
		}
		if missing := undeclaredTypes(t.Source, names.typeNames); missing != "" {
			plan.dropped[name] = "its type " + missing + " is no longer declared"
			continue
		}
		if !names.vars[name] {
			plan.declare = append(plan.declare, name+" "+t.Source)
		}
		for alias, path := range t.Imports {
			if !imported[alias] {
				imported[alias] = true
				plan.imports = append(plan.imports, importSpec{name: alias, path: path})
			}
		}
	}
	sort.Slice(plan.imports, func(i, j int) bool { return plan.imports[i].name < plan.imports[j].name })
}

// undeclaredTypes returns a cell type that a type expression names but
// the cells no longer declare, or "".
func undeclaredTypes(src string, typeNames map[string]bool) string {
	expr, err := parser.ParseExpr(src)
	if err != nil {
		return src
	}
	missing := ""
	ast.Inspect(expr, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			return false // a package's type
		case *ast.Field:
			// Struct field names are not types; look at the type only.
			if n.Type != nil {
				if m := undeclaredTypes(exprString(src, n.Type), typeNames); m != "" && missing == "" {
					missing = m
				}
			}
			return false
		case *ast.Ident:
			if !typeNames[n.Name] && !isPredeclared(n.Name) && missing == "" {
				missing = n.Name
			}
		}
		return true
	})
	return missing
}

func exprString(src string, e ast.Expr) string {
	// Positions from ParseExpr are offsets+1 into src.
	return src[e.Pos()-1 : e.End()-1]
}

// usedNames lists the identifiers a cell's statements use, directly or
// through the functions and methods of the cells they call, transitively,
// and those the initializers of composed variable declarations use (they
// run in every program, after the carried values are loaded). It
// over-approximates (any identifier of the name counts), which costs at
// most an unneeded load.
func usedNames(decls []declEntry, pc *parsedCell, skipped map[int]bool) map[string]bool {
	funcs := map[string][]int{} // func or method name -> decls
	for i, d := range decls {
		for _, name := range d.names(token.FUNC) {
			// A method's key is T.M; a call names it by M.
			if _, m, isMethod := strings.Cut(name, "."); isMethod {
				name = m
			}
			funcs[name] = append(funcs[name], i)
		}
	}
	used := map[string]bool{}
	var queue []string
	add := func(src string, wrap bool) {
		if wrap {
			src = "package p;func _(){\n" + src + "\n}"
		} else {
			src = "package p;" + src
		}
		f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
		if err != nil {
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && !used[id.Name] {
				used[id.Name] = true
				queue = append(queue, id.Name)
			}
			return true
		})
	}
	for _, s := range pc.stmts {
		add(s.src, true)
	}
	visited := map[int]bool{}
	for i, d := range decls {
		if !skipped[i] && slices.Contains(d.kinds, token.VAR) {
			visited[i] = true
			add(d.src, false)
		}
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		for _, i := range funcs[name] {
			if !visited[i] {
				visited[i] = true
				add(decls[i].src, false)
			}
		}
	}
	return used
}
