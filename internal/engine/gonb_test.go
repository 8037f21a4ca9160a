package engine

import (
	"strings"
	"testing"
)

// Cells written for GoNB run as GoNB runs them.
func TestGoNBStyleCells(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	steps := []struct{ code, stdout string }{
		// %% with arguments: main's body parses them with package flag.
		{"package main\n\nvar x = flag.Int(\"x\", 0, \"x\")\n\n%% -x=17\nfmt.Println(\"x is\", *x)", "x is 17\n"},
		// The prefix keeps the magic a Go comment; %args sets the line.
		{"//gonb:%args -x=5\n//gonb:%%\nfmt.Println(\"x is\", *x, flag.Args())", "x is 5 []\n"},
		{"%main -x=3 extra\nfmt.Println(*x, flag.Args())", "3 [extra]\n"},
		// Each cell's init_NAME runs as an init, before main.
		{"func init_a() { fmt.Println(\"init a\") }\nfunc init_b() { fmt.Println(\"init b\") }\nfmt.Println(\"main\")", "init a\ninit b\nmain\n"},
		// A declaration declared again replaces the old one, after the rest.
		{"func init_a() { fmt.Println(\"init a, again\") }\nfmt.Println(\"main\")", "init b\ninit a, again\nmain\n"},
		// bash, in the cells' module with !*, and GoNB's variables.
		{"!if [[ -n $GONB_DIR && $GONB_DIR == $GOPAR_MODULE_DIR ]]; then echo bash; fi\n!*test -f go.mod && echo module here", "bash\nmodule here\n"},
		{"%version", "gopar \n"},
		{"%ls", "func init_a\nfunc init_b\nimport flag\nimport fmt\nvar x\n"},
		{"%rm init_b\n%rm func init_a import fmt\n%ls", "removed init_b\nremoved func init_a, import fmt\nimport flag\nvar x\n"},
	}
	for _, st := range steps {
		_, rec := r.ok(st.code)
		if got := rec.Stdout(); got != st.stdout {
			t.Errorf("cell %q printed %q, want %q (stderr %q)", st.code, got, st.stdout, rec.Stderr())
		}
	}
	res, _ := r.exec("%rm nosuchthing")
	if res.Err == nil || !strings.Contains(res.Err.Value, "nosuchthing") {
		t.Errorf("%%rm of an unknown name: %+v", res.Err)
	}
}
