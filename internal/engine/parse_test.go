package engine

import (
	"fmt"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"

	"github.com/gopar/gopar/internal/pkgindex"
)

func TestParseCell(t *testing.T) {
	tests := []struct {
		name     string
		code     string
		imports  []string // paths
		declKeys []string
		stmts    []int // first lines of statements
		defined  []string
		lastExpr bool
		magics   []string
	}{
		{name: "statement", code: `fmt.Println("hi")`, stmts: []int{1}, lastExpr: true},
		{name: "mixed",
			code:     "import \"math\"\n\nfunc f(x float64) float64 { return math.Sqrt(x) }\n\ny := f(4)\nfmt.Println(y)",
			imports:  []string{"math"},
			declKeys: []string{"f"},
			stmts:    []int{5, 6},
			defined:  []string{"y"},
			lastExpr: true},
		{name: "method and type",
			code:     "type P struct{ X int }\nfunc (p *P) Inc() { p.X++ }\nconst c = 1\nvar v, w = 1, 2",
			declKeys: []string{"P", "P.Inc", "c", "v", "w"}},
		{name: "init is keyed by its line",
			code:     "func init() {}\n\nfunc init() {}",
			declKeys: []string{"init@1", "init@3"}},
		{name: "package clause is dropped",
			code:     "package abc\n\nfunc f() {}\nf()",
			declKeys: []string{"f"},
			stmts:    []int{4}, lastExpr: true},
		{name: "quoted backtick does not open a raw string",
			code:    "s := \"`\"\n%env A=1\nfmt.Println(s)",
			stmts:   []int{1, 3},
			defined: []string{"s"}, lastExpr: true,
			magics: []string{"env A=1"}},
		{name: "continued shell line and magic line",
			code:   "!echo a \\\n b\n%env B=2",
			magics: []string{"echo a \n b", "env B=2"}},
		{name: "func literal is a statement",
			code:  "func() { fmt.Println(1) }()",
			stmts: []int{1}, lastExpr: true},
		{name: "multi-line statement and assignment",
			code:    "for i := 0; i < 3; i++ {\n\tfmt.Println(i)\n}\nx, err := 1, error(nil)",
			stmts:   []int{1, 4},
			defined: []string{"x", "err"}},
		{name: "magics keep line numbers",
			code:  "%env A=1\n!echo hi \\\n  there\nfmt.Println(1)",
			stmts: []int{4}, lastExpr: true,
			magics: []string{"env A=1", "echo hi \n  there"}},
		{name: "gonb main",
			code:  "%%\nfunc main() {\n\tfmt.Println(1)\n}",
			stmts: []int{2}, magics: []string{""}},
		{name: "receive is not shown",
			code:  "<-ch",
			stmts: []int{1}},
		{name: "raw string with percent line",
			code:    "s := `\n%not a magic\n`",
			stmts:   []int{1},
			defined: []string{"s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pc, err := parseCell(tt.code)
			if err != nil {
				t.Fatal(err)
			}
			var imports []string
			for _, im := range pc.imports {
				imports = append(imports, im.path)
			}
			var keys []string
			for _, d := range pc.decls {
				keys = append(keys, d.keys...)
			}
			var lines []int
			for _, s := range pc.stmts {
				lines = append(lines, s.line)
			}
			var magics []string
			for _, m := range pc.magics {
				magics = append(magics, m.Text)
			}
			if !slices.Equal(imports, tt.imports) || !slices.Equal(keys, tt.declKeys) || !slices.Equal(lines, tt.stmts) ||
				!slices.Equal(pc.defined, tt.defined) || (pc.lastExpr >= 0) != tt.lastExpr || !slices.Equal(magics, tt.magics) {
				t.Errorf("parseCell(%q):\n imports %q want %q\n decls %q want %q\n stmts %v want %v\n defined %q want %q\n lastExpr %v want %v\n magics %q want %q",
					tt.code, imports, tt.imports, keys, tt.declKeys, lines, tt.stmts, pc.defined, tt.defined, pc.lastExpr >= 0, tt.lastExpr, magics, tt.magics)
			}
		})
	}
}

