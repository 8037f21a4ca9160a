package assist

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cellsrc"
)

// Inspect answers an inspect_request: it describes the identifier under
// the cursor, or the one just before it (as in "fmt.Println(" with the
// cursor after the parenthesis).
//
// A name declared in this or an earlier cell is shown as its declaration,
// doc comment included; a local variable as its type and the line
// declaring it. A package, a member of a package or a predeclared
// identifier is shown as the output of `go doc` (with -all for a package
// and -src for a member when detail > 0). Found is false, with empty data,
// when the name is unknown.
func (a *Assistant) Inspect(ctx Context, code string, cursor, detail int) cell.Inspection {
	notFound := cell.Inspection{Found: false, Data: cell.MIMEBundle{}}
	off := byteOffset(code, cursor)
	if cellsrc.StateAt(code, off) != cellsrc.Code {
		return notFound
	}
	s, e := identBefore(code, off), identAfter(code, off)
	ct := newCellText(code)
	if s == e {
		// Inside the parentheses of a call: the function called.
		e = calleeEnd(ct.Toks, off)
		s = identBefore(code, e)
	}
	name := code[s:e]
	if name == "" || !isIdentStart(name) || token.IsKeyword(name) {
		return notFound
	}
	exprStart := s
	selector := s > 0 && code[s-1] == '.'
	if selector {
		exprStart = operandStart(ct.Toks, s-1)
		if exprStart < 0 {
			return notFound
		}
	}
	an := a.analyze(ctx, ct, probeSpec{at: s, afterStmt: true, exprStart: exprStart, exprEnd: e})

	var obj types.Object
	var sel *types.Selection
	switch p := an.probe.(type) {
	case *ast.Ident:
		obj = an.info.Uses[p]
		if obj == nil {
			obj = an.lookup(p.Name)
		}
	case *ast.SelectorExpr:
		obj = an.info.Uses[p.Sel]
		sel = an.info.Selections[p]
		if sel != nil {
			obj = sel.Obj()
		}
		if obj == nil {
			// A standard package the cell has not imported yet.
			if id, ok := p.X.(*ast.Ident); ok && an.lookup(id.Name) == nil {
				if path, ok := an.pkgByName(id.Name); ok {
					return a.docInspection(detail, path, name)
				}
			}
		}
	}
	if obj == nil {
		if !selector {
			if path, ok := an.pkgByName(name); ok {
				return a.docInspection(detail, path)
			}
		}
		// A name at its declaration, such as a method name after func.
		if text, ok := an.declByName(name); ok {
			return sourceInspection(text)
		}
		return notFound
	}
	return a.describe(an, obj, sel, detail)
}

// calleeEnd returns the end of the identifier naming the function called
// at off: the call just closed before off, as in "f(x)", or else the
// innermost call whose parenthesis is still open, as in "f(x, ". It
// returns off when there is none.
func calleeEnd(toks []cellsrc.Token, off int) int {
	last := -1
	for i, t := range toks {
		if t.End <= off && !(t.Tok == token.SEMICOLON && t.Lit == "\n") {
			last = i
		}
	}
	if last >= 0 && toks[last].Tok == token.RPAREN && toks[last].End == off {
		if j := cellsrc.MatchBackward(toks, last); j > 0 && toks[j-1].Tok == token.IDENT {
			return toks[j-1].End
		}
	}
	depth := 0
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		if t.End > off {
			continue
		}
		switch t.Tok {
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth++
		case token.LBRACK, token.LBRACE:
			if depth == 0 {
				return off
			}
			depth--
		case token.LPAREN:
			if depth > 0 {
				depth--
				continue
			}
			if i > 0 && toks[i-1].Tok == token.IDENT {
				return toks[i-1].End
			}
			return off
		}
	}
	return off
}

