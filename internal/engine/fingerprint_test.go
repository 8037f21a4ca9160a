package engine

import (
	"slices"
	"testing"
)

func declsOf(t *testing.T, srcs ...string) []declEntry {
	t.Helper()
	var out []declEntry
	for i, s := range srcs {
		d, _, _, err := parseDecl(segment{line: 1, src: s})
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		out = append(out, declEntry{decl: d, cell: i + 1})
	}
	return out
}

func TestCodeFingerprints(t *testing.T) {
	const (
		helper = "func helper(x int) int { return x + 1 }"
		slow   = "func slow(x int) int {\n\tfmt.Println(\"computing\", x)\n\treturn helper(x) * k\n}"
		k      = "const k = 10"
		point  = "type point struct{ x, y float64 }"
		norm   = "func (p point) norm() float64 { return math.Hypot(p.x, p.y) }"
		length = "func length(p point) float64 { return p.norm() }"
	)
	imps := []importSpec{{path: "fmt"}, {path: "math"}, {path: "example.com/m/pkg"}}
	base := []string{helper, slow, k, point, norm, length, "func other() {}"}
	tests := []struct {
		name    string
		change  map[int]string
		fn      string
		same    bool
		version string // of example.com/m
	}{
		{"comment", map[int]string{0: "// helper adds one\nfunc helper(x int) int {\n\t// one more\n\treturn x + 1\n}"}, "slow", true, ""},
		{"layout", map[int]string{0: "func helper(x int) int {\n\treturn x +\n\t\t1\n}"}, "slow", true, ""},
		{"a print of computed values", map[int]string{0: "func helper(x int) int {\n\tfmt.Printf(\"%d\\n\", x)\n\treturn x + 1\n}"}, "slow", true, ""},
		{"a print that calls", map[int]string{0: "func helper(x int) int {\n\tfmt.Println(count())\n\treturn x + 1\n}"}, "slow", false, ""},
		{"the helper", map[int]string{0: "func helper(x int) int { return x + 2 }"}, "slow", false, ""},
		{"a constant", map[int]string{2: "const k = 11"}, "slow", false, ""},
		{"an unrelated function", map[int]string{6: "func other() { println() }"}, "slow", true, ""},
		{"order of declarations", map[int]string{0: slow, 1: helper}, "slow", true, ""},
		{"a method called", map[int]string{4: "func (p point) norm() float64 { return p.x + p.y }"}, "length", false, ""},
		{"the type", map[int]string{3: "type point struct{ x, y, z float64 }"}, "length", false, ""},
		{"a module's version", map[int]string{1: "func slow(x int) int { return pkg.F(helper(x)) * k }"}, "slow", false, "v1.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(base)
			after := slices.Clone(base)
			for i, src := range tt.change {
				after[i] = src
			}
			versions := map[string]string{"example.com/m": "v1.0.0"}
			if tt.version != "" {
				before = after
				versions = map[string]string{"example.com/m": tt.version}
			}
			a := codeFingerprints(declsOf(t, before...), imps, map[string]string{"example.com/m": "v1.0.0"})
			b := codeFingerprints(declsOf(t, after...), imps, versions)
			if a[tt.fn] == "" {
				t.Fatalf("no fingerprint for %s: %v", tt.fn, a)
			}
			if (a[tt.fn] == b[tt.fn]) != tt.same {
				t.Errorf("%s: same fingerprint = %v, want %v", tt.fn, a[tt.fn] == b[tt.fn], tt.same)
			}
		})
	}
}

func TestReadsVariables(t *testing.T) {
	decls := declsOf(t,
		"var scale = 2",
		"func scaled(x int) int { return helper(x) * scale }",
		"func helper(x int) int { return x + offset }",
		"func shadows(scale int) int { return scale }",
	)
	vars := map[string]bool{"scale": true, "offset": true}
	if got := readsVariables("scaled", decls, newDeclGraph(decls, nil, false), vars); !slices.Equal(got, []string{"offset", "scale"}) {
		t.Errorf("scaled reads %v", got)
	}
	if got := readsVariables("shadows", decls, newDeclGraph(decls, nil, false), vars); len(got) != 0 {
		t.Errorf("shadows reads %v", got)
	}
}
