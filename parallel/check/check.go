// Package check makes the checks of exercise notebooks: each call compares
// a value a student's code computed with the one it should be, shows one
// line in the notebook, green when it passes and red when it fails, and
// records the outcome for `gopar grade`.
//
//	check.Equal("word counts", counts, map[string]int{"the": 4, "light": 2})
//	check.NearAll("integrals", got, exact, 1e-6)
//	check.True("sorted", slices.IsSorted(xs))
//
// A failing line says what was got and where it differs, but not the
// wanted value, which would give the answer away; ShowWanted(true) shows
// it too. Outside a notebook each check prints a line with ✓ or ✗.
//
// In a notebook the line is a display_data holding HTML, text and the
// check's Result as JSON under MIMEType: the executed notebook keeps the
// outcomes of its checks in its outputs, where grading reads them.
package check

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gopar/gopar/internal/notebook"
)

// MIMEType is the MIME type of a check's Result in a notebook's outputs.
const MIMEType = "application/vnd.gopar.check+json"

// A Result is the record of one check.
type Result struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	// Got and Want summarise the values compared; Want is empty unless
	// the wanted value is shown (ShowWanted).
	Got  string `json:"got,omitempty"`
	Want string `json:"want,omitempty"`
	// Detail says why a check failed.
	Detail string `json:"detail,omitempty"`
}

var showWanted atomic.Bool

// ShowWanted sets whether failing checks show the wanted value, which
// they do not by default. It lasts for the rest of the program: in a
// notebook, for the rest of the cell.
func ShowWanted(show bool) { showWanted.Store(show) }

// Equal checks that got equals want: the same type and value, compared
// deeply through slices, arrays, maps, structs (unexported fields too),
// pointers and interfaces. A nil slice or map equals an empty one. On
// failure the line lists the first differences, such as the indices of a
// slice or the keys of a map that differ.
func Equal(name string, got, want any) bool {
	d := differ{show: showWanted.Load()}
	d.diff("", reflect.ValueOf(got), reflect.ValueOf(want), 0)
	r := Result{Name: name, Passed: len(d.found) == 0, Got: summary(got)}
	if d.show {
		r.Want = summary(want)
	}
	if !r.Passed {
		r.Detail = d.String()
	}
	return report(r)
}

// Near checks that got is within tol of want: |got-want| <= tol. NaN is
// near nothing; an infinity only to the same infinity.
func Near(name string, got, want, tol float64) bool {
	show := showWanted.Load()
	r := Result{Name: name, Got: fmt.Sprint(got)}
	if show {
		r.Want = fmt.Sprintf("%v ± %v", want, tol)
	}
	switch {
	case tol < 0 || math.IsNaN(tol):
		r.Detail = fmt.Sprintf("the tolerance %v is not a distance", tol)
	case !near(got, want, tol):
		r.Detail = nearDetail("", got, want, tol, show)
	default:
		r.Passed = true
	}
	return report(r)
}

// NearAll checks that got and want have the same length and that each
// element of got is within tol of the one of want (see Near). Use it for
// slices of results, such as a function evaluated at many points; Equal
// compares floats exactly.
func NearAll(name string, got, want []float64, tol float64) bool {
	show := showWanted.Load()
	r := Result{Name: name, Got: summary(got)}
	if show {
		r.Want = summary(want) + fmt.Sprintf(" ± %v", tol)
	}
	var diffs []string
	switch {
	case tol < 0 || math.IsNaN(tol):
		diffs = append(diffs, fmt.Sprintf("the tolerance %v is not a distance", tol))
	case len(got) != len(want):
		diffs = append(diffs, lenDetail("", len(got), len(want), show))
	default:
		bad := 0
		for i := range got {
			if near(got[i], want[i], tol) {
				continue
			}
			bad++
			if len(diffs) < maxDiffs {
				diffs = append(diffs, nearDetail(fmt.Sprintf("[%d]", i), got[i], want[i], tol, show))
			}
		}
		if bad > maxDiffs {
			diffs = append(diffs, fmt.Sprintf("%d of %d elements are not near", bad, len(got)))
		}
	}
	r.Passed = len(diffs) == 0
	r.Detail = strings.Join(diffs, "; ")
	return report(r)
}

// True checks that cond holds.
func True(name string, cond bool) bool {
	r := Result{Name: name, Passed: cond}
	if !cond {
		r.Detail = "the condition is false"
	}
	return report(r)
}

func near(got, want, tol float64) bool {
	if math.IsInf(want, 0) || math.IsInf(got, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol // false for NaN
}

func nearDetail(path string, got, want, tol float64, show bool) string {
	prefix := ""
	if path != "" {
		prefix = path + ": "
	}
	if show {
		return fmt.Sprintf("%sgot %v, want %v ± %v", prefix, got, want, tol)
	}
	return fmt.Sprintf("%sgot %v, not within %v", prefix, got, tol)
}

// out is where checks print outside a notebook.
var (
	outMu sync.Mutex
	out   io.Writer = os.Stdout
)

// report shows and records r, and returns whether it passed.
func report(r Result) bool {
	text := Line(r)
	if nb, ok := notebook.Current().(notebook.Displayer); ok {
		rec, err := json.Marshal(r)
		if err != nil {
			panic(fmt.Sprintf("check %q: record: %v", r.Name, err)) // a struct of strings always marshals
		}
		nb.Display(map[string]string{
			"text/plain": text,
			"text/html":  lineHTML(r),
			MIMEType:     string(rec),
		})
		return r.Passed
	}
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Fprintln(out, text)
	return r.Passed
}

// Line is a check's line as text: "✓ NAME", or "✗ NAME: DETAIL".
func Line(r Result) string {
	if r.Passed {
		return "✓ " + r.Name
	}
	return "✗ " + r.Name + ": " + r.Detail
}

func lineHTML(r Result) string {
	style := "font-family:monospace;padding:2px 8px;margin:1px 0;border-radius:3px;"
	if r.Passed {
		return fmt.Sprintf(`<div class="gopar-check gopar-check-pass" style="%scolor:#116329;background:#dafbe1">✓ %s</div>`,
			style, html.EscapeString(r.Name))
	}
	return fmt.Sprintf(`<div class="gopar-check gopar-check-fail" style="%scolor:#82071e;background:#ffebe9">✗ <b>%s</b>: %s</div>`,
		style, html.EscapeString(r.Name), html.EscapeString(r.Detail))
}
