package parallel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"slices"
	"time"
	"unicode/utf8"
)

// ErrInterrupted is the cause of a call stopped by SIGINT in a notebook
// (its interrupt button; see the package documentation). errors.Is(err,
// context.Canceled) holds for it too.
var ErrInterrupted error = interruptError{}

type interruptError struct{}

func (interruptError) Error() string        { return "interrupted" }
func (interruptError) Is(target error) bool { return target == context.Canceled }

// ErrPoolClosed is returned for work submitted to a Pool after Close.
var ErrPoolClosed = errors.New("parallel: pool is closed")

// errStopped is the cancellation cause the package uses itself (fail-fast,
// a consumer that stopped iterating); it never reaches callers.
var errStopped = errors.New("parallel: stopped")

// errGoexit is the failure of an item whose function called runtime.Goexit.
var errGoexit = errors.New("function called runtime.Goexit")

// ItemError is the failure of one item: its function returned an error,
// panicked, or overran the Timeout. For MapChunks it is the failure of a
// chunk, and Index is the chunk's first item.
type ItemError struct {
	Index int    // position of the item in the input (for a Pool: submission order)
	Input string // short form of the item, "" when there is none
	Err   error  // what went wrong; a *PanicError for a panic

	noun string // "item", or "task" for a Pool
	end  int    // for a chunk: the index after its last item
}

// Error names the item and its input, then what went wrong.
func (e *ItemError) Error() string {
	noun := e.noun
	if noun == "" {
		noun = "item"
	}
	if e.end > e.Index+1 {
		return fmt.Sprintf("parallel: items %d to %d: %v", e.Index, e.end-1, e.Err)
	}
	if e.Input == "" {
		return fmt.Sprintf("parallel: %s %d: %v", noun, e.Index, e.Err)
	}
	return fmt.Sprintf("parallel: %s %d (input %s): %v", noun, e.Index, e.Input, e.Err)
}

// Unwrap returns Err, so errors.Is and errors.As see what went wrong.
func (e *ItemError) Unwrap() error { return e.Err }

// PanicError is a panic recovered from a function, with the stack of the
// goroutine at the panic.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // stack trace from the panicking function outward
}

// Error gives the panic value and the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value when it is an error (a runtime error, for
// instance), so errors.As can find it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// newPanicError must be called from the deferred function that recovered.
func newPanicError(v any) *PanicError {
	return &PanicError{Value: v, Stack: trimStack(debug.Stack())}
}

// trimStack keeps the frames of the function that panicked and of what it
// called, dropping those above it (debug.Stack, the deferred recover, the
// runtime's panic) and below it (this package's machinery and the caller),
// which only add noise to a notebook's error.
func trimStack(st []byte) []byte {
	lines := bytes.Split(bytes.TrimRight(st, "\n"), []byte("\n"))
	start := 1
	for i := len(lines) - 1; i > 0; i-- {
		if bytes.HasPrefix(lines[i], []byte("panic(")) {
			// A frame is two lines: the function, then its file and line.
			start = min(i+2, len(lines))
			break
		}
	}
	end := len(lines)
	for i := start; i < len(lines); i += 2 {
		if internalFrame.Match(lines[i]) {
			end = i
			break
		}
	}
	kept := append([][]byte{lines[0]}, lines[start:end]...)
	return bytes.Join(kept, []byte("\n"))
}

// internalFrame matches the frames of this package that run user functions.
var internalFrame = regexp.MustCompile(`^github\.com/gopar/gopar/parallel\.(\(\*runner\)\.|\(\*Pool\)\.|[A-Za-z]+\[\.\.\.\]|timed\[|withContext\[|callTask\[)`)

// timeoutError reports an item that ran longer than its Timeout.
func timeoutError(took, limit time.Duration) error {
	return fmt.Errorf("took %v, over the %v timeout: %w", took, limit, context.DeadlineExceeded)
}

// shortForm renders an input for an error message, cut to a readable length.
func shortForm(v any) string {
	const limit = 60
	var s string
	switch v := v.(type) {
	case string:
		if len(v) > limit {
			return fmt.Sprintf("%q…", truncate(v, limit))
		}
		return fmt.Sprintf("%q", v)
	case []byte:
		s = fmt.Sprintf("%q", v)
	default:
		s = fmt.Sprintf("%v", v)
	}
	if len(s) > limit {
		s = truncate(s, limit) + "…"
	}
	return s
}

func truncate(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// joinItemErrors returns the errors in item order, joined; a single error
// is returned as it is, so that err.(*ItemError) works for it.
func joinItemErrors(errs []*ItemError) error {
	if len(errs) == 1 {
		return errs[0]
	}
	slices.SortFunc(errs, func(a, b *ItemError) int { return a.Index - b.Index })
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}
