// Package gonbcomm is the kernel's end of the channel between a cell's
// program and code in the notebook page, as GoNB's gonbui/comms and
// gonbui/widgets use it. The page's end is a script (comm.js) that the
// kernel shows in a cell's output: it connects to the kernel through the
// Jupyter server and opens one comm with target "gonb_comm". Values
// travel to and from addresses ("/slider/ID"); the kernel passes them
// between the page and the running program's display pipe, and keeps the
// last value of every address, so that a later cell's program can read a
// widget that an earlier cell showed (comms.ReadValue).
package gonbcomm

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/gopar/gopar/internal/cell"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Target is the comm target the page's script opens.
const Target = "gonb_comm"

// Addresses of the protocol itself, as GoNB names them.
const (
	openAckAddress = "#comm_open_ack"
	pingAddress    = "#heartbeat/ping"
	pongAddress    = "#heartbeat/pong"
)

// Waits. OpenTimeout is how long a cell waits for the page to connect:
// long enough for a loaded page, short enough for a cell run without one
// (jupyter console, nbclient). A connection silent for longer than
// quietBeforePing is asked whether it is still there.
const (
	OpenTimeout     = 3 * time.Second
	PingTimeout     = 500 * time.Millisecond
	quietBeforePing = time.Second
)

//go:embed comm.js
var commJS string

// ErrNoPage is the error of a connection no page answered.
var ErrNoPage = fmt.Errorf("no notebook page connected within %v: widgets need Jupyter Notebook or JupyterLab in a browser", OpenTimeout)

// ErrNoKernelID means the kernel does not know the id Jupyter gave it,
// which the page needs to reach it.
var ErrNoKernelID = errors.New("the kernel does not know its Jupyter id (its connection file is not named kernel-ID.json)")

// Hub is the kernel's end of the channel. It lives as long as the kernel;
// a Run ties it to one program.
type Hub struct {
	kernelID    string
	openTimeout time.Duration // how long a program waits for the page

	mu     sync.Mutex
	commID string // "" when no page is connected
	out    cell.CommSender
	heard  time.Time     // when the page last spoke
	opened chan struct{} // closed when a page connects; nil when none is awaited
	pong   chan struct{} // closed when a pong arrives; nil when none is awaited
	values map[string]any
	run    *Run
}

// New returns a hub for the kernel Jupyter knows by kernelID.
func New(kernelID string) *Hub {
	if strings.Trim(kernelID, "0123456789abcdef-") != "" {
		kernelID = "" // not an id Jupyter makes; never put in the page
	}
	return &Hub{kernelID: kernelID, openTimeout: OpenTimeout, values: map[string]any{}}
}

// Comms lists the page's comm, if one is open; see cell.CommHandler.
func (h *Hub) Comms(target string) map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]string{}
	if h.commID != "" && (target == "" || target == Target) {
		out[h.commID] = Target
	}
	return out
}

// HandleComm takes a comm message from the page; see cell.CommHandler.
func (h *Hub) HandleComm(m cell.CommMessage, out cell.CommSender) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch m.Type {
	case cell.CommOpen:
		if m.Target != Target {
			return false
		}
		// A new page, or the same one reloaded, replaces the old comm.
		h.commID, h.out, h.heard = m.ID, out, time.Now()
		if h.opened != nil {
			close(h.opened)
			h.opened = nil
		}
		h.sendLocked(map[string]any{"address": openAckAddress, "value": true})
	case cell.CommMsg:
		if m.ID != h.commID {
			return true
		}
		h.heard = time.Now()
		address, _ := m.Data["address"].(string)
		switch address {
		case "":
		case pingAddress:
			h.sendLocked(map[string]any{"address": pongAddress, "value": true})
		case pongAddress:
			if h.pong != nil {
				close(h.pong)
				h.pong = nil
			}
		default:
			raw, ok := m.Data["value"]
			if !ok {
				return true
			}
			v, ok := programValue(raw)
			if !ok {
				return true
			}
			h.values[address] = v
			if r := h.run; r != nil && r.subs[address] {
				r.deliver(address, v)
			}
		}
	case cell.CommClose:
		if m.ID == h.commID {
			h.commID, h.out = "", nil
		}
	}
	return true
}

// sendLocked sends data to the page on its comm. h.mu is held.
func (h *Hub) sendLocked(data map[string]any) {
	if h.commID == "" {
		return
	}
	h.out.SendComm(cell.CommMessage{Type: cell.CommMsg, ID: h.commID, Data: data})
}

// Last returns the last value the page or a program gave address.
func (h *Hub) Last(address string) (any, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.values[address]
	return v, ok
}

