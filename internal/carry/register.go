package carry

import (
	"reflect"
	"sync"
	"time"
)

// registry maps type keys ("main.Point") to types a loading program knows,
// for values held in interfaces.
var registry struct {
	mu    sync.RWMutex
	types map[string]reflect.Type
}

// Register makes the type of value, and every named type it is built from,
// known to Load, which needs it to rebuild a value of that type held in an
// interface (a variable or field of type any, error, fmt.Stringer...).
// Pass a zero value: carry.Register(Point{}), carry.Register((*Node)(nil)).
//
// Types are matched by import path and name, so a type defined in a cell and
// declared again by a later program is the same type to carry. Types of the
// variables being loaded, and everything they are built from, are known
// without registering; so are predeclared types, time.Time, time.Duration,
// time.Month, time.Weekday and *time.Location. Unnamed types built from known
// types (such as []Point or map[string]any) need nothing.
func Register(value any) {
	if value == nil {
		return
	}
	RegisterType(reflect.TypeOf(value))
}

// RegisterType is Register for a reflect.Type.
func RegisterType(t reflect.Type) {
	found := map[string]reflect.Type{}
	namedTypes(t, found, map[reflect.Type]bool{})
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.types == nil {
		registry.types = map[string]reflect.Type{}
	}
	for k, t := range found {
		registry.types[k] = t
	}
}

// resetRegistry forgets registered types (for tests).
func resetRegistry() {
	registry.mu.Lock()
	registry.types = nil
	registry.mu.Unlock()
}

// namedTypes adds the named types t is built from, t included, to out.
func namedTypes(t reflect.Type, out map[string]reflect.Type, seen map[reflect.Type]bool) {
	walkTypes(t, seen, func(t reflect.Type) bool {
		if k := typeKey(t); k != "" {
			out[k] = t
		}
		return t != timeType() // time's fields are its own business
	})
}

// walkTypes calls visit on t and, while visit returns true, on the types
// t is built from (elements, keys, fields), each type once.
func walkTypes(t reflect.Type, seen map[reflect.Type]bool, visit func(reflect.Type) bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	if !visit(t) {
		return
	}
	switch t.Kind() {
	case reflect.Array, reflect.Slice, reflect.Pointer:
		walkTypes(t.Elem(), seen, visit)
	case reflect.Map:
		walkTypes(t.Key(), seen, visit)
		walkTypes(t.Elem(), seen, visit)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			walkTypes(t.Field(i).Type, seen, visit)
		}
	}
}

// knownTypes is what a decoder may build interface values from: the
// registry, the types the targets are built from, and a few from time.
func knownTypes(targets []reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	seen := map[reflect.Type]bool{}
	for _, t := range []reflect.Type{
		reflect.TypeFor[time.Duration](), reflect.TypeFor[time.Month](),
		reflect.TypeFor[time.Weekday](), reflect.TypeFor[error](), keptErrorType,
	} {
		namedTypes(t, out, seen)
	}
	registry.mu.RLock()
	for k, t := range registry.types {
		out[k] = t
	}
	registry.mu.RUnlock()
	for _, t := range targets {
		namedTypes(t, out, seen)
	}
	return out
}

// KeptError stands for an error value whose type the loading program
// cannot rebuild: the unexported types behind errors.New and fmt.Errorf,
// or an exported type nobody registered. It keeps the message, so that
// printing the error and comparing it with nil work as before; errors.Is
// and errors.As against the original's type or sentinel no longer match.
type KeptError struct {
	Type string // the original's type, as %T prints it
	Msg  string // what the original's Error method returned
}

// Error returns the original's message.
func (e *KeptError) Error() string { return e.Msg }

var keptErrorType = reflect.TypeFor[*KeptError]()
