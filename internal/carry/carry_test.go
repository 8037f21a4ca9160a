package carry

import (
	"bytes"
	"errors"
	"math"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

type point struct{ X, Y float64 }

type celsius float64

type hidden struct {
	name  string
	n     int
	tags  []string
	next  *hidden
	inner struct{ a, b int8 }
}

type shape interface{ Area() float64 }

type circle struct{ R float64 }

func (c circle) Area() float64 { return math.Pi * c.R * c.R }

type square struct{ S float64 }

func (s *square) Area() float64 { return s.S * s.S }

type withIface struct {
	S   shape
	Any any
	Err error
}

type embedBase struct{ ID int }

type embedded struct {
	embedBase
	*point
	Label string
}

// roundTrip encodes the value in points to and decodes it into a new
// variable of the same type.
func roundTrip(t *testing.T, in any) any {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, in); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	out := reflect.New(reflect.TypeOf(in).Elem())
	if err := Decode(&buf, out.Interface()); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return out.Interface()
}

func ptrTo[T any](v T) *T { return &v }

func TestRoundTripKinds(t *testing.T) {
	Register(circle{})
	Register(&square{})
	Register(point{})
	defer resetRegistry()
	x := 42
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   any // pointer to the value
	}{
		{"bool", ptrTo(true)},
		{"int", ptrTo(-12345)},
		{"int8", ptrTo(int8(math.MinInt8))},
		{"int16", ptrTo(int16(math.MaxInt16))},
		{"int32", ptrTo(int32(math.MinInt32))},
		{"int64", ptrTo(int64(math.MinInt64))},
		{"uint", ptrTo(uint(math.MaxUint))},
		{"uint8", ptrTo(uint8(200))},
		{"uint16", ptrTo(uint16(65535))},
		{"uint32", ptrTo(uint32(1 << 31))},
		{"uint64", ptrTo(uint64(math.MaxUint64))},
		{"uintptr", ptrTo(uintptr(0xdeadbeef))},
		{"float32", ptrTo(float32(-1.5))},
		{"float64", ptrTo(math.Inf(-1))},
		{"complex64", ptrTo(complex64(1 + 2i))},
		{"complex128", ptrTo(complex(math.Pi, -math.E))},
		{"string", ptrTo("héllo, 世界")},
		{"empty string", ptrTo("")},
		{"array", ptrTo([3]int{1, 2, 3})},
		{"nested array", ptrTo([2][2]float32{{1, 2}, {3, 4}})},
		{"string array", ptrTo([2]string{"a", "b"})},
		{"zero array", ptrTo([0]int{})},
		{"bool slice", ptrTo([]bool{true, false, true})},
		{"nil slice", ptrTo([]int(nil))},
		{"empty slice", ptrTo([]int{})},
		{"slice of slices", ptrTo([][]string{{"a"}, nil, {}, {"b", "c"}})},
		{"struct slice", ptrTo([]point{{1, 2}, {3, 4}})},
		{"nil map", ptrTo(map[string]int(nil))},
		{"empty map", ptrTo(map[string]int{})},
		{"map", ptrTo(map[string]int{"a": 1, "b": 2})},
		{"struct keys", ptrTo(map[point][]int{{1, 2}: {3}, {0, 0}: nil})},
		{"pointer values", ptrTo(map[int]*point{1: {1, 1}, 2: nil})},
		{"struct", ptrTo(point{1.5, -2})},
		{"unexported", ptrTo(hidden{name: "n", n: 3, tags: []string{"x"}, next: &hidden{name: "m"}, inner: struct{ a, b int8 }{1, 2}})},
		{"embedded", ptrTo(embedded{embedBase{7}, &point{1, 2}, "l"})},
		{"pointer", ptrTo(&x)},
		{"pointer to pointer", ptrTo(ptrTo(&x))},
		{"nil pointer", ptrTo((*int)(nil))},
		{"named", ptrTo(celsius(36.6))},
		{"duration", ptrTo(90 * time.Second)},
		{"time UTC", ptrTo(time.Date(2024, 2, 29, 12, 30, 0, 123456789, time.UTC))},
		{"time fixed zone", ptrTo(time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("XYZ", -3*3600)))},
		{"time named zone", ptrTo(time.Date(2024, 7, 4, 9, 0, 0, 0, ny))},
		{"time zero", ptrTo(time.Time{})},
		{"location", ptrTo(ny)},
		{"times", ptrTo([]time.Time{time.Unix(0, 0).UTC(), time.Unix(1e9, 5).UTC()})},
		{"interfaces", ptrTo(withIface{S: circle{2}, Any: []any{1, "a", point{1, 2}, map[string]any{"k": []int{1}}}, Err: nil})},
		{"interface pointer", ptrTo(withIface{S: &square{3}, Any: &point{1, 2}})},
		{"any slice", ptrTo([]any{nil, 1.5, int8(3), true, time.Minute, [2]int{1, 2}})},
		{"map of any", ptrTo(map[string]any{"a": nil, "b": "x", "c": []string{"y"}})},
		{"anonymous struct", ptrTo(struct {
			A int
			b []string
		}{1, []string{"z"}})},
		{"unnamed struct in interface", ptrTo([]any{struct{ A, B int }{1, 2}})},
		{"empty struct", ptrTo(struct{}{})},
		{"empty structs", ptrTo([]struct{}{{}, {}, {}})},
		{"pointer to empty", ptrTo(&struct{}{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := roundTrip(t, tt.in)
			if !reflect.DeepEqual(tt.in, out) {
				t.Errorf("got %#v, want %#v", reflect.ValueOf(out).Elem(), reflect.ValueOf(tt.in).Elem())
			}
		})
	}
}

