package engine

import (
	"strings"
	"testing"
)

func out(t *testing.T, r *runner2, code string) string {
	t.Helper()
	_, rec := r.ok(code)
	return rec.Stdout()
}

func TestCarriedVariables(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}

	r.ok("xs := []int{1, 2, 3}\nvar name = \"gopher\"\ntype Point struct {\n\tX, Y int\n\tlabel string\n}\np := &Point{1, 2, \"a\"}")
	if got := out(t, r, "fmt.Println(len(xs), name, p.X, p.label)"); got != "3 gopher 1 a\n" {
		t.Errorf("carried values: %q", got)
	}
	// Assignment, append, map insert and mutation through a function.
	r.ok("xs = append(xs, 4)\nm := map[string]int{}\nm[\"a\"] = 1")
	r.ok("func bump() { p.X++ }\nbump()\nm[\"b\"] = 2")
	if got := out(t, r, "fmt.Println(xs, len(m), p.X)"); got != "[1 2 3 4] 2 2\n" {
		t.Errorf("after changes: %q", got)
	}

	// Aliasing: two slices over one array, a pointer cycle.
	r.ok("arr := []int{1, 2, 3, 4}\nhead := arr[:2]\ntype Node struct{ Next *Node; V int }\nn1 := &Node{V: 1}\nn1.Next = &Node{V: 2, Next: n1}")
	r.ok("head[0] = 100")
	if got := out(t, r, "fmt.Println(arr[0], n1.Next.Next == n1, n1.Next.Next.V)"); got != "100 true 1\n" {
		t.Errorf("aliasing: %q", got)
	}

	// A failed cell leaves values as they were.
	if res, _ := r.exec("xs = append(xs, 5)\npanic(\"no\")"); res.Err == nil {
		t.Fatal("panic cell succeeded")
	}
	if got := out(t, r, "fmt.Println(len(xs))"); got != "4\n" {
		t.Errorf("after failed cell len(xs) = %q", got)
	}

	// Values that cannot travel are named in a note.
	if got := out(t, r, "ch := make(chan int)\n_ = ch"); !strings.Contains(got, "not kept: ch (chan int") {
		t.Errorf("note for chan: %q", got)
	}
	if res, _ := r.exec("fmt.Println(ch)"); res.Err == nil {
		t.Error("a channel was carried")
	}

	// A redefined type keeps the fields that still fit.
	r.ok("type Point struct {\n\tX, Y int\n\tlabel string\n\tZ int\n}")
	if got := out(t, r, "fmt.Println(p.X, p.Y, p.label, p.Z)"); got != "2 2 a 0\n" {
		t.Errorf("after type change: %q", got)
	}

	// %vars and %reset NAME.
	if got := out(t, r, "%vars"); !strings.Contains(got, "xs") || !strings.Contains(got, "[]int") || !strings.Contains(got, "*Point") {
		t.Errorf("%%vars: %q", got)
	}
	r.ok("%reset xs")
	if got := out(t, r, "%vars"); strings.Contains(got, "xs ") {
		t.Errorf("%%vars after %%reset xs: %q", got)
	}
}

func TestCarriedVariableInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("counter := 1")
	c := startCell(t, r.e, "counter = 99\nfmt.Println(\"set\")\nfor {}", 10, "set")
	c.interrupt()
	if res := <-c.done; res.Err == nil {
		t.Fatal("interrupted cell succeeded")
	}
	r.count = 10
	if got := out(t, r, "fmt.Println(counter)"); got != "1\n" {
		t.Errorf("after interrupt counter = %q", got)
	}
}

// A cell that does not use a carried variable does not load it: the
// program's source has no load of it.
func TestUnusedVariableNotLoaded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("big := make([]float64, 1000)\nsmall := 2")
	r.ok("func useSmall() int { return small }")
	pc, err := parseCell("fmt.Println(useSmall())")
	if err != nil {
		t.Fatal(err)
	}
	plan := planVars(r.e.state.types, r.e.state.groups, r.e.prog.decls, pc)
	if strings.Join(plan.load, ",") != "small" {
		t.Errorf("load = %q, want only small (through useSmall)", plan.load)
	}
	if got := out(t, r, "fmt.Println(useSmall())"); got != "2\n" {
		t.Errorf("useSmall() = %q", got)
	}
}

// A carried variable whose name a later cell declares as something else
// gives way, with a note, and is forgotten.
func TestCarriedVariableGivesWayToDeclaration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("q := 5\nkeep := 1")
	got := out(t, r, "func q() int { return 7 }\nfmt.Println(q())")
	if got != "dropped: q (a cell declares q otherwise now)\n7\n" {
		t.Errorf("output = %q", got)
	}
	if _, ok := r.e.state.types["q"]; ok {
		t.Error("q is still carried")
	}
	if got := out(t, r, "fmt.Println(q(), keep)"); got != "7 1\n" {
		t.Errorf("after drop: %q", got)
	}
}

// TestInitializersSeeCarriedValues: a declaration's initializer runs in
// every program, after the carried values it reads are loaded.
func TestInitializersSeeCarriedValues(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("x := 41")
	res, _ := r.ok("var y = x + 1\ny")
	if res.Value == nil || res.Value.Data["text/plain"] != "42" {
		t.Errorf("y = %v, want 42", res.Value)
	}
}
