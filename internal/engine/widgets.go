package engine

import (
	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/gonbcomm"
)

// The engine owns the comm target of GoNB's widgets; see package gonbcomm.
var _ cell.CommHandler = (*Engine)(nil)

// Comms implements cell.CommHandler.
func (e *Engine) Comms(target string) map[string]string { return e.comms.Comms(target) }

// HandleComm implements cell.CommHandler.
func (e *Engine) HandleComm(m cell.CommMessage, out cell.CommSender) bool {
	return e.comms.HandleComm(m, out)
}

// magicWidgets connects the notebook page, as GoNB's %widgets does; a
// program that uses widgets does so by itself. Without a page (jupyter
// console, nbclient) it says so and the cell goes on.
func (e *Engine) magicWidgets(c magicCall) *cell.Error {
	if c.arg != "" {
		return c.fail("usage: %widgets")
	}
	if err := e.comms.Connect(c.ctx, c.sink.Display, gonbcomm.OpenTimeout); err != nil && c.ctx.Err() == nil {
		c.sink.Stream("stderr", "widgets: "+err.Error()+"\n")
	}
	return nil
}

// magicWidgetsHeartbeat asks the connected page whether it is there.
func (e *Engine) magicWidgetsHeartbeat(c magicCall) *cell.Error {
	if e.comms.Ping(c.ctx, gonbcomm.PingTimeout) {
		c.sink.Stream("stdout", "widgets: the page answered\n")
	} else {
		c.sink.Stream("stdout", "widgets: no page answered (%widgets connects one)\n")
	}
	return nil
}

// CommValue implements gonbpipe.CommHandler.
func (r *runner) CommValue(address string, value any, request bool) {
	r.comm.Value(address, value, request)
}

// CommSubscribe implements gonbpipe.CommHandler.
func (r *runner) CommSubscribe(address string, unsubscribe bool) {
	r.comm.Subscribe(address, unsubscribe)
}
