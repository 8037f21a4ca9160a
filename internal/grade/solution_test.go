package grade

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"testing"

	"github.com/gopar/gopar/internal/cellsrc"
)

func TestStripSolutions(t *testing.T) {
	tests := []struct {
		name  string
		code  string
		whole bool
		want  string
	}{
		{
			name: "statements",
			code: "x := 2\n// BEGIN SOLUTION\ny := x * x\nfmt.Println(y)\n// END SOLUTION\nfmt.Println(x)",
			want: "x := 2\n// TODO: your code here\nfmt.Println(x)",
		},
		{
			name: "return of zero values",
			code: "func area(w, h float64) (float64, string, error) {\n\t// BEGIN SOLUTION\n\treturn w * h, \"m²\", nil\n\t// END SOLUTION\n}",
			want: "func area(w, h float64) (float64, string, error) {\n\t// TODO: your code here\n\treturn 0, \"\", nil\n}",
		},
		{
			name: "named results and types",
			code: "func f() (a, b int, p *T, s []int, m map[int]bool, arr [2]int, q Point, d time.Duration, ok bool) {\n// BEGIN SOLUTION\nreturn\n// END SOLUTION\n}",
			want: "func f() (a, b int, p *T, s []int, m map[int]bool, arr [2]int, q Point, d time.Duration, ok bool) {\n// TODO: your code here\n" +
				"return 0, 0, nil, nil, nil, *new([2]int), *new(Point), *new(time.Duration), false\n}",
		},
		{
			name: "no return in the region",
			code: "func f(xs []int) int {\n\tn := 0\n\t// BEGIN SOLUTION\n\tn = len(xs)\n\t// END SOLUTION\n\treturn n\n}",
			want: "func f(xs []int) int {\n\tn := 0\n\t// TODO: your code here\n\treturn n\n}",
		},
		{
			name: "a variable only the region used",
			code: "func sum(xs []int) int {\n\ttotal := 0\n\tk := 1\n\t// BEGIN SOLUTION\n\tfor _, x := range xs {\n\t\ttotal += x * k\n\t}\n\treturn total\n\t// END SOLUTION\n}",
			want: "func sum(xs []int) int {\n\ttotal := 0\n\tk := 1\n\t// TODO: your code here\n\t_ = k\n\t_ = total\n\treturn 0\n}",
		},
		{
			name: "the return of a function literal is not the function's",
			code: "func run() {\n\t// BEGIN SOLUTION\n\tf := func() int { return 1 }\n\t_ = f\n\t// END SOLUTION\n}",
			want: "func run() {\n\t// TODO: your code here\n}",
		},
		{
			name: "inside a function literal",
			code: "out, err := parallel.Map(xs, func(x float64) float64 {\n\t// BEGIN SOLUTION\n\treturn x * x\n\t// END SOLUTION\n})",
			want: "out, err := parallel.Map(xs, func(x float64) float64 {\n\t// TODO: your code here\n\treturn 0\n})",
		},
		{
			name: "two regions and whole declarations",
			code: "// BEGIN SOLUTION\nfunc helper() int { return 1 }\n// END SOLUTION\nfunc g() string {\n  // BEGIN SOLUTION\n  return \"g\"\n  // END SOLUTION\n}",
			want: "// TODO: your code here\nfunc g() string {\n  // TODO: your code here\n  return \"\"\n}",
		},
		{
			name:  "a solution cell without markers",
			code:  "import \"math\"\n\ntype P struct{ X float64 }\n\nfunc norm(p P) float64 {\n\treturn math.Abs(p.X)\n}\n\nfunc (p P) String() string { return \"p\" }\nfmt.Println(norm(P{1}))\n",
			whole: true,
			want:  "import \"math\"\n\ntype P struct{ X float64 }\n\nfunc norm(p P) float64 {\n\t// TODO: your code here\n\treturn 0\n}\n\nfunc (p P) String() string {\n\t// TODO: your code here\n\treturn \"\"\n}\n// TODO: your code here\n",
		},
		{
			name:  "statements in a row leave one line",
			code:  "x := 1\ny := 2\nfunc f() {}\nz := 3\n\nfmt.Println(x, y, z)",
			whole: true,
			want:  "// TODO: your code here\nfunc f() {\n\t// TODO: your code here\n}\n// TODO: your code here\n",
		},
		{
			name:  "a solution cell with markers keeps the rest",
			code:  "func f() int {\n\t// BEGIN SOLUTION\n\treturn 1\n\t// END SOLUTION\n}\nfunc g() int { return 2 }",
			whole: true,
			want:  "func f() int {\n\t// TODO: your code here\n\treturn 0\n}\nfunc g() int { return 2 }",
		},
		{
			name: "markers in strings are not markers",
			code: "s := \"// BEGIN SOLUTION\"\nfmt.Println(s)",
			want: "s := \"// BEGIN SOLUTION\"\nfmt.Println(s)",
		},
		{
			name: "hidden tests go",
			code: "check.Equal(\"a\", f(1), 1)\n// BEGIN HIDDEN TESTS\ncheck.Equal(\"b\", f(2), 4)\n// END HIDDEN TESTS\ncheck.True(\"c\", true)",
			want: "check.Equal(\"a\", f(1), 1)\ncheck.True(\"c\", true)",
		},
		{
			name: "magics stay",
			code: "%timeout 5\n// BEGIN SOLUTION\nfmt.Println(1)\n// END SOLUTION",
			want: "%timeout 5\n// TODO: your code here\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StripSolutions(tt.code, tt.whole)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestStripSolutionsErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{"// BEGIN SOLUTION\nx := 1", "line 1: // BEGIN SOLUTION without // END SOLUTION"},
		{"x := 1\n// END SOLUTION", "line 2: // END SOLUTION without // BEGIN SOLUTION"},
		{"// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION", "line 2: // BEGIN SOLUTION inside the region begun on line 1"},
		{"x := 1 // BEGIN SOLUTION\n// END SOLUTION", `line 1: "// BEGIN SOLUTION" must be on a line of its own`},
		{"// BEGIN HIDDEN TESTS\n// END SOLUTION", "line 2: // END SOLUTION without // BEGIN SOLUTION"},
		{"// BEGIN HIDDEN TESTS\nx := 1", "line 1: // BEGIN HIDDEN TESTS without // END HIDDEN TESTS"},
	}
	for _, tt := range tests {
		_, err := StripSolutions(tt.code, false)
		if err == nil || err.Error() != tt.want {
			t.Errorf("StripSolutions(%q): error %v, want %s", tt.code, err, tt.want)
		}
	}
}

// The student version of a cell must compile where the teacher's did:
// type-check both as the program the cell would be.
func TestStrippedCellsCompile(t *testing.T) {
	cells := []string{
		"import \"strings\"\n\nfunc words(s string) (map[string]int, error) {\n\tcounts := map[string]int{}\n\t// BEGIN SOLUTION\n\tfor _, w := range strings.Fields(s) {\n\t\tcounts[w]++\n\t}\n\treturn counts, nil\n\t// END SOLUTION\n}\n\nfmt.Println(words(\"a b a\"))",
		"type point struct{ x, y float64 }\n\nfunc mid(a, b point) point {\n\tsum := point{a.x + b.x, a.y + b.y}\n\t// BEGIN SOLUTION\n\treturn point{sum.x / 2, sum.y / 2}\n\t// END SOLUTION\n}\nfmt.Println(mid(point{}, point{2, 2}))",
		"func classify(n int) string {\n\tswitch {\n\tcase n < 0:\n\t\t// BEGIN SOLUTION\n\t\treturn \"negative\"\n\t\t// END SOLUTION\n\t}\n\treturn \"other\"\n}\nfmt.Println(classify(-1))",
		"xs := []float64{1, 2, 3}\nvar total float64\n// BEGIN SOLUTION\nfor _, x := range xs {\n\ttotal += x\n}\n// END SOLUTION\nfmt.Println(total)",
	}
	for i, code := range cells {
		typeCheck(t, i, "teacher", code)
		got, err := StripSolutions(code, true)
		if err != nil {
			t.Fatalf("cell %d: %v", i, err)
		}
		if !strings.Contains(got, todo) || strings.Contains(got, beginSolution) {
			t.Errorf("cell %d: regions not replaced:\n%s", i, got)
		}
		typeCheck(t, i, "student", got)
	}
}

// The importer reads packages from source once for all tests.
var (
	sourceFset     = token.NewFileSet()
	sourceImporter = importer.ForCompiler(sourceFset, "source", nil)
)

// typeCheck compiles a cell as the engine composes it: declarations at
// the top level, statements in main. The engine drops imports a cell does
// not use, so such errors do not count.
func typeCheck(t *testing.T, i int, which, code string) {
	t.Helper()
	c := cellsrc.Read(code)
	var imports, decls, stmts strings.Builder
	for _, p := range c.Parts {
		text := c.Text(p)
		switch {
		case p.Kind == token.IMPORT:
			imports.WriteString(text + "\n")
		case p.Decl():
			decls.WriteString(text + "\n")
		default:
			stmts.WriteString(text + "\n")
		}
	}
	src := "package main\nimport \"fmt\"\n" + imports.String() + "var _ = fmt.Sprint\n" + decls.String() + "func main() {\n" + stmts.String() + "}\n"
	f, err := parser.ParseFile(sourceFset, "cell.go", src, 0)
	if err != nil {
		t.Fatalf("cell %d (%s): %v\n%s", i, which, err, src)
	}
	// The engine marks the variables of top-level statements used.
	main := f.Decls[len(f.Decls)-1].(*ast.FuncDecl).Body
	for _, st := range slices.Clone(main.List) {
		if as, ok := st.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
			for _, l := range as.Lhs {
				main.List = append(main.List, &ast.AssignStmt{Lhs: []ast.Expr{ast.NewIdent("_")}, Tok: token.ASSIGN, Rhs: []ast.Expr{ast.NewIdent(l.(*ast.Ident).Name)}})
			}
		}
	}
	var errs []string
	conf := types.Config{
		Importer: sourceImporter,
		Error: func(err error) {
			if !strings.Contains(err.Error(), "imported and not used") {
				errs = append(errs, err.Error())
			}
		},
	}
	conf.Check("main", sourceFset, []*ast.File{f}, nil)
	if len(errs) > 0 {
		t.Errorf("cell %d (%s) does not compile: %s\n%s", i, which, strings.Join(errs, "; "), code)
	}
}
