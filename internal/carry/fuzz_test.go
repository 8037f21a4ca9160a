package carry

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"testing/quick"
	"time"
	"unsafe"
)

type fuzzNode struct {
	Name  string
	Vals  []float64
	Kids  []*fuzzNode
	Attrs map[string]any
	When  time.Time
	next  *fuzzNode
}

func fuzzTargets() []any {
	return []any{
		new([]float64),
		new(map[string]any),
		new(any),
		new(fuzzNode),
		new([]*fuzzNode),
		new([3][]string),
		new(struct {
			A int8
			B []uint16
			C map[point]*point
		}),
	}
}

func FuzzDecode(f *testing.F) {
	Register(fuzzNode{})
	Register(point{})
	n := &fuzzNode{Name: "n", Vals: []float64{1, 2}, Attrs: map[string]any{"x": 1, "p": point{1, 2}, "l": []any{"a"}}, When: time.Unix(7, 0).UTC()}
	n.Kids = []*fuzzNode{n, {Name: "kid"}}
	n.next = n
	words := []string{"a", "b", "c"}
	shared := &point{3, 4}
	seeds := []any{
		&[]float64{1, 2, 3},
		&map[string]any{"a": 1.5, "b": []any{"x", int8(2)}, "c": map[string]any{}},
		n,
		&[]*fuzzNode{n, n.Kids[1]},
		&[3][]string{{"a"}, nil, {}},
		new(any),
		&map[string]any{"err": fmt.Errorf("wrapped: %w", &codeError{3}), "kept": &KeptError{Type: "*x.y", Msg: "m"}},
		// Sharing, NaN and zones, for the round-trip check.
		&[3][]string{words, words[1:], words[:1:1]},
		&struct {
			A int8
			B []uint16
			C map[point]*point
		}{-1, []uint16{1, 2}, map[point]*point{{0, 0}: shared, {math.NaN(), 1}: shared, {2, 2}: nil}},
		&map[string]any{"nan": math.NaN(), "when": time.Unix(1e9, 5).In(time.FixedZone("X", 3600)), "loc": time.FixedZone("Y", -60), "ptrs": []*point{shared, shared}},
	}
	for _, s := range seeds {
		var buf bytes.Buffer
		if err := Encode(&buf, s); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte(headerMagic + "\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range fuzzTargets() {
			checkDecode(t, data, target)
		}
	})
}

// checkDecode decodes data into target and checks what the package
// promises of any input: a failure is ErrCorrupt, ErrNotStored or a
// *FitError and leaves the target zero; a value that decodes is one carry
// keeps, so encoding it and decoding that again gives the same value, with
// the same memory shared (see sameValue).
func checkDecode(t *testing.T, data []byte, target any) {
	t.Helper()
	v := reflect.ValueOf(target).Elem()
	err := Decode(bytes.NewReader(data), target)
	if err != nil {
		var fe *FitError
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotStored) && !errors.As(err, &fe) {
			t.Fatalf("%v: error is neither ErrCorrupt, ErrNotStored nor a *FitError: %v", v.Type(), err)
		}
		if !v.IsZero() {
			t.Fatalf("%v: decoding failed (%v) but left %#v", v.Type(), err, v.Interface())
		}
		return
	}
	var buf bytes.Buffer
	if err := Encode(&buf, target); err != nil {
		t.Fatalf("%v: a decoded value does not encode: %v", v.Type(), err)
	}
	again := reflect.New(v.Type())
	if err := Decode(bytes.NewReader(buf.Bytes()), again.Interface()); err != nil {
		t.Fatalf("%v: a decoded value, encoded again, does not decode: %v", v.Type(), err)
	}
	if diff := sameValue(v, again.Elem()); diff != "" {
		t.Fatalf("%v: encoding and decoding a decoded value changed it: %s", v.Type(), diff)
	}
}

// sameValue compares two values of one type, a and b, both addressable,
// and describes the first difference, or returns "". It is
// reflect.DeepEqual made fit for carry's round trip: numbers compare by
// their bits (so NaN equals itself), time.Time by instant and zone, and
// memory must be shared alike: where a has two references (pointers, slices
// or maps) to one place, b has two to one place, and where a has two
// places, b has two. Map entries whose keys hold pointers, or never equal
// themselves (NaN), cannot be looked up in the other map; only their number
// is compared.
func sameValue(a, b reflect.Value) string {
	c := &sameCmp{fwd: map[memPlace]uintptr{}, back: map[memPlace]uintptr{}, sliced: map[sliceVisit]bool{}}
	if a.Type().Size() > 0 {
		c.pair(a.Type(), a.UnsafeAddr(), b.UnsafeAddr())
	}
	return c.same(a, b)
}

