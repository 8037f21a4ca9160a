package cluster

import (
	"context"
	"fmt"
)

// ErrInterrupted is the cause of a call stopped by SIGINT in a notebook
// (its interrupt button). errors.Is(err, context.Canceled) holds for it.
var ErrInterrupted error = interruptError{}

type interruptError struct{}

func (interruptError) Error() string        { return "interrupted" }
func (interruptError) Is(target error) bool { return target == context.Canceled }

// ItemError is the failure of one item on a worker, as parallel's is.
type ItemError struct {
	Index int    // position of the item in the input
	Input string // short form of the item
	Err   error  // what went wrong; a *PanicError for a panic
}

// Error names the item and its input, then what went wrong.
func (e *ItemError) Error() string {
	return fmt.Sprintf("cluster: item %d (input %s): %v", e.Index, e.Input, e.Err)
}

// Unwrap returns Err.
func (e *ItemError) Unwrap() error { return e.Err }

// PanicError is a panic recovered on a worker. Only its text travels: the
// value itself may not be encodable.
type PanicError struct {
	Value string // the panic value, as fmt's %v prints it
	Stack string // the worker goroutine's stack at the panic
}

// Error gives the panic value and the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %s\n\n%s", e.Value, e.Stack)
}

// shortForm renders an input for an error message, cut to a readable
// length, as parallel does.
func shortForm(v any) string {
	const limit = 60
	var s string
	if str, ok := v.(string); ok {
		s = fmt.Sprintf("%q", str)
	} else {
		s = fmt.Sprintf("%v", v)
	}
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return s
}