func TestTimeKeepsInstantAndZone(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	for _, in := range []time.Time{
		time.Now(), // monotonic reading is dropped
		time.Now().In(ny),
		time.Now().UTC(),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999, time.FixedZone("", 5*3600+1800)),
	} {
		out := *roundTrip(t, &in).(*time.Time)
		if !out.Equal(in) {
			t.Errorf("%v became %v", in, out)
		}
		if out.Location().String() != in.Location().String() {
			t.Errorf("location %v became %v", in.Location(), out.Location())
		}
		_, o1 := in.Zone()
		_, o2 := out.Zone()
		if o1 != o2 {
			t.Errorf("offset %d became %d", o1, o2)
		}
		if in.Location() == time.Local && out.Location() != time.Local {
			t.Errorf("time.Local lost")
		}
	}
}

func TestAliasing(t *testing.T) {
	t.Run("two slices over one array", func(t *testing.T) {
		arr := make([]int, 10, 16)
		for i := range arr {
			arr[i] = i
		}
		in := struct{ A, B, C []int }{arr[2:5], arr[4:8:12], arr[9:]}
		out := roundTrip(t, &in).(*struct{ A, B, C []int })
		if !reflect.DeepEqual(in, *out) {
			t.Fatalf("got %v, want %v", *out, in)
		}
		if cap(out.A) != cap(in.A) || cap(out.B) != cap(in.B) || cap(out.C) != cap(in.C) {
			t.Fatalf("capacities %d %d %d, want %d %d %d", cap(out.A), cap(out.B), cap(out.C), cap(in.A), cap(in.B), cap(in.C))
		}
		out.A[2] = 100 // arr[4]
		if out.B[0] != 100 {
			t.Errorf("A and B no longer share: B[0] = %d", out.B[0])
		}
		out.A = append(out.A[:7], 77) // arr[9], within capacity
		if out.C[0] != 77 {
			t.Errorf("A and C no longer share: C[0] = %d", out.C[0])
		}
	})
	t.Run("two pointers to one struct", func(t *testing.T) {
		p := &point{1, 2}
		in := []*point{p, p, {3, 4}}
		out := *roundTrip(t, &in).(*[]*point)
		if out[0] != out[1] || out[0] == out[2] {
			t.Fatalf("pointers %p %p %p", out[0], out[1], out[2])
		}
	})
	t.Run("cycle", func(t *testing.T) {
		a := &hidden{name: "a"}
		b := &hidden{name: "b", next: a}
		a.next = b
		out := *roundTrip(t, &a).(**hidden)
		if out.name != "a" || out.next.name != "b" || out.next.next != out {
			t.Fatalf("cycle lost: %+v", out)
		}
	})
	t.Run("long list", func(t *testing.T) {
		var head *hidden
		for i := 0; i < 200000; i++ {
			head = &hidden{n: i, next: head}
		}
		out := *roundTrip(t, &head).(**hidden)
		n := 0
		for p := out; p != nil; p = p.next {
			if p.n != 199999-n {
				t.Fatalf("node %d holds %d", n, p.n)
			}
			n++
		}
		if n != 200000 {
			t.Fatalf("%d nodes", n)
		}
	})
	t.Run("map holding pointers", func(t *testing.T) {
		p := &point{1, 2}
		in := struct {
			M map[string]*point
			P *point
		}{map[string]*point{"a": p, "b": p}, p}
		out := roundTrip(t, &in).(*struct {
			M map[string]*point
			P *point
		})
		if out.M["a"] != out.M["b"] || out.M["a"] != out.P || *out.P != *p {
			t.Fatal("map pointers no longer shared")
		}
	})
	t.Run("one map twice", func(t *testing.T) {
		m := map[int]int{1: 2}
		in := [2]map[int]int{m, m}
		out := roundTrip(t, &in).(*[2]map[int]int)
		out[0][5] = 6
		if out[1][5] != 6 {
			t.Fatal("map no longer shared")
		}
	})
	t.Run("pointer into struct field", func(t *testing.T) {
		type holder struct {
			P   point
			Ptr *float64
		}
		h := &holder{P: point{1, 2}}
		h.Ptr = &h.P.Y
		out := *roundTrip(t, &h).(**holder)
		if out.Ptr != &out.P.Y || *out.Ptr != 2 {
			t.Fatalf("pointer into field lost: %p vs %p", out.Ptr, &out.P.Y)
		}
	})
	t.Run("pointer into slice element", func(t *testing.T) {
		s := []point{{1, 2}, {3, 4}, {5, 6}}
		in := struct {
			S  []point
			P  *point
			PX *float64
		}{s, &s[1], &s[2].X}
		out := roundTrip(t, &in).(*struct {
			S  []point
			P  *point
			PX *float64
		})
		if out.P != &out.S[1] || out.PX != &out.S[2].X {
			t.Fatal("pointers into elements lost")
		}
	})
	t.Run("slice of an array variable", func(t *testing.T) {
		in := struct {
			A [4]int
			S []int
		}{A: [4]int{1, 2, 3, 4}}
		in.S = in.A[1:3]
		out := roundTrip(t, &in).(*struct {
			A [4]int
			S []int
		})
		out.S[0] = 20
		if out.A[1] != 20 || cap(out.S) != 3 {
			t.Fatalf("slice of array lost: %v %v", out.A, out.S)
		}
	})
	t.Run("self pointer", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("abc")
		out := roundTrip(t, &b).(*strings.Builder)
		out.WriteString("def") // panics if its self pointer was not kept
		if out.String() != "abcdef" {
			t.Fatalf("got %q", out.String())
		}
	})
}

