package jupyter

import (
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/gopar/gopar/internal/cell"
)

// handle answers one request other than execute_request, between busy and
// idle on iopub. It reports whether the kernel must stop (shutdown) and
// whether a restart was asked for.
func (k *Kernel) handle(z *zsocket, m *message) (stop, restart bool) {
	k.publishStatus("busy", m.RawHeader)
	defer k.publishStatus("idle", m.RawHeader)
	defer func() {
		// A panic in the engine must not take the kernel, and the state of
		// every other cell, down with it.
		if r := recover(); r != nil {
			k.log.Error("panic handling request", "msg_type", m.Header.MsgType, "panic", r, "stack", string(debug.Stack()))
		}
	}()

	switch t := m.Header.MsgType; t {
	case "kernel_info_request":
		k.reply(z, m, "kernel_info_reply", k.kernelInfo())
	case "complete_request":
		k.handleComplete(z, m)
	case "inspect_request":
		k.handleInspect(z, m)
	case "is_complete_request":
		k.handleIsComplete(z, m)
	case "history_request":
		k.handleHistory(z, m)
	case "comm_info_request":
		k.handleCommInfo(z, m)
	case cell.CommOpen, cell.CommMsg, cell.CommClose:
		k.handleComm(m)
	case "interrupt_request":
		k.Interrupt()
		k.reply(z, m, "interrupt_reply", map[string]any{"status": "ok"})
	case "shutdown_request":
		var c struct {
			Restart bool `json:"restart"`
		}
		if err := json.Unmarshal(m.Content, &c); err != nil {
			k.log.Warn("bad shutdown_request content; shutting down without restart", "err", err)
		}
		content := map[string]any{"status": "ok", "restart": c.Restart}
		k.reply(z, m, "shutdown_reply", content)
		k.publish("shutdown_reply", m.RawHeader, content)
		return true, c.Restart
	default:
		k.log.Warn("ignoring unknown message type", "socket", z.name, "msg_type", t)
	}
	return false, false
}

func (k *Kernel) kernelInfo() map[string]any {
	return map[string]any{
		"status":                 "ok",
		"protocol_version":       ProtocolVersion,
		"implementation":         "gopar",
		"implementation_version": k.opts.Version,
		"language_info": map[string]any{
			"name":            "go",
			"version":         k.opts.LanguageVersion,
			"mimetype":        "text/x-go",
			"file_extension":  ".go",
			"pygments_lexer":  "go",
			"codemirror_mode": "go",
		},
		"banner": k.opts.Banner,
		"help_links": []map[string]string{
			{"text": "Go documentation", "url": "https://go.dev/doc/"},
			{"text": "Go standard library", "url": "https://pkg.go.dev/std"},
			{"text": "gopar parallel package", "url": "https://pkg.go.dev/github.com/gopar/gopar/parallel"},
		},
		"debugger": false,
	}
}

// badRequest answers a request whose content could not be decoded.
func (k *Kernel) badRequest(z *zsocket, m *message, replyType string, err error) {
	k.log.Warn("bad request content", "msg_type", m.Header.MsgType, "err", err)
	k.reply(z, m, replyType, map[string]any{
		"status":    "error",
		"ename":     "BadRequest",
		"evalue":    fmt.Sprintf("%s content: %v", m.Header.MsgType, err),
		"traceback": []string{},
	})
}

