package carry

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// globalSet is every registered global; it is replaced whole on
// registration, so that readers need no lock.
type globalSet struct {
	byAddr map[globalAddr]string    // where each global lives -> its name
	byName map[string]reflect.Value // name -> the pointer
	types  map[reflect.Type]string  // the types globals point to -> a name
}

// globalAddr is a global's address with its type: a pointer to its first
// field has the same address.
type globalAddr struct {
	p unsafe.Pointer
	t reflect.Type
}

var (
	globalsMu sync.Mutex // serializes RegisterGlobal
	globals   atomic.Pointer[globalSet]
)

// RegisterGlobal names an object that every program linking its package
// makes for itself, such as a package's default cache, so that values
// pointing to it can be kept although the object itself cannot (it holds
// functions, say). A saved pointer to it stores name; a loading program
// in which the package registered its own object under the same name
// points there instead. Pointers of the same type to other objects cannot
// be kept.
//
// ptr must point to a value of a named struct type. Once registered,
// values of that type are kept only as pointers to the global: the stream
// describes the type by name alone, so that it may hold what no stream
// can (channels, say). name is usually the variable's import path and
// name, as in "gonum.org/v1/plot/font.DefaultCache". Packages register in
// init.
func RegisterGlobal(name string, ptr any) {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Type().Elem().Kind() != reflect.Struct || v.Type().Elem().Name() == "" {
		panic(fmt.Sprintf("carry: RegisterGlobal(%q, %T): want a non-nil pointer to a named struct type", name, ptr))
	}
	t := v.Type().Elem()
	globalsMu.Lock()
	defer globalsMu.Unlock()
	next := &globalSet{byAddr: map[globalAddr]string{}, byName: map[string]reflect.Value{}, types: map[reflect.Type]string{}}
	if old := globals.Load(); old != nil {
		for k, n := range old.byAddr {
			next.byAddr[k] = n
		}
		for n, p := range old.byName {
			next.byName[n] = p
		}
		for t, n := range old.types {
			next.types[t] = n
		}
	}
	if old, ok := next.byName[name]; ok {
		delete(next.byAddr, globalAddr{old.UnsafePointer(), old.Type().Elem()})
	}
	next.byAddr[globalAddr{v.UnsafePointer(), t}] = name
	next.byName[name] = v
	next.types[t] = name
	globals.Store(next)
	// Check's answers for types reaching t may change.
	checkCache.Clear()
	// A loading program rebuilds interface values holding t's pointers
	// by t's name.
	RegisterType(t)
}

// isGlobalType reports whether t is the type of a registered global.
func isGlobalType(t reflect.Type) bool {
	gs := globals.Load()
	if gs == nil {
		return false
	}
	_, ok := gs.types[t]
	return ok
}

// globalAt returns the name of the global of type t at p, or "".
func globalAt(p unsafe.Pointer, t reflect.Type) string {
	gs := globals.Load()
	if gs == nil {
		return ""
	}
	return gs.byAddr[globalAddr{p, t}]
}

// globalNamed returns the registered global called name.
func globalNamed(name string) (reflect.Value, bool) {
	gs := globals.Load()
	if gs == nil {
		return reflect.Value{}, false
	}
	v, ok := gs.byName[name]
	return v, ok
}

// resetGlobals forgets registered globals (for tests).
func resetGlobals() {
	globalsMu.Lock()
	defer globalsMu.Unlock()
	globals.Store(nil)
	checkCache.Clear()
}
