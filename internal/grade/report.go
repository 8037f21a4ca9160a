package grade

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
)

// A Report is the grades of several notebooks, as `gopar grade --json`
// writes them.
type Report struct {
	Notebooks []NotebookResult `json:"notebooks"`
	// Passed is set when every notebook passed.
	Passed bool `json:"passed"`
}

// NewReport gathers the grades of notebooks.
func NewReport(results []NotebookResult) Report {
	r := Report{Notebooks: results, Passed: true}
	for _, nb := range results {
		r.Passed = r.Passed && nb.Passed
	}
	return r
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteTable writes the report as a table, a row per check of the graded
// cells and of the cells that made checks or failed, and a total per
// notebook. A graded cell's points and error are on its first row.
func (r Report) WriteTable(w io.Writer) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NOTEBOOK\tCELL\tCHECK\tPOINTS\tRESULT\tERROR")
	for _, nb := range r.Notebooks {
		name := filepath.Base(nb.Notebook)
		if nb.Error != "" && len(nb.Cells) == 0 {
			fmt.Fprintf(tw, "%s\t\t\t\tfail\t%s\n", name, oneLine(nb.Error))
			continue
		}
		for _, c := range nb.Cells {
			if !c.Graded && len(c.Checks) == 0 && c.Error == "" {
				continue
			}
			points := ""
			if c.Graded {
				points = num(c.Earned) + "/" + num(c.Points)
			}
			if len(c.Checks) == 0 {
				fmt.Fprintf(tw, "%s\t%s\t-\t%s\t%s\t%s\n", name, c.label(), points, passFail(c.Error == ""), oneLine(c.Error))
				continue
			}
			for i, ch := range c.Checks {
				errText := ch.Detail
				if i == 0 && c.Error != "" && ch.Detail != "" {
					errText = c.Error + "; " + ch.Detail
				} else if i == 0 && c.Error != "" {
					errText = c.Error
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, c.label(), oneLine(ch.Name), points, passFail(ch.Passed), oneLine(errText))
				points = ""
			}
		}
		total := num(nb.Earned) + "/" + num(nb.Possible)
		fmt.Fprintf(tw, "%s\tTOTAL\t\t%s\t%s\t%s\n", name, total, passFail(nb.Passed), oneLine(nb.Error))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Rows whose last cells are empty end in padding.
	for line := range strings.Lines(buf.String()) {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "fail"
}

// oneLine keeps a table row on one line and of a readable width.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 100 {
		s = string(r[:99]) + "…"
	}
	return s
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func itoa(n int) string { return strconv.Itoa(n) }