func TestAliasingAcrossVariables(t *testing.T) {
	dir := t.TempDir()
	arr := []float64{1, 2, 3, 4, 5}
	p := &point{1, 2}
	type node struct {
		P    *point
		Next *node
	}
	n := &node{P: p}
	a, b, c, pp := arr[:3], arr[2:], n, p
	if err := SaveAll(dir, map[string]any{"a": &a, "b": &b, "c": &c, "p": &pp}); err != nil {
		t.Fatal(err)
	}
	var a2, b2 []float64
	var c2 *node
	var p2 *point
	if err := LoadAll(dir, map[string]any{"a": &a2, "b": &b2, "c": &c2, "p": &p2}); err != nil {
		t.Fatal(err)
	}
	a2[2] = 30
	if b2[0] != 30 {
		t.Error("a and b no longer share")
	}
	if c2.P != p2 {
		t.Error("c.P and p no longer share")
	}
	// Loading a part only still gives correct values.
	var b3 []float64
	if err := Load(dir, "b", &b3); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b3, b) {
		t.Errorf("b alone: %v, want %v", b3, b)
	}
	// A pointer to a variable, loaded with and without the variable.
	x := point{7, 8}
	px := &x
	if err := SaveAll(dir, map[string]any{"x": &x, "px": &px}); err != nil {
		t.Fatal(err)
	}
	var x2 point
	var px2 *point
	if err := LoadAll(dir, map[string]any{"x": &x2, "px": &px2}); err != nil {
		t.Fatal(err)
	}
	if px2 != &x2 {
		t.Error("px no longer points to x")
	}
	px2 = nil
	if err := Load(dir, "px", &px2); err != nil || *px2 != x {
		t.Errorf("px alone: %v %v", px2, err)
	}
}

