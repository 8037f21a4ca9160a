// Package jupyter is the Jupyter side of the gopar kernel: it reads the
// connection file, serves the five ZMQ sockets (shell, control, stdin,
// iopub, heartbeat) with a pure Go ZMQ implementation, signs and verifies
// every message, and turns requests into calls on a cell.Engine.
//
// Shell and control are served by separate goroutines and execute
// requests run one at a time on a worker of their own, so kernel_info,
// completion, history, interrupt and shutdown are answered while a cell
// runs.
package jupyter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/gopar/gopar/internal/cell"
)

// ErrRestart is what Run returns when the front end asked for a shutdown
// with restart. The kernel process exits either way; Jupyter starts the
// new one.
var ErrRestart = errors.New("kernel restart requested")

// Options tune a Kernel. The zero value is usable.
type Options struct {
	// Logger receives the kernel's diagnostics; nil discards them.
	Logger *slog.Logger
	// Version is the implementation_version in kernel_info_reply.
	Version string
	// LanguageVersion is language_info.version in kernel_info_reply, the
	// version of the Go toolchain that builds cells. Default: the version
	// of the runtime the kernel was built with.
	LanguageVersion string
	// Banner is the banner in kernel_info_reply. Default: a line naming
	// the kernel and its versions.
	Banner string
	// StreamFlushInterval is how long stream output may wait to be
	// coalesced with more output. Default DefaultStreamFlushInterval.
	StreamFlushInterval time.Duration
	// StreamFlushBytes is how much stream output is sent at once at most
	// before it is flushed. Default DefaultStreamFlushBytes.
	StreamFlushBytes int
	// MaxStreamBytes caps the stream output of one cell; what is over it
	// is dropped and counted in a note. Default DefaultMaxStreamBytes.
	MaxStreamBytes int64
	// ShutdownLinger is how long the sockets stay open after
	// shutdown_reply, so that queued iopub messages reach the front end.
	// Default 200ms.
	ShutdownLinger time.Duration
	// ShutdownGrace bounds how long Run waits for a running cell to end
	// after it has been cancelled and the engine closed. Default 5s.
	ShutdownGrace time.Duration
}

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.LanguageVersion == "" {
		o.LanguageVersion = strings.TrimPrefix(runtime.Version(), "go")
	}
	if o.Banner == "" {
		o.Banner = fmt.Sprintf("gopar %s: Go %s kernel with parallel maps and MapReduce", o.Version, o.LanguageVersion)
	}
	if o.StreamFlushInterval <= 0 {
		o.StreamFlushInterval = DefaultStreamFlushInterval
	}
	if o.StreamFlushBytes <= 0 {
		o.StreamFlushBytes = DefaultStreamFlushBytes
	}
	if o.MaxStreamBytes <= 0 {
		o.MaxStreamBytes = DefaultMaxStreamBytes
	}
	if o.ShutdownLinger <= 0 {
		o.ShutdownLinger = 200 * time.Millisecond
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = 5 * time.Second
	}
}

// Kernel serves one Jupyter connection for a cell.Engine.
type Kernel struct {
	conn    ConnectionInfo
	key     []byte
	engine  cell.Engine
	log     *slog.Logger
	opts    Options
	session string

	shell, control, stdin, iopub, hb *zsocket

	queue    jobQueue
	received atomic.Int64 // sequence number of the last request received

	// Owned by the execute worker.
	count        int   // last execution_count
	abortThrough int64 // executes received up to this sequence number are aborted

	hist history

	runMu     sync.Mutex
	cancelRun context.CancelFunc // cancels the running cell; nil when none

	inputMu      sync.Mutex
	pendingInput *inputWait

	stop     chan struct{} // closed when a shutdown_request was handled
	stopOnce sync.Once
	restart  atomic.Bool
}

// zsocket is a ZMQ socket that is safe to send on from several goroutines.
type zsocket struct {
	name string
	sock zmq4.Socket
	mu   sync.Mutex
}

func (z *zsocket) send(frames [][]byte) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	if err := z.sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		return fmt.Errorf("send on %s: %w", z.name, err)
	}
	return nil
}

