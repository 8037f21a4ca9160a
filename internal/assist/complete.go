package assist

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cellsrc"
)

// Complete answers a complete_request for code with the cursor at the
// given code point.
//
// Matches are bare names: they replace the text between CursorStart and
// CursorEnd, which delimit the identifier prefix before the cursor. After
// "fmt.Printl" the matches are ["Println"], with CursorStart at the "P".
// Without a selector the candidates are the names in scope at the cursor
// (declarations of this and earlier cells, carried variables, locals and
// parameters declared before the cursor, imports), Go keywords,
// predeclared identifiers and standard-library package names. After
// "x." they are the exported members of package x, or the fields and
// methods of x's type. Matches start with the prefix, are sorted and
// unique. Inside a comment, a string or a magic line there are none.
// Metadata carries "_jupyter_types_experimental" with a kind per match.
func (a *Assistant) Complete(ctx Context, code string, cursor int) cell.Completion {
	off := byteOffset(code, cursor)
	cursor = runeOffset(code, off)
	empty := cell.Completion{Matches: []string{}, CursorStart: cursor, CursorEnd: cursor, Metadata: map[string]any{}}
	if st := cellsrc.StateAt(code, off); st != cellsrc.Code {
		return empty
	}
	start := identBefore(code, off)
	prefix := code[start:off]
	if prefix != "" && !isIdentStart(prefix) {
		return empty // a number such as 1.5e
	}
	res := empty
	res.CursorStart = runeOffset(code, start)

	ct := newCellText(code)
	var cands []candidate
	if start > 0 && code[start-1] == '.' {
		es := operandStart(ct.Toks, start-1)
		if es < 0 {
			return res
		}
		an := a.analyze(ctx, ct, probeSpec{at: es, exprStart: es, exprEnd: start - 1})
		cands = a.selectorCandidates(an)
	} else {
		an := a.analyze(ctx, ct, probeSpec{at: start})
		cands = a.scopeCandidates(an)
	}

	seen := make(map[string]bool)
	var kept []candidate
	for _, c := range cands {
		if !strings.HasPrefix(c.name, prefix) || seen[c.name] || c.name == "_" {
			continue
		}
		seen[c.name] = true
		kept = append(kept, c)
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].name < kept[j].name })
	kinds := make([]map[string]any, 0, len(kept))
	for _, c := range kept {
		res.Matches = append(res.Matches, c.name)
		kinds = append(kinds, map[string]any{"start": res.CursorStart, "end": res.CursorEnd, "text": c.name, "type": c.kind})
	}
	res.Metadata = map[string]any{"_jupyter_types_experimental": kinds}
	return res
}

func isIdentStart(s string) bool {
	for _, r := range s {
		return r == '_' || !('0' <= r && r <= '9') && isIdentRune(r)
	}
	return false
}

// candidate is a completion with its kind as Jupyter names them.
type candidate struct {
	name string
	kind string // keyword, module, function, type, variable, constant, field, method
}

func objectKind(obj types.Object) string {
	switch o := obj.(type) {
	case *types.PkgName:
		return "module"
	case *types.Func:
		if o.Signature().Recv() != nil {
			return "method"
		}
		return "function"
	case *types.Builtin:
		return "function"
	case *types.TypeName:
		return "type"
	case *types.Const:
		return "constant"
	case *types.Var:
		if o.IsField() {
			return "field"
		}
		return "variable"
	case *types.Nil:
		return "constant"
	}
	return "text"
}

// operandStart returns the start of the operand ending just before the
// '.' at dot: an identifier chain with calls and indexes such as
// a.b(c)[d]. It returns -1 when there is none (a number, a literal).
func operandStart(toks []cellsrc.Token, dot int) int {
	i := -1
	for k := len(toks) - 1; k >= 0; k-- {
		if toks[k].Off == dot && toks[k].Tok == token.PERIOD {
			i = k - 1
			break
		}
	}
	if i < 0 {
		return -1
	}
	start := -1
	for i >= 0 {
		t := toks[i]
		switch t.Tok {
		case token.IDENT:
			start = t.Off
			if i >= 1 && toks[i-1].Tok == token.PERIOD {
				i -= 2
				continue
			}
			return start
		case token.RPAREN, token.RBRACK:
			j := cellsrc.MatchBackward(toks, i)
			if j < 0 {
				return -1
			}
			start = toks[j].Off
			if j >= 1 {
				switch toks[j-1].Tok {
				case token.IDENT, token.RPAREN, token.RBRACK:
					i = j - 1
					continue
				}
			}
			if t.Tok == token.RBRACK {
				return -1 // a slice type or literal, not an operand
			}
			return start
		default:
			return start
		}
	}
	return start
}

