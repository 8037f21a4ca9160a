package cellsrc

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"
)

func TestParts(t *testing.T) {
	code := "import \"fmt\"\nx := 1\ny := 2 // two\n// Doc of f.\nfunc f() {}\nfunc() { x++ }()\nfunc (T) M() {}\nvar y = 2\n%time\nfor i := 0; i < 2; i++ {\n}\nfmt.Println(x)"
	c := Read(code)
	var got []string
	for _, p := range c.Parts {
		kind := "stmt"
		if p.Decl() {
			kind = p.Kind.String()
		}
		got = append(got, kind+":"+c.Text(p))
	}
	want := []string{
		"import:import \"fmt\"",
		"stmt:x := 1",
		"stmt:y := 2",
		"func:// Doc of f.\nfunc f() {}",
		"stmt:func() { x++ }()",
		"func:func (T) M() {}",
		"var:var y = 2",
		"stmt:for i := 0; i < 2; i++ {\n}",
		"stmt:fmt.Println(x)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("parts:\n%q\nwant\n%q", got, want)
	}
	if c.Parts[0].Start != 0 || c.Parts[len(c.Parts)-1].End != len(code) {
		t.Errorf("parts do not cover the cell: %+v", c.Parts)
	}
	for i := 1; i < len(c.Parts); i++ {
		if c.Parts[i].Start != c.Parts[i-1].End {
			t.Errorf("gap between parts %d and %d: %+v", i-1, i, c.Parts)
		}
	}
	if first := Read("// Doc.\nfunc f() {}"); first.Text(first.Parts[0]) != "// Doc.\nfunc f() {}" {
		t.Errorf("doc comment on the first line is lost: %q", first.Text(first.Parts[0]))
	}
	if line := c.Line(c.Parts[7].Lead); line != 10 {
		t.Errorf("the for statement starts on line %d, want 10", line)
	}
}

func TestMagics(t *testing.T) {
	tests := []struct {
		in, src string
		magics  []Magic
	}{
		{"%time\nx := 1", "     \nx := 1", []Magic{{Line: 1, Text: "time"}}},
		{"  !ls -l\nx", "        \nx", []Magic{{Line: 1, Text: "ls -l", Shell: true}}},
		{"s := `\n%not magic\n`", "s := `\n%not magic\n`", nil},
		{"x := 5 % 2", "x := 5 % 2", nil},
		{"/* c\n!x */ y", "/* c\n!x */ y", nil},
		{"%% é", "     ", []Magic{{Line: 1, Text: "é", CellMarker: true}}},
		{"%% -x=17 -v\nf()", "           \nf()", []Magic{{Line: 1, Text: "-x=17 -v", CellMarker: true}}},
		// GoNB's prefix keeps a magic a Go comment to other editors.
		{"//gonb:%%\n//gonb:!ls\nx", "         \n          \nx", []Magic{{Line: 1, CellMarker: true}, {Line: 2, Text: "ls", Shell: true}}},
		{"// gonb:%time\n//gonb:x", "// gonb:%time\n//gonb:x", nil},
		// A backtick inside a string does not open a raw string.
		{"s := \"`\"\n%env A=1", "s := \"`\"\n        ", []Magic{{Line: 2, Text: "env A=1"}}},
		{"!echo a \\\n  b\n%env B=2\nx", "         \n   \n        \nx",
			[]Magic{{Line: 1, Text: "echo a \n  b", Shell: true}, {Line: 3, Text: "env B=2"}}},
	}
	for _, tc := range tests {
		c := Read(tc.in)
		if c.Src != tc.src {
			t.Errorf("Read(%q).Src = %q, want %q", tc.in, c.Src, tc.src)
		}
		if !slices.Equal(c.Magics, tc.magics) {
			t.Errorf("Read(%q).Magics = %+v, want %+v", tc.in, c.Magics, tc.magics)
		}
	}
}

func TestErr(t *testing.T) {
	c := Read("x := 1\ny := \"open")
	e, ok := c.Err().(*Error)
	if !ok || e.Line != 2 || e.Col != 6 || !strings.Contains(e.Msg, "not terminated") {
		t.Errorf("Err() = %#v", c.Err())
	}
	if err := Read("x := 1").Err(); err != nil {
		t.Errorf("Err() = %v for a good cell", err)
	}
}

func TestDeclKeys(t *testing.T) {
	src := `package p
type T[K any] struct{}
func (t *T[K]) M() {}
func (T2) N() {}
func f() {}
func init() {}
var a, _, b = 1, 2, 3
const c = 1
import "fmt"
`
	f, err := parser.ParseFile(token.NewFileSet(), "", strings.Replace(src, "\nimport \"fmt\"", "", 1), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range f.Decls {
		got = append(got, DeclKeys(d)...)
	}
	want := []string{"T", "T.M", "T2.N", "f", "a", "b", "c"}
	if !slices.Equal(got, want) {
		t.Errorf("keys = %q, want %q", got, want)
	}
	if k := DeclKeys(&ast.GenDecl{Tok: token.IMPORT}); k != nil {
		t.Errorf("an import declares %q", k)
	}
}

func TestMatchBrackets(t *testing.T) {
	c := Read("f(a[1], func() { g() })(")
	// f ( a [ 1 ] , func ( ) { g ( ) } ) (
	// 0 1 2 3 4 5 6 7    8 9 10 11 12 13 14 15 16
	tests := []struct{ i, fwd, back int }{
		{1, 15, -1}, {3, 5, -1}, {8, 9, -1}, {10, 14, -1}, {12, 13, -1}, {16, -1, -1},
		{15, -1, 1}, {5, -1, 3}, {14, -1, 10},
	}
	for _, tt := range tests {
		if tt.fwd != -1 || c.Toks[tt.i].Tok.String() == "(" {
			if got := MatchForward(c.Toks, tt.i); got != tt.fwd {
				t.Errorf("MatchForward(%d %s) = %d, want %d", tt.i, c.Toks[tt.i].Tok, got, tt.fwd)
			}
		}
		if tt.back != -1 {
			if got := MatchBackward(c.Toks, tt.i); got != tt.back {
				t.Errorf("MatchBackward(%d %s) = %d, want %d", tt.i, c.Toks[tt.i].Tok, got, tt.back)
			}
		}
	}
}

func TestBodyMagics(t *testing.T) {
	tests := []struct {
		code   string
		magics []Magic
	}{
		{"%%writefile -a notes.txt\nline 1 %not magic\n!nor this", []Magic{{Line: 1, Text: "%writefile -a notes.txt", Body: "line 1 %not magic\n!nor this"}}},
		{"//gonb:%%bash\nfor i in 1 2; do echo $i; done", []Magic{{Line: 1, Text: "%bash", Body: "for i in 1 2; do echo $i; done"}}},
		{"%%script python3\nprint(1)", []Magic{{Line: 1, Text: "%script python3", Body: "print(1)"}}},
		// Other %% lines keep the cell Go.
		{"%%timeit\nx := 1", []Magic{{Line: 1, Text: "%timeit"}}},
	}
	for _, tt := range tests {
		c := Read(tt.code)
		if !slices.Equal(c.Magics, tt.magics) {
			t.Errorf("Read(%q).Magics = %+v, want %+v", tt.code, c.Magics, tt.magics)
		}
		if tt.magics[0].Body != "" && (strings.TrimSpace(c.Src) != "" || len(c.Src) != len(tt.code) || len(c.Toks) != 0) {
			t.Errorf("Read(%q) has Go source %q, tokens %v", tt.code, c.Src, c.Toks)
		}
	}
}