func TestParseCellErrors(t *testing.T) {
	tests := []struct {
		code string
		line int
		msg  string
	}{
		{"x := 1\ny := \"unterminated", 2, "string literal not terminated"},
		{"import (\"fmt\"", 1, "expected"},
		{"x := 1\n\nfunc f( {", 3, "expected"},
		{"s := `\n%not a magic", 1, "raw string literal not terminated"},
		// What follows an import in its part is not lost.
		{"x := 1\nimport \"fmt\")", 2, "expected declaration"},
	}
	for _, tt := range tests {
		_, err := parseCell(tt.code)
		ce, ok := err.(*CellError)
		if !ok {
			t.Errorf("parseCell(%q) error = %v, want a CellError", tt.code, err)
			continue
		}
		if ce.Line != tt.line || !strings.Contains(ce.Msg, tt.msg) {
			t.Errorf("parseCell(%q) error at line %d: %q, want line %d: %q", tt.code, ce.Line, ce.Msg, tt.line, tt.msg)
		}
	}
}

func TestMergeReplacesByName(t *testing.T) {
	p := &program{}
	for i, code := range []string{"func f() int { return 1 }\ntype T int", "func f() int { return 2 }", `import m "math"`, `import "math"`} {
		pc, err := parseCell(code)
		if err != nil {
			t.Fatal(err)
		}
		p.merge(i+1, pc)
	}
	if len(p.decls) != 2 || !strings.Contains(p.decls[1].src, "return 2") || p.decls[1].cell != 2 {
		t.Errorf("decls = %+v", p.decls)
	}
	if len(p.imports) != 1 || p.imports[0].name != "" {
		t.Errorf("imports = %+v", p.imports)
	}
}

// FuzzParseCell checks that no cell text makes the parser or the
// composer panic, and that what is composed from a cell that parses is
// still Go the parser can read (or an error the compiler will name).
func FuzzParseCell(f *testing.F) {
	for _, s := range []string{
		`fmt.Println("hi")`,
		"func f() {}\nf()",
		"%env A=1\n!ls\nx := 1",
		"%%\nfunc main() { }",
		"type T struct{ A int }\nfunc (t T) M() {}\nvar v T\nv.M()",
		"import (\n\"fmt\"\n)\nfmt.Println(1)",
		"s := `\n%x\n`",
		"func (",
		"}}}",
		"for {",
		"1 +",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		pc, err := parseCell(code)
		if err != nil {
			if _, ok := err.(*CellError); !ok {
				t.Fatalf("parseCell(%q) error %T %v is not a CellError", code, err, err)
			}
			return
		}
		p := &program{}
		p.merge(currentCell, pc)
		src := compose(p.imports, p.decls, pc, composeOptions{cell: currentCell, show: true})
		// A cell whose parts are Go composes to a program that is Go.
		if !partsParse(pc) {
			return
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "main.go", src, parser.AllErrors); err != nil {
			t.Fatalf("cell %q parses, its program does not: %v\n%s", code, err, src)
		}
	})
}

// partsParse reports whether a cell's imports and declarations parse at
// the top level and its statements in a function body.
func partsParse(pc *parsedCell) bool {
	var b strings.Builder
	b.WriteString("package main\n")
	for _, im := range pc.imports {
		fmt.Fprintf(&b, "import %s %q\n", im.name, im.path)
	}
	for _, d := range pc.decls {
		b.WriteString(d.src + "\n")
	}
	b.WriteString("func _() {\n")
	for _, s := range pc.stmts {
		b.WriteString(s.src + "\n")
	}
	b.WriteString("}\n")
	_, err := parser.ParseFile(token.NewFileSet(), "cell.go", b.String(), parser.AllErrors)
	return err == nil
}

func TestShowsItself(t *testing.T) {
	var index pkgindex.Index
	tests := []struct {
		src     string
		imports []importSpec
		want    bool
	}{
		{`check.Equal("x", 1, 1)`, nil, true},
		{`check.True("x", ok)`, []importSpec{{path: checkPath}}, true},
		{`check.True("x", ok)`, []importSpec{{name: "check", path: "example.com/other/check"}}, false},
		{`strings.ToUpper("x")`, nil, false},
		{`display.Show(p)`, nil, true},
		{`x`, nil, false},
	}
	for _, tt := range tests {
		if got := showsItself(tt.src, tt.imports, &index); got != tt.want {
			t.Errorf("showsItself(%q, %v) = %v, want %v", tt.src, tt.imports, got, tt.want)
		}
	}
}
