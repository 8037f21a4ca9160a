package carry

import (
	"reflect"
	"strings"
	"sync"
	"unsafe"
)

type checkResult struct {
	ok  bool
	why string
}

var checkCache sync.Map // reflect.Type -> checkResult

// Check reports whether values of type t can be kept between cells, and if
// not, why: the path to the first part that cannot, its type and the reason,
// as in "main.Job.done: chan bool: channels cannot be kept".
//
// Refused are channels, unsafe pointers, and values that stand for
// something outside the process or for synchronization state: os.File,
// os.Process, os.Root, network connections and listeners (package net
// types named *Conn, *Listener), descriptors of internal/poll, sync.Cond,
// Map, Pool and Locker, atomic.Pointer, contexts, reflect.Value and
// reflect types, unique.Handle and weak.Pointer.
//
// A func passes Check, and is kept when it is nil; saving a func value
// fails. A sync.Mutex, RWMutex or WaitGroup passes Check too: no goroutine
// of a cell runs once its program has ended, so one that is idle when
// saved (unlocked, nothing to wait for) is kept as its zero value; one
// that is not fails when its value is saved. A sync.Once keeps whether it
// has run, and the types of sync/atomic keep the value they hold.
//
// Interface types pass Check; the value they hold is checked when it is
// saved (see CheckValue).
func Check(t reflect.Type) (ok bool, why string) {
	if t == nil {
		return true, ""
	}
	if r, ok := checkCache.Load(t); ok {
		r := r.(checkResult)
		return r.ok, r.why
	}
	c := typeChecker{seen: map[reflect.Type]bool{}}
	why = c.check(t, t.String())
	r := checkResult{ok: why == "", why: why}
	checkCache.Store(t, r)
	return r.ok, r.why
}

type typeChecker struct {
	seen map[reflect.Type]bool
}

// check returns why t cannot be kept, or "". path names where t sits.
func (c *typeChecker) check(t reflect.Type, path string) string {
	if c.seen[t] {
		return ""
	}
	c.seen[t] = true
	report := func(reason string) string {
		if path == t.String() {
			return path + ": " + reason
		}
		return path + ": " + t.String() + ": " + reason
	}
	if r := resourceReason(t); r != "" {
		return report(r)
	}
	if isGlobalType(t) {
		// Reached by value: only pointers to the global are kept.
		return report("kept only as a pointer to a registered global")
	}
	if t.Kind() == reflect.Pointer {
		if r := resourceReason(t.Elem()); r != "" {
			return report(r)
		}
	}
	switch t.Kind() {
	case reflect.Chan:
		return report("channels cannot be kept")
	case reflect.UnsafePointer:
		return report("unsafe pointers cannot be kept")
	case reflect.Array, reflect.Slice:
		return c.check(t.Elem(), path+"[]")
	case reflect.Pointer:
		if t == locationType() || isGlobalType(t.Elem()) {
			// A pointer to a global is kept by name; one to another
			// object of its type fails when saved.
			return ""
		}
		return c.check(t.Elem(), path)
	case reflect.Map:
		if why := c.check(t.Key(), path+"[key]"); why != "" {
			return why
		}
		return c.check(t.Elem(), path+"[]")
	case reflect.Struct:
		if t == timeType() {
			return ""
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if why := c.check(f.Type, path+"."+f.Name); why != "" {
				return why
			}
		}
	}
	return ""
}

// resourceReason says why a named type stands for state that cannot be
// copied into another process, or "".
func resourceReason(t reflect.Type) string {
	name := t.Name()
	if name == "" {
		return ""
	}
	switch t.PkgPath() {
	case "sync":
		switch name {
		case "Mutex", "RWMutex", "WaitGroup", "Once", "noCopy":
			return "" // kept when idle: see busyReason
		case "Locker":
			return "locks cannot be kept"
		}
		return "synchronization values cannot be kept"
	case "sync/atomic":
		if strings.HasPrefix(name, "Pointer[") {
			return "atomic pointers cannot be kept"
		}
	case "os":
		switch name {
		case "File":
			return "open files cannot be kept"
		case "Process":
			return "processes cannot be kept"
		case "Root":
			return "open directories cannot be kept"
		}
	case "internal/poll":
		return "open descriptors cannot be kept"
	case "net":
		if strings.HasSuffix(name, "Conn") || strings.HasSuffix(name, "Listener") || name == "netFD" {
			return "network connections cannot be kept"
		}
	case "context":
		return "contexts cannot be kept"
	case "reflect":
		if name == "Value" || name == "rtype" || name == "Method" || name == "MapIter" {
			return "reflect values cannot be kept"
		}
	case "unique":
		return "unique handles cannot be kept"
	case "weak":
		return "weak pointers cannot be kept"
	}
	return ""
}

// CheckValue reports whether the value v can be kept, looking at the
// values its interfaces hold as well as at its type. The reason names the
// path inside v, as in "Handlers[2]: func(): functions cannot be kept".
func CheckValue(v reflect.Value) (ok bool, why string) {
	if !v.IsValid() {
		return true, ""
	}
	if ok, why := Check(v.Type()); !ok {
		return false, why
	}
	var ptr unsafe.Pointer
	switch {
	case v.CanAddr():
		ptr = unsafe.Pointer(v.UnsafeAddr())
	case v.CanInterface():
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		ptr = p.UnsafePointer()
	default:
		// A copy of an unexported field that is not addressable cannot
		// be read as a whole; its type is all there is to check.
		return true, ""
	}
	c := newCollector([]root{{name: "", typ: v.Type(), ptr: ptr}}, false)
	if err := c.collect(); err != nil {
		if we, ok := err.(*walkError); ok {
			return false, we.Error()
		}
		return false, err.Error()
	}
	return true, ""
}
