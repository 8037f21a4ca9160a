package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gopar/gopar/internal/carry"
	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cellsrc"
	"github.com/gopar/gopar/internal/childproto"
	"github.com/gopar/gopar/internal/pkgindex"
)

const helpText = `gopar: Go cells in Jupyter

A cell is Go source: imports, declarations (func, type, var, const) and
statements, in any order. Statements run in order as the cell's body; no
func main is needed. Declarations stay for later cells, and a later cell
that declares the same name replaces them. Missing imports are added and
unused ones dropped. The value of a last expression is the cell's result.

Magics (lines starting with %) and shell commands (lines starting with !):
  %help              this text
  %reset             forget every declaration, import and variable
  %reset NAME...     forget carried variables
  %vars              list carried variables with type and size
  %env               list variables set with %env
  %env NAME=VALUE    set an environment variable for later cells
  %cd [DIR]          change the cells' working directory (print it)
  %goflags [FLAGS]   set the flags for go build (print them)
  %time              report build and run time of this cell
  !CMD               run a shell command (end a line with \ to continue)
  %%                 accepted and ignored, so GoNB notebooks run as they are

Rich output: github.com/janpfeifer/gonb/gonbui (DisplayHTML, DisplayMarkdown,
DisplayPNG, DisplayImage, DisplaySVG, UpdateHTML, Sync) and
github.com/gopar/gopar/display (ClearOutput, Show).
Parallel work: github.com/gopar/gopar/parallel.
Interrupt (the stop button) stops the running cell; the kernel stays.
`

// magic runs one % or ! line. It returns an error only for a line that
// is wrong (an unknown magic); what a shell command does is its output.
func (e *Engine) magic(ctx context.Context, req cell.Request, m cellsrc.Magic, sink cell.Sink, res *cell.Result) *cell.Error {
	if m.Shell {
		e.shell(ctx, m.Text, sink)
		return nil
	}
	name, arg, _ := strings.Cut(m.Text, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "help":
		res.Payload = append(res.Payload, map[string]any{
			"source": "page",
			"data":   map[string]any{"text/plain": helpText},
			"start":  0,
		})
	case "reset":
		e.mu.Lock()
		defer e.mu.Unlock()
		if arg != "" {
			names := strings.Fields(arg)
			for _, n := range names {
				if _, ok := e.state.types[n]; !ok {
					return magicError(req.Count, m, fmt.Sprintf("%%reset: no carried variable %s (%%vars lists them)", n))
				}
			}
			if err := e.state.forget(names...); err != nil {
				return magicError(req.Count, m, "%reset: "+err.Error())
			}
			sink.Stream("stdout", "forgot "+strings.Join(names, ", ")+"\n")
			return nil
		}
		e.prog = &program{}
		e.state.reset()
		sink.Stream("stdout", "reset: declarations, imports and variables forgotten\n")
	case "vars":
		e.mu.Lock()
		defer e.mu.Unlock()
		sink.Stream("stdout", e.varsTable())
	case "env":
		e.mu.Lock()
		defer e.mu.Unlock()
		if arg == "" {
			for _, k := range sortedKeys(e.env) {
				sink.Stream("stdout", k+"="+e.env[k]+"\n")
			}
			return nil
		}
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			k, v, ok = strings.Cut(arg, " ")
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return magicError(req.Count, m, "usage: %env NAME=VALUE")
		}
		e.env[k] = v
	case "cd":
		e.mu.Lock()
		defer e.mu.Unlock()
		if arg != "" {
			dir := arg
			if strings.HasPrefix(dir, "~") {
				home, _ := os.UserHomeDir()
				dir = filepath.Join(home, dir[1:])
			}
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(e.dir, dir)
			}
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return magicError(req.Count, m, fmt.Sprintf("%%cd: not a directory: %s", dir))
			}
			e.dir = filepath.Clean(dir)
		}
		sink.Stream("stdout", e.dir+"\n")
	case "goflags":
		e.mu.Lock()
		defer e.mu.Unlock()
		if arg != "" {
			e.goflags = strings.Fields(arg)
			if arg == `""` || arg == "''" {
				e.goflags = nil
			}
		}
		sink.Stream("stdout", fmt.Sprintf("goflags: %q\n", e.goflags))
	default:
		return magicError(req.Count, m, fmt.Sprintf("unknown magic %%%s (%%help lists them)", name))
	}
	return nil
}

// varsTable lists carried variables for %vars. e.mu is held.
func (e *Engine) varsTable() string {
	if len(e.state.types) == 0 {
		return "no carried variables\n"
	}
	sizes := map[string]int64{}
	if e.state.cur != "" {
		if list, err := carry.List(e.state.cur); err == nil {
			for _, v := range list {
				sizes[v.Name] = v.Size
			}
		}
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tSIZE")
	for _, n := range sortedKeys(e.state.types) {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", n, readableType(e.state.types[n]), humanBytes(sizes[n]))
	}
	tw.Flush()
	return b.String()
}

// readableType writes a carried type with package names, as a user
// would, instead of the program's import aliases.
func readableType(t childproto.VarType) string {
	src := t.Source
	for alias, path := range t.Imports {
		src = strings.ReplaceAll(src, alias+".", pkgindex.ImportName(path)+".")
	}
	return src
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func magicError(cellNum int, m cellsrc.Magic, msg string) *cell.Error {
	where := fmt.Sprintf("cell[%d] line %d", cellNum, m.Line)
	return &cell.Error{Name: "MagicError", Value: where + ": " + msg, Traceback: []string{where + ": " + msg, "  %" + m.Text}}
}

// shell runs a ! command with sh in the cells' working directory,
// streaming its output. Interrupt stops it like a cell.
func (e *Engine) shell(ctx context.Context, command string, sink cell.Sink) {
	e.mu.Lock()
	dir := e.dir
	e.mu.Unlock()
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Dir = dir
	cmd.Env = e.environ()
	cmd.Stdout = streamWriter{sink, "stdout"}
	cmd.Stderr = streamWriter{sink, "stderr"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		sink.Stream("stderr", fmt.Sprintf("!%s: %v\n", command, err))
		return
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			sink.Stream("stderr", fmt.Sprintf("!%s: %v\n", command, err))
		}
	case <-ctx.Done():
		syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(interruptGrace):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
}

type streamWriter struct {
	sink cell.Sink
	name string
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.sink.Stream(w.name, string(p))
	return len(p), nil
}