// describe renders what is known about obj.
func (a *Assistant) describe(an *analysis, obj types.Object, sel *types.Selection, detail int) cell.Inspection {
	switch o := obj.(type) {
	case *types.PkgName:
		return a.docInspection(detail, o.Imported().Path())
	case *types.Builtin, *types.Nil:
		return a.docInspection(detail, "builtin", obj.Name())
	}
	pkg := obj.Pkg()
	if pkg == nil { // predeclared types, constants and the method error.Error
		name := obj.Name()
		if f, ok := obj.(*types.Func); ok && f.Signature().Recv() != nil {
			name = "error"
		}
		return a.docInspection(detail, "builtin", name)
	}
	if pkg != an.pkg {
		return a.docInspection(detail, pkg.Path(), memberPath(obj, sel)...)
	}
	qual := func(p *types.Package) string {
		if p == an.pkg {
			return ""
		}
		return p.Name()
	}
	if an.inFile(obj.Pos(), an.varsFile) {
		return sourceInspection(types.ObjectString(obj, qual) + " // carried from an earlier cell")
	}
	if key := an.enclosingDeclKey(obj); key != "" {
		if text, ok := an.declSource(key); ok {
			if v, ok := obj.(*types.Var); ok && v.IsField() {
				text = types.ObjectString(obj, qual) + "\n\n" + text
			}
			return sourceInspection(text)
		}
	}
	text := types.ObjectString(obj, qual)
	if off, ok := an.cellOffset(obj.Pos()); ok {
		code := an.cell.Code
		ls := strings.LastIndexByte(code[:off], '\n') + 1
		le := strings.IndexByte(code[off:], '\n')
		if le < 0 {
			le = len(code)
		} else {
			le += off
		}
		line := strings.Count(code[:off], "\n") + 1
		text += fmt.Sprintf("\n// cell line %d: %s", line, strings.TrimSpace(code[ls:le]))
	}
	return sourceInspection(text)
}

// memberPath names obj for go doc: Name, Type.Method or Type.Field.
func memberPath(obj types.Object, sel *types.Selection) []string {
	if obj.Parent() == obj.Pkg().Scope() {
		return []string{obj.Name()}
	}
	var owner types.Type
	switch o := obj.(type) {
	case *types.Func:
		if r := o.Signature().Recv(); r != nil {
			owner = r.Type()
		}
	case *types.Var:
		if o.IsField() && sel != nil {
			owner = fieldOwner(sel.Recv(), sel.Index())
		}
	}
	if owner != nil {
		if p, ok := owner.(*types.Pointer); ok {
			owner = p.Elem()
		}
		if n, ok := owner.(*types.Named); ok {
			return []string{n.Obj().Name() + "." + obj.Name()}
		}
	}
	return []string{obj.Name()}
}

// fieldOwner follows the embedded fields of a selection to the type that
// declares the selected field.
func fieldOwner(t types.Type, index []int) types.Type {
	for _, i := range index[:len(index)-1] {
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok || i >= st.NumFields() {
			return nil
		}
		t = st.Field(i).Type()
	}
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	return t
}

func (a *Assistant) docInspection(detail int, pkgPath string, member ...string) cell.Inspection {
	args := []string{pkgPath}
	if len(member) > 0 {
		args = append(args, member...)
		if detail > 0 {
			args = append([]string{"-src"}, args...)
		}
	} else if detail > 0 {
		args = append([]string{"-all"}, args...)
	}
	if pkgPath == "builtin" {
		args = append([]string{"-u"}, args...) // len, int64: lower-case names
	}
	out, ok := a.goDoc(args...)
	if !ok {
		return cell.Inspection{Found: false, Data: cell.MIMEBundle{}}
	}
	return cell.Inspection{Found: true, Data: cell.MIMEBundle{
		"text/plain":    out,
		"text/markdown": "```\n" + out + "\n```",
	}}
}

func sourceInspection(src string) cell.Inspection {
	return cell.Inspection{Found: true, Data: cell.MIMEBundle{
		"text/plain":    src,
		"text/markdown": "```go\n" + src + "\n```",
	}}
}

func (an *analysis) inFile(pos token.Pos, f *ast.File) bool {
	return f != nil && pos.IsValid() && f.FileStart <= pos && pos <= f.FileEnd
}

