package carry

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

func TestSaveAllGroups(t *testing.T) {
	resetRegistry()
	defer resetRegistry()
	Register(point{}) // for a variable of type any loaded alone
	type holder struct {
		P   point
		Ptr *float64
	}
	type elemRef struct {
		Label string
		P     *point
	}
	tests := []struct {
		name   string
		vars   func() map[string]any
		groups [][]string
		// shared reports how sharing was lost between variables loaded
		// together, or "".
		shared func(got map[string]any) string
	}{
		{
			name: "unrelated",
			vars: func() map[string]any {
				a, b, c, d := 1, "two", []float64{3, 4}, map[string]int{"five": 5}
				e := &point{6, 7}
				return map[string]any{"a": &a, "b": &b, "c": &c, "d": &d, "e": &e}
			},
			groups: [][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}},
		},
		{
			name: "equal values in distinct memory",
			vars: func() map[string]any {
				a, b := []int{1, 2}, []int{1, 2}
				p, q := &point{1, 2}, &point{1, 2}
				return map[string]any{"a": &a, "b": &b, "p": &p, "q": &q}
			},
			groups: [][]string{{"a"}, {"b"}, {"p"}, {"q"}},
		},
		{
			name: "two slices over one array",
			vars: func() map[string]any {
				arr := []float64{1, 2, 3, 4, 5}
				a, b, x := arr[:3], arr[2:], 9
				return map[string]any{"a": &a, "b": &b, "x": &x}
			},
			groups: [][]string{{"a", "b"}, {"x"}},
			shared: func(got map[string]any) string {
				a, b := *got["a"].(*[]float64), *got["b"].(*[]float64)
				a[2] = 30
				if b[0] != 30 {
					return "a[2] and b[0] differ"
				}
				return ""
			},
		},
		{
			name: "disjoint windows of one array",
			vars: func() map[string]any {
				arr := []int{1, 2, 3, 4}
				a, b := arr[0:2:2], arr[2:4]
				return map[string]any{"a": &a, "b": &b}
			},
			groups: [][]string{{"a"}, {"b"}},
		},
		{
			name: "pointer cycle across two variables",
			vars: func() map[string]any {
				a := &hidden{name: "a"}
				b := &hidden{name: "b", next: a}
				a.next = b
				c := &hidden{name: "c"}
				c.next = c
				return map[string]any{"a": &a, "b": &b, "c": &c}
			},
			groups: [][]string{{"a", "b"}, {"c"}},
			shared: func(got map[string]any) string {
				a, b := *got["a"].(**hidden), *got["b"].(**hidden)
				if a.next != b || b.next != a {
					return "cycle broken"
				}
				return ""
			},
		},
		{
			name: "struct holding a pointer into a slice element",
			vars: func() map[string]any {
				s := []point{{1, 2}, {3, 4}, {5, 6}}
				r := elemRef{Label: "second", P: &s[1]}
				other := []point{{7, 8}}
				return map[string]any{"s": &s, "r": &r, "other": &other}
			},
			groups: [][]string{{"other"}, {"r", "s"}},
			shared: func(got map[string]any) string {
				s, r := *got["s"].(*[]point), got["r"].(*elemRef)
				if r.P != &s[1] {
					return "r.P does not point at s[1]"
				}
				return ""
			},
		},
		{
			name: "pointer into a struct field of another variable",
			vars: func() map[string]any {
				h := holder{P: point{1, 2}}
				p := &h.P.Y
				return map[string]any{"h": &h, "p": &p}
			},
			groups: [][]string{{"h", "p"}},
			shared: func(got map[string]any) string {
				h, p := got["h"].(*holder), *got["p"].(**float64)
				if p != &h.P.Y {
					return "p does not point at h.P.Y"
				}
				return ""
			},
		},
		{
			name: "pointer to another variable",
			vars: func() map[string]any {
				x := point{7, 8}
				px := &x
				return map[string]any{"x": &x, "px": &px}
			},
			groups: [][]string{{"px", "x"}},
		},
		{
			name: "one map, and an interface holding a pointer",
			vars: func() map[string]any {
				m := map[string]int{"k": 1}
				m2 := m
				p := &point{1, 2}
				var a any = p
				return map[string]any{"m": &m, "m2": &m2, "p": &p, "a": &a}
			},
			groups: [][]string{{"a", "p"}, {"m", "m2"}},
			shared: func(got map[string]any) string {
				m, m2 := *got["m"].(*map[string]int), *got["m2"].(*map[string]int)
				m["new"] = 2
				if m2["new"] != 2 {
					return "m and m2 are different maps"
				}
				if (*got["a"].(*any)).(*point) != *got["p"].(**point) {
					return "a and p point apart"
				}
				return ""
			},
		},
		{
			name: "transitive through a third variable",
			vars: func() map[string]any {
				arr := make([]int, 6)
				m := map[string]*int{"x": &arr[5]}
				a := arr[:2]                        // shares with b through arr
				b := struct{ M map[string]*int }{m} // reaches arr[5] and m
				c := m                              // shares m with b only
				d := 4
				return map[string]any{"a": &a, "b": &b, "c": &c, "d": &d}
			},
			groups: [][]string{{"a", "b", "c"}, {"d"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := tt.vars()
			if err := SaveAll(dir, in); err != nil {
				t.Fatal(err)
			}
			list, err := List(dir)
			if err != nil {
				t.Fatal(err)
			}
			groupOf := map[string]string{}
			for _, v := range list {
				groupOf[v.Name] = v.Group
			}
			members := map[string][]string{}
			for name, g := range groupOf {
				members[g] = append(members[g], name)
			}
			var got [][]string
			for _, names := range members {
				sort.Strings(names)
				got = append(got, names)
			}
			sort.Slice(got, func(i, j int) bool { return got[i][0] < got[j][0] })
			if !reflect.DeepEqual(got, tt.groups) {
				t.Fatalf("groups %v, want %v", got, tt.groups)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "b-*.carry"))
			if len(files) != len(tt.groups) {
				t.Errorf("%d bundle files, want %d", len(files), len(tt.groups))
			}
			for g := range members {
				if _, err := os.Stat(filepath.Join(dir, g)); err != nil {
					t.Errorf("group %q: %v", g, err)
				}
			}
			// Each variable alone, then each group together.
			for name, p := range in {
				out := reflect.New(reflect.TypeOf(p).Elem())
				if err := Load(dir, name, out.Interface()); err != nil {
					t.Fatalf("Load %s: %v", name, err)
				}
				if !reflect.DeepEqual(out.Interface(), p) {
					t.Errorf("%s alone: got %v, want %v", name, out.Elem(), reflect.ValueOf(p).Elem())
				}
			}
			loaded := map[string]any{}
			for _, names := range tt.groups {
				vars := map[string]any{}
				for _, name := range names {
					vars[name] = reflect.New(reflect.TypeOf(in[name]).Elem()).Interface()
					loaded[name] = vars[name]
				}
				if err := LoadAll(dir, vars); err != nil {
					t.Fatalf("LoadAll %v: %v", names, err)
				}
			}
			if !reflect.DeepEqual(loaded, in) {
				t.Errorf("groups loaded: got %v, want %v", loaded, in)
			}
			if tt.shared != nil {
				if why := tt.shared(loaded); why != "" {
					t.Error(why)
				}
			}
		})
	}
}

