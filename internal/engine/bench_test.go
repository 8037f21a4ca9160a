package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cell/celltest"
)

func TestUnchangedCellDoesNotRebuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	const code = `fmt.Println("same")`
	r.ok(code)
	before := r.e.work.builds.Load()
	_, rec := r.ok(code)
	if got := r.e.work.builds.Load(); got != before {
		t.Errorf("re-running an unchanged cell built %d time(s)", got-before)
	}
	if rec.Stdout() != "same\n" {
		t.Errorf("stdout = %q", rec.Stdout())
	}
}

const plotCell = `p := plot.New()
p.Title.Text = "run %d"
l, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: %d}})
p.Add(l)
w, _ := p.WriterTo(4*vg.Inch, 3*vg.Inch, "png")
var buf bytes.Buffer
w.WriteTo(&buf)
gonbui.DisplayPNG(buf.Bytes())`

// BenchmarkCellLatency measures executing a changed cell through the
// engine against the floor: plain `go build` and run of the same composed
// program in a module of its own. It reports both and their ratio.
func BenchmarkCellLatency(b *testing.B) {
	for _, bc := range []struct{ name, code string }{
		{"trivial", "fmt.Println(%d)"},
		{"plot", plotCell},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := newBenchEngine(b)
			floorDir := b.TempDir()
			for _, f := range []string{"go.mod", "go.sum"} {
				data, err := os.ReadFile(filepath.Join(e.work.dir, f))
				if err != nil {
					b.Fatal(err)
				}
				os.WriteFile(filepath.Join(floorDir, f), data, 0o644)
			}
			cellCode := func(i int) string {
				if bc.name == "plot" {
					return fmt.Sprintf(bc.code, i, i)
				}
				return fmt.Sprintf(bc.code, i)
			}
			// Warm the build cache for the packages involved, both ways.
			execCell(b, e, cellCode(-1), 1)
			var kernel, floor time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				code := cellCode(i)
				start := time.Now()
				execCell(b, e, code, i+2)
				kernel += time.Since(start)

				src, err := os.ReadFile(filepath.Join(e.work.dir, "main.go"))
				if err != nil {
					b.Fatal(err)
				}
				// Same program, a different constant: the floor must
				// compile too, not hit the kernel's cached binary.
				src = append(src, []byte(fmt.Sprintf("\nvar _ = %d\n", i))...)
				start = time.Now()
				floorRun(b, floorDir, src)
				floor += time.Since(start)
			}
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(float64(kernel.Milliseconds())/n, "kernel-ms/cell")
			b.ReportMetric(float64(floor.Milliseconds())/n, "floor-ms/cell")
			b.ReportMetric(float64(kernel)/float64(floor), "kernel/floor")
		})
	}
}

func newBenchEngine(b *testing.B) *Engine {
	root, err := filepath.Abs("../..")
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(Options{ModuleDir: root, WorkDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

func execCell(b *testing.B, e *Engine, code string, count int) {
	res := e.Execute(context.Background(), cell.Request{Code: code, Count: count}, &celltest.Recorder{})
	if res.Err != nil {
		b.Fatalf("cell failed: %s", res.Err.Value)
	}
}

func floorRun(b *testing.B, dir string, src []byte) {
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", "prog", ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("floor build: %v\n%s", err, out)
	}
	// The floor program gets the same environment a cell does, minus the
	// pipes, so its display calls are no-ops.
	cmd = exec.Command(filepath.Join(dir, "prog"))
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("floor run: %v\n%s", err, out)
	}
}

// BenchmarkCarriedVariables measures a trivial changed cell that uses
// none of the carried variables, with 0, 10 and 100 of them in the state:
// declaring them is all it should cost.
func BenchmarkCarriedVariables(b *testing.B) {
	for _, n := range []int{0, 10, 100} {
		b.Run(fmt.Sprintf("vars=%d", n), func(b *testing.B) {
			e := newBenchEngine(b)
			count := 1
			for i := 0; i < n; i++ {
				execCell(b, e, fmt.Sprintf("v%d := %d", i, i), count)
				count++
			}
			execCell(b, e, "fmt.Println(-1)", count)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				count++
				execCell(b, e, fmt.Sprintf("fmt.Println(%d)", i), count)
			}
		})
	}
}

// BenchmarkLoadLargeVariable measures a cell that uses a carried 100 MB
// []float64 against one that uses only a small variable beside it.
func BenchmarkLoadLargeVariable(b *testing.B) {
	e := newBenchEngine(b)
	execCell(b, e, "big := make([]float64, 100<<20/8)\nfor i := range big {\n\tbig[i] = float64(i)\n}", 1)
	execCell(b, e, "small := 1", 2)
	count := 3
	for _, bc := range []struct{ name, code string }{
		{"uses-big", "fmt.Println(len(big), %d)"},
		{"uses-small", "fmt.Println(small, %d)"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			execCell(b, e, fmt.Sprintf(bc.code, -1), count)
			count++
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// The same program each time, so no build: what is left
				// is the run, with or without the load.
				execCell(b, e, fmt.Sprintf(bc.code, -1), count)
				count++
			}
		})
	}
}

// A cell ending in a call with no result is first built to show the
// value, which fails, then built again without. Changing the cell but
// not its last call must not pay for the failed build again.
func TestNoValueCallBuildsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("func note(s string) { fmt.Println(s) }")
	r.ok("fmt.Print(1)\nnote(\"a\")")
	before := r.e.work.builds.Load()
	res, rec := r.ok("fmt.Print(2)\nnote(\"a\")")
	if got := r.e.work.builds.Load() - before; got != 1 {
		t.Errorf("changed cell built %d times, want 1", got)
	}
	if res.Value != nil || rec.Stdout() != "2a\n" {
		t.Errorf("value %+v, stdout %q", res.Value, rec.Stdout())
	}
	// Redefining the function to return a value shows it again.
	r.ok("func note(s string) string { return s + \"!\" }")
	if res, _ := r.ok("fmt.Print(3)\nnote(\"a\")"); res.Value == nil || res.Value.Data["text/plain"] != "a!" {
		t.Errorf("after redefinition value = %+v", res.Value)
	}
}

// BenchmarkFirstAndRepeatedCells measures, per kernel, the first cell (it
// resolves the dependencies of its imports), a later changed cell, and an
// identical re-run, which must not build.
func BenchmarkFirstAndRepeatedCells(b *testing.B) {
	var first, changed, again time.Duration
	for i := 0; i < b.N; i++ {
		e := newBenchEngine(b)
		start := time.Now()
		execCell(b, e, fmt.Sprintf("fmt.Println(%d)", i), 1)
		first += time.Since(start)
		start = time.Now()
		execCell(b, e, fmt.Sprintf("fmt.Println(%d)", i+1), 2)
		changed += time.Since(start)
		start = time.Now()
		execCell(b, e, fmt.Sprintf("fmt.Println(%d)", i+1), 3)
		again += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(float64(first.Milliseconds())/n, "first-ms")
	b.ReportMetric(float64(changed.Milliseconds())/n, "changed-ms")
	b.ReportMetric(float64(again.Microseconds())/1000/n, "rerun-ms")
	b.ReportMetric(float64(first)/float64(changed), "first/changed")
}
