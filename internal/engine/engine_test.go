package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cell/celltest"
)

// interruptible is a cell running in the background until interrupt.
type interruptible struct {
	rec       *celltest.Recorder
	interrupt context.CancelFunc
	done      chan cell.Result
}

// startCell runs a cell in the background and waits until it has printed
// text, so that it is known to be running.
func startCell(t *testing.T, e *Engine, code string, count int, text string) *interruptible {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &interruptible{rec: &celltest.Recorder{}, interrupt: cancel, done: make(chan cell.Result, 1)}
	go func() { c.done <- e.Execute(ctx, cell.Request{Code: code, Count: count}, c.rec) }()
	c.rec.WaitFor(t, text)
	return c
}

func newTestEngine(t *testing.T) *Engine {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{ModuleDir: root, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

type runner2 struct {
	t     *testing.T
	e     *Engine
	count int
}

func (r *runner2) exec(code string) (cell.Result, *celltest.Recorder) {
	r.t.Helper()
	r.count++
	rec := &celltest.Recorder{}
	res := r.e.Execute(context.Background(), cell.Request{Code: code, Count: r.count}, rec)
	return res, rec
}

func (r *runner2) ok(code string) (cell.Result, *celltest.Recorder) {
	r.t.Helper()
	res, rec := r.exec(code)
	if res.Err != nil {
		r.t.Fatalf("cell %q failed: %s\n%s", code, res.Err.Value, strings.Join(res.Err.Traceback, "\n"))
	}
	return res, rec
}

func TestEngineCells(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}

	_, rec := r.ok(`fmt.Println("hello, world")`)
	if got := rec.Stdout(); got != "hello, world\n" {
		t.Errorf("stdout = %q", got)
	}

	r.ok("func double(x int) int { return 2 * x }")
	res, _ := r.ok("double(21)")
	if res.Value == nil || res.Value.Data["text/plain"] != "42" {
		t.Errorf("result of double(21) = %+v", res.Value)
	}
	r.ok("func double(x int) int { return 3 * x }")
	if res, _ := r.ok("double(2)"); res.Value == nil || res.Value.Data["text/plain"] != "6" {
		t.Errorf("redefined double(2) = %+v", res.Value)
	}

	// A call with no result is run, not shown.
	res, rec = r.ok("func hi() { fmt.Print(\"hi\") }\nhi()")
	if res.Value != nil || rec.Stdout() != "hi" {
		t.Errorf("void call: value %+v, stdout %q", res.Value, rec.Stdout())
	}
	// fmt.Println returns two values: nothing is shown.
	if res, _ := r.ok(`fmt.Println("x")`); res.Value != nil {
		t.Errorf("fmt.Println shown as %+v", res.Value)
	}
	// A cell that only sets a variable compiles.
	r.ok("x := 5")

	// A compile error names the cell line and changes nothing.
	res, rec = r.exec("func broken() int { return 1 }\n\nundefinedThing()")
	if res.Err == nil || !strings.Contains(res.Err.Value, "line 3") || !strings.Contains(res.Err.Value, "undefined: undefinedThing") {
		t.Errorf("compile error = %+v", res.Err)
	}
	if rec.Stderr() != "" {
		t.Errorf("compile error wrote stderr %q", rec.Stderr())
	}
	if res, _ := r.exec("broken()"); res.Err == nil {
		t.Errorf("declaration from a failed cell was kept")
	}

	// A panic is one error naming the line, without stderr.
	res, rec = r.exec("a := 1\npanic(\"boom\")\n_ = a")
	if res.Err == nil || res.Err.Name != "panic" || !strings.Contains(res.Err.Value, "line 2") || !strings.Contains(res.Err.Value, "boom") {
		t.Errorf("panic error = %+v", res.Err)
	}
	if rec.Stderr() != "" {
		t.Errorf("panic wrote stderr %q", rec.Stderr())
	}
	// In a goroutine too.
	res, _ = r.exec("done := make(chan bool)\ngo func() {\n\tvar p *int\n\t*p = 1\n\tdone <- true\n}()\n<-done")
	if res.Err == nil || !strings.Contains(res.Err.Value, "line 4") {
		t.Errorf("goroutine nil dereference = %+v", res.Err)
	}
	res, _ = r.exec("os.Exit(3)")
	if res.Err == nil || !strings.Contains(res.Err.Value, "status 3") {
		t.Errorf("os.Exit(3) = %+v", res.Err)
	}

	// Declarations survive failures.
	if res, _ := r.ok("double(3)"); res.Value.Data["text/plain"] != "9" {
		t.Errorf("after failures double(3) = %+v", res.Value)
	}
}

func TestEngineInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	e := newTestEngine(t)
	c := startCell(t, e, "fmt.Println(\"started\")\nfor {}", 1, "started")
	c.interrupt()
	res := <-c.done
	if res.Err == nil || res.Err.Name != "Interrupted" {
		t.Fatalf("interrupted cell = %+v", res.Err)
	}
	res = e.Execute(context.Background(), cell.Request{Code: "1+1", Count: 2}, &celltest.Recorder{})
	if res.Err != nil || res.Value.Data["text/plain"] != "2" {
		t.Errorf("cell after interrupt = %+v %+v", res.Err, res.Value)
	}
}

