package grade

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestStudent(t *testing.T) {
	solution := map[string]any{"grade": false, "grade_id": "f", "locked": false, "schema_version": float64(3), "solution": true, "task": false}
	teacher := map[string]any{
		"cells": []any{
			map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": []any{"Write `f`.\n", "// BEGIN SOLUTION stays in markdown"}},
			map[string]any{"cell_type": "code", "execution_count": float64(1), "id": "c1",
				"metadata": map[string]any{"nbgrader": solution},
				"outputs":  []any{map[string]any{"output_type": "stream", "name": "stdout", "text": "1\n"}},
				"source":   []any{"func f() int {\n", "\t// BEGIN SOLUTION\n", "\treturn 1\n", "\t// END SOLUTION\n", "}"}},
			map[string]any{"cell_type": "code", "execution_count": float64(2), "metadata": map[string]any{},
				"outputs": []any{}, "source": "x := 1 // no region here\nfmt.Println(x)"},
		},
		"metadata": map[string]any{"kernelspec": map[string]any{"name": "gopar"}}, "nbformat": float64(4), "nbformat_minor": float64(5),
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "teacher.ipynb"), filepath.Join(dir, "student.ipynb")
	b, _ := json.Marshal(teacher)
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Student(in, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	cells := got["cells"].([]any)
	md, c1, c2 := cells[0].(map[string]any), cells[1].(map[string]any), cells[2].(map[string]any)
	if !reflect.DeepEqual(md, teacher["cells"].([]any)[0]) {
		t.Errorf("markdown cell changed: %v", md)
	}
	wantSrc := []any{"func f() int {\n", "\t// TODO: your code here\n", "\treturn 0\n", "}"}
	if !reflect.DeepEqual(c1["source"], wantSrc) {
		t.Errorf("solution cell: %q, want %q", c1["source"], wantSrc)
	}
	if c2["source"] != "x := 1 // no region here\nfmt.Println(x)" {
		t.Errorf("a cell without regions changed: %q", c2["source"])
	}
	for i, c := range []map[string]any{c1, c2} {
		if outs, ok := c["outputs"].([]any); !ok || len(outs) != 0 {
			t.Errorf("code cell %d: outputs %v, want none", i+1, c["outputs"])
		}
		if v, ok := c["execution_count"]; !ok || v != nil {
			t.Errorf("code cell %d: execution_count %v, want null", i+1, v)
		}
	}
	if !reflect.DeepEqual(c1["metadata"].(map[string]any)["nbgrader"], solution) || c1["id"] != "c1" {
		t.Errorf("metadata or id not kept: %v %v", c1["metadata"], c1["id"])
	}
	if !reflect.DeepEqual(got["metadata"], teacher["metadata"]) {
		t.Errorf("notebook metadata: %v", got["metadata"])
	}
}

func TestStudentNamesTheCell(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "t.ipynb")
	os.WriteFile(in, []byte(`{"cells":[{"cell_type":"markdown","source":"x","metadata":{}},{"cell_type":"code","source":"// BEGIN SOLUTION\nx := 1","metadata":{},"outputs":[]}],"metadata":{},"nbformat":4,"nbformat_minor":5}`), 0o644)
	err := Student(in, filepath.Join(dir, "s.ipynb"))
	if err == nil || !strings.Contains(err.Error(), "t.ipynb: cell 2: line 1: // BEGIN SOLUTION without // END SOLUTION") {
		t.Errorf("error %v, want one naming the notebook, cell and line", err)
	}
}

// FuzzStripSolutions feeds teacher cells of any shape: stripping must not
// panic, and what it returns has no regions left, so stripping it again
// changes nothing.
func FuzzStripSolutions(f *testing.F) {
	f.Add("func f() int {\n\t// BEGIN SOLUTION\n\treturn 1\n\t// END SOLUTION\n}", false)
	f.Add("x := 1\n// BEGIN SOLUTION\ny := x\n// END SOLUTION\n", true)
	f.Add("func (p *P) M() (a, b [2]int) { return }\nfmt.Println(1)", true)
	f.Add("%%bash\necho // BEGIN SOLUTION", false)
	f.Add("go func() {\n// BEGIN SOLUTION\n}()\n// END SOLUTION", false)
	f.Add("s := `\n// BEGIN SOLUTION\n`\n", false)
	f.Fuzz(func(t *testing.T, code string, whole bool) {
		got, err := StripSolutions(code, whole)
		if err != nil {
			return
		}
		again, err := StripSolutions(got, false)
		if err != nil {
			t.Fatalf("stripped cell does not read: %v\n%s", err, got)
		}
		if again != got {
			t.Fatalf("stripping twice changed the cell:\n%s\nthen\n%s", got, again)
		}
	})
}
