package jupyter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/gopar/gopar/internal/cell"
)

// hangGuard bounds every wait in these tests so a broken kernel fails the
// test instead of hanging it. It is not a performance expectation.
const hangGuard = 60 * time.Second

// fakeEngine records the cells it is asked to run and runs them with the
// test's function.
type fakeEngine struct {
	run     func(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result
	started chan string

	mu       sync.Mutex
	executed []string
	requests []cell.Request
	closed   atomic.Bool
}

func newFakeEngine(run func(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result) *fakeEngine {
	return &fakeEngine{run: run, started: make(chan string, 100)}
}

func (e *fakeEngine) Execute(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result {
	e.mu.Lock()
	e.executed = append(e.executed, req.Code)
	e.requests = append(e.requests, req)
	e.mu.Unlock()
	e.started <- req.Code
	if e.run == nil {
		return cell.Result{}
	}
	return e.run(ctx, req, sink)
}

func (e *fakeEngine) Executed() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.executed)
}

func (e *fakeEngine) Complete(code string, cursor int) cell.Completion {
	return cell.Completion{Matches: []string{code + "Println"}, CursorStart: 0, CursorEnd: cursor}
}

func (e *fakeEngine) Inspect(code string, cursor, detail int) cell.Inspection {
	return cell.Inspection{Found: true, Data: cell.MIMEBundle{"text/plain": fmt.Sprintf("%s@%d/%d", code, cursor, detail)}}
}

func (e *fakeEngine) IsComplete(code string) cell.Completeness {
	if code == "func f() {" {
		return cell.Completeness{Status: "incomplete", Indent: "\t"}
	}
	return cell.Completeness{Status: "complete"}
}

func (e *fakeEngine) Close() error {
	e.closed.Store(true)
	return nil
}

// client is a front end talking to the kernel over loopback ZMQ.
type client struct {
	t       *testing.T
	key     []byte
	session string

	shell, control, stdin, iopub, hb zmq4.Socket
	iopubMsgs                        chan *message
	stash                            []*message // iopub messages read but not yet asked for
}

type testKernel struct {
	k      *Kernel
	c      *client
	runErr chan error
	cancel context.CancelFunc
}

func startKernel(t *testing.T, engine cell.Engine, opts Options) *testKernel {
	t.Helper()
	conn := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: "test-key-" + newID(), SignatureScheme: "hmac-sha256"}
	k, err := NewKernel(conn, engine, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tk := &testKernel{k: k, runErr: make(chan error, 1), cancel: cancel}
	go func() { tk.runErr <- k.Run(ctx) }()

	info := k.Connection()
	c := &client{t: t, key: []byte(info.Key), session: newID(), iopubMsgs: make(chan *message, 10000)}
	id := zmq4.WithID(zmq4.SocketIdentity(c.session))
	c.shell = zmq4.NewDealer(context.Background(), id)
	c.control = zmq4.NewDealer(context.Background())
	c.stdin = zmq4.NewDealer(context.Background(), id)
	c.iopub = zmq4.NewSub(context.Background())
	c.hb = zmq4.NewReq(context.Background())
	for _, s := range []struct {
		sock zmq4.Socket
		port int
	}{{c.shell, info.ShellPort}, {c.control, info.ControlPort}, {c.stdin, info.StdinPort}, {c.iopub, info.IOPubPort}, {c.hb, info.HBPort}} {
		if err := s.sock.Dial(info.endpoint(s.port)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			raw, err := c.iopub.Recv()
			if err != nil {
				close(c.iopubMsgs)
				return
			}
			m, err := decodeMessage(raw.Frames, c.key)
			if err != nil {
				t.Errorf("kernel published a message that does not decode: %v", err)
				continue
			}
			c.iopubMsgs <- m
		}
	}()
	tk.c = c
	t.Cleanup(func() {
		cancel()
		select {
		case <-tk.runErr:
		case <-time.After(hangGuard):
			t.Error("Run did not return after its context ended")
		}
		for _, s := range []zmq4.Socket{c.shell, c.control, c.stdin, c.iopub, c.hb} {
			s.Close()
		}
	})
	c.waitForIOPub()
	return tk
}

// wait returns what Run returned, and leaves it for the cleanup.
func (tk *testKernel) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-tk.runErr:
		tk.runErr <- err
		return err
	case <-time.After(hangGuard):
		t.Fatal("Run did not return")
		return nil
	}
}

