package check

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/gopar/gopar/internal/notebook/notebooktest"
)

// printed captures what checks print outside a notebook.
func printed(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	outMu.Lock()
	prev := out
	out = &buf
	outMu.Unlock()
	t.Cleanup(func() {
		outMu.Lock()
		out = prev
		outMu.Unlock()
	})
	return &buf
}

func wanted(t *testing.T, show bool) {
	t.Helper()
	prev := showWanted.Load()
	ShowWanted(show)
	t.Cleanup(func() { ShowWanted(prev) })
}

type point struct {
	X, Y int
	tag  string
}

func TestEqual(t *testing.T) {
	tests := []struct {
		name        string
		got, want   any
		pass        bool
		hidden      string // the failing line without the wanted value
		shown       string // with it
		notInHidden string // part of want that must not show by default
	}{
		{name: "ints", got: 3, want: 3, pass: true},
		{name: "strings", got: "a", want: "b", hidden: `got "a"`, shown: `got "a", want "b"`, notInHidden: `"b"`},
		{name: "types", got: int64(3), want: 3, hidden: "got type int64, want type int", shown: "got type int64, want type int"},
		{name: "nil and empty slices", got: []int(nil), want: []int{}, pass: true},
		{name: "nil and empty maps", got: map[string]int{}, want: map[string]int(nil), pass: true},
		{name: "slices", got: []int{1, 2, 3, 4}, want: []int{1, 9, 3, 8},
			hidden: "[1]: got 2; [3]: got 4", shown: "[1]: got 2, want 9; [3]: got 4, want 8", notInHidden: "9"},
		{name: "lengths", got: []int{1, 2}, want: []int{1, 2, 3},
			hidden: "length 2 is not the wanted length", shown: "length 2, want 3"},
		{name: "maps", got: map[string]int{"a": 1, "b": 2, "z": 5}, want: map[string]int{"a": 1, "b": 3, "c": 4},
			hidden: `["b"]: got 2; 1 key missing; ["z"]: not wanted`,
			shown:  `["b"]: got 2, want 3; missing key "c"; ["z"]: not wanted`, notInHidden: `"c"`},
		{name: "structs", got: point{1, 2, "p"}, want: point{1, 3, "q"},
			hidden: `.Y: got 2; .tag: got "p"`, shown: `.Y: got 2, want 3; .tag: got "p", want "q"`},
		{name: "pointers", got: &point{X: 1}, want: &point{X: 1}, pass: true},
		{name: "nil pointer", got: (*point)(nil), want: &point{}, hidden: "got <nil>", shown: "got <nil>, want &{0 0 }"},
		{name: "nested", got: map[string][]int{"k": {1, 2}}, want: map[string][]int{"k": {1, 5}},
			hidden: `["k"][1]: got 2`, shown: `["k"][1]: got 2, want 5`},
		{name: "interfaces", got: []any{1, "x"}, want: []any{1, 2}, hidden: "[1]: got type string, want type int", shown: "[1]: got type string, want type int"},
		{name: "nil", got: nil, want: nil, pass: true},
		{name: "nil and value", got: nil, want: 1, hidden: "got nil", shown: "got nil, want 1"},
		{name: "many", got: make([]int, 10), want: []int{1, 1, 1, 1, 1, 1, 1, 0, 0, 0},
			hidden: "[0]: got 0; [1]: got 0; [2]: got 0; [3]: got 0; [4]: got 0; and 2 more",
			shown:  "[0]: got 0, want 1; [1]: got 0, want 1; [2]: got 0, want 1; [3]: got 0, want 1; [4]: got 0, want 1; and 2 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, show := range []bool{false, true} {
				buf := printed(t)
				wanted(t, show)
				if got := Equal(tt.name, tt.got, tt.want); got != tt.pass {
					t.Errorf("show %v: Equal = %v, want %v (%s)", show, got, tt.pass, buf)
				}
				line := strings.TrimSuffix(buf.String(), "\n")
				want := "✓ " + tt.name
				if !tt.pass {
					detail := tt.hidden
					if show && tt.shown != "" {
						detail = tt.shown
					}
					want = "✗ " + tt.name + ": " + detail
				}
				if line != want {
					t.Errorf("show %v: printed\n%s\nwant\n%s", show, line, want)
				}
				if !show && tt.notInHidden != "" && strings.Contains(strings.TrimPrefix(line, "✗ "+tt.name), tt.notInHidden) {
					t.Errorf("the line %q gives the wanted %s away", line, tt.notInHidden)
				}
			}
		})
	}
}

func TestEqualCycles(t *testing.T) {
	type node struct {
		Next *node
		V    int
	}
	a, b := &node{V: 1}, &node{V: 1}
	a.Next, b.Next = a, b
	printed(t)
	if !Equal("cycle", a, b) {
		t.Error("two equal cycles differ")
	}
	b.V = 2
	if Equal("cycle", a, b) {
		t.Error("two cycles that differ are equal")
	}
}