type memPlace struct {
	addr uintptr
	t    reflect.Type
}

type sliceVisit struct {
	a, b uintptr
	t    reflect.Type
	len  int
}

type sameCmp struct {
	fwd, back map[memPlace]uintptr // a's places to b's and back
	sliced    map[sliceVisit]bool
}

// pair records that a's place pa corresponds to b's place pb. It reports
// whether the pair was seen before, and a difference when either place
// was paired with another one.
func (c *sameCmp) pair(t reflect.Type, pa, pb uintptr) (seen bool, diff string) {
	q, okA := c.fwd[memPlace{pa, t}]
	r, okB := c.back[memPlace{pb, t}]
	switch {
	case okA && q != pb:
		return true, fmt.Sprintf("one %v shared in the first is two in the second", t)
	case okB && r != pa:
		return true, fmt.Sprintf("two %v in the first are one shared in the second", t)
	case okA:
		return true, ""
	}
	c.fwd[memPlace{pa, t}] = pb
	c.back[memPlace{pb, t}] = pa
	return false, ""
}

// exported returns v, which is addressable, without the read-only mark of
// an unexported field, so that it can be read and copied.
func exported(v reflect.Value) reflect.Value {
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}

// copyOf returns an addressable copy of v.
func copyOf(v reflect.Value) reflect.Value {
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	return c
}

func (c *sameCmp) same(a, b reflect.Value) string {
	t := a.Type()
	if t.Size() == 0 {
		return ""
	}
	a, b = exported(a), exported(b)
	switch t {
	case reflect.TypeFor[time.Time]():
		ta, tb := a.Interface().(time.Time), b.Interface().(time.Time)
		na, oa := ta.Zone()
		nb, ob := tb.Zone()
		if !ta.Equal(tb) || na != nb || oa != ob || ta.Location().String() != tb.Location().String() {
			return fmt.Sprintf("time %v became %v", ta, tb)
		}
		return ""
	case reflect.TypeFor[*time.Location]():
		la, lb := a.Interface().(*time.Location), b.Interface().(*time.Location)
		if (la == nil) != (lb == nil) || la != nil && la.String() != lb.String() {
			return fmt.Sprintf("location %v became %v", la, lb)
		}
		return ""
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		ba := unsafe.Slice((*byte)(unsafe.Pointer(a.UnsafeAddr())), t.Size())
		bb := unsafe.Slice((*byte)(unsafe.Pointer(b.UnsafeAddr())), t.Size())
		if !bytes.Equal(ba, bb) {
			return fmt.Sprintf("%v %v became %v", t, a, b)
		}
	case reflect.String:
		if a.String() != b.String() {
			return fmt.Sprintf("%q became %q", a.String(), b.String())
		}
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if d := c.same(a.Index(i), b.Index(i)); d != "" {
				return fmt.Sprintf("[%d]: %s", i, d)
			}
		}
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if d := c.same(a.Field(i), b.Field(i)); d != "" {
				return "." + t.Field(i).Name + ": " + d
			}
		}
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("pointer nil %v became nil %v", a.IsNil(), b.IsNil())
			}
			return ""
		}
		if t.Elem().Size() == 0 {
			return ""
		}
		if seen, d := c.pair(t.Elem(), a.Pointer(), b.Pointer()); seen {
			return d
		}
		if d := c.same(a.Elem(), b.Elem()); d != "" {
			return "*: " + d
		}
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() || a.Cap() != b.Cap() {
			return fmt.Sprintf("slice (nil %v, len %d, cap %d) became (nil %v, len %d, cap %d)",
				a.IsNil(), a.Len(), a.Cap(), b.IsNil(), b.Len(), b.Cap())
		}
		et := t.Elem()
		if a.Cap() == 0 || et.Size() == 0 {
			return ""
		}
		if _, d := c.pair(et, a.Pointer(), b.Pointer()); d != "" {
			return d
		}
		visit := sliceVisit{a.Pointer(), b.Pointer(), et, a.Len()}
		if c.sliced[visit] {
			return ""
		}
		c.sliced[visit] = true
		for i := 0; i < a.Len(); i++ {
			if d := c.same(a.Index(i), b.Index(i)); d != "" {
				return fmt.Sprintf("[%d]: %s", i, d)
			}
		}
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return fmt.Sprintf("map (nil %v, len %d) became (nil %v, len %d)", a.IsNil(), a.Len(), b.IsNil(), b.Len())
		}
		if a.IsNil() {
			return ""
		}
		if seen, d := c.pair(t, a.Pointer(), b.Pointer()); seen {
			return d
		}
		for it := a.MapRange(); it.Next(); {
			k := reflect.New(t.Key()).Elem()
			k.SetIterKey(it)
			vb := b.MapIndex(k)
			if !vb.IsValid() {
				if a.MapIndex(k).IsValid() && !holdsPointer(k) {
					return fmt.Sprintf("key %v is missing", k)
				}
				continue
			}
			va := reflect.New(t.Elem()).Elem()
			va.SetIterValue(it)
			if d := c.same(va, copyOf(vb)); d != "" {
				return fmt.Sprintf("[%v]: %s", k, d)
			}
		}
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("interface nil %v became nil %v", a.IsNil(), b.IsNil())
			}
			return ""
		}
		if a.Elem().Type() != b.Elem().Type() {
			return fmt.Sprintf("dynamic type %v became %v", a.Elem().Type(), b.Elem().Type())
		}
		if d := c.same(copyOf(a.Elem()), copyOf(b.Elem())); d != "" {
			return fmt.Sprintf("(%v): %s", a.Elem().Type(), d)
		}
	default:
		return fmt.Sprintf("unexpected kind %v", t)
	}
	return ""
}

