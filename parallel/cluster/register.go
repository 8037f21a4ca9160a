package cluster

import (
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
)

// registry holds the functions that may travel, by the name the runtime
// gives them, which is the same in every process of one program.
var registry struct {
	sync.Mutex
	fns map[string]registered
}

type registered struct {
	fn reflect.Value
	// early: registered by Register rather than by a call in process,
	// so workers started anew know it too.
	early bool
}

// Register makes top-level functions known under their names, so that a
// worker (this program, started again by the runner) can find the ones
// Map and MapReduce name in a pipeline. Call it from an init function of
// the program that calls Map, for every function it passes to Map or
// MapReduce. It panics for an argument that is not a top-level function:
// that is a mistake in the program, as a bad http.Handle pattern is.
//
// In the gopar kernel, the functions cells declare are registered without
// a call.
func Register(fns ...any) {
	for _, f := range fns {
		v, name, err := travelling(f)
		if err != nil {
			panic("cluster.Register: " + err.Error())
		}
		put(name, v, true)
	}
}

func put(name string, v reflect.Value, early bool) {
	registry.Lock()
	defer registry.Unlock()
	if registry.fns == nil {
		registry.fns = make(map[string]registered)
	}
	if old, ok := registry.fns[name]; ok && old.early {
		early = true
	}
	registry.fns[name] = registered{v, early}
}

// lookup returns the function registered under name.
func lookup(name string) (registered, bool) {
	registry.Lock()
	defer registry.Unlock()
	r, ok := registry.fns[name]
	return r, ok
}

var (
	// closureName matches what the runtime calls a function literal:
	// main.main.func1, main.init.func2.1, pkg.glob..func3.
	closureName = regexp.MustCompile(`\.func\d+(\.\d+)*$`)
	// generic instantiations share one name across type arguments.
	genericName = regexp.MustCompile(`\[\.\.\.\]`)
)

// travelling checks that f is a function that can be named in a
// pipeline, and returns it with its name.
func travelling(f any) (reflect.Value, string, error) {
	v := reflect.ValueOf(f)
	if !v.IsValid() || v.Kind() != reflect.Func {
		return reflect.Value{}, "", fmt.Errorf("%T is not a function", f)
	}
	if v.IsNil() {
		return reflect.Value{}, "", fmt.Errorf("the function is nil")
	}
	rf := runtime.FuncForPC(v.Pointer())
	if rf == nil {
		return reflect.Value{}, "", fmt.Errorf("the function %v has no name", v.Type())
	}
	name := rf.Name()
	switch {
	case strings.HasSuffix(name, "-fm"):
		return reflect.Value{}, "", fmt.Errorf("%s is a method value: the receiver it is bound to cannot travel to a worker; use a top-level function (or a method expression such as T.Method)", strings.TrimSuffix(name, "-fm"))
	case closureName.MatchString(name):
		return reflect.Value{}, "", fmt.Errorf("%s is a function literal: the variables it captures cannot travel to a worker, which runs this program anew; declare it as a top-level function (func name(...) ...) and pass that", name)
	case genericName.MatchString(name):
		return reflect.Value{}, "", fmt.Errorf("%s is an instance of a generic function, which has no name of its own to travel by; wrap it in a top-level function", name)
	}
	return v, name, nil
}
