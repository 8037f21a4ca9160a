package carry

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"testing/quick"
	"time"
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
	seeds := []any{
		&[]float64{1, 2, 3},
		&map[string]any{"a": 1.5, "b": []any{"x", int8(2)}, "c": map[string]any{}},
		n,
		&[]*fuzzNode{n, n.Kids[1]},
		&[3][]string{{"a"}, nil, {}},
		new(any),
		&map[string]any{"err": fmt.Errorf("wrapped: %w", &codeError{3}), "kept": &KeptError{Type: "*x.y", Msg: "m"}},
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
			_ = Decode(bytes.NewReader(data), target)
		}
	})
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