func (k *Kernel) handleComplete(z *zsocket, m *message) {
	var c struct {
		Code      string `json:"code"`
		CursorPos int    `json:"cursor_pos"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil {
		k.badRequest(z, m, "complete_reply", err)
		return
	}
	res := k.engine.Complete(c.Code, c.CursorPos)
	matches := res.Matches
	if matches == nil {
		matches = []string{}
	}
	md := res.Metadata
	if md == nil {
		md = map[string]any{}
	}
	k.reply(z, m, "complete_reply", map[string]any{
		"status":       "ok",
		"matches":      matches,
		"cursor_start": res.CursorStart,
		"cursor_end":   res.CursorEnd,
		"metadata":     md,
	})
}

func (k *Kernel) handleInspect(z *zsocket, m *message) {
	var c struct {
		Code        string `json:"code"`
		CursorPos   int    `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil {
		k.badRequest(z, m, "inspect_reply", err)
		return
	}
	res := k.engine.Inspect(c.Code, c.CursorPos, c.DetailLevel)
	data := map[string]any(res.Data)
	if data == nil {
		data = map[string]any{}
	}
	k.reply(z, m, "inspect_reply", map[string]any{
		"status":   "ok",
		"found":    res.Found,
		"data":     data,
		"metadata": map[string]any{},
	})
}

func (k *Kernel) handleIsComplete(z *zsocket, m *message) {
	var c struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil {
		k.badRequest(z, m, "is_complete_reply", err)
		return
	}
	res := k.engine.IsComplete(c.Code)
	content := map[string]any{"status": res.Status}
	switch res.Status {
	case "complete", "invalid":
	case "incomplete":
		content["indent"] = res.Indent
	default:
		content["status"] = "unknown"
	}
	k.reply(z, m, "is_complete_reply", content)
}

func (k *Kernel) handleHistory(z *zsocket, m *message) {
	var c struct {
		Output         bool   `json:"output"`
		HistAccessType string `json:"hist_access_type"`
		Session        int    `json:"session"`
		Start          int    `json:"start"`
		Stop           *int   `json:"stop"`
		N              *int   `json:"n"`
		Pattern        string `json:"pattern"`
		Unique         bool   `json:"unique"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil {
		k.badRequest(z, m, "history_reply", err)
		return
	}
	var hist [][]any
	switch c.HistAccessType {
	case "tail":
		n := 10
		if c.N != nil {
			n = *c.N
		}
		hist = k.hist.tail(n, c.Output)
	case "range":
		stop := 0
		if c.Stop != nil {
			stop = *c.Stop
		}
		hist = k.hist.lines(c.Session, c.Start, stop, c.Output)
	case "search":
		n := 0
		if c.N != nil {
			n = *c.N
		}
		pattern := c.Pattern
		if pattern == "" {
			pattern = "*"
		}
		hist = k.hist.search(pattern, c.Unique, n, c.Output)
	default:
		k.badRequest(z, m, "history_reply", fmt.Errorf("hist_access_type %q is not tail, range or search", c.HistAccessType))
		return
	}
	k.reply(z, m, "history_reply", map[string]any{"status": "ok", "history": hist})
}

func (k *Kernel) handleCommInfo(z *zsocket, m *message) {
	var c struct {
		TargetName string `json:"target_name"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil {
		k.badRequest(z, m, "comm_info_reply", err)
		return
	}
	comms := map[string]any{}
	if h, ok := k.engine.(cell.CommHandler); ok {
		for id, target := range h.Comms(c.TargetName) {
			comms[id] = map[string]string{"target_name": target}
		}
	}
	k.reply(z, m, "comm_info_reply", map[string]any{"status": "ok", "comms": comms})
}

// handleComm hands a comm message from the front end to the engine. A
// comm_open that no target takes is closed right away, as ipykernel
// does, so the front end does not wait on it.
func (k *Kernel) handleComm(m *message) {
	var c struct {
		CommID     string         `json:"comm_id"`
		TargetName string         `json:"target_name"`
		Data       map[string]any `json:"data"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil || c.CommID == "" {
		k.log.Warn("bad comm message", "msg_type", m.Header.MsgType, "err", err)
		return
	}
	msg := cell.CommMessage{Type: m.Header.MsgType, ID: c.CommID, Target: c.TargetName, Data: c.Data}
	out := commSender{k: k, parent: m.RawHeader}
	if h, ok := k.engine.(cell.CommHandler); ok {
		if h.HandleComm(msg, out) || msg.Type != cell.CommOpen {
			return
		}
	}
	if msg.Type == cell.CommOpen {
		out.SendComm(cell.CommMessage{Type: cell.CommClose, ID: c.CommID})
	}
}

// commSender publishes comm messages on iopub, as children of the
// message that opened the conversation.
type commSender struct {
	k      *Kernel
	parent json.RawMessage
}

func (s commSender) SendComm(m cell.CommMessage) {
	data := m.Data
	if data == nil {
		data = map[string]any{}
	}
	content := map[string]any{"comm_id": m.ID, "data": data}
	if m.Type == cell.CommOpen {
		content["target_name"] = m.Target
	}
	s.k.publish(m.Type, s.parent, content)
}
