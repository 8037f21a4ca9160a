// Package grade makes exercise notebooks in nbgrader's conventions work
// with gopar: Student writes the version a class gets (solution regions
// replaced, outputs cleared), and Notebook grades a student's notebook by
// running it in a fresh engine and reading the checks its cells made
// (package parallel/check).
//
// A graded cell, one whose nbgrader metadata has grade true and points N,
// earns its N points when it runs without error and every check it makes
// passes. A cell that fails to compile, panics, runs out of time or exits
// earns nothing, and grading goes on with the next cell.
package grade

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/ipynb"
	"github.com/gopar/gopar/parallel/check"
)

// A NotebookResult is the grade of one notebook.
type NotebookResult struct {
	Notebook string  `json:"notebook"`
	Earned   float64 `json:"earned"`
	Possible float64 `json:"possible"`
	// Passed is set when every check passed and every graded cell earned
	// its points.
	Passed bool `json:"passed"`
	// Cells are the notebook's code cells, in order, as they ran.
	Cells []CellResult `json:"cells"`
	// Error is set when the notebook could not be read or run at all.
	Error string `json:"error,omitempty"`
}

// A CellResult is how one code cell ran.
type CellResult struct {
	Cell    int     `json:"cell"` // 1-based, counting every cell of the notebook
	GradeID string  `json:"grade_id,omitempty"`
	Graded  bool    `json:"graded"`
	Points  float64 `json:"points"` // what it is worth
	Earned  float64 `json:"earned"`
	// Error is the cell's error: what failed to compile, the panic, the
	// time limit, the exit.
	Error   string         `json:"error,omitempty"`
	Checks  []check.Result `json:"checks"`
	Seconds float64        `json:"seconds"`
}

// label names a cell in reports: its grade_id, else its position.
func (c CellResult) label() string {
	if c.GradeID != "" {
		return c.GradeID
	}
	return "cell " + itoa(c.Cell)
}

// buildAllowance is how long a cell may take beyond its time limit, which
// bounds its program's run, before grading stops it regardless: building
// it may take that long, and a cell must not lift its own limit with
// %timeout.
var buildAllowance = 2 * time.Minute

// Options are how Notebook grades.
type Options struct {
	// Limit is the time limit of a cell's program, which the runner
	// enforces. Grading stops a cell regardless when it takes
	// buildAllowance longer.
	Limit time.Duration
	// Teacher, when set, is the teacher's version of the notebook. Its
	// graded and locked cells then replace the student's cells of the
	// same grade_id, points included, so that a student who changed a
	// check cell or its points, or deleted it, gains nothing; its hidden
	// tests run. Only its graded cells earn points.
	Teacher string
}

// Notebook runs the code cells of the notebook at path in order with run,
// which should be fresh, and grades them. Cancelling ctx stops grading.
func Notebook(ctx context.Context, run cell.Runner, path string, opts Options) NotebookResult {
	res := NotebookResult{Notebook: path}
	nb, err := ipynb.Read(path)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	var teacher *teacherCells
	if opts.Teacher != "" {
		if teacher, err = readTeacher(opts.Teacher); err != nil {
			res.Error = err.Error()
			return res
		}
	}
	count := 0
	for i, c := range nb.Cells {
		if c["cell_type"] != "code" {
			continue
		}
		m, src := nbgraderMeta(c), ipynb.Source(c)
		if teacher != nil {
			m, src = teacher.use(m, src)
		}
		cr := CellResult{Cell: i + 1, GradeID: m.GradeID, Graded: m.Grade, Checks: []check.Result{}}
		if m.Grade {
			cr.Points = m.Points
			res.Possible += m.Points
		}
		count++
		sink := &checkSink{}
		start := time.Now()
		cellCtx, cancel := context.WithTimeout(ctx, opts.Limit+buildAllowance)
		out := run.Execute(cellCtx, cell.Request{Code: src, Count: count}, sink)
		stopped := cellCtx.Err() != nil && ctx.Err() == nil
		cancel()
		cr.Seconds = time.Since(start).Seconds()
		cr.Checks = append(cr.Checks, sink.results()...)
		switch {
		case stopped:
			cr.Error = fmt.Sprintf("cell[%d] ran longer than %v and was stopped", count, opts.Limit)
		case out.Err != nil:
			cr.Error = errorText(out.Err)
		}
		if m.Grade && cr.Error == "" && allPassed(cr.Checks) {
			cr.Earned = cr.Points
			res.Earned += cr.Earned
		}
		res.Cells = append(res.Cells, cr)
		if ctx.Err() != nil {
			res.Error = "grading stopped: " + context.Cause(ctx).Error()
			break
		}
	}
	if teacher != nil && ctx.Err() == nil {
		for _, id := range teacher.missing() {
			m := teacher.graded[id]
			res.Cells = append(res.Cells, CellResult{GradeID: id, Graded: true, Points: m.Points, Error: "the notebook has no cell " + id, Checks: []check.Result{}})
			res.Possible += m.Points
		}
	}
	res.Passed = res.Error == ""
	for _, cr := range res.Cells {
		if !allPassed(cr.Checks) || cr.Graded && cr.Earned < cr.Points {
			res.Passed = false
		}
	}
	return res
}

