package carry

import (
	"reflect"
	"sync"
	"time"
	"unsafe"
)

// Stream kinds. Integers keep their width so that a stored value can be
// range-checked when it is loaded into a variable of another integer type.
const (
	kBool byte = 1 + iota
	kInt8
	kInt16
	kInt32
	kInt64
	kInt // stored as 8 bytes
	kUint8
	kUint16
	kUint32
	kUint64
	kUint // stored as 8 bytes
	kUintptr
	kFloat32
	kFloat64
	kComplex64
	kComplex128
	kString
	kArray
	kSlice
	kMap
	kStruct
	kPointer
	kInterface
	kTime     // time.Time: seconds, nanoseconds, zone offset, location name
	kLocation // *time.Location: by name and offset
	kFunc     // always nil: a tag
	kLast
)

// Tags that start a slice, pointer, map or interface value.
const (
	tagNil    byte = 0
	tagRef    byte = 1
	tagEmpty  byte = 2 // non-nil slice with zero capacity
	tagError  byte = 3 // interface holding an error: its message, then as tagRef
	tagGlobal byte = 4 // pointer to a registered global: its name
)

// scalarSize is the encoded size of a scalar stream kind, 0 for others.
func scalarSize(k byte) int {
	switch k {
	case kBool, kInt8, kUint8:
		return 1
	case kInt16, kUint16:
		return 2
	case kInt32, kUint32, kFloat32:
		return 4
	case kInt64, kInt, kUint64, kUint, kUintptr, kFloat64, kComplex64:
		return 8
	case kComplex128:
		return 16
	}
	return 0
}

func isSigned(k byte) bool   { return k >= kInt8 && k <= kInt }
func isUnsigned(k byte) bool { return k >= kUint8 && k <= kUintptr }

func timeType() reflect.Type     { return reflect.TypeFor[time.Time]() }
func locationType() reflect.Type { return reflect.TypeFor[*time.Location]() }

// sliceHeader is the memory layout of every slice.
type sliceHeader struct {
	data unsafe.Pointer
	len  int
	cap  int
}

type fieldInfo struct {
	name     string
	typ      reflect.Type
	off      uintptr
	embedded bool
}

// typeInfo is what the codec needs to know about a Go type, computed once.
type typeInfo struct {
	kind       byte
	hasRefs    bool // holds pointers, slices, maps or interfaces: must be walked for sharing
	hasStrings bool
	// hasChecks: holds by value what is kept only in some states, so
	// values must be walked to see: a func (kept when nil), a
	// sync.Mutex, RWMutex or WaitGroup (kept when idle). busy is set on
	// those lock types themselves: why one that is not idle cannot be
	// kept.
	hasChecks bool
	busy      string
	// bulk means the memory image is the encoding: fixed-size numbers and
	// bools, and arrays of them, on a little-endian machine.
	bulk   bool
	fields []fieldInfo
}

var typeInfos sync.Map // reflect.Type -> *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if v, ok := typeInfos.Load(t); ok {
		return v.(*typeInfo)
	}
	ti := &typeInfo{kind: streamKind(t), busy: busyReason(t)}
	ti.hasChecks = ti.busy != "" || t.Kind() == reflect.Func
	switch t.Kind() {
	case reflect.Bool, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		ti.bulk = nativeLittleEndian
	case reflect.Int, reflect.Uint, reflect.Uintptr:
		ti.bulk = nativeLittleEndian && t.Size() == 8
	case reflect.String:
		ti.hasStrings = true
	case reflect.Array:
		e := infoOf(t.Elem())
		ti.hasRefs, ti.hasStrings, ti.bulk, ti.hasChecks = e.hasRefs, e.hasStrings, e.bulk, e.hasChecks
	case reflect.Struct:
		if t == timeType() {
			break
		}
		ti.fields = make([]fieldInfo, t.NumField())
		for i := range ti.fields {
			f := t.Field(i)
			ti.fields[i] = fieldInfo{name: f.Name, typ: f.Type, off: f.Offset, embedded: f.Anonymous}
			fi := infoOf(f.Type)
			ti.hasRefs = ti.hasRefs || fi.hasRefs
			ti.hasStrings = ti.hasStrings || fi.hasStrings
			ti.hasChecks = ti.hasChecks || fi.hasChecks
		}
	case reflect.Pointer:
		ti.hasRefs = t != locationType()
	case reflect.Slice, reflect.Map, reflect.Interface:
		ti.hasRefs = true
	}
	v, _ := typeInfos.LoadOrStore(t, ti)
	return v.(*typeInfo)
}

// busyReason says why a value of t cannot be kept unless it is idle, or
// "" for other types. A mutex that is unlocked, with no goroutine waiting,
// and a WaitGroup with nothing to wait for are all zero, and once the
// cell's program has ended nobody could be holding or waiting on them:
// their zero value in the next program is the same thing.
func busyReason(t reflect.Type) string {
	if t.PkgPath() != "sync" {
		return ""
	}
	switch t.Name() {
	case "Mutex", "RWMutex":
		return "locked mutexes cannot be kept"
	case "WaitGroup":
		return "WaitGroups still counting cannot be kept"
	}
	return ""
}

func streamKind(t reflect.Type) byte {
	switch t {
	case timeType():
		return kTime
	case locationType():
		return kLocation
	}
	switch t.Kind() {
	case reflect.Bool:
		return kBool
	case reflect.Int8:
		return kInt8
	case reflect.Int16:
		return kInt16
	case reflect.Int32:
		return kInt32
	case reflect.Int64:
		return kInt64
	case reflect.Int:
		return kInt
	case reflect.Uint8:
		return kUint8
	case reflect.Uint16:
		return kUint16
	case reflect.Uint32:
		return kUint32
	case reflect.Uint64:
		return kUint64
	case reflect.Uint:
		return kUint
	case reflect.Uintptr:
		return kUintptr
	case reflect.Float32:
		return kFloat32
	case reflect.Float64:
		return kFloat64
	case reflect.Complex64:
		return kComplex64
	case reflect.Complex128:
		return kComplex128
	case reflect.String:
		return kString
	case reflect.Array:
		return kArray
	case reflect.Slice:
		return kSlice
	case reflect.Map:
		return kMap
	case reflect.Struct:
		return kStruct
	case reflect.Pointer:
		return kPointer
	case reflect.Interface:
		return kInterface
	case reflect.Func:
		return kFunc
	}
	return 0
}

// typeKey names a named type the same way in the saving and the loading
// program: import path, dot, name ("main.Point", "math/big.Int").
// Predeclared types are their bare name; unnamed types have no key.
func typeKey(t reflect.Type) string {
	if t.Name() == "" {
		return ""
	}
	if t.PkgPath() == "" {
		return t.Name()
	}
	return t.PkgPath() + "." + t.Name()
}

// sameMemory reports whether a value of type a may be viewed as type b in
// place: the same type, or types with identical underlying types.
func sameMemory(a, b reflect.Type) bool {
	if a == b {
		return true
	}
	return a.Kind() == b.Kind() && a.Size() == b.Size() &&
		reflect.PointerTo(a).ConvertibleTo(reflect.PointerTo(b))
}