// waitForIOPub sends kernel_info until its busy/idle shows on iopub: a SUB
// socket only gets what is published after its subscription has arrived.
func (c *client) waitForIOPub() {
	deadline := time.Now().Add(hangGuard)
	for time.Now().Before(deadline) {
		id := c.send(c.shell, "kernel_info_request", map[string]any{})
		c.reply(c.shell, "kernel_info_reply")
		timer := time.NewTimer(200 * time.Millisecond)
	wait:
		for {
			select {
			case m := <-c.iopubMsgs:
				if parentID(m) == id && state(m) == "idle" {
					timer.Stop()
					c.stash = nil
					return
				}
			case <-timer.C:
				break wait
			}
		}
	}
	c.t.Fatal("iopub never delivered kernel_info's status")
}

func (c *client) frames(msgType string, parent json.RawMessage, content any, sign func(...[]byte) []byte) (string, [][]byte) {
	hdr := newHeader(c.session, msgType)
	h, _ := json.Marshal(hdr)
	b, err := json.Marshal(content)
	if err != nil {
		c.t.Fatal(err)
	}
	if parent == nil {
		parent = json.RawMessage("{}")
	}
	md := []byte("{}")
	return hdr.MsgID, [][]byte{delimiter, sign(h, parent, md, b), h, parent, md, b}
}

func (c *client) sign(parts ...[]byte) []byte { return sign(c.key, parts...) }

func (c *client) sendFrames(sock zmq4.Socket, frames [][]byte) {
	c.t.Helper()
	if err := sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) send(sock zmq4.Socket, msgType string, content any) string {
	c.t.Helper()
	id, frames := c.frames(msgType, nil, content, c.sign)
	c.sendFrames(sock, frames)
	return id
}

func (c *client) execute(code string, extra map[string]any) string {
	c.t.Helper()
	content := map[string]any{"code": code, "silent": false, "store_history": true, "allow_stdin": false, "stop_on_error": true, "user_expressions": map[string]any{}}
	for k, v := range extra {
		content[k] = v
	}
	return c.send(c.shell, "execute_request", content)
}

func guarded[T any](t *testing.T, what string, f func() (T, error)) T {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("%s: %v", what, r.err)
		}
		return r.v
	case <-time.After(hangGuard):
		t.Fatalf("%s: nothing arrived", what)
	}
	panic("unreachable")
}

// reply reads the next message on a request socket and checks its type.
func (c *client) reply(sock zmq4.Socket, wantType string) *message {
	c.t.Helper()
	m := guarded(c.t, "receive "+wantType, func() (*message, error) {
		raw, err := sock.Recv()
		if err != nil {
			return nil, err
		}
		return decodeMessage(raw.Frames, c.key)
	})
	if m.Header.MsgType != wantType {
		c.t.Fatalf("got %s, want %s (content %s)", m.Header.MsgType, wantType, m.Content)
	}
	if m.Header.Version != ProtocolVersion {
		c.t.Errorf("reply version %q", m.Header.Version)
	}
	return m
}

func parentID(m *message) string {
	var p struct {
		MsgID string `json:"msg_id"`
	}
	_ = json.Unmarshal(m.ParentHeader, &p)
	return p.MsgID
}

func state(m *message) string {
	if m.Header.MsgType != "status" {
		return ""
	}
	var s struct {
		State string `json:"execution_state"`
	}
	_ = json.Unmarshal(m.Content, &s)
	return s.State
}

