package cellsrc

import (
	"go/ast"
	"go/token"
)

// DeclKeys returns the names a top-level declaration defines, the keys by
// which a later cell's declaration replaces it: "f" for a function, "T.M"
// for a method (".M" when the receiver names no type), and the names of
// types, variables and constants ("_" apart). Functions, types, variables
// and constants share one namespace in Go, so "x" declared as a const
// replaces a var x. An init function defines no name: any number may
// exist.
func DeclKeys(d ast.Decl) []string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil {
			recv := ""
			if len(d.Recv.List) > 0 {
				recv = ReceiverTypeName(d.Recv.List[0].Type)
			}
			return []string{recv + "." + d.Name.Name}
		}
		if d.Name.Name == "init" {
			return nil
		}
		return []string{d.Name.Name}
	case *ast.GenDecl:
		if d.Tok == token.IMPORT {
			return nil
		}
		var keys []string
		for _, s := range d.Specs {
			keys = append(keys, SpecKeys(s)...)
		}
		return keys
	}
	return nil
}

// SpecKeys returns the names one type, var or const spec defines.
func SpecKeys(s ast.Spec) []string {
	switch s := s.(type) {
	case *ast.ValueSpec:
		var keys []string
		for _, n := range s.Names {
			if n.Name != "_" {
				keys = append(keys, n.Name)
			}
		}
		return keys
	case *ast.TypeSpec:
		return []string{s.Name.Name}
	}
	return nil
}

// ReceiverTypeName returns the name of the type a method's receiver type
// expression (T, *T, T[K], (*T)) is built on, or "" when it is not one.
func ReceiverTypeName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}