// scopeCandidates lists everything that may be written at the probe
// position without a selector.
func (a *Assistant) scopeCandidates(an *analysis) []candidate {
	var cands []candidate
	for _, kw := range goKeywords() {
		cands = append(cands, candidate{kw, "keyword"})
	}
	for _, n := range a.index().Names() {
		cands = append(cands, candidate{n, "module"})
	}
	for s := an.scopeAt(); s != nil; s = s.Parent() {
		for _, name := range s.Names() {
			if found, obj := s.LookupParent(name, an.probePos); found == s && obj != nil {
				cands = append(cands, candidate{name, objectKind(obj)})
			}
		}
	}
	if an.pkg == nil || an.checkErr != nil {
		// The type checker failed: add what the syntax says.
		for _, f := range []*ast.File{an.ctxFile, an.varsFile, an.cellFile} {
			for _, d := range f.Decls {
				for _, k := range cellsrc.DeclKeys(d) {
					if !strings.Contains(k, ".") {
						cands = append(cands, candidate{k, "text"})
					}
				}
			}
		}
		for _, n := range types.Universe.Names() {
			cands = append(cands, candidate{n, objectKind(types.Universe.Lookup(n))})
		}
	}
	return cands
}

// selectorCandidates lists what may follow the probed operand and a dot.
func (a *Assistant) selectorCandidates(an *analysis) []candidate {
	if an.probe == nil {
		return nil
	}
	if id, ok := an.probe.(*ast.Ident); ok {
		obj := an.info.Uses[id]
		if obj == nil {
			obj = an.lookup(id.Name)
		}
		switch obj := obj.(type) {
		case *types.PkgName:
			return packageMembers(obj.Imported())
		case *types.TypeName:
			return methodCandidates(obj.Type(), an.pkg, false)
		case nil:
			// Not declared: a standard package the cell has not imported.
			if path, ok := an.pkgByName(id.Name); ok {
				a.ensureExports([]string{path})
				a.mu.Lock()
				pkg, err := a.importPackage(path)
				a.mu.Unlock()
				if err == nil {
					return packageMembers(pkg)
				}
			}
			return nil
		default:
			return fieldsAndMethods(obj.Type(), an.pkg)
		}
	}
	tv, ok := an.info.Types[an.probe]
	if !ok || tv.Type == nil {
		return nil
	}
	if tv.IsType() {
		return methodCandidates(tv.Type, an.pkg, false)
	}
	return fieldsAndMethods(tv.Type, an.pkg)
}

func packageMembers(pkg *types.Package) []candidate {
	if pkg == nil {
		return nil
	}
	var cands []candidate
	s := pkg.Scope()
	for _, n := range s.Names() {
		if token.IsExported(n) {
			cands = append(cands, candidate{n, objectKind(s.Lookup(n))})
		}
	}
	return cands
}

// fieldsAndMethods lists the fields (promoted ones too) and methods that
// can be selected from a value of type t by code in package from.
func fieldsAndMethods(t types.Type, from *types.Package) []candidate {
	if t == nil {
		return nil
	}
	if tuple, ok := t.(*types.Tuple); ok {
		if tuple.Len() == 0 {
			return nil
		}
		t = tuple.At(0).Type()
	}
	names := make(map[string]bool)
	collectFields(t, names, make(map[types.Type]bool))
	cands := methodCandidates(t, from, true)
	for n := range names {
		if obj, _, _ := types.LookupFieldOrMethod(t, true, from, n); obj != nil {
			cands = append(cands, candidate{n, objectKind(obj)})
		}
	}
	return cands
}

func collectFields(t types.Type, names map[string]bool, visited map[types.Type]bool) {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	if visited[t] {
		return
	}
	visited[t] = true
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return
	}
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		names[f.Name()] = true
		if f.Embedded() {
			collectFields(f.Type(), names, visited)
		}
	}
}

// methodCandidates lists the methods of t visible from package from; with
// addressable, the methods of *t count too.
func methodCandidates(t types.Type, from *types.Package, addressable bool) []candidate {
	ms := types.NewMethodSet(t)
	if addressable {
		if _, isPtr := t.Underlying().(*types.Pointer); !isPtr && !types.IsInterface(t) {
			ms = types.NewMethodSet(types.NewPointer(t))
		}
	}
	var cands []candidate
	for i := 0; i < ms.Len(); i++ {
		obj := ms.At(i).Obj()
		if obj.Exported() || obj.Pkg() == from {
			cands = append(cands, candidate{obj.Name(), "method"})
		}
	}
	return cands
}
