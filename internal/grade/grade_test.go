package grade

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/parallel/check"
)

// fakeRunner runs cells by looking their code up: each code is a name in
// cells, which says what the cell shows and how it ends.
type fakeRunner struct {
	cells map[string]fakeCell
	ran   []string
}

type fakeCell struct {
	checks []check.Result
	err    *cell.Error
	hang   bool // run until interrupted
	other  bool // also show something that is not a check
}

func (f *fakeRunner) Execute(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result {
	f.ran = append(f.ran, req.Code)
	c := f.cells[req.Code]
	sink.Stream("stdout", "output of "+req.Code+"\n")
	if c.other {
		sink.Display(cell.Display{Data: cell.MIMEBundle{"text/html": "<b>hi</b>", "text/plain": "hi"}})
	}
	for i, r := range c.checks {
		rec, _ := json.Marshal(r)
		var data any = json.RawMessage(rec)
		if i%2 == 1 {
			data = string(rec) // as a JSON string, which a notebook file may hold too
		}
		sink.Display(cell.Display{Data: cell.MIMEBundle{"text/plain": check.Line(r), check.MIMEType: data}})
	}
	if c.hang {
		<-ctx.Done()
		return cell.Result{Err: &cell.Error{Name: "Interrupted", Value: "interrupted"}}
	}
	return cell.Result{Err: c.err}
}

func (f *fakeRunner) Close() error { return nil }

func writeNotebook(t *testing.T, cells ...map[string]any) string {
	t.Helper()
	list := make([]any, len(cells))
	for i, c := range cells {
		list[i] = c
	}
	b, err := json.Marshal(map[string]any{"cells": list, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ex.ipynb")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func codeCell(src string, nbgrader map[string]any) map[string]any {
	md := map[string]any{}
	if nbgrader != nil {
		md["nbgrader"] = nbgrader
	}
	return map[string]any{"cell_type": "code", "source": src, "metadata": md, "outputs": []any{}, "execution_count": nil}
}

func graded(id string, points float64) map[string]any {
	return map[string]any{"grade": true, "grade_id": id, "points": points, "locked": true, "solution": false, "schema_version": 3}
}

var (
	pass1 = check.Result{Name: "sum", Passed: true, Got: "6"}
	pass2 = check.Result{Name: "len", Passed: true, Got: "3"}
	fail1 = check.Result{Name: "max", Passed: false, Got: "2", Detail: "got 2"}
)

func gradeFake(t *testing.T) (NotebookResult, *fakeRunner) {
	t.Helper()
	path := writeNotebook(t,
		map[string]any{"cell_type": "markdown", "source": "# Exercise", "metadata": map[string]any{}},
		codeCell("setup", nil),
		codeCell("passes", graded("q1", 2)),
		codeCell("fails", graded("q2", 3)),
		codeCell("panics", graded("q3", 1)),
		codeCell("quiet", graded("q4", 1.5)),
		codeCell("ungraded check", nil),
		codeCell("hangs", graded("q5", 4)),
		codeCell("last", graded("q6", 1)),
	)
	run := &fakeRunner{cells: map[string]fakeCell{
		"setup":          {other: true},
		"passes":         {checks: []check.Result{pass1, pass2}, other: true},
		"fails":          {checks: []check.Result{pass1, fail1}},
		"panics":         {checks: []check.Result{pass1}, err: &cell.Error{Name: "panic", Value: "runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:"}},
		"quiet":          {},
		"ungraded check": {checks: []check.Result{fail1}},
		"hangs":          {hang: true},
		"last":           {checks: []check.Result{pass2}},
	}}
	prev := buildAllowance
	buildAllowance = 50 * time.Millisecond
	t.Cleanup(func() { buildAllowance = prev })
	return Notebook(context.Background(), run, path, Options{Limit: 10 * time.Millisecond}), run
}

func TestNotebook(t *testing.T) {
	res, run := gradeFake(t)
	if want := []string{"setup", "passes", "fails", "panics", "quiet", "ungraded check", "hangs", "last"}; strings.Join(run.ran, ",") != strings.Join(want, ",") {
		t.Errorf("ran %q, want every code cell in order: %q", run.ran, want)
	}
	if res.Earned != 2+1.5+1 || res.Possible != 2+3+1+1.5+4+1 {
		t.Errorf("earned %v of %v, want 4.5 of 12.5", res.Earned, res.Possible)
	}
	if res.Passed {
		t.Error("a notebook with failing checks passed")
	}
	type row struct {
		cell   int
		id     string
		earned float64
		error  string
		checks int
	}
	var got []row
	for _, c := range res.Cells {
		got = append(got, row{c.Cell, c.GradeID, c.Earned, c.Error, len(c.Checks)})
	}
	want := []row{
		{2, "", 0, "", 0},
		{3, "q1", 2, "", 2},
		{4, "q2", 0, "", 2},
		{5, "q3", 0, "panic: runtime error: index out of range [3] with length 3", 1},
		{6, "q4", 1.5, "", 0},
		{7, "", 0, "", 1},
		{8, "q5", 0, "cell[7] ran longer than 10ms and was stopped", 0},
		{9, "q6", 1, "", 1},
	}
	if len(got) != len(want) {
		t.Fatalf("cells %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if c := res.Cells[2].Checks; c[0] != pass1 || c[1] != fail1 {
		t.Errorf("checks of q2: %+v", c)
	}
}

func TestNotebookPassesWhenEveryCheckDoes(t *testing.T) {
	path := writeNotebook(t, codeCell("a", graded("q1", 1)), codeCell("b", nil))
	run := &fakeRunner{cells: map[string]fakeCell{"a": {checks: []check.Result{pass1}}, "b": {checks: []check.Result{pass2}}}}
	res := Notebook(context.Background(), run, path, Options{Limit: time.Second})
	if !res.Passed || res.Earned != 1 || res.Possible != 1 {
		t.Errorf("%+v: want passed, 1 of 1", res)
	}
	// A graded cell that fails without a check fails the notebook too.
	run.cells["a"] = fakeCell{err: &cell.Error{Name: "error", Value: "cell[1] exited with status 3"}}
	if res := Notebook(context.Background(), run, path, Options{Limit: time.Second}); res.Passed {
		t.Errorf("a notebook whose graded cell failed passed: %+v", res)
	}
}

func TestNotebookUnreadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.ipynb")
	os.WriteFile(path, []byte("{not json"), 0o644)
	res := Notebook(context.Background(), &fakeRunner{}, path, Options{Limit: time.Second})
	if res.Passed || !strings.Contains(res.Error, "bad.ipynb") {
		t.Errorf("%+v: want a failure naming the notebook", res)
	}
}

func TestReportTable(t *testing.T) {
	res, _ := gradeFake(t)
	res.Notebook = "/somewhere/ex.ipynb"
	var buf bytes.Buffer
	if err := NewReport([]NotebookResult{res}).WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	want := `NOTEBOOK  CELL    CHECK  POINTS    RESULT  ERROR
ex.ipynb  q1      sum    2/2       pass
ex.ipynb  q1      len              pass
ex.ipynb  q2      sum    0/3       pass
ex.ipynb  q2      max              fail    got 2
ex.ipynb  q3      sum    0/1       pass    panic: runtime error: index out of range [3] with length 3
ex.ipynb  q4      -      1.5/1.5   pass
ex.ipynb  cell 7  max              fail    got 2
ex.ipynb  q5      -      0/4       fail    cell[7] ran longer than 10ms and was stopped
ex.ipynb  q6      len    1/1       pass
ex.ipynb  TOTAL          4.5/12.5  fail
`
	if buf.String() != want {
		t.Errorf("table:\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestReportJSON(t *testing.T) {
	res, _ := gradeFake(t)
	var buf bytes.Buffer
	if err := NewReport([]NotebookResult{res}).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Passed    bool
		Notebooks []struct {
			Notebook         string
			Earned, Possible float64
			Cells            []struct {
				Cell    int
				GradeID string `json:"grade_id"`
				Points  float64
				Earned  float64
				Error   string
				Checks  []check.Result
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if got.Passed || len(got.Notebooks) != 1 {
		t.Fatalf("report %+v", got)
	}
	nb := got.Notebooks[0]
	if nb.Earned != 4.5 || nb.Possible != 12.5 || nb.Notebook != res.Notebook {
		t.Errorf("notebook %s: %v of %v", nb.Notebook, nb.Earned, nb.Possible)
	}
	q2 := nb.Cells[2]
	if q2.GradeID != "q2" || q2.Points != 3 || q2.Earned != 0 || len(q2.Checks) != 2 || q2.Checks[1] != fail1 {
		t.Errorf("cell q2 in JSON: %+v", q2)
	}
	if q3 := nb.Cells[3]; !strings.HasPrefix(q3.Error, "panic: ") {
		t.Errorf("cell q3's error in JSON: %q", q3.Error)
	}
}

// With the teacher's version, the graded and locked cells run as the
// teacher wrote them, with the teacher's points, whatever the student
// did to them.
func TestNotebookWithTeacher(t *testing.T) {
	locked := map[string]any{"grade": false, "grade_id": "setup", "locked": true, "solution": false}
	solution := map[string]any{"grade": false, "grade_id": "answer", "locked": false, "solution": true}
	teacher := writeNotebook(t,
		codeCell("setup", locked),
		codeCell("answer (teacher)", solution),
		codeCell("passes", graded("q1", 2)),
		codeCell("hidden", graded("q2", 3)),
		codeCell("passes", graded("q3", 1)),
	)
	student := writeNotebook(t,
		codeCell("setup edited", locked),
		codeCell("answer", solution),
		codeCell("emptied", graded("q1", 2)),
		codeCell("emptied", graded("q2", 30)),   // points raised
		codeCell("emptied", graded("extra", 5)), // a graded cell of the student's own
		// q3 deleted
	)
	run := &fakeRunner{cells: map[string]fakeCell{
		"passes": {checks: []check.Result{pass1}},
		"hidden": {checks: []check.Result{fail1}},
	}}
	res := Notebook(context.Background(), run, student, Options{Limit: time.Second, Teacher: teacher})
	if want := []string{"setup", "answer", "passes", "hidden", "emptied"}; strings.Join(run.ran, ",") != strings.Join(want, ",") {
		t.Errorf("ran %q, want %q", run.ran, want)
	}
	if res.Earned != 2 || res.Possible != 2+3+1 || res.Passed {
		t.Errorf("earned %v of %v (passed %v), want 2 of 6, failed", res.Earned, res.Possible, res.Passed)
	}
	last := res.Cells[len(res.Cells)-1]
	if last.GradeID != "q3" || last.Points != 1 || last.Earned != 0 || !strings.Contains(last.Error, "no cell q3") {
		t.Errorf("the deleted cell: %+v", last)
	}
	if extra := res.Cells[4]; extra.GradeID != "extra" || extra.Graded {
		t.Errorf("the student's own graded cell counts: %+v", extra)
	}
}
