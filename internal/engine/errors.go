package engine

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gopar/gopar/internal/cell"
)

// cellPos matches a position the line directives produce: cell[3]:4 or
// cell[3]:4:7.
var cellPos = regexp.MustCompile(`cell\[(\d+)\]:(\d+)(?::(\d+))?`)

// sources looks up the text of earlier cells to quote the offending line.
type sources interface {
	line(cellNum, line int) (string, bool)
}

// lineError is an error whose message is its whole traceback.
func lineError(name, msg string) *cell.Error {
	return &cell.Error{Name: name, Value: msg, Traceback: []string{msg}}
}

// compileError turns `go build` output into one error that names the cell
// and line of each problem and quotes the line.
func compileError(output string, src sources) *cell.Error {
	var msgs, tb []string
	for _, l := range strings.Split(output, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		m := cellPos.FindStringSubmatchIndex(l)
		if m == nil || m[0] != 0 {
			if strings.HasPrefix(l, "gopar-main.go") || strings.HasPrefix(l, "./main.go") {
				// A problem in code the kernel generated: say so plainly.
				l = "in the cell's generated code: " + l[strings.Index(l, ":")+1:]
			}
			msgs = append(msgs, l)
			tb = append(tb, l)
			continue
		}
		cellNum, _ := strconv.Atoi(l[m[2]:m[3]])
		line, _ := strconv.Atoi(l[m[4]:m[5]])
		col := 0
		if m[6] >= 0 {
			col, _ = strconv.Atoi(l[m[6]:m[7]])
		}
		text := strings.TrimSpace(strings.TrimPrefix(l[m[1]:], ":"))
		where := fmt.Sprintf("cell[%d] line %d", cellNum, line)
		msgs = append(msgs, where+": "+text)
		tb = append(tb, where+": "+text)
		tb = append(tb, quoteLine(src, cellNum, line, col)...)
	}
	if len(msgs) == 0 {
		msgs = []string{strings.TrimSpace(output)}
		tb = msgs
	}
	return &cell.Error{Name: "CompileError", Value: strings.Join(msgs, "; "), Traceback: tb}
}

// quoteLine shows a cell line with a caret under the column, as compilers
// of other languages do.
func quoteLine(src sources, cellNum, line, col int) []string {
	text, ok := src.line(cellNum, line)
	if !ok {
		return nil
	}
	prefix := fmt.Sprintf("  %4d | ", line)
	out := []string{prefix + text}
	if col > 0 && col <= len(text)+1 {
		pad := strings.Map(func(r rune) rune {
			if r == '\t' {
				return '\t'
			}
			return ' '
		}, text[:col-1])
		out = append(out, strings.Repeat(" ", len(prefix)-2)+"| "+pad+"^")
	}
	return out
}

// panicError turns the Go runtime's panic or fatal error report into one
// error naming the cell line where it happened: the innermost frame that
// is in a cell.
func panicError(report string, src sources) *cell.Error {
	lines := strings.Split(strings.TrimRight(report, "\n"), "\n")
	name, msg := "panic", strings.TrimPrefix(lines[0], "panic: ")
	if strings.HasPrefix(lines[0], "fatal error: ") {
		name, msg = "fatal error", strings.TrimPrefix(lines[0], "fatal error: ")
	}
	// A panic message can span lines until the first blank line or
	// goroutine header.
	for _, l := range lines[1:] {
		if l == "" || strings.HasPrefix(l, "goroutine ") || strings.HasPrefix(l, "[signal ") {
			break
		}
		msg += "\n" + l
	}
	msg = strings.TrimSuffix(msg, " [recovered]")
	tb := []string{name + ": " + msg}
	value := msg
	for _, l := range lines {
		m := cellPos.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		cellNum, _ := strconv.Atoi(m[1])
		line, _ := strconv.Atoi(m[2])
		where := fmt.Sprintf("cell[%d] line %d", cellNum, line)
		value = where + ": " + msg
		tb = append(tb, "at "+where)
		tb = append(tb, quoteLine(src, cellNum, line, 0)...)
		break
	}
	tb = append(tb, "")
	tb = append(tb, lines...)
	return &cell.Error{Name: name, Value: value, Traceback: tb}
}
