// Package gonbpipe serves the kernel side of the display pipe protocol of
// github.com/janpfeifer/gonb/gonbui: two named pipes, one carrying
// gob-encoded protocol.DisplayData from the cell program to the kernel,
// the other carrying protocol.CommValue acknowledgements back. So display
// code written for GoNB (gonbui.DisplayHTML, UpdateHTML, Sync, ...) works
// in gopar cells unchanged. It is the one channel from a cell program to
// the kernel: the cell runtime sends its results and clears through it
// too (see package childproto).
package gonbpipe

import (
	"encoding/base64"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gopar/gopar/internal/childproto"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Handler receives what a cell program displays.
type Handler interface {
	// Display shows rich output. DisplayID is set for outputs that a
	// later message with the same id replaces.
	Display(data map[string]any, metadata map[string]any, displayID string)
	// Result sets the cell's execute_result (childproto.ResultKey).
	Result(data map[string]any)
	// ClearOutput clears the cell's output (childproto.MIMEClearOutput).
	ClearOutput(wait bool)
	// RequestInput asks the front end for a line of input to be written
	// to the program's stdin (gonbui.RequestInput).
	RequestInput(prompt string, password bool)
}

// A CommHandler is a Handler that also takes a program's comm traffic
// (package gonbui/comms, which gonbui/widgets uses): values it sends to
// the front end or asks for, and the addresses it listens to. For a
// Handler that is not one, that traffic is dropped.
type CommHandler interface {
	Handler
	// CommValue is a value the program sends to address or, with
	// request, asks for; the answer goes back through Pipes.Deliver.
	CommValue(address string, value any, request bool)
	// CommSubscribe starts, or with unsubscribe stops, the delivery of
	// what the front end sends to address.
	CommSubscribe(address string, unsubscribe bool)
}

// deliveryQueue bounds the values waiting for a program that is slow to
// read them; more are dropped, as the front end sends them again.
const deliveryQueue = 256

// Pipes is the pair of named pipes for one run of a cell program. Create
// it before starting the program, pass Env to the program, call Serve in a
// goroutine, and Close after the program has exited.
type Pipes struct {
	toKernel, toProgram string
	handler             Handler

	mu        sync.Mutex
	back      *os.File // opened once the program opens its reading end
	backEnc   *gob.Encoder
	backReady chan struct{}
	closed    bool
	// deliveries are values for the program, written in order by
	// one goroutine so Deliver never waits for the program.
	deliveries chan *protocol.CommValue

	served chan struct{}
	// beforeOpen, when set by tests, runs just before Serve opens the
	// pipe from the program, to widen a race window.
	beforeOpen func()
}

// NewPipes creates the two named pipes in dir.
func NewPipes(dir string, h Handler) (*Pipes, error) {
	p := &Pipes{
		toKernel:   filepath.Join(dir, "display.pipe"),
		toProgram:  filepath.Join(dir, "display-back.pipe"),
		handler:    h,
		backReady:  make(chan struct{}),
		served:     make(chan struct{}),
		deliveries: make(chan *protocol.CommValue, deliveryQueue),
	}
	for _, path := range []string{p.toKernel, p.toProgram} {
		os.Remove(path)
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			return nil, fmt.Errorf("create display pipe %s: %w", path, err)
		}
	}
	return p, nil
}

// Env returns the environment variables that tell gonbui where the pipes are.
func (p *Pipes) Env() []string {
	return []string{
		protocol.GONB_PIPE_ENV + "=" + p.toKernel,
		protocol.GONB_PIPE_BACK_ENV + "=" + p.toProgram,
	}
}

// Serve reads display messages until the program closes its end. It
// returns nil at a clean end of stream.
func (p *Pipes) Serve() error {
	defer close(p.served)
	go p.openBack()
	// Opening a named pipe for reading blocks until a writer opens it; a
	// program that never displays anything never does, and Close then
	// opens the writing end itself to release this.
	if p.beforeOpen != nil {
		p.beforeOpen()
	}
	r, err := os.OpenFile(p.toKernel, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("open display pipe: %w", err)
	}
	defer r.Close()
	dec := gob.NewDecoder(r)
	for {
		var msg protocol.DisplayData
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			return fmt.Errorf("decode display message: %w", err)
		}
		p.handle(&msg)
	}
}

func (p *Pipes) openBack() {
	w, err := os.OpenFile(p.toProgram, os.O_WRONLY, 0)
	if err != nil {
		return
	}
	p.mu.Lock()
	p.back = w
	p.backEnc = gob.NewEncoder(w)
	p.mu.Unlock()
	close(p.backReady)
	go p.writeDeliveries()
}

// Deliver queues a value from the front end for the program, which
// gonbui/comms hands to what listens to address. It reports false when
// the value was dropped: the pipes are closed or the program is far
// behind.
func (p *Pipes) Deliver(address string, value any) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	select {
	case p.deliveries <- &protocol.CommValue{Address: address, Value: value}:
		return true
	default:
		return false
	}
}

