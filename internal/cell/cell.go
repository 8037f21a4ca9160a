// Package cell is the contract between the Jupyter protocol layer and the
// cell engine. The protocol layer (package internal/jupyter) turns wire
// messages into calls on an Engine and turns what the Engine reports into
// iopub messages; the engine (package internal/engine) never sees ZMQ, so it
// can be driven directly by `gopar run`, its tests and its benchmarks.
package cell

import (
	"context"
	"errors"
)

// ErrNoStdin is returned by InputSink.Input when the request that runs the cell
// did not allow stdin (allow_stdin false). The engine then gives the cell
// end-of-file instead of waiting for input that cannot come.
var ErrNoStdin = errors.New("stdin not allowed for this request")

// Request is one execute_request as the engine needs it.
type Request struct {
	Code       string
	Count      int // execution_count this execution reports
	AllowStdin bool
}

// MIMEBundle maps a MIME type to its content: a string for text types, a
// base64 string for binary types such as image/png, any JSON value for
// application/json.
type MIMEBundle map[string]any

// Display is one display_data (or update_display_data) message.
type Display struct {
	Data      MIMEBundle
	Metadata  map[string]any
	DisplayID string // transient display_id; empty when none
	// Update asks for update_display_data: replace the output with this
	// DisplayID that was shown earlier, instead of adding a new one.
	Update bool
}

// Sink receives what a running cell produces, as it is produced. The
// engine may call it from several goroutines; implementations must be safe
// for concurrent use.
type Sink interface {
	// Stream sends text to stdout or stderr ("stdout" or "stderr").
	Stream(name, text string)
	// Display sends rich output.
	Display(d Display)
	// ClearOutput clears the cell's output; with wait, only when new
	// output arrives.
	ClearOutput(wait bool)
}

// An InputSink can also ask the front end for input. A cell whose Sink is
// not one reads end-of-file, as when the request does not allow stdin.
type InputSink interface {
	Sink
	// Input asks the front end for one line of input (input_request) and
	// returns what the user typed, without the newline. It returns
	// ErrNoStdin when the request does not allow stdin, and ctx.Err() when
	// the cell is interrupted while waiting.
	Input(ctx context.Context, prompt string, password bool) (string, error)
}

// Error describes a failed execution: ename, evalue and traceback of the
// Jupyter error message. The traceback lines name the cell and the line.
type Error struct {
	Name      string
	Value     string
	Traceback []string
}

func (e *Error) Error() string { return e.Name + ": " + e.Value }

// Result is the outcome of one execution.
type Result struct {
	// Value is the execute_result of the cell, nil when it has none.
	Value *Display
	// Err is set when the cell failed: compile error, panic, non-zero
	// exit or interrupt. The protocol layer sends it as ONE error message.
	Err *Error
	// Payload entries for the execute_reply, such as a pager payload
	// ({"source": "page", "data": {...}, "start": 0}).
	Payload []map[string]any
}

// Completion is the answer to complete_request. Cursor positions are in
// Unicode code points, as the Jupyter protocol counts them.
type Completion struct {
	Matches     []string
	CursorStart int
	CursorEnd   int
	Metadata    map[string]any
}

// Inspection is the answer to inspect_request.
type Inspection struct {
	Found bool
	Data  MIMEBundle
}

// Completeness is the status of an is_complete_request: "complete",
// "incomplete", "invalid" or "unknown"; Indent goes with "incomplete".
type Completeness struct {
	Status string
	Indent string
}

// Scope is what earlier cells left for the cell being edited, as code
// assistance needs it.
type Scope struct {
	// Decls is Go source holding the merged declarations of earlier
	// cells. It may be a whole file ("package main" then imports and
	// declarations) or the same without the package clause. Import
	// declarations in it are visible to the cell.
	Decls string
	// Imports lists further imports visible to the cell, each an import
	// path (`math/rand`) or an import spec (`m "math"`, `"fmt"`).
	Imports []string
	// Vars maps carried variables to their Go type as written in a cell,
	// qualified by package name: "int", "[]main.Point", "map[string]time.Duration".
	// The qualifier "main." may be left out.
	Vars map[string]string
}

// Runner runs cells.
type Runner interface {
	// Execute runs one cell. Cancelling ctx is the interrupt: the running
	// child is stopped and Execute returns promptly with an Error named
	// "Interrupted".
	Execute(ctx context.Context, req Request, sink Sink) Result
	// Close stops any running cell and removes the engine's work files.
	Close() error
}

// Assistant answers code-assistance requests. It reads source only and
// never runs user code.
type Assistant interface {
	Complete(code string, cursor int) Completion
	Inspect(code string, cursor, detailLevel int) Inspection
	IsComplete(code string) Completeness
}

// Engine is what the protocol layer drives. It serialises Execute calls
// (one at a time, in order) but may call the Assistant's methods while a
// cell runs.
type Engine interface {
	Runner
	Assistant
}

// Comm message types: Jupyter's custom messages between the kernel and
// code running in the front end.
const (
	CommOpen  = "comm_open"
	CommMsg   = "comm_msg"
	CommClose = "comm_close"
)

// CommMessage is one comm message, either way.
type CommMessage struct {
	Type   string // CommOpen, CommMsg or CommClose
	ID     string // comm_id
	Target string // target_name; comm_open only
	Data   map[string]any
}

// A CommSender sends comm messages to the front end, on iopub.
type CommSender interface {
	SendComm(m CommMessage)
}

// A CommHandler is an Engine that also owns comm targets. The protocol
// layer answers comm_info_request from Comms and hands it every comm
// message from the front end. An Engine that is not one has no comm
// targets: the protocol layer closes every comm the front end opens.
type CommHandler interface {
	// Comms lists the open comms, comm id to target name, of the given
	// target, or of every target when it is empty.
	Comms(target string) map[string]string
	// HandleComm takes one comm message from the front end, while a cell
	// runs or not; it must not block. out sends to the front end, now or
	// later. It reports false for a comm_open whose target it does not
	// know, which the protocol layer then closes.
	HandleComm(m CommMessage, out CommSender) bool
}