func TestInterfaceRegistry(t *testing.T) {
	resetRegistry()
	defer resetRegistry()
	in := withIface{S: circle{1}}
	var buf bytes.Buffer
	if err := Encode(&buf, &in); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	// The target's own types are known without registering: withIface
	// does not mention circle, so it is unknown.
	var out withIface
	err := Decode(bytes.NewReader(data), &out)
	var fe *FitError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "carry.circle") || !strings.Contains(err.Error(), "Register") {
		t.Fatalf("unregistered type: got %v", err)
	}
	if fe.Path != "S" {
		t.Errorf("path %q, want S", fe.Path)
	}
	Register(circle{})
	if err := Decode(bytes.NewReader(data), &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("after Register: %v %+v", err, out)
	}
	// A type that no longer implements the interface.
	var other struct{ S fmtStringer }
	err = Decode(bytes.NewReader(data), &other)
	if err == nil || !strings.Contains(err.Error(), "does not implement") {
		t.Fatalf("got %v", err)
	}
}

type fmtStringer interface{ String() string }

// Types used to test evolution: each version is its own Go type, as the
// loading program's type would be.
type resultV1 struct {
	Name  string
	Score float64
	Tags  []string
}

type resultAdded struct {
	Name  string
	Score float64
	Tags  []string
	Rank  int
}

type resultRemoved struct {
	Score float64
}

type resultRenamed struct {
	Title string
	Score float64
	Tags  []string
}

type resultKind struct {
	Name  int
	Score float64
}

type resultWider struct {
	Name  string
	Score float32
	Tags  []string
}