// Connect makes sure a page is connected: unless one spoke lately or
// answers a ping, it shows the page's script in the cell's output, where
// the page runs it, and waits up to timeout for it to connect. The script
// leaves the output once it has run, so a saved notebook does not keep it.
func (h *Hub) Connect(ctx context.Context, show func(cell.Display), timeout time.Duration) error {
	h.mu.Lock()
	connected, quiet := h.commID != "", time.Since(h.heard)
	h.mu.Unlock()
	if connected && (quiet < quietBeforePing || h.Ping(ctx, PingTimeout)) {
		return nil
	}
	if h.kernelID == "" {
		return ErrNoKernelID
	}
	h.mu.Lock()
	if h.commID != "" {
		h.commID, h.out = "", nil // it did not answer: a page that went away
	}
	if h.opened == nil {
		h.opened = make(chan struct{})
	}
	opened := h.opened
	h.mu.Unlock()

	id := "gopar_comm_" + randomID()
	show(cell.Display{Data: cell.MIMEBundle{"text/html": Script(h.kernelID), "text/plain": ""}, DisplayID: id})
	defer show(cell.Display{Data: cell.MIMEBundle{"text/html": "", "text/plain": ""}, DisplayID: id, Update: true})
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-opened:
		return nil
	case <-t.C:
		return ErrNoPage
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Script is the page's end of the channel, as HTML for a cell's output.
func Script(kernelID string) string {
	id, _ := json.Marshal(kernelID)
	return "<script>\n" + strings.Replace(commJS, "__KERNEL_ID__", string(id), 1) + "</script>\n"
}

// Ping asks the page whether it is still there and reports whether it
// answered within timeout.
func (h *Hub) Ping(ctx context.Context, timeout time.Duration) bool {
	h.mu.Lock()
	if h.commID == "" {
		h.mu.Unlock()
		return false
	}
	if h.pong == nil {
		h.pong = make(chan struct{})
	}
	pong := h.pong
	h.sendLocked(map[string]any{"address": pingAddress, "value": true})
	h.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-pong:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// A Run ties the hub to one running program: it takes the program's
// comm traffic and delivers the page's values to the addresses the
// program listens to.
type Run struct {
	hub     *Hub
	ctx     context.Context
	sink    cell.Sink
	deliver func(address string, value any) bool

	// Guarded by hub.mu.
	subs map[string]bool

	connectOnce sync.Once
	connectErr  error
}

// Start ties the hub to a program that runs until End: its output goes to
// sink, values for it to deliver.
func (h *Hub) Start(ctx context.Context, sink cell.Sink, deliver func(address string, value any) bool) *Run {
	r := &Run{hub: h, ctx: ctx, sink: sink, deliver: deliver, subs: map[string]bool{}}
	h.mu.Lock()
	h.run = r
	h.mu.Unlock()
	return r
}

// End unties the program; values from the page are only kept from now on.
func (r *Run) End() {
	r.hub.mu.Lock()
	if r.hub.run == r {
		r.hub.run = nil
	}
	r.hub.mu.Unlock()
}

// connect connects the page once per run: a program that uses comms where
// there is no page waits once, with a note saying why widgets are dead.
// A page that connects later (a loaded machine) is still used: sending
// goes to whatever comm is open (sendLocked), and none is no error.
func (r *Run) connect() error {
	r.connectOnce.Do(func() {
		r.connectErr = r.hub.Connect(r.ctx, r.sink.Display, r.hub.openTimeout)
		if r.connectErr != nil && r.ctx.Err() == nil {
			r.sink.Stream("stderr", fmt.Sprintf("widgets: %v\n", r.connectErr))
		}
	})
	return r.connectErr
}

// Value takes a value the program sends to address or, with request,
// asks for. A value the hub knows answers a request at once; otherwise
// the page is asked for it.
func (r *Run) Value(address string, value any, request bool) {
	h := r.hub
	switch {
	case address == protocol.GonbuiStartAddress:
		r.connect()
	case request:
		if v, ok := h.Last(address); ok {
			r.deliver(address, v)
			return
		}
		r.connect()
		h.mu.Lock()
		h.sendLocked(map[string]any{"address": address, "read_request": true})
		h.mu.Unlock()
	default:
		h.mu.Lock()
		h.values[address] = value
		h.mu.Unlock()
		r.connect()
		h.mu.Lock()
		h.sendLocked(map[string]any{"address": address, "value": value})
		h.mu.Unlock()
	}
}

// Subscribe starts, or with unsubscribe stops, delivering the page's
// values for address to the program. A subscription connects the page,
// since the widget that follows needs it.
func (r *Run) Subscribe(address string, unsubscribe bool) {
	r.hub.mu.Lock()
	if unsubscribe {
		delete(r.subs, address)
	} else {
		r.subs[address] = true
	}
	r.hub.mu.Unlock()
	if !unsubscribe {
		r.connect()
	}
}

// programValue turns a value decoded from the page's JSON into one the
// program's gob decoder and gonbui/comms accept: the basic types and
// gonbui's slices and maps of them (protocol.CommValueTypes). Numbers
// stay float64 unless a whole slice or map of them is integral;
// comms.ConvertTo rounds a float64 to the int a widget wants.
func programValue(v any) (any, bool) {
	switch v := v.(type) {
	case nil, string, float64, bool:
		return v, true
	case []any:
		if s, ok := collect[string](v); ok {
			return s, true
		}
		if f, ok := collect[float64](v); ok {
			if ints, ok := integral(f); ok {
				return ints, true
			}
			return f, true
		}
	case map[string]any:
		if s, ok := collectMap[string](v); ok {
			return s, true
		}
		if f, ok := collectMap[float64](v); ok {
			ints := make(map[string]int, len(f))
			for k, x := range f {
				if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
					return f, true
				}
				ints[k] = int(x)
			}
			return ints, true
		}
	}
	return nil, false
}

func collect[T any](v []any) ([]T, bool) {
	out := make([]T, len(v))
	for i, x := range v {
		t, ok := x.(T)
		if !ok {
			return nil, false
		}
		out[i] = t
	}
	return out, true
}

func collectMap[T any](v map[string]any) (map[string]T, bool) {
	out := make(map[string]T, len(v))
	for k, x := range v {
		t, ok := x.(T)
		if !ok {
			return nil, false
		}
		out[k] = t
	}
	return out, true
}

func integral(f []float64) ([]int, bool) {
	out := make([]int, len(f))
	for i, x := range f {
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return nil, false
		}
		out[i] = int(x)
	}
	return out, true
}

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