// holdsPointer reports whether the value v holds a non-nil pointer, which
// makes it a map key no other map can have.
func holdsPointer(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer:
		return !v.IsNil()
	case reflect.Interface:
		return !v.IsNil() && holdsPointer(v.Elem())
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if holdsPointer(v.Index(i)) {
				return true
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if holdsPointer(v.Field(i)) {
				return true
			}
		}
	}
	return false
}

// quickValue is built by testing/quick with random contents.
type quickValue struct {
	I   int
	I8  int8
	U16 uint16
	U   uint
	F32 float32
	C   complex128
	S   string
	B   bool
	A   [3]int32
	Sl  [][]byte
	M   map[string][]int64
	MP  map[int16]*quickInner
	P   *quickInner
	In  []quickInner
	Arr [2]quickInner
}

type quickInner struct {
	X  float64
	Ys []string
	Z  map[uint8]bool
}

func TestQuickRoundTrip(t *testing.T) {
	roundTrips := func(v quickValue) bool {
		var buf bytes.Buffer
		if err := Encode(&buf, &v); err != nil {
			t.Log(err)
			return false
		}
		var out quickValue
		if err := Decode(&buf, &out); err != nil {
			t.Log(err)
			return false
		}
		return reflect.DeepEqual(v, out)
	}
	if err := quick.Check(roundTrips, &quick.Config{MaxCount: 300, Rand: nil}); err != nil {
		t.Fatal(err)
	}
}

// TestRandomTypes builds random nested types with reflect, fills them with
// random values, and checks that every value round-trips, also when held in
// an interface.
func TestRandomTypes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1000; i++ {
		typ := randomType(r, 4)
		v := reflect.New(typ)
		randomValue(r, v.Elem(), 3)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			out := roundTrip(t, v.Interface())
			if !reflect.DeepEqual(v.Interface(), out) {
				t.Fatalf("type %v:\n got %#v\nwant %#v", typ, reflect.ValueOf(out).Elem(), v.Elem())
			}
			var held any = v.Elem().Interface()
			outAny := roundTrip(t, &held)
			if !reflect.DeepEqual(&held, outAny) {
				t.Fatalf("type %v in any:\n got %#v\nwant %#v", typ, outAny, held)
			}
		})
	}
}

var scalarTypes = []reflect.Type{
	reflect.TypeFor[bool](), reflect.TypeFor[int](), reflect.TypeFor[int8](), reflect.TypeFor[int16](),
	reflect.TypeFor[int32](), reflect.TypeFor[int64](), reflect.TypeFor[uint](), reflect.TypeFor[uint8](),
	reflect.TypeFor[uint16](), reflect.TypeFor[uint32](), reflect.TypeFor[uint64](), reflect.TypeFor[uintptr](),
	reflect.TypeFor[float32](), reflect.TypeFor[float64](), reflect.TypeFor[complex64](),
	reflect.TypeFor[complex128](), reflect.TypeFor[string](), reflect.TypeFor[time.Duration](),
}

