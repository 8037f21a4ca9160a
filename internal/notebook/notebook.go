// Package notebook is what a library needs from the notebook its program
// runs in. The program's runtime attaches the notebook when there is one
// (kernel/cellrt does, in the programs the gopar kernel builds from
// cells); libraries ask for it, and behave as in any program when there is
// none.
//
// It imports only the standard library, so that a library using it does
// not bring a notebook client's dependencies into programs that never
// display anything.
package notebook

import "sync/atomic"

// A Notebook shows a program's output in the notebook that runs it.
// Its methods may be called from any goroutine.
type Notebook interface {
	// UpdateHTML shows html in the output block id of the running cell:
	// the block is created by the first update and replaced by later ones.
	UpdateHTML(id, html string)
	// UniqueID returns an id that no other output block uses.
	UniqueID() string
}

// A Displayer is a Notebook that can also show a MIME bundle as an output
// of its own (display_data): data maps each MIME type to its content as
// text, JSON as JSON text. Libraries ask for it with a type assertion, so
// a notebook that cannot display stays a Notebook.
type Displayer interface {
	Notebook
	Display(data map[string]string)
}

// attached is a pointer to an interface so that nil can be stored.
var attached atomic.Pointer[Notebook]

// Attach makes nb the notebook the program runs in, or records that it
// runs in none when nb is nil, and returns the one it replaces: tests
// restore it when they end.
func Attach(nb Notebook) (previous Notebook) {
	var p *Notebook
	if nb != nil {
		p = &nb
	}
	if old := attached.Swap(p); old != nil {
		return *old
	}
	return nil
}

// Current returns the notebook the program runs in, or nil outside one.
func Current() Notebook {
	if p := attached.Load(); p != nil {
		return *p
	}
	return nil
}