func TestEvolution(t *testing.T) {
	results := []resultV1{{"a", 1, []string{"x"}}, {"b", 2, nil}, {"c", 3, nil}, {"d", 4, nil}}
	var buf bytes.Buffer
	if err := EncodeVars(&buf, map[string]any{"results": &results}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	load := func(ptr any) error {
		return DecodeVars(bytes.NewReader(data), map[string]any{"results": ptr})
	}
	t.Run("added", func(t *testing.T) {
		var out []resultAdded
		if err := load(&out); err != nil {
			t.Fatal(err)
		}
		if out[0].Name != "a" || out[0].Tags[0] != "x" || out[3].Score != 4 || out[3].Rank != 0 {
			t.Fatalf("got %+v", out)
		}
	})
	t.Run("removed", func(t *testing.T) {
		var out []resultRemoved
		if err := load(&out); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out, []resultRemoved{{1}, {2}, {3}, {4}}) {
			t.Fatalf("got %+v", out)
		}
	})
	t.Run("renamed", func(t *testing.T) {
		var out []resultRenamed
		if err := load(&out); err != nil {
			t.Fatal(err)
		}
		if out[1].Title != "" || out[1].Score != 2 {
			t.Fatalf("got %+v", out)
		}
	})
	t.Run("float width", func(t *testing.T) {
		var out []resultWider
		if err := load(&out); err != nil || out[2].Score != 3 {
			t.Fatalf("got %+v, %v", out, err)
		}
	})
	t.Run("kind changed", func(t *testing.T) {
		var out []resultKind
		err := load(&out)
		var fe *FitError
		if !errors.As(err, &fe) {
			t.Fatalf("got %v, want a FitError", err)
		}
		if want := "results[0].Name: stored string, want int"; err.Error() != want {
			t.Fatalf("got %q, want %q", err, want)
		}
		if out != nil {
			t.Errorf("failed variable is %v, want zero", out)
		}
	})
	t.Run("into interface", func(t *testing.T) {
		var out any
		Register(resultV1{})
		defer resetRegistry()
		if err := load(&out); err != nil || !reflect.DeepEqual(out, results) {
			t.Fatalf("got %v, %v", out, err)
		}
	})
	t.Run("slice became map", func(t *testing.T) {
		var out map[int]resultV1
		err := load(&out)
		if err == nil || err.Error() != "results: stored []carry.resultV1, want map[int]carry.resultV1" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("path through map and pointer", func(t *testing.T) {
		type in struct{ M map[string]*resultV1 }
		type out struct{ M map[string]*resultKind }
		v := in{M: map[string]*resultV1{"k": {Name: "n"}}}
		var b bytes.Buffer
		if err := EncodeVars(&b, map[string]any{"v": &v}); err != nil {
			t.Fatal(err)
		}
		var o out
		err := DecodeVars(&b, map[string]any{"v": &o})
		if err == nil || err.Error() != `v.M["k"].Name: stored string, want int` {
			t.Fatalf("got %v", err)
		}
	})
}

func TestIntegerConversions(t *testing.T) {
	tests := []struct {
		in, out any
		err     string
	}{
		{ptrTo(int64(100)), new(int8), ""},
		{ptrTo(int64(300)), new(int8), "stored int64 300 does not fit in int8"},
		{ptrTo(int32(-1)), new(uint32), "stored int32 -1 does not fit in uint32"},
		{ptrTo(uint64(math.MaxUint64)), new(int64), "stored uint64 18446744073709551615 does not fit in int64"},
		{ptrTo(uint8(255)), new(int), ""},
		{ptrTo(int16(-5)), new(int64), ""},
		{ptrTo(1.5), new(int), "stored float64, want int"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := Encode(&buf, tt.in); err != nil {
			t.Fatal(err)
		}
		err := Decode(&buf, tt.out)
		if tt.err == "" {
			if err != nil {
				t.Errorf("%T → %T: %v", tt.in, tt.out, err)
				continue
			}
			got := reflect.ValueOf(tt.out).Elem()
			want := reflect.ValueOf(tt.in).Elem().Convert(got.Type())
			if got.Interface() != want.Interface() {
				t.Errorf("%T → %T: got %v", tt.in, tt.out, got)
			}
		} else if err == nil || err.Error() != tt.err {
			t.Errorf("%T → %T: got %v, want %q", tt.in, tt.out, err, tt.err)
		}
	}
}

func TestCorruptInput(t *testing.T) {
	Register(circle{})
	defer resetRegistry()
	in := struct {
		S []withIface
		M map[string][]float64
		T time.Time
		P *hidden
		A [3]string
	}{
		S: []withIface{{S: circle{1}, Any: []any{1, "x"}}},
		M: map[string][]float64{"a": make([]float64, 5000), "b": {1, 2}},
		T: time.Unix(5, 5).UTC(),
		P: &hidden{name: "p", tags: []string{"q"}},
		A: [3]string{"x", "y", "z"},
	}
	var buf bytes.Buffer
	if err := Encode(&buf, &in); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	out := in
	if err := Decode(bytes.NewReader(data), &out); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(data); n++ {
		if n > 200 && n < len(data)-200 && n%97 != 0 {
			continue
		}
		if err := Decode(bytes.NewReader(data[:n]), &out); err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		} else if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d bytes: %v does not wrap ErrCorrupt", n, err)
		}
	}
	for i := range data {
		if i > 300 && i < len(data)-2000 && i%251 != 0 {
			continue // the middle is one block of numbers
		}
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			bad := append([]byte(nil), data...)
			bad[i] ^= flip
			_ = Decode(bytes.NewReader(bad), &out) // must not panic
		}
	}
	bad := append([]byte(nil), data...)
	bad[7] = 99
	if err := Decode(bytes.NewReader(bad), &out); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("version: %v", err)
	}
	if err := Decode(strings.NewReader("not a stream, just some text"), &out); err == nil || !strings.Contains(err.Error(), "bad magic") {
		t.Errorf("magic: %v", err)
	}
}

