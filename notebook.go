package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/engine"
	"github.com/gopar/gopar/internal/ipynb"
)

// runArgs are the arguments of "gopar run".
type runArgs struct {
	notebook  string
	out       string // where the executed notebook goes
	keepGoing bool   // run the cells after one that fails
}

func parseRunArgs(args []string, stderr io.Writer) (runArgs, error) {
	fl := flag.NewFlagSet("gopar run", flag.ContinueOnError)
	fl.SetOutput(stderr)
	out := fl.String("o", "", "write the executed notebook to this `file` (default: the notebook itself)")
	keepGoing := fl.Bool("k", false, "keep running cells after one fails")
	// Flags may come before or after the notebook, as "gopar help" shows
	// them after it; the flag package alone stops at the first argument.
	var paths []string
	for {
		if err := fl.Parse(args); err != nil {
			return runArgs{}, err
		}
		if fl.NArg() == 0 {
			break
		}
		paths = append(paths, fl.Arg(0))
		args = fl.Args()[1:]
	}
	if len(paths) != 1 {
		return runArgs{}, errors.New("usage: gopar run [-o OUT] [-k] NOTEBOOK")
	}
	a := runArgs{notebook: paths[0], out: *out, keepGoing: *keepGoing}
	if a.out == "" {
		a.out = a.notebook
	}
	return a, nil
}

func runNotebookCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseRunArgs(args, stderr)
	if err != nil {
		return err
	}
	eng, err := newEngine(nil)
	if err != nil {
		return err
	}
	defer eng.Close()
	failed, err := runNotebook(ctx, eng, a.notebook, a.out, a.keepGoing, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", a.out)
	if failed > 0 {
		return fmt.Errorf("%d cell(s) failed", failed)
	}
	return nil
}

// runNotebook executes the Go cells of an .ipynb file in order and writes
// the notebook with their outputs to out. Fields it does not know are
// kept as they are.
func runNotebook(ctx context.Context, eng *engine.Engine, path, out string, keepGoing bool, log io.Writer) (failed int, err error) {
	nb, err := ipynb.Read(path)
	if err != nil {
		return 0, err
	}
	count := 0
	for i, cm := range nb.Cells {
		if cm["cell_type"] != "code" {
			continue
		}
		if failed > 0 && !keepGoing {
			break
		}
		count++
		code := ipynb.Source(cm)
		rec := &outputs{}
		res := eng.Execute(ctx, cell.Request{Code: code, Count: count}, rec)
		if res.Value != nil {
			rec.add(map[string]any{"output_type": "execute_result", "execution_count": count, "data": res.Value.Data, "metadata": map[string]any{}})
		}
		for _, p := range res.Payload {
			if data, ok := p["data"].(map[string]any); ok {
				rec.add(map[string]any{"output_type": "display_data", "data": data, "metadata": map[string]any{}})
			}
		}
		if res.Err != nil {
			failed++
			rec.add(map[string]any{"output_type": "error", "ename": res.Err.Name, "evalue": res.Err.Value, "traceback": res.Err.Traceback})
			fmt.Fprintf(log, "cell %d (notebook cell %d): %s: %s\n", count, i+1, res.Err.Name, res.Err.Value)
		}
		cm["outputs"] = rec.list()
		cm["execution_count"] = count
		if ctx.Err() != nil {
			break
		}
	}
	if err := nb.Write(out); err != nil {
		return failed, err
	}
	return failed, nil
}

// outputs collects a cell's outputs in nbformat's shape. Which display
// ids were shown before is the engine's to know (cell.Display.Update);
// outputs only finds the one an update replaces.
type outputs struct {
	mu        sync.Mutex
	items     []output
	clearNext bool
}

type output struct {
	item      map[string]any
	displayID string
}

func (o *outputs) add(item map[string]any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.addLocked(output{item: item})
}

func (o *outputs) addLocked(out output) {
	if o.clearNext {
		o.items, o.clearNext = nil, false
	}
	// Consecutive text on one stream is one output, as Jupyter stores it.
	if item := out.item; item["output_type"] == "stream" && len(o.items) > 0 {
		last := o.items[len(o.items)-1].item
		if last["output_type"] == "stream" && last["name"] == item["name"] {
			last["text"] = last["text"].(string) + item["text"].(string)
			return
		}
	}
	o.items = append(o.items, out)
}

func (o *outputs) list() []map[string]any {
	o.mu.Lock()
	defer o.mu.Unlock()
	list := make([]map[string]any, len(o.items))
	for i, out := range o.items {
		list[i] = out.item
	}
	return list
}

func (o *outputs) Stream(name, text string) {
	o.add(map[string]any{"output_type": "stream", "name": name, "text": text})
}

func (o *outputs) Display(d cell.Display) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.clearNext {
		o.items, o.clearNext = nil, false
	}
	md := d.Metadata
	if md == nil {
		md = map[string]any{}
	}
	out := output{item: map[string]any{"output_type": "display_data", "data": d.Data, "metadata": md}, displayID: d.DisplayID}
	if d.Update {
		for i := len(o.items) - 1; i >= 0; i-- {
			if o.items[i].displayID == d.DisplayID {
				o.items[i] = out
				return
			}
		}
		// Shown in an earlier cell: the update shows here.
	}
	o.addLocked(out)
}

func (o *outputs) ClearOutput(wait bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if wait {
		o.clearNext = true
		return
	}
	o.items = nil
}
