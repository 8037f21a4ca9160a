package assist

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// testCtx stands for what earlier cells left behind.
var testCtx = Context{
	Decls: `import "fmt"

// fibonacci returns the n-th Fibonacci number.
func fibonacci(n int) int {
	if n < 2 {
		return n
	}
	return fibonacci(n-1) + fibonacci(n-2)
}

var fiveTimes = 5

// Point is a point in the plane.
type Point struct {
	X, Y  float64 // coordinates
	label string
}

// Norm returns the squared distance to the origin.
func (p Point) Norm() float64 { return p.X*p.X + p.Y*p.Y }

func (p *Point) Scale(f float64) { p.X *= f; p.Y *= f }

func show() { fmt.Println(fiveTimes) }
`,
	Imports: []string{"strings"},
	Vars: map[string]string{
		"origin":  "main.Point",
		"count":   "int",
		"words":   "[]string",
		"elapsed": "time.Duration",
	},
}

var (
	sharedOnce sync.Once
	shared     *Assistant
)

// sharedAssistant is one Assistant for all tests, so packages are loaded
// once. Its go commands run in this package's directory, inside the
// project's module.
func sharedAssistant(t testing.TB) *Assistant {
	t.Helper()
	sharedOnce.Do(func() { shared = New("") })
	return shared
}

// at splits a test cell written with a '|' marking the cursor into the
// code and the cursor in code points; without '|' the cursor is at the
// end.
func at(s string) (string, int) {
	i := strings.Index(s, "|")
	if i < 0 {
		return s, utf8.RuneCountInString(s)
	}
	return s[:i] + s[i+1:], utf8.RuneCountInString(s[:i])
}

