package engine

import (
	"fmt"
	"go/ast"
	"go/parser"
	"slices"
	"strconv"
	"strings"

	"github.com/gopar/gopar/internal/cellsrc"
	"github.com/gopar/gopar/internal/childproto"
)

// %timeit is not run by the kernel but composed into the cell's program:
// the code it times must be compiled with the cell's declarations and
// run in the program, where the carried variables are. As in IPython,
//
//	%timeit [-n N] [-r R] STATEMENT   times the Go code on the rest of its line,
//	                                  in its place among the cell's statements
//	%%timeit [-n N] [-r R]            on a cell's first line, times all its statements
//
// and both print IPython's report (see timing.It). Variables the timed
// code declares are its own: they are not kept for later cells.

// isTimeit reports whether a magic line is %timeit or %%timeit.
func isTimeit(m cellsrc.Magic) bool {
	name, _, _ := strings.Cut(m.Text, " ")
	return !m.Shell && !m.CellMarker && (name == "timeit" || name == "%timeit")
}

// applyTimeit turns the cell's %timeit and %%timeit lines into statements
// that time their code. It returns the magic line that is wrong, if any,
// and why.
func (pc *parsedCell) applyTimeit() (*cellsrc.Magic, string) {
	for i := range pc.magics {
		m := &pc.magics[i]
		if !isTimeit(*m) {
			continue
		}
		name, rest, _ := strings.Cut(m.Text, " ")
		loops, runs, code, err := timeitArgs(rest)
		if err != nil {
			return m, fmt.Sprintf("%%%s: %v", name, err)
		}
		if name == "%timeit" {
			if code != "" {
				return m, "%%timeit: the code it times is the rest of the cell, not its first line"
			}
			if len(pc.stmts) == 0 {
				return m, "%%timeit: the cell has no statements to time"
			}
			pc.timeCell(loops, runs)
			continue
		}
		if code == "" {
			return m, "usage: %timeit [-n N] [-r R] STATEMENT (or %%timeit on a cell's first line)"
		}
		pc.timeLine(m.Line, loops, runs, code)
	}
	return nil, ""
}

// timeitArgs parses "[-n N] [-r R] code", IPython's options included as
// -n1000 as well as -n 1000.
func timeitArgs(s string) (loops, runs int, code string, err error) {
	s = strings.TrimSpace(s)
	for strings.HasPrefix(s, "-") {
		opt, rest, _ := strings.Cut(s, " ")
		if len(opt) < 2 || (opt[1] != 'n' && opt[1] != 'r') {
			return 0, 0, "", fmt.Errorf("unknown option %s (there are -n N and -r R)", opt)
		}
		val := opt[2:]
		if val == "" {
			val, rest, _ = strings.Cut(strings.TrimSpace(rest), " ")
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 {
			return 0, 0, "", fmt.Errorf("%s wants a positive count, not %q", opt[:2], val)
		}
		if opt[1] == 'n' {
			loops = n
		} else {
			runs = n
		}
		s = strings.TrimSpace(rest)
	}
	return loops, runs, s, nil
}

// timedBody is code to time, followed by uses of what it declares, which
// are its own: unused, they would not compile.
func timedBody(code string, line int) string {
	for _, n := range definedNames([]segment{{line: line, src: code}}) {
		code += "\n_ = " + n
	}
	return code
}

// timeLine adds the statement that times code at its line among the
// cell's statements.
func (pc *parsedCell) timeLine(line, loops, runs int, code string) {
	s := segment{line: line, src: childproto.TimeitCall(loops, runs, timedBody(code, line))}
	i, _ := slices.BinarySearchFunc(pc.stmts, line, func(s segment, line int) int { return s.line - line })
	pc.stmts = slices.Insert(pc.stmts, i, s)
	switch {
	case pc.lastExpr >= i:
		pc.lastExpr++
	case i == len(pc.stmts)-1:
		pc.lastExpr = -1 // the cell ends with the timing, which has no value
	}
}

// isCall reports whether an expression is a call.
func isCall(src string) bool {
	e, err := parser.ParseExpr(src)
	if err != nil {
		return false
	}
	_, ok := ast.Unparen(e).(*ast.CallExpr)
	return ok
}

// timeCell makes the cell's statements, as they stand in the cell, the
// code timed.
func (pc *parsedCell) timeCell(loops, runs int) {
	first := pc.stmts[0].line
	var b strings.Builder
	for i, s := range pc.stmts {
		// Newlines keep each statement on its own line of the cell.
		for range s.line - first - strings.Count(b.String(), "\n") {
			b.WriteString("\n")
		}
		if i == pc.lastExpr && !isCall(s.src) {
			// A value shown at the end of a cell, which Go does not
			// allow as a statement.
			b.WriteString("_ = ")
		}
		b.WriteString(s.src)
		b.WriteString(";")
	}
	pc.stmts = []segment{{line: first, src: childproto.TimeitCall(loops, runs, timedBody(b.String(), first))}}
	pc.defined = nil
	pc.lastExpr = -1
}
