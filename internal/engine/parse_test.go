package engine

import (
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"
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
			declKeys: []string{"func f"},
			stmts:    []int{5, 6},
			defined:  []string{"y"},
			lastExpr: true},
		{name: "method and type",
			code:     "type P struct{ X int }\nfunc (p *P) Inc() { p.X++ }\nconst c = 1\nvar v, w = 1, 2",
			declKeys: []string{"type P", "method P.Inc", "const c", "var v", "var w"}},
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
				magics = append(magics, m.text)
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
	for _, code := range []string{"x := \"unterminated", "import (\"fmt\"", "func f( {"} {
		_, err := parseCell(code)
		if err == nil {
			// Errors the splitter leaves to the compiler are fine, as
			// long as they are not lost: compose must still carry them.
			continue
		}
		ce, ok := err.(*CellError)
		if !ok || ce.Line < 1 {
			t.Errorf("parseCell(%q) error %v has no cell line", code, err)
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
			return
		}
		p := &program{}
		p.merge(currentCell, pc)
		src := compose(p.imports, p.decls, pc, composeOptions{cell: currentCell, show: true})
		// Only check that parsing the composed program does not panic;
		// a cell with syntax errors composes to a program with them.
		parser.ParseFile(token.NewFileSet(), "main.go", src, parser.AllErrors)
	})
}