type handler struct{ On func() }

func TestCheck(t *testing.T) {
	type job struct {
		ID   int
		done chan bool
	}
	type guarded struct {
		mu sync.Mutex
		n  int
	}
	tests := []struct {
		t   reflect.Type
		why string // "" when it can be kept
	}{
		{reflect.TypeFor[[]map[string]point](), ""},
		{reflect.TypeFor[any](), ""},
		{reflect.TypeFor[time.Time](), ""},
		{reflect.TypeFor[chan int](), "chan int: channels cannot be kept"},
		{reflect.TypeFor[func()](), ""}, // kept when nil: see TestCheckValue
		{reflect.TypeFor[unsafe.Pointer](), "unsafe.Pointer: unsafe pointers cannot be kept"},
		{reflect.TypeFor[*os.File](), "*os.File: open files cannot be kept"},
		{reflect.TypeFor[job](), "carry.job.done: chan bool: channels cannot be kept"},
		{reflect.TypeFor[[]*guarded](), ""}, // kept when unlocked: see TestIdleSyncValues
		{reflect.TypeFor[sync.WaitGroup](), ""},
		{reflect.TypeFor[sync.Once](), ""},
		{reflect.TypeFor[atomic.Int64](), ""},
		{reflect.TypeFor[sync.Cond](), "sync.Cond: synchronization values cannot be kept"},
		{reflect.TypeFor[sync.Map](), "sync.Map: synchronization values cannot be kept"},
		{reflect.TypeFor[atomic.Pointer[int]](), "atomic.Pointer[int]: atomic pointers cannot be kept"},
		{reflect.TypeFor[map[string]handler](), ""},
		{reflect.TypeFor[reflect.Value](), "reflect.Value: reflect values cannot be kept"},
	}
	for _, tt := range tests {
		ok, why := Check(tt.t)
		if ok != (tt.why == "") || why != tt.why {
			t.Errorf("Check(%v) = %v, %q; want %q", tt.t, ok, why, tt.why)
		}
	}
}

func TestCheckValue(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests := []struct {
		name string
		v    any
		why  string
	}{
		{"plain", []any{1, "a", point{}}, ""},
		{"func in interface", []any{1, func() {}}, "[1]: func(): functions cannot be kept"},
		{"nil func in interface", []any{1, (func())(nil)}, ""},
		{"func field", map[string]handler{"a": {On: func() {}}}, `["a"].On: func(): functions cannot be kept`},
		{"nil func field", map[string]handler{"a": {}}, ""},
		{"file in map", map[string]any{"f": f}, `["f"]: *os.File: open files cannot be kept`},
		{"unlocked mutex behind pointer", withIface{Any: &struct{ Mu sync.Mutex }{}}, ""},
		{"locked mutex behind pointer", withIface{Any: lockedMutex()}, "Any.(*struct { Mu sync.Mutex }).Mu: sync.Mutex: locked mutexes cannot be kept"},
		{"chan type", make(chan int), "chan int: channels cannot be kept"},
	}
	for _, tt := range tests {
		ok, why := CheckValue(reflect.ValueOf(tt.v))
		if ok != (tt.why == "") || why != tt.why {
			t.Errorf("%s: CheckValue = %v, %q; want %q", tt.name, ok, why, tt.why)
		}
	}
}