func contentOf(t *testing.T, m *message) map[string]any {
	t.Helper()
	var c map[string]any
	if err := json.Unmarshal(m.Content, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// iopubFor returns the iopub messages whose parent is the request id, up
// to and including its idle status.
func (c *client) iopubFor(id string) []*message {
	c.t.Helper()
	var got []*message
	keep := c.stash[:0:0]
	for _, m := range c.stash {
		if parentID(m) == id {
			got = append(got, m)
		} else {
			keep = append(keep, m)
		}
	}
	c.stash = keep
	for len(got) == 0 || state(got[len(got)-1]) != "idle" {
		select {
		case m, ok := <-c.iopubMsgs:
			if !ok {
				c.t.Fatalf("iopub closed while waiting for idle of %s", id)
			}
			if parentID(m) == id {
				got = append(got, m)
			} else {
				c.stash = append(c.stash, m)
			}
		case <-time.After(hangGuard):
			c.t.Fatalf("no idle for %s; got %v", id, types(got))
		}
	}
	return got
}

func types(ms []*message) []string {
	var out []string
	for _, m := range ms {
		t := m.Header.MsgType
		if s := state(m); s != "" {
			t += ":" + s
		}
		out = append(out, t)
	}
	return out
}

func waitStarted(t *testing.T, e *fakeEngine, code string) {
	t.Helper()
	select {
	case got := <-e.started:
		if got != code {
			t.Fatalf("engine started %q, want %q", got, code)
		}
	case <-time.After(hangGuard):
		t.Fatalf("engine never started %q", code)
	}
}

func TestKernelInfoAndBusyIdle(t *testing.T) {
	tk := startKernel(t, newFakeEngine(nil), Options{Version: "1.2.3", LanguageVersion: "1.26.8"})
	c := tk.c
	for _, sock := range []zmq4.Socket{c.shell, c.control} {
		id := c.send(sock, "kernel_info_request", map[string]any{})
		r := c.reply(sock, "kernel_info_reply")
		if parentID(r) != id {
			t.Errorf("reply parent %q, want %q", parentID(r), id)
		}
		info := contentOf(t, r)
		li := info["language_info"].(map[string]any)
		if info["status"] != "ok" || info["protocol_version"] != ProtocolVersion || info["implementation"] != "gopar" ||
			info["implementation_version"] != "1.2.3" || li["name"] != "go" || li["version"] != "1.26.8" ||
			li["mimetype"] != "text/x-go" || li["file_extension"] != ".go" || li["pygments_lexer"] != "go" ||
			li["codemirror_mode"] != "go" || info["banner"] == "" || len(info["help_links"].([]any)) == 0 {
			t.Errorf("kernel_info_reply = %v", info)
		}
		if got := types(c.iopubFor(id)); !slices.Equal(got, []string{"status:busy", "status:idle"}) {
			t.Errorf("iopub for kernel_info = %v", got)
		}
	}
}

func TestHeartbeatEchoes(t *testing.T) {
	tk := startKernel(t, newFakeEngine(nil), Options{})
	c := tk.c
	for _, ping := range []string{"ping", "\x00binary\xff"} {
		if err := c.hb.Send(zmq4.NewMsgString(ping)); err != nil {
			t.Fatal(err)
		}
		got := guarded(t, "heartbeat", func() (zmq4.Msg, error) { return c.hb.Recv() })
		if string(got.Bytes()) != ping {
			t.Fatalf("heartbeat echoed %q, want %q", got.Bytes(), ping)
		}
	}
}

func TestExecuteMessagesAndHistory(t *testing.T) {
	e := newFakeEngine(func(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result {
		sink.Stream("stdout", "hello ")
		sink.Stream("stdout", fmt.Sprintf("cell %d\n", req.Count))
		sink.Display(cell.Display{Data: cell.MIMEBundle{"text/html": "<i>x</i>"}})
		return cell.Result{
			Value:   &cell.Display{Data: cell.MIMEBundle{"text/plain": "42"}},
			Payload: []map[string]any{{"source": "page", "data": map[string]any{"text/plain": "p"}, "start": 0}},
		}
	})
	tk := startKernel(t, e, Options{})
	c := tk.c

	id := c.execute("a := 42\na", nil)
	r := contentOf(t, c.reply(c.shell, "execute_reply"))
	if r["status"] != "ok" || r["execution_count"] != 1.0 || len(r["payload"].([]any)) != 1 {
		t.Errorf("execute_reply = %v", r)
	}
	if _, ok := r["user_expressions"].(map[string]any); !ok {
		t.Errorf("execute_reply has no user_expressions: %v", r)
	}
	msgs := c.iopubFor(id)
	want := []string{"status:busy", "execute_input", "stream", "display_data", "execute_result", "status:idle"}
	if got := types(msgs); !slices.Equal(got, want) {
		t.Fatalf("iopub = %v, want %v", got, want)
	}
	if in := contentOf(t, msgs[1]); in["code"] != "a := 42\na" || in["execution_count"] != 1.0 {
		t.Errorf("execute_input = %v", in)
	}
	if s := contentOf(t, msgs[2]); s["name"] != "stdout" || s["text"] != "hello cell 1\n" {
		t.Errorf("stream = %v (the two writes should be coalesced)", s)
	}
	if res := contentOf(t, msgs[4]); res["execution_count"] != 1.0 || res["data"].(map[string]any)["text/plain"] != "42" {
		t.Errorf("execute_result = %v", res)
	}

	// Not stored: the count does not move and history skips it.
	id = c.execute("b", map[string]any{"store_history": false})
	if r := contentOf(t, c.reply(c.shell, "execute_reply")); r["execution_count"] != 1.0 {
		t.Errorf("store_history false: execution_count %v, want 1", r["execution_count"])
	}
	c.iopubFor(id)

	// Silent: nothing but busy and idle.
	id = c.execute("c", map[string]any{"silent": true})
	c.reply(c.shell, "execute_reply")
	if got := types(c.iopubFor(id)); !slices.Equal(got, []string{"status:busy", "status:idle"}) {
		t.Errorf("silent execute published %v", got)
	}

	id = c.execute("d", nil)
	if r := contentOf(t, c.reply(c.shell, "execute_reply")); r["execution_count"] != 2.0 {
		t.Errorf("execution_count %v, want 2", r["execution_count"])
	}
	c.iopubFor(id)
	e.mu.Lock()
	reqs := slices.Clone(e.requests)
	e.mu.Unlock()
	counts := []int{}
	for _, req := range reqs {
		counts = append(counts, req.Count)
	}
	if !slices.Equal(counts, []int{1, 1, 1, 2}) {
		t.Errorf("engine requests = %+v", reqs)
	}

	c.send(c.shell, "history_request", map[string]any{"hist_access_type": "tail", "n": 10, "output": true, "raw": true})
	h := contentOf(t, c.reply(c.shell, "history_reply"))
	got, _ := json.Marshal(h["history"])
	if want := `[[1,1,["a := 42\na","42"]],[1,2,["d","42"]]]`; string(got) != want {
		t.Errorf("history = %s, want %s", got, want)
	}
	c.send(c.shell, "history_request", map[string]any{"hist_access_type": "search", "pattern": "a*", "output": false})
	h = contentOf(t, c.reply(c.shell, "history_reply"))
	got, _ = json.Marshal(h["history"])
	if want := `[[1,1,"a := 42\na"]]`; string(got) != want {
		t.Errorf("history search = %s, want %s", got, want)
	}
}

func TestExecuteErrorIsOneMessage(t *testing.T) {
	e := newFakeEngine(func(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result {
		sink.Stream("stderr", "partial output")
		return cell.Result{Err: &cell.Error{Name: "CompileError", Value: "undefined: foo", Traceback: []string{"cell[1] line 1: undefined: foo"}}}
	})
	tk := startKernel(t, e, Options{})
	c := tk.c
	id := c.execute("foo", nil)
	r := contentOf(t, c.reply(c.shell, "execute_reply"))
	if r["status"] != "error" || r["ename"] != "CompileError" || r["evalue"] != "undefined: foo" || len(r["traceback"].([]any)) != 1 {
		t.Errorf("execute_reply = %v", r)
	}
	msgs := c.iopubFor(id)
	if got := types(msgs); !slices.Equal(got, []string{"status:busy", "execute_input", "stream", "error", "status:idle"}) {
		t.Fatalf("iopub = %v", got)
	}
	if e := contentOf(t, msgs[3]); e["ename"] != "CompileError" {
		t.Errorf("error = %v", e)
	}
}

func TestBadlySignedMessagesAreDropped(t *testing.T) {
	e := newFakeEngine(nil)
	tk := startKernel(t, e, Options{})
	c := tk.c
	exec := func(code string) map[string]any {
		return map[string]any{"code": code, "silent": false, "store_history": true, "allow_stdin": false}
	}

	_, frames := c.frames("execute_request", nil, exec("wrong key"), func(p ...[]byte) []byte { return sign([]byte("not-the-key"), p...) })
	c.sendFrames(c.shell, frames)
	_, frames = c.frames("execute_request", nil, exec("unsigned"), func(...[]byte) []byte { return nil })
	c.sendFrames(c.shell, frames)
	_, frames = c.frames("execute_request", nil, exec("tampered"), c.sign)
	frames[5] = []byte(`{"code":"tampered!"}`)
	c.sendFrames(c.shell, frames)
	// Malformed ones must not stop the kernel either.
	c.sendFrames(c.shell, [][]byte{[]byte("no delimiter")})
	c.sendFrames(c.shell, [][]byte{delimiter, []byte("sig")})
	c.sendFrames(c.control, [][]byte{delimiter, c.sign([]byte("{"), []byte("{}"), []byte("{}"), []byte("{}")), []byte("{"), []byte("{}"), []byte("{}"), []byte("{}")})

	// Messages on one connection are handled in order, so once this one
	// has run, the ones before it have been dealt with.
	c.execute("good", nil)
	if r := contentOf(t, c.reply(c.shell, "execute_reply")); r["status"] != "ok" {
		t.Fatalf("execute_reply = %v", r)
	}
	if got := e.Executed(); !slices.Equal(got, []string{"good"}) {
		t.Fatalf("engine ran %q, want only the correctly signed cell", got)
	}
	// And control still answers.
	c.send(c.control, "kernel_info_request", map[string]any{})
	c.reply(c.control, "kernel_info_reply")
}

func TestUnknownAndCommMessages(t *testing.T) {
	tk := startKernel(t, newFakeEngine(nil), Options{})
	c := tk.c

	id := c.send(c.shell, "frobnicate_request", map[string]any{})
	if got := types(c.iopubFor(id)); !slices.Equal(got, []string{"status:busy", "status:idle"}) {
		t.Errorf("unknown request: iopub %v", got)
	}

	c.send(c.shell, "comm_info_request", map[string]any{})
	if r := contentOf(t, c.reply(c.shell, "comm_info_reply")); r["status"] != "ok" || len(r["comms"].(map[string]any)) != 0 {
		t.Errorf("comm_info_reply = %v", r)
	}

	id = c.send(c.shell, "comm_open", map[string]any{"comm_id": "c-1", "target_name": "jupyter.widget", "data": map[string]any{}})
	msgs := c.iopubFor(id)
	if got := types(msgs); !slices.Equal(got, []string{"status:busy", "comm_close", "status:idle"}) {
		t.Fatalf("comm_open: iopub %v", got)
	}
	if cc := contentOf(t, msgs[1]); cc["comm_id"] != "c-1" {
		t.Errorf("comm_close = %v", cc)
	}
	for _, mt := range []string{"comm_msg", "comm_close"} {
		id = c.send(c.shell, mt, map[string]any{"comm_id": "c-1", "data": map[string]any{}})
		if got := types(c.iopubFor(id)); !slices.Equal(got, []string{"status:busy", "status:idle"}) {
			t.Errorf("%s: iopub %v", mt, got)
		}
	}

	c.send(c.shell, "complete_request", map[string]any{"code": "fmt.", "cursor_pos": 4})
	if r := contentOf(t, c.reply(c.shell, "complete_reply")); r["status"] != "ok" || r["cursor_end"] != 4.0 || r["matches"].([]any)[0] != "fmt.Println" {
		t.Errorf("complete_reply = %v", r)
	}
	c.send(c.shell, "inspect_request", map[string]any{"code": "fmt", "cursor_pos": 2, "detail_level": 1})
	if r := contentOf(t, c.reply(c.shell, "inspect_reply")); r["found"] != true || r["data"].(map[string]any)["text/plain"] != "fmt@2/1" {
		t.Errorf("inspect_reply = %v", r)
	}
	c.send(c.shell, "is_complete_request", map[string]any{"code": "func f() {"})
	if r := contentOf(t, c.reply(c.shell, "is_complete_reply")); r["status"] != "incomplete" || r["indent"] != "\t" {
		t.Errorf("is_complete_reply = %v", r)
	}
	// Content of the wrong shape gets an error reply, not silence.
	c.send(c.shell, "complete_request", map[string]any{"code": 7})
	if r := contentOf(t, c.reply(c.shell, "complete_reply")); r["status"] != "error" {
		t.Errorf("bad complete_request: %v", r)
	}
}

// commEngine is a fakeEngine that owns the comm target "echo": it keeps
// the comms opened to it and sends every comm_msg's data back.
type commEngine struct {
	*fakeEngine
	mu   sync.Mutex
	open map[string]string
}

func (e *commEngine) Comms(target string) map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]string{}
	for id, t := range e.open {
		if target == "" || t == target {
			out[id] = t
		}
	}
	return out
}

func (e *commEngine) HandleComm(m cell.CommMessage, out cell.CommSender) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch m.Type {
	case cell.CommOpen:
		if m.Target != "echo" {
			return false
		}
		e.open[m.ID] = m.Target
	case cell.CommMsg:
		if _, ok := e.open[m.ID]; ok {
			out.SendComm(cell.CommMessage{Type: cell.CommMsg, ID: m.ID, Data: m.Data})
		}
	case cell.CommClose:
		delete(e.open, m.ID)
	}
	return true
}

func TestCommsReachTheEngine(t *testing.T) {
	eng := &commEngine{fakeEngine: newFakeEngine(nil), open: map[string]string{}}
	tk := startKernel(t, eng, Options{})
	c := tk.c

	// A target the engine does not know is closed at once.
	id := c.send(c.shell, "comm_open", map[string]any{"comm_id": "w-1", "target_name": "jupyter.widget", "data": map[string]any{}})
	if got := types(c.iopubFor(id)); !slices.Equal(got, []string{"status:busy", "comm_close", "status:idle"}) {
		t.Fatalf("comm_open of an unknown target: iopub %v", got)
	}
	id = c.send(c.shell, "comm_open", map[string]any{"comm_id": "e-1", "target_name": "echo", "data": map[string]any{}})
	if got := types(c.iopubFor(id)); !slices.Equal(got, []string{"status:busy", "status:idle"}) {
		t.Fatalf("comm_open of echo: iopub %v", got)
	}
	for _, tc := range []struct {
		target string
		want   int
	}{{"", 1}, {"echo", 1}, {"other", 0}} {
		c.send(c.shell, "comm_info_request", map[string]any{"target_name": tc.target})
		r := contentOf(t, c.reply(c.shell, "comm_info_reply"))
		comms := r["comms"].(map[string]any)
		if len(comms) != tc.want {
			t.Errorf("comm_info_request for %q: %v, want %d comms", tc.target, comms, tc.want)
		}
		if tc.want == 1 && comms["e-1"].(map[string]any)["target_name"] != "echo" {
			t.Errorf("comm_info_request for %q: %v", tc.target, comms)
		}
	}

	id = c.send(c.shell, "comm_msg", map[string]any{"comm_id": "e-1", "data": map[string]any{"address": "/x", "value": 7}})
	msgs := c.iopubFor(id)
	if got := types(msgs); !slices.Equal(got, []string{"status:busy", "comm_msg", "status:idle"}) {
		t.Fatalf("comm_msg: iopub %v", got)
	}
	if cc := contentOf(t, msgs[1]); cc["comm_id"] != "e-1" || cc["data"].(map[string]any)["value"] != 7.0 {
		t.Errorf("echoed comm_msg = %v", cc)
	}

	c.send(c.shell, "comm_close", map[string]any{"comm_id": "e-1", "data": map[string]any{}})
	c.send(c.shell, "comm_info_request", map[string]any{})
	if r := contentOf(t, c.reply(c.shell, "comm_info_reply")); len(r["comms"].(map[string]any)) != 0 {
		t.Errorf("comm_info_reply after comm_close = %v", r)
	}
}

func TestRequestsAnsweredWhileCellRuns(t *testing.T) {
	release := make(chan struct{})
	e := newFakeEngine(func(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result {
		<-release
		return cell.Result{}
	})
	tk := startKernel(t, e, Options{})
	c := tk.c

	c.execute("slow", nil)
	waitStarted(t, e, "slow")
	c.send(c.shell, "kernel_info_request", map[string]any{})
	c.reply(c.shell, "kernel_info_reply")
	c.send(c.shell, "complete_request", map[string]any{"code": "x", "cursor_pos": 1})
	c.reply(c.shell, "complete_reply")
	c.send(c.shell, "history_request", map[string]any{"hist_access_type": "tail", "n": 5})
	c.reply(c.shell, "history_reply")
	c.send(c.control, "kernel_info_request", map[string]any{})
	c.reply(c.control, "kernel_info_reply")
	close(release)
	if r := contentOf(t, c.reply(c.shell, "execute_reply")); r["status"] != "ok" {
		t.Errorf("execute_reply = %v", r)
	}
}

// interruptible runs until interrupted, except the cell "next".
func interruptible(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result {
	if req.Code == "next" {
		return cell.Result{}
	}
	<-ctx.Done()
	return cell.Result{Err: &cell.Error{Name: "Interrupted", Value: ctx.Err().Error()}}
}

func TestInterruptRequestCancelsCell(t *testing.T) {
	e := newFakeEngine(interruptible)
	tk := startKernel(t, e, Options{})
	c := tk.c

	id := c.execute("loop", nil)
	waitStarted(t, e, "loop")
	c.send(c.control, "interrupt_request", map[string]any{})
	c.reply(c.control, "interrupt_reply")
	if r := contentOf(t, c.reply(c.shell, "execute_reply")); r["status"] != "error" || r["ename"] != "Interrupted" {
		t.Errorf("execute_reply = %v", r)
	}
	if got := types(c.iopubFor(id)); !slices.Equal(got, []string{"status:busy", "execute_input", "error", "status:idle"}) {
		t.Errorf("iopub = %v", got)
	}
}

func TestInterruptMethodCancelsCell(t *testing.T) {
	e := newFakeEngine(interruptible)
	tk := startKernel(t, e, Options{})
	c := tk.c

	tk.k.Interrupt() // no cell running: nothing happens
	c.execute("loop", nil)
	waitStarted(t, e, "loop")
	tk.k.Interrupt()
	if r := contentOf(t, c.reply(c.shell, "execute_reply")); r["ename"] != "Interrupted" {
		t.Errorf("execute_reply = %v", r)
	}
	// The next cell gets a fresh context.
	c.execute("next", map[string]any{"stop_on_error": false})
	if r := contentOf(t, c.reply(c.shell, "execute_reply")); r["status"] != "ok" {
		t.Errorf("cell after interrupt: %v", r)
	}
}

func TestStopOnErrorAbortsQueuedExecutes(t *testing.T) {
	release := make(chan struct{})
	e := newFakeEngine(func(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result {
		if req.Code == "fail" || req.Code == "fail-soft" {
			<-release
			return cell.Result{Err: &cell.Error{Name: "Panic", Value: "boom"}}
		}
		return cell.Result{}
	})
	tk := startKernel(t, e, Options{})
	c := tk.c

	c.execute("fail", nil)
	waitStarted(t, e, "fail")
	queued := []string{c.execute("queued-1", nil), c.execute("queued-2", nil)}
	// Once this is answered the two executes above have been received.
	c.send(c.shell, "kernel_info_request", map[string]any{})
	c.reply(c.shell, "kernel_info_reply")
	release <- struct{}{}

	if r := contentOf(t, c.reply(c.shell, "execute_reply")); r["status"] != "error" {
		t.Fatalf("failing cell: %v", r)
	}
	for _, id := range queued {
		r := c.reply(c.shell, "execute_reply")
		if parentID(r) != id || contentOf(t, r)["status"] != "aborted" {
			t.Errorf("queued execute %s: %s", id, r.Content)
		}
		if got := types(c.iopubFor(id)); !slices.Equal(got, []string{"status:busy", "status:idle"}) {
			t.Errorf("aborted execute published %v", got)
		}
	}
	// Sent after the failure was reported: runs.
	c.execute("after", nil)
	if r := contentOf(t, c.reply(c.shell, "execute_reply")); r["status"] != "ok" {
		t.Errorf("execute after the failure: %v", r)
	}

	// Without stop_on_error, queued cells run.
	c.execute("fail-soft", map[string]any{"stop_on_error": false})
	waitStarted(t, e, "after")
	waitStarted(t, e, "fail-soft")
	c.execute("runs", nil)
	c.send(c.shell, "kernel_info_request", map[string]any{})
	c.reply(c.shell, "kernel_info_reply")
	release <- struct{}{}
	c.reply(c.shell, "execute_reply")
	if r := contentOf(t, c.reply(c.shell, "execute_reply")); r["status"] != "ok" {
		t.Errorf("queued execute after stop_on_error=false failure: %v", r)
	}
	if got := e.Executed(); !slices.Equal(got, []string{"fail", "after", "fail-soft", "runs"}) {
		t.Errorf("engine ran %q", got)
	}
}

func TestStdinRoundTrip(t *testing.T) {
	e := newFakeEngine(func(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result {
		v, err := sink.(cell.InputSink).Input(ctx, "name: ", false)
		if errors.Is(err, cell.ErrNoStdin) {
			v = "<no stdin>"
		} else if err != nil {
			v = "<" + err.Error() + ">"
		}
		sink.Stream("stdout", "hello "+v)
		return cell.Result{}
	})
	tk := startKernel(t, e, Options{})
	c := tk.c

	id := c.execute("ask", map[string]any{"allow_stdin": true})
	ir := c.reply(c.stdin, "input_request")
	if parentID(ir) != id {
		t.Errorf("input_request parent %q, want %q", parentID(ir), id)
	}
	if got := contentOf(t, ir); got["prompt"] != "name: " || got["password"] != false {
		t.Errorf("input_request = %v", got)
	}
	_, frames := c.frames("input_reply", ir.RawHeader, map[string]any{"value": "gopher"}, c.sign)
	c.sendFrames(c.stdin, frames)
	c.reply(c.shell, "execute_reply")
	msgs := c.iopubFor(id)
	if s := contentOf(t, msgs[2]); s["text"] != "hello gopher" {
		t.Errorf("stream after input = %v (%v)", s, types(msgs))
	}

	id = c.execute("ask", map[string]any{"allow_stdin": false})
	c.reply(c.shell, "execute_reply")
	if s := contentOf(t, c.iopubFor(id)[2]); s["text"] != "hello <no stdin>" {
		t.Errorf("allow_stdin false: %v", s)
	}

	// An interrupt ends the wait for input.
	id = c.execute("ask", map[string]any{"allow_stdin": true})
	c.reply(c.stdin, "input_request")
	tk.k.Interrupt()
	c.reply(c.shell, "execute_reply")
	if s := contentOf(t, c.iopubFor(id)[2]); s["text"] != "hello <context canceled>" {
		t.Errorf("interrupted input: %v", s)
	}
}

func TestShutdown(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprint("restart=", restart), func(t *testing.T) {
			e := newFakeEngine(nil)
			tk := startKernel(t, e, Options{})
			c := tk.c
			c.send(c.control, "shutdown_request", map[string]any{"restart": restart})
			r := contentOf(t, c.reply(c.control, "shutdown_reply"))
			if r["status"] != "ok" || r["restart"] != restart {
				t.Errorf("shutdown_reply = %v", r)
			}
			err := tk.wait(t)
			want := error(nil)
			if restart {
				want = ErrRestart
			}
			if !errors.Is(err, want) || (want == nil && err != nil) {
				t.Errorf("Run = %v, want %v", err, want)
			}
			if !e.closed.Load() {
				t.Error("engine not closed")
			}
		})
	}
}

func TestRunEndsWithContext(t *testing.T) {
	e := newFakeEngine(interruptible)
	tk := startKernel(t, e, Options{})
	tk.c.execute("forever", nil)
	waitStarted(t, e, "forever")
	tk.cancel()
	err := tk.wait(t)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if !e.closed.Load() {
		t.Error("engine not closed")
	}
}

func TestFloodingCellIsCapped(t *testing.T) {
	const total = 40 << 20
	chunk := strings.Repeat("0123456789abcdef", 256) // 4 KiB
	e := newFakeEngine(func(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result {
		for range total / len(chunk) {
			sink.Stream("stdout", chunk)
		}
		return cell.Result{}
	})
	const limit = 1 << 20
	tk := startKernel(t, e, Options{MaxStreamBytes: limit})
	c := tk.c
	id := c.execute("flood", nil)
	if r := contentOf(t, c.reply(c.shell, "execute_reply")); r["status"] != "ok" {
		t.Fatalf("execute_reply = %v", r)
	}
	var stdout int
	var notes []string
	for _, m := range c.iopubFor(id) {
		if m.Header.MsgType != "stream" {
			continue
		}
		s := contentOf(t, m)
		if s["name"] == "stdout" {
			stdout += len(s["text"].(string))
		} else {
			notes = append(notes, s["text"].(string))
		}
	}
	if stdout != limit {
		t.Errorf("%d bytes of stdout reached the front end, want the limit %d", stdout, limit)
	}
	// The cut output does not end a line, so the note starts one.
	want := fmt.Sprintf("\n[output truncated: %d more bytes]\n", total-limit)
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("notes = %q, want [%q]", notes, want)
	}
	// The kernel still answers.
	c.send(c.control, "kernel_info_request", map[string]any{})
	c.reply(c.control, "kernel_info_reply")
}