func randomType(r *rand.Rand, depth int) reflect.Type {
	if depth == 0 || r.IntN(3) == 0 {
		return scalarTypes[r.IntN(len(scalarTypes))]
	}
	switch r.IntN(7) {
	case 0:
		return reflect.ArrayOf(r.IntN(4), randomType(r, depth-1))
	case 1:
		return reflect.SliceOf(randomType(r, depth-1))
	case 2:
		k := randomType(r, depth-1)
		if !k.Comparable() || holdsInterface(k) {
			k = scalarTypes[r.IntN(len(scalarTypes))]
		}
		return reflect.MapOf(k, randomType(r, depth-1))
	case 3:
		return reflect.PointerTo(randomType(r, depth-1))
	case 4:
		return reflect.TypeFor[any]()
	default:
		fields := make([]reflect.StructField, 1+r.IntN(4))
		for i := range fields {
			fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: randomType(r, depth-1)}
		}
		return reflect.StructOf(fields)
	}
}

func randomValue(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(r.Uint64()) >> (64 - 8*v.Type().Size()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(r.Uint64() >> (64 - 8*v.Type().Size()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(r.NormFloat64() * 1e6)
	case reflect.Complex64, reflect.Complex128:
		v.SetComplex(complex(r.NormFloat64(), math.Floor(r.NormFloat64()*100)))
	case reflect.String:
		b := make([]byte, r.IntN(8))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		v.SetString(string(b))
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			randomValue(r, v.Index(i), depth)
		}
	case reflect.Slice:
		if r.IntN(5) == 0 {
			return // nil
		}
		n := r.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n+r.IntN(3))
		for i := 0; i < n; i++ {
			randomValue(r, s.Index(i), depth-1)
		}
		v.Set(s)
	case reflect.Map:
		if r.IntN(5) == 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for i := r.IntN(4); i > 0; i-- {
			k := reflect.New(v.Type().Key()).Elem()
			randomValue(r, k, depth-1)
			e := reflect.New(v.Type().Elem()).Elem()
			randomValue(r, e, depth-1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Pointer:
		if r.IntN(4) == 0 || depth <= 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		randomValue(r, p.Elem(), depth-1)
		v.Set(p)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			randomValue(r, v.Field(i), depth)
		}
	case reflect.Interface:
		if r.IntN(4) == 0 || depth <= 0 {
			return
		}
		t := randomType(r, 2)
		e := reflect.New(t).Elem()
		randomValue(r, e, depth-1)
		v.Set(e)
	}
}

// holdsInterface reports whether t has an interface or a pointer inside:
// such map keys may panic on unhashable values, or never compare equal
// after a round trip.
func holdsInterface(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Interface, reflect.Pointer:
		return true
	case reflect.Array:
		return holdsInterface(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if holdsInterface(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// TestSameValue checks the comparison FuzzDecode relies on: it must see a
// changed number, a lost or added sharing, and must not see a NaN as
// changed.
func TestSameValue(t *testing.T) {
	addr := func(v any) reflect.Value { return reflect.ValueOf(v).Elem() }
	shared := &point{1, 2}
	nan := math.NaN()
	type pair struct{ A, B *point }
	cases := []struct {
		name string
		a, b any
		same bool
	}{
		{"equal", &pair{&point{1, 2}, &point{3, 4}}, &pair{&point{1, 2}, &point{3, 4}}, true},
		{"NaN", &[]any{nan, map[float64]int{nan: 1}}, &[]any{nan, map[float64]int{nan: 1}}, true},
		{"number", &pair{&point{1, 2}, nil}, &pair{&point{1, 3}, nil}, false},
		{"sharing lost", &pair{shared, shared}, &pair{&point{1, 2}, &point{1, 2}}, false},
		{"sharing added", &pair{&point{1, 2}, &point{1, 2}}, &pair{shared, shared}, false},
		{"nil slice", &[][]int{nil}, &[][]int{{}}, false},
		{"dynamic type", &[]any{int32(1)}, &[]any{int64(1)}, false},
		{"map value", &map[string][]int{"a": {1}}, &map[string][]int{"a": {2}}, false},
		{"time zone", &[]time.Time{time.Unix(5, 0).UTC()}, &[]time.Time{time.Unix(5, 0).In(time.FixedZone("X", 0))}, false},
	}
	for _, c := range cases {
		diff := sameValue(addr(c.a), addr(c.b))
		if (diff == "") != c.same {
			t.Errorf("%s: sameValue = %q, want same %v", c.name, diff, c.same)
		}
	}
}
