package grade

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopar/gopar/internal/cell"
)

// parseInterspersed parses flags that may come before, between or after
// the other arguments, which it returns.
func parseInterspersed(fl *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		if fl.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fl.Arg(0))
		args = fl.Args()[1:]
	}
}

// StudentCommand is `gopar student TEACHER.ipynb -o STUDENT.ipynb`.
func StudentCommand(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("gopar student", flag.ContinueOnError)
	fl.SetOutput(stderr)
	out := fl.String("o", "", "write the student version to this `file`")
	paths, err := parseInterspersed(fl, args)
	if err != nil {
		return err
	}
	if len(paths) != 1 || *out == "" {
		return errors.New("usage: gopar student TEACHER.ipynb -o STUDENT.ipynb")
	}
	if err := Student(paths[0], *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

// A NewRunner makes a fresh engine whose cells stop after timeout.
type NewRunner func(timeout time.Duration) (cell.Runner, error)

// ErrFailed is returned by Command when a check failed or a graded cell
// did not earn its points.
var ErrFailed = errors.New("not every check passed")

// Command is `gopar grade [--timeout SECONDS] [--json FILE] [--teacher TEACHER.ipynb] NOTEBOOK...`.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer, newRunner NewRunner) error {
	fl := flag.NewFlagSet("gopar grade", flag.ContinueOnError)
	fl.SetOutput(stderr)
	timeout := fl.Float64("timeout", 60, "stop a cell that runs longer than this many `seconds`")
	jsonOut := fl.String("json", "", "also write the grades as JSON to this `file`")
	teacher := fl.String("teacher", "", "run the graded and locked cells of this teacher's `notebook` in place of the students'")
	paths, err := parseInterspersed(fl, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return errors.New("usage: gopar grade [--timeout SECONDS] [--json FILE] [--teacher TEACHER.ipynb] NOTEBOOK...")
	}
	if *timeout <= 0 {
		return fmt.Errorf("--timeout %v: the time limit must be above zero", *timeout)
	}
	opts := Options{Limit: time.Duration(*timeout * float64(time.Second)), Teacher: *teacher}
	var results []NotebookResult
	for _, path := range paths {
		run, err := newRunner(opts.Limit)
		if err != nil {
			return fmt.Errorf("grade %s: %w", path, err)
		}
		results = append(results, Notebook(ctx, run, path, opts))
		run.Close()
		if ctx.Err() != nil {
			break
		}
	}
	report := NewReport(results)
	if err := report.WriteTable(stdout); err != nil {
		return err
	}
	if *jsonOut != "" {
		f, err := os.Create(*jsonOut)
		if err != nil {
			return fmt.Errorf("grade: %w", err)
		}
		err = report.WriteJSON(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("grade: write %s: %w", *jsonOut, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !report.Passed {
		return ErrFailed
	}
	return nil
}