// TestSmallLoadsWithoutBigBundle saves a large slice beside small
// unrelated variables and checks that the small ones load with the large
// one's file corrupted, then gone.
func TestSmallLoadsWithoutBigBundle(t *testing.T) {
	dir := t.TempDir()
	big := make([]float64, 1<<20)
	for i := range big {
		big[i] = float64(i)
	}
	small := 42
	word := "hello"
	if err := SaveAll(dir, map[string]any{"big": &big, "small": &small, "word": &word}); err != nil {
		t.Fatal(err)
	}
	list, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]string{}
	for _, v := range list {
		groups[v.Name] = v.Group
	}
	if groups["big"] == groups["small"] || groups["big"] == groups["word"] || groups["small"] == groups["word"] {
		t.Fatalf("groups %v", groups)
	}
	bigFile := filepath.Join(dir, groups["big"])
	for _, name := range []string{"small", "word"} {
		st, err := os.Stat(filepath.Join(dir, groups[name]))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 1<<10 {
			t.Errorf("%s's bundle holds %d bytes", name, st.Size())
		}
	}

	garbage := make([]byte, 8<<20)
	for i := range garbage {
		garbage[i] = byte(i * 7)
	}
	if err := os.WriteFile(bigFile, garbage, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, damage := range []string{"corrupted", "removed"} {
		if damage == "removed" {
			if err := os.Remove(bigFile); err != nil {
				t.Fatal(err)
			}
		}
		var s int
		var w string
		if err := LoadAll(dir, map[string]any{"small": &s, "word": &w}); err != nil || s != small || w != word {
			t.Errorf("big bundle %s: small = %d, word = %q, err %v", damage, s, w, err)
		}
		var b []float64
		err := Load(dir, "big", &b)
		var ve *VarError
		if !errors.As(err, &ve) || ve.Name != "big" || b != nil {
			t.Errorf("big bundle %s: Load big: %v, %d values", damage, err, len(b))
		}
		if damage == "corrupted" && !errors.Is(err, ErrCorrupt) {
			t.Errorf("corrupted big bundle: %v, want ErrCorrupt", err)
		}
		if damage == "removed" && !errors.Is(err, os.ErrNotExist) {
			t.Errorf("removed big bundle: %v, want not exist", err)
		}
	}
}