func (p *Pipes) writeDeliveries() {
	for cv := range p.deliveries {
		p.mu.Lock()
		if p.backEnc != nil {
			// A program that stopped reading fails the write once it
			// exits; what is still queued then goes nowhere.
			if err := p.backEnc.Encode(cv); err != nil {
				p.backEnc = nil
			}
		}
		p.mu.Unlock()
	}
}

func (p *Pipes) handle(msg *protocol.DisplayData) {
	if v, ok := msg.Data[protocol.MIMECommValue]; ok {
		cv, ok := asCommValue(v)
		switch {
		case !ok:
		case cv.Address == protocol.GonbuiSyncAddress:
			p.ack(cv.Value)
		default:
			if ch, ok := p.handler.(CommHandler); ok {
				ch.CommValue(cv.Address, cv.Value, cv.Request)
			}
		}
		return
	}
	if v, ok := msg.Data[protocol.MIMEJupyterInput]; ok {
		if req, ok := v.(*protocol.InputRequest); ok {
			p.handler.RequestInput(req.Prompt, req.Password)
		} else if req, ok := v.(protocol.InputRequest); ok {
			p.handler.RequestInput(req.Prompt, req.Password)
		}
		return
	}
	if v, ok := msg.Data[protocol.MIMECommSubscribe]; ok {
		sub, ok := asSubscription(v)
		if ch, isComm := p.handler.(CommHandler); ok && isComm {
			ch.CommSubscribe(sub.Address, sub.Unsubscribe)
		}
		return
	}
	if v, ok := msg.Data[childproto.MIMEClearOutput]; ok {
		wait, _ := v.(bool)
		p.handler.ClearOutput(wait)
		return
	}
	data := make(map[string]any, len(msg.Data))
	for mime, content := range msg.Data {
		switch c := content.(type) {
		case []byte:
			// Binary content travels base64-encoded in Jupyter messages.
			data[string(mime)] = base64.StdEncoding.EncodeToString(c)
		case string:
			data[string(mime)] = c
			// gob carries no arbitrary JSON values, so programs send JSON
			// as text; Jupyter and nbformat want the value itself.
			if isJSONType(string(mime)) && json.Valid([]byte(c)) {
				data[string(mime)] = json.RawMessage(c)
			}
		default:
			data[string(mime)] = c
		}
	}
	if _, ok := data["text/plain"]; !ok {
		data["text/plain"] = ""
	}
	if result, _ := msg.Metadata[childproto.ResultKey].(bool); result {
		p.handler.Result(data)
		return
	}
	p.handler.Display(data, msg.Metadata, msg.DisplayID)
}

// isJSONType reports whether a MIME type's content is JSON:
// application/json and the application/...+json types.
func isJSONType(mime string) bool {
	return mime == "application/json" || strings.HasPrefix(mime, "application/") && strings.HasSuffix(mime, "+json")
}

func asCommValue(v any) (*protocol.CommValue, bool) {
	switch cv := v.(type) {
	case *protocol.CommValue:
		return cv, true
	case protocol.CommValue:
		return &cv, true
	}
	return nil, false
}

func asSubscription(v any) (*protocol.CommSubscription, bool) {
	switch s := v.(type) {
	case *protocol.CommSubscription:
		return s, true
	case protocol.CommSubscription:
		return &s, true
	}
	return nil, false
}

// ack answers a gonbui.Sync: every message before it has been handled.
func (p *Pipes) ack(id any) {
	<-p.backReady
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.backEnc == nil {
		return
	}
	p.backEnc.Encode(&protocol.CommValue{Address: protocol.GonbuiSyncAckAddress, Value: id})
}

// Close releases the pipes after the program has exited: it unblocks any
// open still waiting for the program, waits for Serve to finish, and
// removes the pipe files.
func (p *Pipes) Close() error {
	// A non-blocking open of the other end releases a blocked open; it
	// fails harmlessly when nothing is waiting.
	if f, err := os.OpenFile(p.toProgram, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		<-p.backReady
		f.Close()
	}
	// Serve may not have reached its open yet (a program that ends at
	// once): a writer opened before it does releases nothing, so keep
	// releasing until Serve has returned.
	for {
		if f, err := os.OpenFile(p.toKernel, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		select {
		case <-p.served:
		case <-time.After(10 * time.Millisecond):
			continue
		}
		break
	}
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.deliveries)
	}
	if p.back != nil {
		p.back.Close()
		p.back = nil
		p.backEnc = nil
	}
	p.mu.Unlock()
	p.Discard()
	return nil
}

// Discard removes the pipe files. On its own it is for pipes whose program
// never started, so that Serve was never called; otherwise use Close.
func (p *Pipes) Discard() {
	os.Remove(p.toKernel)
	os.Remove(p.toProgram)
}