// enclosingDeclKey returns the key (Name or Type.Method) of the top-level
// declaration that declares obj: its own for package-level names and
// methods, its type's for fields. It is empty for locals.
func (an *analysis) enclosingDeclKey(obj types.Object) string {
	pos := obj.Pos()
	for _, f := range []*ast.File{an.cellFile, an.ctxFile} {
		if !an.inFile(pos, f) {
			continue
		}
		for _, d := range f.Decls {
			if pos < d.Pos() || pos > d.End() {
				continue
			}
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Name.Pos() == pos {
					return cellsrc.DeclKeys(d)[0]
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if pos < s.Pos() || pos > s.End() {
						continue
					}
					if ts, ok := s.(*ast.TypeSpec); ok {
						if v, ok := obj.(*types.Var); ok && v.IsField() || ts.Name.Pos() == pos {
							return ts.Name.Name
						}
					}
					if obj.Parent() == an.pkg.Scope() {
						return obj.Name()
					}
				}
			}
		}
	}
	return ""
}

// srcFile is a parsed file with its text, for slicing declarations out.
type srcFile struct {
	f   *ast.File
	src string
	tf  *token.File
}

// declSources returns the cell's declarations as written (before any
// repair) and the earlier cells' declarations, the cell's first.
func (an *analysis) declSources() []srcFile {
	var files []srcFile
	b := &builder{}
	b.lit("package main\n")
	for _, ch := range an.cell.Parts {
		if ch.Decl() && ch.Kind != token.PACKAGE && ch.Kind != token.IMPORT {
			b.copy(an.cell.Src, ch.Start, ch.End)
			b.lit("\n")
		}
	}
	fset := token.NewFileSet()
	if f, _ := parser.ParseFile(fset, "cell.go", b.String(), parser.ParseComments|parser.AllErrors|parser.SkipObjectResolution); f != nil {
		files = append(files, srcFile{f: f, src: b.String(), tf: fset.File(f.Pos())})
	}
	if an.ctxFile != nil && an.ctxFile.Pos().IsValid() {
		files = append(files, srcFile{f: an.ctxFile, src: an.ctxSrc, tf: an.fset.File(an.ctxFile.Pos())})
	}
	return files
}

// declSource returns the source, doc comment included, of the top-level
// declaration with the given key.
func (an *analysis) declSource(key string) (string, bool) {
	for _, sf := range an.declSources() {
		if sf.tf == nil {
			continue
		}
		text := func(from, to token.Pos) string {
			return sf.src[sf.tf.Offset(from):sf.tf.Offset(to)]
		}
		for _, d := range sf.f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if cellsrc.DeclKeys(d)[0] != key {
					continue
				}
				from := d.Pos()
				if d.Doc != nil {
					from = d.Doc.Pos()
				}
				return text(from, d.End()), true
			case *ast.GenDecl:
				for _, s := range d.Specs {
					match := false
					for _, k := range cellsrc.SpecKeys(s) {
						match = match || k == key
					}
					if !match {
						continue
					}
					if !d.Lparen.IsValid() {
						from := d.Pos()
						if d.Doc != nil {
							from = d.Doc.Pos()
						}
						return text(from, d.End()), true
					}
					var doc *ast.CommentGroup
					switch s := s.(type) {
					case *ast.ValueSpec:
						doc = s.Doc
					case *ast.TypeSpec:
						doc = s.Doc
					}
					out := d.Tok.String() + " " + text(s.Pos(), s.End())
					if doc != nil {
						out = strings.TrimRight(text(doc.Pos(), doc.End()), " \t") + "\n" + out
					}
					return out, true
				}
			}
		}
	}
	return "", false
}

// declByName finds a declaration by bare name when the type checker could
// not resolve it: a function or type name, else a method of that name.
func (an *analysis) declByName(name string) (string, bool) {
	if text, ok := an.declSource(name); ok {
		return text, true
	}
	for _, sf := range an.declSources() {
		for _, d := range sf.f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && fd.Name.Name == name {
				return an.declSource(cellsrc.DeclKeys(fd)[0])
			}
		}
	}
	return "", false
}