func TestComplete(t *testing.T) {
	tests := []struct {
		name  string
		ctx   Context
		code  string
		want  []string // exact set, nil for none
		start int      // cursor_start, in code points; -1: cursor minus prefix length
		has   []string // when want is nil and has is set: must contain these
	}{
		{name: "earlier func", ctx: testCtx, code: "fibo", want: []string{"fibonacci"}, start: 0},
		{name: "earlier var", ctx: testCtx, code: "x := fiv", want: []string{"fiveTimes"}, start: 5},
		{name: "package member", ctx: testCtx, code: "fmt.Printl", want: []string{"Println"}, start: 4},
		{name: "package members", ctx: testCtx, code: "fmt.Sp", want: []string{"Sprint", "Sprintf", "Sprintln"}, start: 4},
		{name: "context import", ctx: testCtx, code: "strings.ToU", want: []string{"ToUpper", "ToUpperSpecial"}, start: 8},
		{name: "cell import", code: "import \"strconv\"\nstrconv.Itoa|", want: []string{"Itoa"}, start: 25},
		{name: "std package not imported", code: "math.Sqr", want: []string{"Sqrt", "Sqrt2", "SqrtE", "SqrtPhi", "SqrtPi"}, start: 5},
		{name: "package name", code: "strco", want: []string{"strconv"}, start: 0},
		{name: "keyword", code: "fo", want: []string{"for", "format"}, start: 0},
		{name: "keyword in body", ctx: testCtx, code: "for i := 0; i < 3; i++ {\n\tcontin", want: []string{"continue"}, start: -1},
		{name: "builtin", code: "x := appe", want: []string{"append"}, start: 5},
		{name: "carried struct var", ctx: testCtx, code: "origin.", want: []string{"Norm", "Scale", "X", "Y", "label"}, start: 7},
		{name: "carried struct var prefix", ctx: testCtx, code: "origin.N", want: []string{"Norm"}, start: 7},
		{name: "carried std type", ctx: testCtx, code: "elapsed.Second", want: []string{"Seconds"}, start: 8},
		{name: "carried var name", ctx: testCtx, code: "fmt.Println(orig", want: []string{"origin"}, start: 12},
		{name: "cell struct", code: "type Rect struct{ W, H int }\nr := Rect{W: 2}\nr.", want: []string{"H", "W"}, start: -1},
		{name: "cell struct pointer", ctx: testCtx, code: "pp := &Point{}\npp.Sc", want: []string{"Scale"}, start: -1},
		{name: "embedded field", code: "type A struct{ Inner int }\nfunc (A) Hello() {}\ntype B struct{ A; Outer int }\nvar b B\nb.", want: []string{"A", "Hello", "Inner", "Outer"}, start: -1},
		{name: "method expression", ctx: testCtx, code: "f := Point.N", want: []string{"Norm"}, start: -1},
		{name: "call result", code: "strings.NewReader(\"x\").Le", want: []string{"Len"}, start: -1},
		{name: "index result", ctx: testCtx, code: "pts := []Point{{1, 2}}\npts[0].X", want: []string{"X"}, start: -1},
		{name: "local", code: "totalSum := 0\ntotalS", want: []string{"totalSum"}, start: -1},
		{name: "locals in loop", ctx: testCtx, code: "for idx, word := range words {\n\tfmt.Println(wo", want: []string{"word", "words"}, start: -1},
		{name: "loop var out of scope", ctx: testCtx, code: "for idx, word := range words {\n\t_ = idx\n}\nwo", want: []string{"words"}, start: -1},
		{name: "local declared later", code: "laterVar|\nlaterVariable := 3", want: nil, start: 0},
		{name: "parameters", code: "func add(alpha, beta int) int {\n\treturn al", want: []string{"alpha"}, start: -1},
		{name: "func literal param", code: "f := func(gamma int) {\n\tif gam", want: []string{"gamma"}, start: -1},
		{name: "func in call", code: "import \"sort\"\nxs := []int{3, 1}\nsort.Slice(xs, func(iIdx, jIdx int) bool {\n\treturn xs[iIdx] < xs[jI|", want: []string{"jIdx"}, start: -1},
		{name: "composite literal field value", ctx: testCtx, code: "q := Point{X: fiveT", want: []string{"fiveTimes"}, start: -1},
		{name: "later decl in cell", code: "x := help|\nfunc helper() {}", want: []string{"helper"}, start: 5},
		{name: "redeclared func", ctx: testCtx, code: "func fibonacci(s string) string { return s }\nfibonacci(\"a\").", want: nil, start: -1},
		{name: "switch case", ctx: testCtx, code: "switch count {\ncase 1:\n\torigin.Y", want: []string{"Y"}, start: -1},
		{name: "if header", ctx: testCtx, code: "if origin.X", want: []string{"X"}, start: -1},
		{name: "range over literal", code: "for _, v := range []int{1, 2} {\n\tv2 := v\n\tv2", want: []string{"v2"}, start: -1},
		{name: "explicit main", ctx: testCtx, code: "%%\nfunc main() {\n\tzeta := 1\n\tfmt.Println(zet", want: []string{"zeta"}, start: -1},
		{name: "in string", ctx: testCtx, code: "fmt.Println(\"fibo", want: nil, start: 17},
		{name: "in comment", ctx: testCtx, code: "// fibo", want: nil, start: 7},
		{name: "magic line", ctx: testCtx, code: "%fibo", want: nil, start: 5},
		{name: "shell line", ctx: testCtx, code: "!fibo", want: nil, start: 5},
		{name: "number", code: "x := 1.5e", want: nil, start: 9},
		{name: "after magic", ctx: testCtx, code: "%time\nfibo", want: []string{"fibonacci"}, start: -1},
		{name: "non-ASCII before cursor", ctx: testCtx, code: "s := \"héllo wörld ☃\"\nfmt.Println(s, fibo", want: []string{"fibonacci"}, start: -1},
		{name: "non-ASCII identifier", code: "größe := 3\ngrö", want: []string{"größe"}, start: -1},
		{name: "cursor mid-cell", ctx: testCtx, code: "fmt.Pri|\nx := \"日本語\"", want: []string{"Print", "Printf", "Println"}, start: 4},
		{name: "broken code after cursor", ctx: testCtx, code: "fibo|\n)))} x := := 3", want: []string{"fibonacci"}, start: 0},
		{name: "empty prefix has everything", ctx: testCtx, code: "", has: []string{"fibonacci", "fmt", "for", "int", "origin", "strings", "show"}, start: 0},
	}
	a := sharedAssistant(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, cursor := at(tc.code)
			got := a.Complete(tc.ctx, code, cursor)
			if got.CursorEnd != cursor {
				t.Errorf("CursorEnd = %d, want %d", got.CursorEnd, cursor)
			}
			start := tc.start
			if start < 0 {
				start = cursor - utf8.RuneCountInString(code[identBefore(code, byteOffset(code, cursor)):byteOffset(code, cursor)])
			}
			if got.CursorStart != start {
				t.Errorf("CursorStart = %d, want %d", got.CursorStart, start)
			}
			if tc.has != nil {
				for _, h := range tc.has {
					if !slices.Contains(got.Matches, h) {
						t.Errorf("matches lack %q: %v", h, got.Matches)
					}
				}
			} else if !slices.Equal(got.Matches, tc.want) && !(len(got.Matches) == 0 && len(tc.want) == 0) {
				t.Errorf("matches = %v, want %v", got.Matches, tc.want)
			}
			if !slices.IsSorted(got.Matches) || len(slices.Compact(slices.Clone(got.Matches))) != len(got.Matches) {
				t.Errorf("matches not sorted and unique: %v", got.Matches)
			}
			kinds, _ := got.Metadata["_jupyter_types_experimental"].([]map[string]any)
			if len(got.Matches) > 0 && len(kinds) != len(got.Matches) {
				t.Errorf("metadata has %d kinds for %d matches", len(kinds), len(got.Matches))
			}
		})
	}
}

