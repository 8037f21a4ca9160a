package engine

import (
	"slices"
	"strings"
	"testing"

	"go/token"

	"github.com/gopar/gopar/internal/assist"
)

// FuzzEngineAssistAgree feeds the same cell to the engine and to code
// assistance: where the engine accepts a cell whose parts are Go, both
// must see the same declarations, keyed alike, and statements starting on
// the same lines.
func FuzzEngineAssistAgree(f *testing.F) {
	for _, s := range []string{
		"x := 1\nfmt.Println(x)",
		"package abc\nfunc f() int { return 1 }\ny := f()",
		"// Doc.\ntype T struct{ A int }\nfunc (t *T) M() {}\nvar v, w = 1, 2\nconst c = 3",
		"s := \"`\"\n%env A=1\n!echo a \\\n b\nfmt.Println(s)",
		"for i := 0; i < 3; i++ {\n\tfmt.Println(i)\n}\nx := 5 // five",
		"import \"math\"\nfunc() { math.Sqrt(2) }()",
		"%%\nfunc main() {\n\tfmt.Println(1)\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		pc, err := parseCell(code)
		// A GoNB func main is statements to the engine and a function to
		// completion, which completes inside it as in any function.
		if err != nil || !partsParse(pc) || pc.hasMain {
			return
		}
		var keys []string
		for _, d := range pc.decls {
			for i, k := range d.keys {
				if !strings.HasPrefix(k, "init@") || d.kinds[i] != token.FUNC {
					keys = append(keys, k)
				}
			}
		}
		var lines []int
		for _, s := range pc.stmts {
			lines = append(lines, s.line)
		}
		got := assist.OutlineOf(code)
		if !slices.Equal(keys, got.Keys) {
			t.Errorf("cell %q: engine keys %q, assistance keys %q", code, keys, got.Keys)
		}
		if !slices.Equal(lines, got.Lines) {
			t.Errorf("cell %q: engine statements on lines %v, assistance on %v", code, lines, got.Lines)
		}
	})
}