// NewKernel binds the five sockets described by conn. Serve them with Run.
// A tcp port of 0 in conn is replaced by a free port; Connection reports
// the ports in use.
func NewKernel(conn ConnectionInfo, engine cell.Engine, opts Options) (*Kernel, error) {
	if engine == nil {
		return nil, errors.New("new kernel: nil engine")
	}
	opts.setDefaults()
	k := &Kernel{
		conn:    conn,
		key:     []byte(conn.Key),
		engine:  engine,
		log:     opts.Logger,
		opts:    opts,
		session: newID(),
		stop:    make(chan struct{}),
	}
	k.queue.ready = make(chan struct{}, 1)
	ctx := context.Background() // the sockets live until Run closes them
	zlog := zmq4.WithLogger(slog.NewLogLogger(k.log.Handler(), slog.LevelWarn))
	specs := []struct {
		z    **zsocket
		name string
		port *int
		make func(context.Context, ...zmq4.Option) zmq4.Socket
	}{
		{&k.shell, "shell", &k.conn.ShellPort, zmq4.NewRouter},
		{&k.control, "control", &k.conn.ControlPort, zmq4.NewRouter},
		{&k.stdin, "stdin", &k.conn.StdinPort, zmq4.NewRouter},
		{&k.iopub, "iopub", &k.conn.IOPubPort, zmq4.NewPub},
		{&k.hb, "heartbeat", &k.conn.HBPort, zmq4.NewRep},
	}
	for _, s := range specs {
		sock := s.make(ctx, zlog)
		ep := k.conn.endpoint(*s.port)
		if err := sock.Listen(ep); err != nil {
			sock.Close()
			k.closeSockets()
			return nil, fmt.Errorf("new kernel: %s socket: %w", s.name, err)
		}
		if addr, ok := sock.Addr().(*net.TCPAddr); ok && *s.port == 0 {
			*s.port = addr.Port
		}
		*s.z = &zsocket{name: s.name, sock: sock}
	}
	return k, nil
}

// Connection returns the connection info the kernel serves, with the ports
// actually bound.
func (k *Kernel) Connection() ConnectionInfo { return k.conn }

func (k *Kernel) closeSockets() {
	for _, z := range []*zsocket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		if z != nil {
			if err := z.sock.Close(); err != nil {
				k.log.Debug("close socket", "socket", z.name, "err", err)
			}
		}
	}
}

// Run serves the sockets until a shutdown_request has been answered or
// ctx ends, then stops any running cell, closes the engine and the
// sockets. It returns nil after a shutdown_request without restart,
// ErrRestart after one with restart, and ctx.Err() when ctx ended first.
func (k *Kernel) Run(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	k.publish("status", nil, map[string]any{"execution_state": "starting"})

	var readers sync.WaitGroup
	for _, f := range []func(){
		k.serveHeartbeat,
		func() { k.serveRequests(k.shell) },
		func() { k.serveRequests(k.control) },
		k.serveStdin,
	} {
		readers.Go(f)
	}
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		k.runWorker(runCtx)
	}()

	var err error
	select {
	case <-ctx.Done():
		err = ctx.Err()
	case <-k.stop:
		if k.restart.Load() {
			err = ErrRestart
		}
	}

	// Stop the running cell and anything queued, then the engine.
	k.queue.close()
	cancel()
	k.Interrupt()
	if !k.waitFor(workerDone) {
		k.log.Warn("cell still running after cancel; closing the engine anyway")
	}
	if cerr := k.engine.Close(); cerr != nil {
		k.log.Error("close engine", "err", cerr)
	}
	if !k.waitFor(workerDone) {
		k.log.Error("execute worker did not stop")
	}
	select {
	case <-k.stop:
		time.Sleep(k.opts.ShutdownLinger) // let shutdown_reply and idle leave
	default:
	}
	k.closeSockets()
	readers.Wait()
	return err
}

func (k *Kernel) waitFor(done <-chan struct{}) bool {
	t := time.NewTimer(k.opts.ShutdownGrace)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// Interrupt cancels the context of the running cell, if any. It is what
// interrupt_request does, and what the command calls on SIGINT when the
// kernelspec's interrupt_mode is "signal".
func (k *Kernel) Interrupt() {
	k.runMu.Lock()
	defer k.runMu.Unlock()
	if k.cancelRun != nil {
		k.cancelRun()
	}
}

func (k *Kernel) setCancelRun(cancel context.CancelFunc) {
	k.runMu.Lock()
	defer k.runMu.Unlock()
	k.cancelRun = cancel
}

// requestStop makes Run return; restart is what the front end asked for.
func (k *Kernel) requestStop(restart bool) {
	k.stopOnce.Do(func() {
		k.restart.Store(restart)
		close(k.stop)
	})
}

// closedSocket reports whether a receive error means the socket was closed.
func closedSocket(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, net.ErrClosed)
}

func (k *Kernel) serveHeartbeat() {
	for {
		msg, err := k.hb.sock.Recv()
		if err != nil {
			if closedSocket(err) {
				return
			}
			k.log.Debug("heartbeat receive", "err", err)
			continue
		}
		if err := k.hb.sock.Send(msg); err != nil {
			if closedSocket(err) {
				return
			}
			k.log.Debug("heartbeat echo", "err", err)
		}
	}
}

// serveRequests reads shell or control requests. Execute requests go to
// the worker's queue; everything else is answered here, so this socket
// keeps answering while a cell runs.
func (k *Kernel) serveRequests(z *zsocket) {
	for {
		raw, err := z.sock.Recv()
		if err != nil {
			if closedSocket(err) {
				return
			}
			k.log.Debug("receive", "socket", z.name, "err", err)
			continue
		}
		m, err := decodeMessage(raw.Frames, k.key)
		if err != nil {
			k.log.Warn("dropping message", "socket", z.name, "err", err)
			continue
		}
		seq := k.received.Add(1)
		if m.Header.MsgType == "execute_request" {
			k.queue.push(execJob{msg: m, reply: z, seq: seq})
			continue
		}
		if stop, restart := k.handle(z, m); stop {
			k.requestStop(restart)
		}
	}
}