func TestCompleteKinds(t *testing.T) {
	a := sharedAssistant(t)
	got := a.Complete(testCtx, "f", 1)
	kinds := make(map[string]string)
	for _, k := range got.Metadata["_jupyter_types_experimental"].([]map[string]any) {
		kinds[k["text"].(string)] = k["type"].(string)
	}
	want := map[string]string{"fibonacci": "function", "fiveTimes": "variable", "for": "keyword", "fmt": "module", "float64": "type", "false": "constant"}
	for name, kind := range want {
		if kinds[name] != kind {
			t.Errorf("kind of %s = %q, want %q", name, kinds[name], kind)
		}
	}
}

func TestCompleteConcurrent(t *testing.T) {
	a := New(t.TempDir())
	var wg sync.WaitGroup
	codes := []string{"fmt.Printl", "strings.ToU", "fibo", "origin.N"}
	want := [][]string{{"Println"}, {"ToUpper", "ToUpperSpecial"}, {"fibonacci"}, {"Norm"}}
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := i % len(codes)
			got := a.Complete(testCtx, codes[k], utf8.RuneCountInString(codes[k]))
			if !slices.Equal(got.Matches, want[k]) {
				t.Errorf("Complete(%q) = %v, want %v", codes[k], got.Matches, want[k])
			}
		}()
	}
	wg.Wait()
}

func TestByteOffset(t *testing.T) {
	s := "aé☃😀b"
	tests := []struct{ cursor, off int }{{-1, 0}, {0, 0}, {1, 1}, {2, 3}, {3, 6}, {4, 10}, {5, 11}, {9, 11}}
	for _, tc := range tests {
		if got := byteOffset(s, tc.cursor); got != tc.off {
			t.Errorf("byteOffset(%q, %d) = %d, want %d", s, tc.cursor, got, tc.off)
		}
		if tc.cursor >= 0 && tc.cursor <= 5 {
			if got := runeOffset(s, tc.off); got != tc.cursor {
				t.Errorf("runeOffset(%q, %d) = %d, want %d", s, tc.off, got, tc.cursor)
			}
		}
	}
}

func TestCompleteDeclarationShadowsImport(t *testing.T) {
	a := sharedAssistant(t)
	ctx := Context{Imports: []string{"sort"}}
	code := "type sort struct{ Keys []string }\nvar s sort\ns.K"
	if got := a.Complete(ctx, code, len(code)).Matches; !slices.Equal(got, []string{"Keys"}) {
		t.Errorf("matches = %v, want [Keys]", got)
	}
}