// teacherCells are the cells of a teacher's notebook that grading takes
// from it.
type teacherCells struct {
	order  []string          // grade_ids of graded cells, in order
	graded map[string]meta   // by grade_id
	locked map[string]string // source of graded and locked cells by grade_id
	used   map[string]bool
}

func readTeacher(path string) (*teacherCells, error) {
	nb, err := ipynb.Read(path)
	if err != nil {
		return nil, err
	}
	t := &teacherCells{graded: map[string]meta{}, locked: map[string]string{}, used: map[string]bool{}}
	for _, c := range nb.Cells {
		m := nbgraderMeta(c)
		if c["cell_type"] != "code" || m.GradeID == "" || m.Solution {
			continue
		}
		if m.Grade {
			t.order = append(t.order, m.GradeID)
			t.graded[m.GradeID] = m
		}
		if m.Grade || m.Locked {
			t.locked[m.GradeID] = ipynb.Source(c)
		}
	}
	return t, nil
}

// use returns what grading runs for a student's cell: the teacher's
// source and metadata for a cell the teacher locked or graded, and
// otherwise the student's source, ungraded.
func (t *teacherCells) use(m meta, src string) (meta, string) {
	if teacherSrc, ok := t.locked[m.GradeID]; ok {
		t.used[m.GradeID] = true
		m, ok := t.graded[m.GradeID]
		if !ok {
			m = meta{GradeID: m.GradeID}
		}
		return m, teacherSrc
	}
	m.Grade, m.Points = false, 0
	return m, src
}

// missing returns the graded cells no student cell stood for.
func (t *teacherCells) missing() []string {
	var ids []string
	for _, id := range t.order {
		if !t.used[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

func allPassed(checks []check.Result) bool {
	for _, r := range checks {
		if !r.Passed {
			return false
		}
	}
	return true
}

// errorText is a cell error in one line: its name and the first line of
// its message.
func errorText(e *cell.Error) string {
	msg, _, _ := strings.Cut(strings.TrimSpace(e.Value), "\n")
	if e.Name == "" || strings.HasPrefix(msg, e.Name) {
		return msg
	}
	return e.Name + ": " + msg
}

// checkSink keeps the check records a cell displays and drops the rest.
type checkSink struct {
	mu     sync.Mutex
	checks []check.Result
}

func (s *checkSink) Stream(name, text string) {}
func (s *checkSink) ClearOutput(wait bool)    {}

func (s *checkSink) Display(d cell.Display) {
	r, ok := checkRecord(d.Data[check.MIMEType])
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks = append(s.checks, r)
}

func (s *checkSink) results() []check.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checks
}

// checkRecord decodes a check's record, which arrives as JSON, as JSON
// text, or as the JSON value decoded.
func checkRecord(v any) (check.Result, bool) {
	var raw []byte
	switch v := v.(type) {
	case nil:
		return check.Result{}, false
	case json.RawMessage:
		raw = v
	case string:
		raw = []byte(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return check.Result{}, false
		}
		raw = b
	}
	var r check.Result
	if err := json.Unmarshal(raw, &r); err != nil || r.Name == "" {
		return check.Result{}, false
	}
	return r, true
}