func TestEngineStdinAndDisplay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}

	r.count++
	rec := &celltest.Recorder{Inputs: []string{"gopher"}}
	res := r.e.Execute(context.Background(), cell.Request{Code: "var s string\nfmt.Scanln(&s)\nfmt.Println(\"got\", s)", Count: r.count, AllowStdin: true}, rec)
	if res.Err != nil || rec.Stdout() != "got gopher\n" {
		t.Errorf("stdin: err %+v stdout %q", res.Err, rec.Stdout())
	}
	// Without stdin, reading gives EOF instead of hanging.
	_, rec = r.ok("b, err := io.ReadAll(os.Stdin)\nfmt.Println(len(b), err)")
	if rec.Stdout() != "0 <nil>\n" {
		t.Errorf("no stdin: stdout %q", rec.Stdout())
	}

	_, rec = r.ok(`import "github.com/janpfeifer/gonb/gonbui"
gonbui.DisplayHTML("<b>hi</b>")
gonbui.UpdateHTML("bar", "1")
gonbui.UpdateHTML("bar", "2")
gonbui.Sync()
display.ClearOutput(false)`)
	if len(rec.Displays()) != 3 {
		t.Fatalf("displays = %+v", rec.Displays())
	}
	if rec.Displays()[0].Data["text/html"] != "<b>hi</b>" || rec.Displays()[1].Update || !rec.Displays()[2].Update || rec.Displays()[2].DisplayID != "bar" {
		t.Errorf("displays = %+v", rec.Displays())
	}
	if rec.Events()[len(rec.Events())-1] != "clear" {
		t.Errorf("events = %q", rec.Events())
	}
}

// A map with a progress bar, run from a cell over a function declared in
// an earlier cell: the bar arrives as one display, then updates in place.
func TestParallelProgressInCell(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("func slowSquare(x int) int {\n\ttime.Sleep(2 * time.Millisecond)\n\treturn x * x\n}")
	res, rec := r.ok("squares, err := parallel.Map(make([]int, 400), slowSquare, parallel.Progress())\nfmt.Println(len(squares), err)")
	if res.Err != nil || rec.Stdout() != "400 <nil>\n" {
		t.Fatalf("map: %v, stdout %q", res.Err, rec.Stdout())
	}
	if len(rec.Displays()) < 2 {
		t.Fatalf("progress displays = %d, want a display and updates", len(rec.Displays()))
	}
	first, last := rec.Displays()[0], rec.Displays()[len(rec.Displays())-1]
	if first.DisplayID == "" || first.Update {
		t.Errorf("first progress display = %+v", first)
	}
	for _, d := range rec.Displays()[1:] {
		if !d.Update || d.DisplayID != first.DisplayID {
			t.Errorf("later progress display %+v does not update %q", d, first.DisplayID)
		}
	}
	if html, _ := last.Data["text/html"].(string); !strings.Contains(html, "400/400") && !strings.Contains(html, "400 / 400") {
		t.Errorf("last progress = %q, want 400/400", html)
	}
}

// A cell of declarations alone still runs in a notebook: the runtime that
// attaches the progress bar is linked even though no statement calls it.
func TestDeclarationsOnlyCellHasNotebook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	_, rec := r.ok("var _, _ = parallel.Map(make([]int, 100), func(x int) int {\n\ttime.Sleep(2 * time.Millisecond)\n\treturn x\n}, parallel.Progress())")
	if len(rec.Displays()) == 0 {
		t.Errorf("no progress display from a declarations-only cell; stderr %q", rec.Stderr())
	}
}

func TestInterruptLongMap(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	e := newTestEngine(t)
	code := "fmt.Println(\"mapping\")\n_, err := parallel.Map(make([]int, 1000000), func(x int) int {\n\ttime.Sleep(time.Millisecond)\n\treturn x\n})\nfmt.Println(err)"
	c := startCell(t, e, code, 1, "mapping")
	time.Sleep(100 * time.Millisecond)
	c.interrupt()
	start := time.Now()
	res := <-c.done
	if res.Err == nil || res.Err.Name != "Interrupted" {
		t.Errorf("interrupted map = %+v", res.Err)
	}
	// A generous bound: the parallel package stops on SIGINT at once, and
	// the kernel kills the program after a second regardless.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("interrupt took %v", d)
	}
}

// A program that cannot start is an error, promptly: the display pipes,
// never served, must not hold the cell up.
func TestRunProgramThatCannotStart(t *testing.T) {
	dir := t.TempDir()
	done := make(chan error, 1)
	go func() {
		_, err := run(context.Background(), runSpec{bin: filepath.Join(dir, "missing"), dir: dir, runDir: filepath.Join(dir, "run"), allowStdin: true}, &celltest.Recorder{}, &displayIDs{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "start program") {
			t.Errorf("run = %v, want a start error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run hung on a program that cannot start")
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "run")); len(entries) != 1 {
		t.Errorf("run dir holds %d files, want only the line file", len(entries))
	}
}
