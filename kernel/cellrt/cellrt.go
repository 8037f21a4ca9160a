// Package cellrt is the part of the kernel that runs inside a cell's
// program. The kernel composes every cell into a program that imports it;
// users do not import it themselves (package display is the public face).
//
// It talks to the kernel over a control channel: a file descriptor the
// kernel passes to the child and names in the GOPAR_CONTROL_FD environment
// variable. Each message is one JSON object on its own line. Outside the
// kernel (a plain `go run`), the channel is absent and every call is a
// no-op, so cell code also runs as an ordinary program.
package cellrt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"strconv"
	"sync"
)

// ControlFDEnv names the environment variable that holds the control
// channel's file descriptor number.
const ControlFDEnv = "GOPAR_CONTROL_FD"

// Message kinds sent on the control channel.
const (
	KindResult      = "result"       // the cell's execute_result
	KindDisplay     = "display"      // a display_data output
	KindClearOutput = "clear_output" // clear the cell's output
)

// Message is one control-channel message from a cell to the kernel.
type Message struct {
	Kind string `json:"kind"`
	// Data is a MIME bundle; binary types (image/png) are base64 strings.
	Data map[string]string `json:"data,omitempty"`
	Wait bool              `json:"wait,omitempty"`
}

var (
	mu      sync.Mutex
	control *os.File
	opened  bool
)

func channel() *os.File {
	if !opened {
		opened = true
		if fd, err := strconv.Atoi(os.Getenv(ControlFDEnv)); err == nil && fd > 2 {
			control = os.NewFile(uintptr(fd), "gopar-control")
		}
	}
	return control
}

// Send writes m to the kernel. It reports whether the kernel got it: false
// outside the kernel or when the channel is broken.
func Send(m Message) bool {
	line, err := json.Marshal(m)
	if err != nil {
		return false
	}
	line = append(line, '\n')
	mu.Lock()
	defer mu.Unlock()
	c := channel()
	if c == nil {
		return false
	}
	// One write per message: the kernel reads lines, and a single write
	// below PIPE_BUF is atomic; longer ones are still whole because only
	// this mutex-holder writes.
	_, err = c.Write(line)
	return err == nil
}

// Show sends the value of the cell's last expression as its
// execute_result. The composed program calls it with the expression's
// values; a call with other than exactly one value (a function returning
// nothing usable, or several results like fmt.Println's) shows nothing,
// as Python shows nothing for print().
func Show(values ...any) {
	if len(values) != 1 {
		return
	}
	Send(Message{Kind: KindResult, Data: Bundle(values[0])})
}

// HTMLer, Markdowner, SVGer and PNGer are the display methods a value can
// implement to show itself richly as a cell result.
type (
	HTMLer     interface{ HTML() string }
	Markdowner interface{ Markdown() string }
	SVGer      interface{ SVG() string }
	PNGer      interface{ PNG() []byte }
)

// Bundle renders v as a MIME bundle: always text/plain (fmt's %v), plus
// the rich forms v offers.
func Bundle(v any) map[string]string {
	b := map[string]string{"text/plain": fmt.Sprintf("%v", v)}
	switch x := v.(type) {
	case HTMLer:
		b["text/html"] = x.HTML()
	case Markdowner:
		b["text/markdown"] = x.Markdown()
	case SVGer:
		b["image/svg+xml"] = x.SVG()
	case PNGer:
		b["image/png"] = base64.StdEncoding.EncodeToString(x.PNG())
	case image.Image:
		var buf bytes.Buffer
		if err := png.Encode(&buf, x); err == nil {
			b["image/png"] = base64.StdEncoding.EncodeToString(buf.Bytes())
			bounds := x.Bounds()
			b["text/plain"] = fmt.Sprintf("image %dx%d", bounds.Dx(), bounds.Dy())
		}
	}
	return b
}
