package cache

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/zeebo/xxh3"
)

// An argHasher hashes argument values by a canonical walk: equal values
// hash alike however they are laid out in memory. Maps are hashed in an
// order that does not depend on iteration, pointers by what they point
// to (a pointer met again, as in a cycle, by when it was first met),
// unexported fields like exported ones, floats by their bits. Slices and
// arrays of numbers are hashed as their memory, which is what makes a
// 100 MB []float64 fast.
type argHasher struct {
	h *xxh3.Hasher128
	// paths, when set, has errors say where in an argument the problem
	// is. Building paths costs more than hashing small arguments, so a
	// first pass goes without and only a failing one is repeated.
	paths bool
	seen  map[uintptr]int // pointer -> order first met
	buf   [8]byte
}

// An UnhashableError reports an argument that cannot be part of a key.
type UnhashableError struct {
	Path string // where in the argument, as in "arg[1].Done"
	Type reflect.Type
}

func (e *UnhashableError) Error() string {
	return fmt.Sprintf("cache: argument %s is a %s, which cannot be part of a cache key (a %s has no value to compare); pass the data it stands for instead", e.Path, e.Type, e.Type.Kind())
}

func (a *argHasher) u64(v uint64) {
	binary.LittleEndian.PutUint64(a.buf[:], v)
	a.h.Write(a.buf[:])
}

func (a *argHasher) str(s string) {
	a.u64(uint64(len(s)))
	a.h.WriteString(s)
}

// tag separates the kinds of thing written, so that no two different
// values write the same bytes.
func (a *argHasher) tag(t byte) {
	a.h.Write([]byte{t})
}

const (
	tagNil byte = iota + 1
	tagValue
	tagBackRef
	tagType
)

var timeType = reflect.TypeFor[time.Time]()

// value hashes v; path names it in errors.
func (a *argHasher) value(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			a.u64(1)
		} else {
			a.u64(0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		a.u64(uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		a.u64(v.Uint())
	case reflect.Float32, reflect.Float64:
		a.u64(math.Float64bits(v.Float()))
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		a.u64(math.Float64bits(real(c)))
		a.u64(math.Float64bits(imag(c)))
	case reflect.String:
		a.str(v.String())
	case reflect.Slice:
		if v.IsNil() {
			a.tag(tagNil)
			return nil
		}
		a.tag(tagValue)
		return a.sequence(v, path)
	case reflect.Array:
		return a.sequence(v, path)
	case reflect.Struct:
		if v.Type() == timeType && v.CanInterface() {
			// A time's fields hold a monotonic reading and a location
			// pointer; two equal instants must hash alike.
			t := v.Interface().(time.Time)
			a.u64(uint64(t.UnixNano()))
			a.str(t.Location().String())
			return nil
		}
		for i := range v.NumField() {
			if err := a.value(v.Field(i), a.join(path, ".", v.Type().Field(i).Name)); err != nil {
				return err
			}
		}
	case reflect.Pointer:
		if v.IsNil() {
			a.tag(tagNil)
			return nil
		}
		if n, ok := a.seen[v.Pointer()]; ok {
			a.tag(tagBackRef)
			a.u64(uint64(n))
			return nil
		}
		if a.seen == nil {
			a.seen = map[uintptr]int{}
		}
		a.seen[v.Pointer()] = len(a.seen)
		a.tag(tagValue)
		return a.value(v.Elem(), a.join("(*", path, ")"))
	case reflect.Interface:
		if v.IsNil() {
			a.tag(tagNil)
			return nil
		}
		e := v.Elem()
		a.tag(tagType)
		a.str(e.Type().String())
		return a.value(e, path)
	case reflect.Map:
		if v.IsNil() {
			a.tag(tagNil)
			return nil
		}
		return a.mapValue(v, path)
	default: // func, chan, unsafe.Pointer
		return &UnhashableError{Path: path, Type: v.Type()}
	}
	return nil
}

// sequence hashes the elements of a slice or an array.
func (a *argHasher) sequence(v reflect.Value, path string) error {
	n := v.Len()
	a.u64(uint64(n))
	if n == 0 {
		return nil
	}
	et := v.Type().Elem()
	if isPlainNumber(et.Kind()) && (v.Kind() == reflect.Slice || v.CanAddr()) {
		var p unsafe.Pointer
		if v.Kind() == reflect.Slice {
			p = v.UnsafePointer()
		} else {
			p = v.Index(0).Addr().UnsafePointer()
		}
		b := unsafe.Slice((*byte)(p), uintptr(n)*et.Size())
		if et.Kind() == reflect.Bool {
			// Any non-zero byte is true; hash what the value means.
			for _, x := range b {
				if x != 0 && x != 1 {
					return a.elements(v, path)
				}
			}
		}
		a.h.Write(b)
		return nil
	}
	return a.elements(v, path)
}

func (a *argHasher) elements(v reflect.Value, path string) error {
	for i := range v.Len() {
		if err := a.value(v.Index(i), a.index(path, i)); err != nil {
			return err
		}
	}
	return nil
}

// isPlainNumber reports kinds whose memory is their value.
func isPlainNumber(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	}
	return false
}

// mapValue hashes each entry on its own and the sorted entry hashes
// together, which does not depend on the order iteration yields them.
func (a *argHasher) mapValue(v reflect.Value, path string) error {
	sums := make([][16]byte, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		// Each entry numbers the pointers it meets from where the map was
		// met, so that the numbers do not depend on the entries' order.
		sub := &argHasher{h: xxh3.New128(), seen: maps.Clone(a.seen), paths: a.paths}
		kp := ""
		if a.paths {
			kp = fmt.Sprintf("%s[%v]", path, it.Key())
		}
		if err := sub.value(it.Key(), kp); err != nil {
			return err
		}
		if err := sub.value(it.Value(), kp); err != nil {
			return err
		}
		sums = append(sums, sub.h.Sum128().Bytes())
	}
	slices.SortFunc(sums, func(x, y [16]byte) int { return bytes.Compare(x[:], y[:]) })
	a.u64(uint64(len(sums)))
	for _, s := range sums {
		a.h.Write(s[:])
	}
	return nil
}

func (a *argHasher) join(parts ...string) string {
	if !a.paths {
		return ""
	}
	return strings.Join(parts, "")
}

func (a *argHasher) index(path string, i int) string {
	if !a.paths {
		return ""
	}
	return path + "[" + strconv.Itoa(i) + "]"
}

// hashArgs returns the hash of a call's arguments, their types included,
// after prefix.
func hashArgs(prefix []byte, args ...any) ([16]byte, error) {
	sum, err := hashArgsOnce(prefix, false, args)
	if err != nil {
		_, err = hashArgsOnce(prefix, true, args)
	}
	return sum, err
}

func hashArgsOnce(prefix []byte, paths bool, args []any) ([16]byte, error) {
	a := &argHasher{h: xxh3.New128(), paths: paths}
	a.h.Write(prefix)
	for i, x := range args {
		v := reflect.ValueOf(x)
		if !v.IsValid() {
			a.tag(tagNil)
			continue
		}
		a.tag(tagType)
		a.str(v.Type().String())
		if err := a.value(v, a.index("arg", i)); err != nil {
			return [16]byte{}, err
		}
	}
	return a.h.Sum128().Bytes(), nil
}