// TestGroupOutlivesPartialSave replaces one variable of a group: the other
// keeps its value, its group's file stays until nothing refers to it.
func TestGroupOutlivesPartialSave(t *testing.T) {
	dir := t.TempDir()
	arr := []int{1, 2, 3, 4}
	a, b := arr[:2], arr[1:]
	if err := SaveAll(dir, map[string]any{"a": &a, "b": &b}); err != nil {
		t.Fatal(err)
	}
	first := groupsIn(t, dir)
	if first["a"] != first["b"] {
		t.Fatalf("groups %v", first)
	}
	a = []int{9}
	if err := Save(dir, "a", &a); err != nil {
		t.Fatal(err)
	}
	second := groupsIn(t, dir)
	if second["b"] != first["b"] || second["a"] == first["a"] {
		t.Fatalf("groups %v after %v", second, first)
	}
	var a2, b2 []int
	if err := LoadAll(dir, map[string]any{"a": &a2, "b": &b2}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a2, a) || !reflect.DeepEqual(b2, b) {
		t.Fatalf("a = %v, b = %v", a2, b2)
	}
	if err := Remove(dir, "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, first["b"])); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unused bundle %s: %v", first["b"], err)
	}
}

func groupsIn(t *testing.T, dir string) map[string]string {
	t.Helper()
	list, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, v := range list {
		if v.Group == "" {
			t.Fatalf("%s has no group", v.Name)
		}
		m[v.Name] = v.Group
	}
	return m
}

// BenchmarkSaveAllMixed saves a large slice, structured records and small
// unrelated variables in one call.
func BenchmarkSaveAllMixed(b *testing.B) {
	dir := b.TempDir()
	big := make([]float64, 1<<20)
	rs := benchRecords(2000)
	vars := map[string]any{"big": &big, "rs": &rs}
	for i := range 20 {
		n := i
		vars[fmt.Sprint("n", i)] = &n
	}
	b.SetBytes(int64(len(big)) * 8)
	for b.Loop() {
		if err := SaveAll(dir, vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadSmallBesideBig loads one small variable saved beside a
// 100 MB slice.
func BenchmarkLoadSmallBesideBig(b *testing.B) {
	dir := b.TempDir()
	s := bigSlice()
	n := 7
	if err := SaveAll(dir, map[string]any{"s": &s, "n": &n}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var out int
		if err := Load(dir, "n", &out); err != nil || out != n {
			b.Fatal(out, err)
		}
	}
}
