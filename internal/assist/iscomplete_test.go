package assist

import "testing"

func TestIsComplete(t *testing.T) {
	tests := []struct {
		code   string
		status string
		indent string
	}{
		// complete
		{"", StatusComplete, ""},
		{"   \n\t", StatusComplete, ""},
		{"x := 1", StatusComplete, ""},
		{"fmt.Println(\"hi\")", StatusComplete, ""},
		{"import \"fmt\"\nfmt.Println(1)", StatusComplete, ""},
		{"func f() int {\n\treturn 1\n}", StatusComplete, ""},
		{"func f() {}\nx := f\nfunc g() {}\ng()", StatusComplete, ""},
		{"type T struct{ A int }\nvar t T\nt.A = 3", StatusComplete, ""},
		{"%%\nfunc main() {\n\tfmt.Println(1)\n}", StatusComplete, ""},
		{"%time\n!ls -l\nx := 1", StatusComplete, ""},
		{"%help", StatusComplete, ""},
		{"// just a comment", StatusComplete, ""},
		{"s := `a\n%b\n`", StatusComplete, ""},
		{"for i := range 3 {\n\tfmt.Println(i)\n}", StatusComplete, ""},
		{"if x := 1; x > 0 {\n} else {\n}", StatusComplete, ""},
		{"return", StatusComplete, ""},
		{"x++", StatusComplete, ""},
		{"package main\nfunc main() {}", StatusComplete, ""},
		{"s := \"héllo ☃\"", StatusComplete, ""},
		// incomplete: open brackets
		{"func f() {", StatusIncomplete, "    "},
		{"func f() {\n\tif true {", StatusIncomplete, "        "},
		{"fmt.Println(\"hi\"", StatusIncomplete, "    "},
		{"func (", StatusIncomplete, "    "},
		{"import (", StatusIncomplete, "    "},
		{"import (\n\t\"fmt\"", StatusIncomplete, "    "},
		{"type T struct {", StatusIncomplete, "    "},
		{"x := []int{1, 2,", StatusIncomplete, "    "},
		{"m := map[string]int{\n\t\"a\": 1,", StatusIncomplete, "    "},
		{"xs[", StatusIncomplete, "    "},
		{"for i := 0; i < 3; i++ {\n\tfmt.Println(i)", StatusIncomplete, "    "},
		{"switch x {\ncase 1:", StatusIncomplete, "    "},
		// incomplete: raw string, comment, trailing operator
		{"s := `abc", StatusIncomplete, ""},
		{"f(`abc", StatusIncomplete, "    "},
		{"/* a comment", StatusIncomplete, ""},
		{"1 +", StatusIncomplete, ""},
		{"x :=", StatusIncomplete, ""},
		{"x = a &&", StatusIncomplete, ""},
		{"x := a.", StatusIncomplete, ""},
		{"var x =", StatusIncomplete, ""},
		{"if x {\n} else", StatusIncomplete, ""},
		{"func", StatusIncomplete, ""},
		{"x := 1 + // more to come", StatusIncomplete, ""},
		// invalid
		{"}", StatusInvalid, ""},
		{")", StatusInvalid, ""},
		{"f(]", StatusInvalid, ""},
		{"x := := 3", StatusInvalid, ""},
		{"var 3x = 1", StatusInvalid, ""},
		{"if x", StatusInvalid, ""},
		{"fmt.Println(\"hi", StatusInvalid, ""},
		{"x := := 3\nfunc f() {", StatusInvalid, ""},
		{"func f() {\n\tx := := 1", StatusInvalid, ""},
		{"x := 1 1", StatusInvalid, ""},
		{"x := #", StatusInvalid, ""},
		{"type T", StatusInvalid, ""},
	}
	for _, tc := range tests {
		got := IsComplete(tc.code)
		if got.Status != tc.status || got.Indent != tc.indent {
			t.Errorf("IsComplete(%q) = %q %q, want %q %q", tc.code, got.Status, got.Indent, tc.status, tc.indent)
		}
	}
}
