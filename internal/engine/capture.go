package engine

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gopar/gopar/internal/cell"
)

// captureOutput applies a cell's %capture [-a] FILE (made a path by
// resolve): what the cell prints is written to FILE too, as it comes. It
// returns the sink to use and a function that closes the file.
func captureOutput(cellNum int, pc *parsedCell, resolve func(string) string, sink cell.Sink) (cell.Sink, func(), *cell.Error) {
	for _, m := range pc.magics {
		name, arg, _ := strings.Cut(m.Text, " ")
		if m.Shell || name != "capture" {
			continue
		}
		args := strings.Fields(arg)
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if len(args) == 2 && args[0] == "-a" {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
			args = args[1:]
		}
		if len(args) != 1 {
			return sink, func() {}, magicError(cellNum, m, "usage: %capture [-a] FILE")
		}
		f, err := os.OpenFile(resolve(args[0]), flags, 0o644)
		if err != nil {
			return sink, func() {}, magicError(cellNum, m, fmt.Sprintf("%%capture: %v", err))
		}
		c := &captureSink{Sink: sink, f: f}
		if in, ok := sink.(cell.InputSink); ok {
			// Keep the front end's input: the sink is an InputSink still.
			return captureInputSink{c, in}, func() { f.Close() }, nil
		}
		return c, func() { f.Close() }, nil
	}
	return sink, func() {}, nil
}

// captureSink copies the text a cell prints to a file.
type captureSink struct {
	cell.Sink
	mu sync.Mutex
	f  *os.File
}

func (c *captureSink) Stream(name, text string) {
	c.mu.Lock()
	c.f.WriteString(text)
	c.mu.Unlock()
	c.Sink.Stream(name, text)
}

type captureInputSink struct {
	*captureSink
	in cell.InputSink
}

func (c captureInputSink) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return c.in.Input(ctx, prompt, password)
}
