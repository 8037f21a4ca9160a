package assist

import (
	"errors"
	"slices"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"",
	"fibo",
	"fmt.Printl",
	"x := \"héllo ☃\"\nx.",
	"func f() {\n\tif x {\n\t\tfoo(a, b.",
	"%%\nfunc main() {\n\tfmt.Println(1)\n}",
	"type T struct{ A int }\nvar t T\nt.",
	"for _, v := range []int{1, 2} {\n\tv.",
	"s := `raw\n",
	"/* open",
	"}}}) x := := 3",
	"!ls\n%time\nx",
	"import (\n\t\"fmt\"\n)\nfmt.",
	"func (p *P) M(",
	"a[1:2].b(c)[d].",
	"switch x := y.(type) {\ncase int:\n\tx.",
}

func FuzzIsComplete(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		got := IsComplete(code)
		switch got.Status {
		case StatusComplete, StatusInvalid:
			if got.Indent != "" {
				t.Errorf("IsComplete(%q) = %q with indent %q", code, got.Status, got.Indent)
			}
		case StatusIncomplete:
		default:
			t.Errorf("IsComplete(%q): status %q", code, got.Status)
		}
	})
}

func FuzzComplete(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, utf8.RuneCountInString(s)-i%3)
	}
	// No go command while fuzzing: imports fail, go doc is a stand-in,
	// everything else runs.
	a := &Assistant{
		listFunc: func([]string) (map[string]exportInfo, error) {
			return nil, errors.New("no packages while fuzzing")
		},
		docFunc: func(args ...string) (string, bool) { return "doc", true },
	}
	f.Fuzz(func(t *testing.T, code string, cursor int) {
		got := a.Complete(testCtx, code, cursor)
		n := utf8.RuneCountInString(code)
		if got.CursorStart < 0 || got.CursorStart > got.CursorEnd || got.CursorEnd > n {
			t.Errorf("Complete(%q, %d): cursor_start %d, cursor_end %d, %d code points",
				code, cursor, got.CursorStart, got.CursorEnd, n)
		}
		if !slices.IsSorted(got.Matches) || len(slices.Compact(slices.Clone(got.Matches))) != len(got.Matches) {
			t.Errorf("Complete(%q, %d): matches not sorted and unique: %v", code, cursor, got.Matches)
		}
		ins := a.Inspect(testCtx, code, cursor, 0)
		if !ins.Found && len(ins.Data) != 0 {
			t.Errorf("Inspect(%q, %d): not found but data %v", code, cursor, ins.Data)
		}
	})
}
