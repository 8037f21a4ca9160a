package check

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxDiffs is how many differences a failing line lists.
const maxDiffs = 5

// maxDepth bounds how deep a comparison walks, so that cyclic values end.
const maxDepth = 32

// A differ collects the differences between two values.
type differ struct {
	show  bool     // say what was wanted
	found []string // the first maxDiffs differences
	more  int      // how many more there were
}

func (d *differ) add(path, format string, args ...any) {
	if len(d.found) == maxDiffs {
		d.more++
		return
	}
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	d.found = append(d.found, msg)
}

func (d *differ) String() string {
	s := strings.Join(d.found, "; ")
	if d.more > 0 {
		s += fmt.Sprintf("; and %d more", d.more)
	}
	return s
}

// diff records where got and want differ, under path.
func (d *differ) diff(path string, got, want reflect.Value, depth int) {
	if !got.IsValid() || !want.IsValid() {
		if got.IsValid() != want.IsValid() || got.IsValid() && !isNil(got) {
			d.value(path, got, want)
		}
		return
	}
	if got.Type() != want.Type() {
		d.add(path, "got type %v, want type %v", got.Type(), want.Type())
		return
	}
	if depth > maxDepth {
		return
	}
	switch got.Kind() {
	case reflect.Slice, reflect.Array:
		if got.Kind() == reflect.Slice && got.Len() == 0 && want.Len() == 0 {
			return // nil and empty alike
		}
		if got.Len() != want.Len() {
			d.add(path, "%s", lenDetail("", got.Len(), want.Len(), d.show))
		}
		for i := range min(got.Len(), want.Len()) {
			d.diff(fmt.Sprintf("%s[%d]", path, i), got.Index(i), want.Index(i), depth+1)
		}
	case reflect.Map:
		d.diffMaps(path, got, want, depth)
	case reflect.Struct:
		for i := range got.NumField() {
			d.diff(path+"."+got.Type().Field(i).Name, got.Field(i), want.Field(i), depth+1)
		}
	case reflect.Pointer, reflect.Interface:
		if got.IsNil() || want.IsNil() {
			if got.IsNil() != want.IsNil() {
				d.value(path, got, want)
			}
			return
		}
		if got.Kind() == reflect.Pointer && got.Pointer() == want.Pointer() {
			return
		}
		d.diff(path, got.Elem(), want.Elem(), depth+1)
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		// Comparable only by identity.
		if got.Pointer() != want.Pointer() {
			d.value(path, got, want)
		}
	default:
		if !scalarEqual(got, want) {
			d.value(path, got, want)
		}
	}
}

func (d *differ) diffMaps(path string, got, want reflect.Value, depth int) {
	var missing int
	var missingKeys []string
	for _, k := range sortedKeys(want) {
		g := got.MapIndex(k)
		if !g.IsValid() {
			missing++
			missingKeys = append(missingKeys, summaryOf(k))
			continue
		}
		d.diff(fmt.Sprintf("%s[%s]", path, summaryOf(k)), g, want.MapIndex(k), depth+1)
	}
	if missing > 0 {
		if d.show {
			d.add(path, "missing key%s %s", plural(missing), strings.Join(missingKeys, ", "))
		} else {
			d.add(path, "%d key%s missing", missing, plural(missing))
		}
	}
	for _, k := range sortedKeys(got) {
		if !want.MapIndex(k).IsValid() {
			d.add(fmt.Sprintf("%s[%s]", path, summaryOf(k)), "not wanted")
		}
	}
}

// value records a difference of whole values.
func (d *differ) value(path string, got, want reflect.Value) {
	if d.show {
		d.add(path, "got %s, want %s", summaryOf(got), summaryOf(want))
		return
	}
	d.add(path, "got %s", summaryOf(got))
}

func lenDetail(path string, got, want int, show bool) string {
	prefix := ""
	if path != "" {
		prefix = path + ": "
	}
	if show {
		return fmt.Sprintf("%slength %d, want %d", prefix, got, want)
	}
	return fmt.Sprintf("%slength %d is not the wanted length", prefix, got)
}

// scalarEqual compares values of one type that are not containers, as ==
// does where the type is comparable.
func scalarEqual(got, want reflect.Value) bool {
	if got.Type().Comparable() && got.CanInterface() {
		return got.Interface() == want.Interface()
	}
	switch got.Kind() {
	case reflect.Bool:
		return got.Bool() == want.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return got.Int() == want.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return got.Uint() == want.Uint()
	case reflect.Float32, reflect.Float64:
		return got.Float() == want.Float()
	case reflect.Complex64, reflect.Complex128:
		return got.Complex() == want.Complex()
	case reflect.String:
		return got.String() == want.String()
	}
	return false
}

func isNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// sortedKeys returns a map's keys in the order of their summaries, so
// that a failing line lists the same differences every time.
func sortedKeys(m reflect.Value) []reflect.Value {
	keys := m.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int {
		return strings.Compare(summaryOf(a), summaryOf(b))
	})
	return keys
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// maxSummary is the length, in runes, beyond which summaries are cut.
const maxSummary = 80

// summary is a short text form of v for a failing line or a record.
func summary(v any) string {
	return summaryOf(reflect.ValueOf(v))
}

func summaryOf(v reflect.Value) string {
	var s string
	switch {
	case !v.IsValid():
		s = "nil"
	case v.Kind() == reflect.String:
		s = fmt.Sprintf("%q", v.String())
	case v.CanInterface():
		s = fmt.Sprintf("%v", v.Interface())
	default:
		s = fmt.Sprintf("%v", v) // an unexported field: fmt reads it
	}
	if utf8.RuneCountInString(s) > maxSummary {
		r := []rune(s)
		s = string(r[:maxSummary-1]) + "…"
	}
	if v.IsValid() && (v.Kind() == reflect.Slice || v.Kind() == reflect.Array || v.Kind() == reflect.Map) && v.Len() > 8 {
		s += fmt.Sprintf(" (%d elements)", v.Len())
	}
	return s
}
