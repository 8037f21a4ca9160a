package cache

import (
	"math"
	"strings"
	"testing"
	"time"
)

type node struct {
	Name string
	next *node
	vals map[string]float64
}

type inner struct{ a, b int }

func cyclic(name string) *node {
	n := &node{Name: name}
	n.next = n
	return n
}

func mustHash(t *testing.T, args ...any) [16]byte {
	t.Helper()
	h, err := hashArgs(nil, args...)
	if err != nil {
		t.Fatalf("hashArgs(%v): %v", args, err)
	}
	return h
}

func TestHashEqualValues(t *testing.T) {
	m1 := map[string]int{}
	m2 := map[string]int{}
	for i := range 100 {
		m1[strings.Repeat("k", i)] = i
	}
	for i := 99; i >= 0; i-- {
		m2[strings.Repeat("k", i)] = i
	}
	loc := time.FixedZone("X", 3600)
	now := time.Now()
	tests := []struct {
		name string
		a, b any
	}{
		{"map order", m1, m2},
		{"pointer by value", &inner{1, 2}, &inner{1, 2}},
		{"cycles", cyclic("a"), cyclic("a")},
		{"unexported fields", inner{3, 4}, inner{3, 4}},
		{"nested maps", map[int]map[string]bool{1: {"x": true}}, map[int]map[string]bool{1: {"x": true}}},
		{"array", [3]float64{1, 2, 3}, [3]float64{1, 2, 3}},
		{"time without monotonic reading", now, now.Round(0)},
		{"same instant", time.Date(2026, 1, 2, 3, 4, 5, 6, loc), time.Date(2026, 1, 2, 3, 4, 5, 6, loc)},
		{"interface", []any{1, "x"}, []any{1, "x"}},
		{"NaN bits", math.NaN(), math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if mustHash(t, tt.a) != mustHash(t, tt.b) {
				t.Errorf("%#v and %#v hash differently", tt.a, tt.b)
			}
		})
	}
}

func TestHashDifferentValues(t *testing.T) {
	c1, c2 := cyclic("a"), cyclic("a")
	c2.next = &node{Name: "a"} // same names, no cycle
	tests := []struct {
		name string
		a, b []any
	}{
		{"argument order", []any{1, 2}, []any{2, 1}},
		{"types", []any{int32(1)}, []any{int64(1)}},
		{"zero signs", []any{0.0}, []any{math.Copysign(0, -1)}},
		{"unexported field", []any{inner{1, 2}}, []any{inner{1, 3}}},
		{"map value", []any{map[string]int{"a": 1}}, []any{map[string]int{"a": 2}}},
		{"map key", []any{map[string]int{"a": 1}}, []any{map[string]int{"b": 1}}},
		{"cycle or chain", []any{c1}, []any{c2}},
		{"string boundaries", []any{[]string{"ab", "c"}}, []any{[]string{"a", "bc"}}},
		{"nil and empty map", []any{map[string]int(nil)}, []any{map[string]int{}}},
		{"slice contents", []any{[]float64{1, 2, 3}}, []any{[]float64{1, 2, 4}}},
		{"slice length", []any{[]float64{1, 2}}, []any{[]float64{1, 2, 0}}},
		{"interface types", []any{[]any{1}}, []any{[]any{int64(1)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if mustHash(t, tt.a...) == mustHash(t, tt.b...) {
				t.Errorf("%#v and %#v hash alike", tt.a, tt.b)
			}
		})
	}
}

func TestHashRefusesFuncsAndChannels(t *testing.T) {
	type job struct {
		N    int
		Done chan bool
	}
	tests := []struct {
		arg  any
		want string
	}{
		{func() {}, "arg[0] is a func()"},
		{job{Done: make(chan bool)}, "arg[0].Done is a chan bool"},
		{[]func(){nil}, "arg[0][0] is a func()"},
	}
	for _, tt := range tests {
		_, err := hashArgs(nil, tt.arg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("hashArgs(%T) = %v, want an error containing %q", tt.arg, err, tt.want)
		}
	}
}

func FuzzHashArgs(f *testing.F) {
	f.Add([]byte("hello"), 3.5, int64(7))
	f.Add([]byte{}, math.Inf(1), int64(-1))
	f.Fuzz(func(t *testing.T, data []byte, x float64, n int64) {
		// The same content built in two orders hashes alike, and
		// hashing is deterministic.
		m1, m2 := map[string][]float64{}, map[string][]float64{}
		keys := strings.Split(string(data), "\x00")
		for i, k := range keys {
			m1[k] = []float64{x, float64(i)}
		}
		for i := len(keys) - 1; i >= 0; i-- {
			if _, ok := m2[keys[i]]; !ok {
				m2[keys[i]] = m1[keys[i]]
			}
		}
		type arg struct {
			M map[string][]float64
			P *int64
			s string
		}
		a := arg{M: m1, P: &n, s: string(data)}
		b := arg{M: m2, P: &n, s: string(data)}
		ha, err := hashArgs(nil, a, data)
		if err != nil {
			t.Fatal(err)
		}
		hb, err := hashArgs(nil, b, data)
		if err != nil {
			t.Fatal(err)
		}
		if ha != hb {
			t.Fatalf("equal values hash differently")
		}
		if len(data) > 0 {
			c := append([]byte(nil), data...)
			c[0]++
			if hc, _ := hashArgs(nil, a, c); hc == ha {
				t.Fatalf("changed argument hashes alike")
			}
		}
	})
}

func BenchmarkHashFloat64s100MB(b *testing.B) {
	xs := make([]float64, 100<<20/8)
	for i := range xs {
		xs[i] = float64(i)
	}
	b.SetBytes(int64(len(xs) * 8))
	for b.Loop() {
		if _, err := hashArgs(nil, xs); err != nil {
			b.Fatal(err)
		}
	}
}