// serveStdin reads input_reply messages and hands them to the cell waiting
// for input.
func (k *Kernel) serveStdin() {
	for {
		raw, err := k.stdin.sock.Recv()
		if err != nil {
			if closedSocket(err) {
				return
			}
			k.log.Debug("receive", "socket", "stdin", "err", err)
			continue
		}
		m, err := decodeMessage(raw.Frames, k.key)
		if err != nil {
			k.log.Warn("dropping message", "socket", "stdin", "err", err)
			continue
		}
		if m.Header.MsgType != "input_reply" {
			k.log.Warn("ignoring unexpected message", "socket", "stdin", "msg_type", m.Header.MsgType)
			continue
		}
		var content struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(m.Content, &content); err != nil {
			k.log.Warn("bad input_reply", "err", err)
			continue
		}
		var parent struct {
			MsgID string `json:"msg_id"`
		}
		_ = json.Unmarshal(m.ParentHeader, &parent) // an object, checked by decodeMessage
		k.deliverInput(parent.MsgID, content.Value)
	}
}

// inputWait is a cell waiting for the answer to its input_request.
type inputWait struct {
	msgID string
	reply chan string
}

func (k *Kernel) deliverInput(parentID, value string) {
	k.inputMu.Lock()
	defer k.inputMu.Unlock()
	w := k.pendingInput
	if w == nil || (parentID != "" && parentID != w.msgID) {
		k.log.Warn("input_reply for no pending input_request", "parent_msg_id", parentID)
		return
	}
	k.pendingInput = nil
	w.reply <- value // buffered, one value per wait
}

// requestInput sends input_request on stdin to the front end that sent
// the execute request and waits for its input_reply.
func (k *Kernel) requestInput(ctx context.Context, req *message, prompt string, password bool) (string, error) {
	hdr := newHeader(k.session, "input_request")
	w := &inputWait{msgID: hdr.MsgID, reply: make(chan string, 1)}
	k.inputMu.Lock()
	k.pendingInput = w
	k.inputMu.Unlock()
	defer func() {
		k.inputMu.Lock()
		if k.pendingInput == w {
			k.pendingInput = nil
		}
		k.inputMu.Unlock()
	}()

	frames, err := k.encode(req.Identities, hdr, req.RawHeader, map[string]any{"prompt": prompt, "password": password})
	if err != nil {
		return "", err
	}
	// A send blocks while no front end has connected to stdin; the cell
	// must stay interruptible meanwhile.
	sent := make(chan error, 1)
	go func() { sent <- k.stdin.send(frames) }()
	select {
	case err := <-sent:
		if err != nil {
			return "", fmt.Errorf("input request: %w", err)
		}
	case <-ctx.Done():
		return "", ctx.Err()
	}
	select {
	case v := <-w.reply:
		return v, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// encode marshals and signs one outgoing message.
func (k *Kernel) encode(identities [][]byte, hdr header, parent json.RawMessage, content any) ([][]byte, error) {
	h, err := json.Marshal(hdr)
	if err != nil {
		return nil, fmt.Errorf("encode %s header: %w", hdr.MsgType, err)
	}
	c, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("encode %s content: %w", hdr.MsgType, err)
	}
	if len(parent) == 0 {
		parent = json.RawMessage("{}")
	}
	return encodeMessage(k.key, identities, h, parent, []byte("{}"), c, nil), nil
}

// publish sends one iopub message; parent is the raw header of the request
// it belongs to (nil for none).
func (k *Kernel) publish(msgType string, parent json.RawMessage, content any) {
	topic := []byte("kernel." + k.session + "." + msgType)
	frames, err := k.encode([][]byte{topic}, newHeader(k.session, msgType), parent, content)
	if err != nil {
		k.log.Error("publish", "msg_type", msgType, "err", err)
		return
	}
	if err := k.iopub.send(frames); err != nil {
		k.log.Error("publish", "msg_type", msgType, "err", err)
	}
}

func (k *Kernel) publishStatus(state string, parent json.RawMessage) {
	k.publish("status", parent, map[string]any{"execution_state": state})
}

// reply answers req on the socket it came from.
func (k *Kernel) reply(z *zsocket, req *message, msgType string, content any) {
	hdr := newHeader(k.session, msgType)
	frames, err := k.encode(req.Identities, hdr, req.RawHeader, content)
	if err != nil {
		// The front end waits for a reply: send one it can read.
		k.log.Error("reply", "msg_type", msgType, "err", err)
		frames, err = k.encode(req.Identities, hdr, req.RawHeader, map[string]any{
			"status": "error", "ename": "EncodeError", "evalue": err.Error(), "traceback": []string{},
		})
		if err != nil {
			return
		}
	}
	if err := z.send(frames); err != nil {
		k.log.Error("reply", "msg_type", msgType, "err", err)
	}
}
