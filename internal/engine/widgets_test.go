package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cell/celltest"
	"github.com/gopar/gopar/internal/gonbcomm"
)

// fakePage stands in for the notebook page: it runs the script the kernel
// shows by opening the comm, and answers "/ready" by setting "/speed", as
// a slider moved by hand would.
type fakePage struct {
	e  *Engine
	mu sync.Mutex
	// got are the values the kernel sent to the page, by address.
	got map[string]any
}

func (p *fakePage) SendComm(m cell.CommMessage) {
	address, _ := m.Data["address"].(string)
	p.mu.Lock()
	p.got[address] = m.Data["value"]
	p.mu.Unlock()
	if address == "/ready" {
		go p.e.HandleComm(cell.CommMessage{Type: cell.CommMsg, ID: "page", Data: map[string]any{"address": "/speed", "value": "41"}}, p)
	}
}

// pageSink is a cell's output as the page shows it: a script shown there
// runs.
type pageSink struct {
	*celltest.Recorder
	page *fakePage
}

func (s pageSink) Display(d cell.Display) {
	s.Recorder.Display(d)
	if html, _ := d.Data["text/html"].(string); !d.Update && strings.Contains(html, "gonb_comm") {
		go s.page.e.HandleComm(cell.CommMessage{Type: cell.CommOpen, ID: "page", Target: gonbcomm.Target}, s.page)
	}
}

func TestWidgetValuesReachProgramsAndLaterCells(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{ModuleDir: root, WorkDir: t.TempDir(), KernelID: "0123-abcd"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	page := &fakePage{e: e, got: map[string]any{}}
	count := 0
	run := func(code string) *celltest.Recorder {
		t.Helper()
		count++
		rec := &celltest.Recorder{}
		res := e.Execute(context.Background(), cell.Request{Code: code, Count: count}, pageSink{rec, page})
		if res.Err != nil {
			t.Fatalf("cell %q failed: %s\n%s", code, res.Err.Value, strings.Join(res.Err.Traceback, "\n"))
		}
		return rec
	}

	// The program listens, the page answers, the program sets the value.
	rec := run(`import "github.com/janpfeifer/gonb/gonbui/comms"
func follow() {
	speed := comms.Listen[int]("/speed")
	comms.Send("/ready", 1)
	v := <-speed.C
	fmt.Println("speed", v)
	comms.Send("/speed", v+1)
}
follow()`)
	if got := rec.Stdout(); got != "speed 41\n" {
		t.Errorf("program printed %q, want speed 41 (stderr %q)", got, rec.Stderr())
	}
	page.mu.Lock()
	if page.got["/speed"] != 42 {
		t.Errorf("page got /speed = %#v, want 42", page.got["/speed"])
	}
	page.mu.Unlock()

	// A later cell reads what the last program set, from the kernel.
	read := `fmt.Println(comms.ReadValue[int]("/speed"))`
	if got := run(read).Stdout(); got != "42\n" {
		t.Errorf("later cell read %q, want 42", got)
	}
	// The widget moved while no cell ran.
	e.HandleComm(cell.CommMessage{Type: cell.CommMsg, ID: "page", Data: map[string]any{"address": "/speed", "value": "7"}}, page)
	if got := run(read).Stdout(); got != "7\n" {
		t.Errorf("later cell read %q after the page set 7", got)
	}
	if got := e.Comms(""); got["page"] != gonbcomm.Target {
		t.Errorf("Comms = %v", got)
	}
}

// Without a page to talk to, %widgets and a program that uses comms say
// so once, and the cell goes on.
func TestWidgetsWithoutPage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)} // no kernel id: no page can connect
	_, rec := r.ok("%widgets")
	if got := rec.Stderr(); !strings.Contains(got, "widgets: ") || !strings.Contains(got, "kernel-ID.json") {
		t.Errorf("%%widgets without a page: stderr %q", got)
	}
	_, rec = r.ok("%widgets_hb")
	if got := rec.Stdout(); !strings.Contains(got, "no page answered") {
		t.Errorf("%%widgets_hb without a page: %q", got)
	}
	_, rec = r.ok(`import "github.com/janpfeifer/gonb/gonbui/comms"
comms.Send("/a", 1)
comms.Send("/a", 2)
fmt.Println("done")`)
	if got := rec.Stdout(); got != "done\n" {
		t.Errorf("stdout %q", got)
	}
	if got := strings.Count(rec.Stderr(), "widgets: "); got != 1 {
		t.Errorf("stderr %q: want one note", rec.Stderr())
	}
	if res, _ := r.exec("%widgets now"); res.Err == nil {
		t.Error("%widgets with an argument was accepted")
	}
}

func TestWasmCell(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // the Jupyter root, where the programs are served from
	t.Setenv("JPY_PARENT_PID", "")
	e, err := New(Options{ModuleDir: root, WorkDir: t.TempDir(), KernelID: "0123-abcd"})
	if err != nil {
		t.Fatal(err)
	}
	r := &runner2{t: t, e: e}
	_, rec := r.ok("%wasm\n!echo $GONB_WASM_DIR $GONB_WASM_URL")
	cwd, _ := os.Getwd()
	dir := filepath.Join(cwd, "jupyter_files", "0123-abcd")
	if got, want := rec.Stdout(), dir+" /files/jupyter_files/0123-abcd\n"; got != want {
		t.Errorf("GONB_WASM_DIR and _URL: %q, want %q", got, want)
	}
	r.ok("func greeting(name string) string { return \"hello, \" + name }")
	_, rec = r.ok(`%wasm
import "syscall/js"
div := js.Global().Get("document").Call("getElementById", GonbWasmDivId)
div.Set("innerText", greeting("wasm"))`)
	ds := rec.Displays()
	if len(ds) != 1 {
		t.Fatalf("displays %+v, want one", ds)
	}
	html, _ := ds[0].Data["text/html"].(string)
	wasm, _ := filepath.Glob(filepath.Join(dir, "cell-*.wasm"))
	if len(wasm) != 1 || !strings.Contains(html, filepath.Base(wasm[0])) || !strings.Contains(html, "<div id=\"gopar-wasm-") {
		t.Errorf("wasm programs %v; output:\n%s", wasm, html)
	}
	if _, err := os.Stat(filepath.Join(dir, "wasm_exec.js")); err != nil {
		t.Error(err)
	}
	// Its declarations stay in the cell: later cells run natively.
	if _, rec = r.ok(`fmt.Println(greeting("again"))`); rec.Stdout() != "hello, again\n" {
		t.Errorf("later cell printed %q", rec.Stdout())
	}
	res, _ := r.exec("%wasm\nx := undefinedThing")
	if res.Err == nil || !strings.Contains(fmt.Sprint(res.Err.Traceback), fmt.Sprintf("cell[%d] line 2", r.count)) {
		t.Errorf("wasm compile error: %+v", res.Err)
	}
	e.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s: %v", dir, err)
	}
}
