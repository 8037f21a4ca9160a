package cellrt

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/gopar/gopar/internal/carry"
	"github.com/gopar/gopar/internal/childproto"
)

// Register tells the codec about a type declared in the cells, so that
// values of it held in interfaces can be loaded.
func Register[T any]() {
	carry.RegisterType(reflect.TypeFor[T]())
}

// LoadVars loads the named variables the cell uses. A variable that cannot
// be loaded keeps its zero value, and a note says why.
func LoadVars(vars map[string]any) {
	dir := os.Getenv(childproto.StateDirEnv)
	if dir == "" || len(vars) == 0 {
		return
	}
	err := carry.LoadAll(dir, vars)
	if err == nil {
		return
	}
	var ve *carry.VarError
	for _, e := range unwrapAll(err) {
		if errors.As(e, &ve) {
			fmt.Fprintf(os.Stderr, "not loaded: %s (%v)\n", ve.Name, ve.Err)
			continue
		}
		fmt.Fprintf(os.Stderr, "not loaded: %v\n", e)
	}
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// SaveVars saves the variables the cell set or used, together, so that
// memory they share is shared again when loaded, and records their types.
// The cell's output ends with a note naming each variable that cannot be
// kept and why, except those named in remade, which the engine makes
// again in later programs from the expression that made them.
func SaveVars(vars map[string]any, remade ...string) {
	dir := os.Getenv(childproto.StateDirEnv)
	if dir == "" || len(vars) == 0 {
		return
	}
	types := readTypes(dir)
	keep := map[string]any{}
	var notes []string
	for _, name := range sortedNames(vars) {
		t := reflect.TypeOf(vars[name]).Elem()
		vt, why := TypeSource(t)
		if why != "" {
			if !slices.Contains(remade, name) {
				notes = append(notes, fmt.Sprintf("%s (%s: %s)", name, t, why))
			}
			delete(types, name)
			continue
		}
		types[name] = vt
		keep[name] = vars[name]
	}
	err := carry.SaveAll(dir, keep)
	var nk *carry.NotKeptError
	if errors.As(err, &nk) {
		for _, v := range nk.Vars {
			if slices.Contains(remade, v.Name) {
				delete(types, v.Name)
				continue
			}
			notes = append(notes, fmt.Sprintf("%s (%s)", v.Name, v.Why))
			delete(types, v.Name)
		}
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "variables not saved: %v\n", err)
		return
	}
	if err := childproto.WriteTypes(dir, types); err != nil {
		fmt.Fprintf(os.Stderr, "variables not saved: %v\n", err)
		return
	}
	switch len(notes) {
	case 0:
	case 1:
		fmt.Printf("not kept: %s — create it in the cell that uses it\n", notes[0])
	default:
		fmt.Printf("not kept: %s — create them in the cells that use them\n", strings.Join(notes, ", "))
	}
}

func sortedNames(m map[string]any) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func readTypes(dir string) map[string]childproto.VarType {
	types, err := childproto.ReadTypes(dir)
	if err != nil {
		return map[string]childproto.VarType{}
	}
	return types
}

// ImportAlias is the name a composed program imports path under when it
// declares carried variables: unique per path, and unlikely to clash with
// names in cells.
func ImportAlias(path string) string {
	return "gopar_" + strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '_'
	}, path)
}

// TypeSource writes t as Go source that a later program can declare a
// variable with. It fails, with a reason, for types that cannot be named
// there: generic instances, unnamed interfaces with methods, and types of
// packages' unexported names.
func TypeSource(t reflect.Type) (childproto.VarType, string) {
	vt := childproto.VarType{Imports: map[string]string{}}
	src, why := typeSource(t, vt.Imports)
	if why != "" {
		return childproto.VarType{}, why
	}
	vt.Source = src
	if len(vt.Imports) == 0 {
		vt.Imports = nil
	}
	return vt, ""
}

func typeSource(t reflect.Type, imports map[string]string) (string, string) {
	if name := t.Name(); name != "" {
		if strings.ContainsAny(name, "[") {
			return "", "values of generic types cannot be kept yet"
		}
		switch pkg := t.PkgPath(); pkg {
		case "":
			return name, "" // predeclared: int, string, error, ...
		case "main":
			return name, ""
		default:
			if !token(name) {
				return "", "unexported type " + pkg + "." + name
			}
			alias := ImportAlias(pkg)
			imports[alias] = pkg
			return alias + "." + name, ""
		}
	}
	elem := func(e reflect.Type) (string, string) { return typeSource(e, imports) }
	switch t.Kind() {
	case reflect.Pointer:
		s, why := elem(t.Elem())
		return "*" + s, why
	case reflect.Slice:
		s, why := elem(t.Elem())
		return "[]" + s, why
	case reflect.Array:
		s, why := elem(t.Elem())
		return "[" + strconv.Itoa(t.Len()) + "]" + s, why
	case reflect.Map:
		k, why := elem(t.Key())
		if why != "" {
			return "", why
		}
		v, why := elem(t.Elem())
		return "map[" + k + "]" + v, why
	case reflect.Chan:
		s, why := elem(t.Elem())
		switch t.ChanDir() {
		case reflect.RecvDir:
			return "<-chan " + s, why
		case reflect.SendDir:
			return "chan<- " + s, why
		}
		return "chan " + s, why
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return "any", ""
		}
		return "", "unnamed interface types cannot be kept"
	case reflect.Struct:
		var b strings.Builder
		b.WriteString("struct{")
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.PkgPath != "" && f.PkgPath != "main" {
				return "", "struct with unexported fields of another package"
			}
			s, why := elem(f.Type)
			if why != "" {
				return "", why
			}
			if i > 0 {
				b.WriteString("; ")
			}
			if !f.Anonymous {
				b.WriteString(f.Name + " ")
			}
			b.WriteString(s)
			if f.Tag != "" {
				b.WriteString(" " + strconv.Quote(string(f.Tag)))
			}
		}
		b.WriteString("}")
		return b.String(), ""
	case reflect.Func:
		return "", "functions cannot be kept"
	}
	return "", "type " + t.String() + " cannot be kept"
}

func token(name string) bool {
	for _, r := range name {
		return unicode.IsUpper(r)
	}
	return false
}