func TestNear(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		got, want, tol float64
		pass           bool
		detail         string
	}{
		{1.0, 1.0 + 1e-9, 1e-6, true, ""},
		{1.0, 1.1, 1e-6, false, "got 1, not within 1e-06"},
		{1.0, 1.0, 0, true, ""},
		{math.NaN(), 1, 1, false, "got NaN, not within 1"},
		{1, math.NaN(), 1, false, "got 1, not within 1"},
		{inf, inf, 1, true, ""},
		{inf, -inf, 1, false, "got +Inf, not within 1"},
		{1, 1, -1, false, "the tolerance -1 is not a distance"},
	}
	for _, tt := range tests {
		buf := printed(t)
		if got := Near("x", tt.got, tt.want, tt.tol); got != tt.pass {
			t.Errorf("Near(%v, %v, %v) = %v, want %v", tt.got, tt.want, tt.tol, got, tt.pass)
		}
		want := "✓ x"
		if !tt.pass {
			want = "✗ x: " + tt.detail
		}
		if line := strings.TrimSuffix(buf.String(), "\n"); line != want {
			t.Errorf("Near(%v, %v, %v) printed %q, want %q", tt.got, tt.want, tt.tol, line, want)
		}
	}
}

func TestNearAll(t *testing.T) {
	tests := []struct {
		name      string
		got, want []float64
		show      bool
		pass      bool
		detail    string
	}{
		{"equal", []float64{1, 2}, []float64{1, 2 + 1e-9}, false, true, ""},
		{"empty", nil, []float64{}, false, true, ""},
		{"one off", []float64{1, 2, 3}, []float64{1, 2.5, 3}, false, false, "[1]: got 2, not within 0.001"},
		{"one off shown", []float64{1, 2, 3}, []float64{1, 2.5, 3}, true, false, "[1]: got 2, want 2.5 ± 0.001"},
		{"lengths", []float64{1}, []float64{1, 2}, false, false, "length 1 is not the wanted length"},
		{"many off", make([]float64, 8), []float64{1, 1, 1, 1, 1, 1, 1, 1}, false, false,
			"[0]: got 0, not within 0.001; [1]: got 0, not within 0.001; [2]: got 0, not within 0.001; " +
				"[3]: got 0, not within 0.001; [4]: got 0, not within 0.001; 8 of 8 elements are not near"},
	}
	for _, tt := range tests {
		buf := printed(t)
		wanted(t, tt.show)
		if got := NearAll(tt.name, tt.got, tt.want, 1e-3); got != tt.pass {
			t.Errorf("%s: NearAll = %v, want %v", tt.name, got, tt.pass)
		}
		want := "✓ " + tt.name
		if !tt.pass {
			want = "✗ " + tt.name + ": " + tt.detail
		}
		if line := strings.TrimSuffix(buf.String(), "\n"); line != want {
			t.Errorf("%s: printed\n%s\nwant\n%s", tt.name, line, want)
		}
	}
}

func TestTrue(t *testing.T) {
	buf := printed(t)
	if !True("yes", 1 < 2) || True("no", 2 < 1) {
		t.Error("True does not return its condition")
	}
	if want := "✓ yes\n✗ no: the condition is false\n"; buf.String() != want {
		t.Errorf("printed %q, want %q", buf.String(), want)
	}
}

// In a notebook a check is one display: a coloured HTML line, its text,
// and its record as JSON, which grading reads back.
func TestNotebookDisplay(t *testing.T) {
	nb := notebooktest.Attach(t)
	buf := printed(t)
	wanted(t, false)
	Equal("sum <b>", 41, 42)
	True("ok", true)
	ShowWanted(true)
	Equal("shown", []int{1}, []int{2})
	if buf.Len() > 0 {
		t.Errorf("checks in a notebook printed %q", buf)
	}
	shown := nb.Displays()
	if len(shown) != 3 {
		t.Fatalf("%d displays, want 3: %v", len(shown), shown)
	}
	want := []Result{
		{Name: "sum <b>", Passed: false, Got: "41", Detail: "got 41"},
		{Name: "ok", Passed: true},
		{Name: "shown", Passed: false, Got: "[1]", Want: "[2]", Detail: "[0]: got 1, want 2"},
	}
	for i, d := range shown {
		var r Result
		if err := json.Unmarshal([]byte(d[MIMEType]), &r); err != nil {
			t.Fatalf("display %d: record %q: %v", i, d[MIMEType], err)
		}
		if r != want[i] {
			t.Errorf("display %d: record %+v, want %+v", i, r, want[i])
		}
		if d["text/plain"] != Line(want[i]) {
			t.Errorf("display %d: text %q, want %q", i, d["text/plain"], Line(want[i]))
		}
	}
	if h := shown[0]["text/html"]; !strings.Contains(h, "gopar-check-fail") || !strings.Contains(h, "sum &lt;b&gt;") || strings.Contains(h, "<b>sum <b>") {
		t.Errorf("failing line's HTML: %s", h)
	}
	if h := shown[1]["text/html"]; !strings.Contains(h, "gopar-check-pass") || !strings.Contains(h, "✓ ok") {
		t.Errorf("passing line's HTML: %s", h)
	}
	var raw map[string]any
	json.Unmarshal([]byte(shown[1][MIMEType]), &raw)
	if _, ok := raw["want"]; ok {
		t.Errorf("a record without a shown value has a want: %s", shown[1][MIMEType])
	}
}