func TestStore(t *testing.T) {
	dir := t.TempDir()
	a, b := []int{1, 2, 3}, "hello"
	ch := make(chan int)
	var fn any = func() {}
	err := SaveAll(dir, map[string]any{"a": &a, "b": &b, "ch": &ch, "fn": &fn})
	var nk *NotKeptError
	if !errors.As(err, &nk) || len(nk.Vars) != 2 || nk.Vars[0].Name != "ch" || nk.Vars[1].Name != "fn" {
		t.Fatalf("got %v", err)
	}
	if nk.Vars[1].Why != "func(): functions cannot be kept" {
		t.Errorf("why %q", nk.Vars[1].Why)
	}
	vars, err := List(dir)
	if err != nil || len(vars) != 2 || vars[0].Name != "a" || vars[0].Type != "[]int" || vars[0].Size < 24+24 {
		t.Fatalf("List: %+v %v", vars, err)
	}
	// A later save replaces some values and keeps the others.
	b = "world"
	var shapes []shape = []shape{circle{1}}
	if err := SaveAll(dir, map[string]any{"b": &b, "shapes": &shapes}); err != nil {
		t.Fatal(err)
	}
	vars, _ = List(dir)
	if len(vars) != 3 || vars[2].Name != "shapes" || !reflect.DeepEqual(vars[2].Dynamic, []string{"github.com/gopar/gopar/internal/carry.circle"}) {
		t.Fatalf("List: %+v", vars)
	}
	var a2 []int
	var b2 string
	if err := LoadAll(dir, map[string]any{"a": &a2, "b": &b2}); err != nil || !reflect.DeepEqual(a2, a) || b2 != "world" {
		t.Fatalf("LoadAll: %v %v %v", a2, b2, err)
	}
	// A variable that is gone, and one that no longer fits.
	var c int
	var bad int
	err = LoadAll(dir, map[string]any{"c": &c, "b": &bad, "a": &a2})
	if !errors.Is(err, ErrNotStored) || !strings.Contains(err.Error(), "b: stored string, want int") {
		t.Fatalf("got %v", err)
	}
	if !reflect.DeepEqual(a2, a) {
		t.Errorf("a not loaded beside failing variables: %v", a2)
	}
	// Values that cannot be kept any more drop the old value.
	fn = 1
	if err := Save(dir, "fn", &fn); err != nil {
		t.Fatal(err)
	}
	fn = func() {}
	if err := Save(dir, "fn", &fn); err == nil {
		t.Fatal("func saved")
	}
	if err := Load(dir, "fn", &fn); !errors.Is(err, ErrNotStored) {
		t.Fatalf("stale fn: %v", err)
	}
	if err := Remove(dir, "a", "b"); err != nil {
		t.Fatal(err)
	}
	vars, _ = List(dir)
	if len(vars) != 1 {
		t.Fatalf("after Remove: %+v", vars)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 2 { // index and one value file
		var names []string
		for _, f := range files {
			names = append(names, f.Name())
		}
		t.Errorf("files left: %v", names)
	}
	if err := Save(dir, "x", nil); err == nil {
		t.Error("nil pointer saved")
	}
}

func TestSize(t *testing.T) {
	s := make([]float64, 1000)
	if got := Size(&s); got != 24+8000 {
		t.Errorf("Size([]float64 of 1000) = %d", got)
	}
	str := []string{strings.Repeat("x", 100), "ab"}
	if got := Size(&str); got != 24+32+102 {
		t.Errorf("Size(strings) = %d", got)
	}
	shared := struct{ A, B []float64 }{s, s[10:20]}
	if got := Size(&shared); got != 48+8000 {
		t.Errorf("Size(shared) = %d", got)
	}
	ch := struct{ C chan int }{make(chan int)}
	if got := Size(&ch); got != 8 {
		t.Errorf("Size(chan) = %d", got)
	}
}
