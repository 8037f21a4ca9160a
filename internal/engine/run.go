package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/childproto"
	"github.com/gopar/gopar/internal/gonbcomm"
	"github.com/gopar/gopar/internal/gonbpipe"
)

// interruptGrace is how long a program may take to stop after SIGINT
// (the parallel package cancels its work on it) before it is killed.
const interruptGrace = 1 * time.Second

// stdinPoll is how often a program allowed to read stdin is checked for
// being blocked reading it.
const stdinPoll = 50 * time.Millisecond

// runSpec is one run of a built program.
type runSpec struct {
	bin        string
	args       []string // the program's command line (%args, %% ARGS)
	dir        string   // working directory (%cd)
	env        []string
	allowStdin bool
	runDir     string // private directory for the display pipes
	limits     limits
	comms      *gonbcomm.Hub // the page's end of widgets
}

// runOutcome is what a run produced besides its streams.
type runOutcome struct {
	value     *cell.Display // execute_result
	exitCode  int
	stopped   stopCause
	limits    limits // the limits the run had
	panicText string // the Go runtime's report of a panic or fatal error
	// cell and line of the top-level statement that ran last.
	cell, line int
}

// stopCause is why the kernel stopped a program before its end.
type stopCause int

const (
	notStopped  stopCause = iota
	interrupted           // the front end interrupted the cell
	timedOut              // it ran longer than %timeout allows
	overMemory            // its process group passed the %memlimit cap
)

// succeeded reports whether the program ran to its end.
func (o runOutcome) succeeded() bool {
	return o.stopped == notStopped && o.panicText == "" && o.exitCode == 0
}

// runner is what one run shares between its goroutines.
type runner struct {
	sink     cell.Sink
	ctx      context.Context
	displays *displayIDs
	comm     *gonbcomm.Run // set before the display pipe is served

	mu    sync.Mutex
	stdin io.WriteCloser // nil when stdin is not allowed
	value *cell.Display
	// asking counts the input requests waiting for the front end.
	asking int
}

// displayIDs remembers which display ids the front end has seen, so that
// a later display with the same id updates it in place.
type displayIDs struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (d *displayIDs) update(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	was := d.seen[id]
	d.seen[id] = true
	return was
}

// run starts the program in its own process group and streams its output
// to the sink until it exits. Cancelling ctx interrupts it.
func run(ctx context.Context, spec runSpec, sink cell.Sink, ids *displayIDs) (runOutcome, error) {
	r := &runner{sink: sink, ctx: ctx, displays: ids}
	// exited is closed once the program has exited and been waited for.
	exited := make(chan struct{})
	c, err := start(spec, r, exited)
	if err != nil {
		return runOutcome{}, err
	}
	var wg sync.WaitGroup
	panicText := &panicCatcher{sink: sink}
	wg.Add(2)
	go func() { defer wg.Done(); r.pump(c.stdout, "stdout", nil) }()
	go func() { defer wg.Done(); r.pump(c.stderr, "stderr", panicText) }()
	r.comm = spec.comms.Start(ctx, sink, c.pipes.Deliver)
	defer r.comm.End()
	servedDisplay := make(chan struct{})
	go func() { defer close(servedDisplay); c.pipes.Serve() }()

	var waitErr error
	go func() {
		waitErr = c.cmd.Wait()
		// Whatever the program started in its group goes with it, so no
		// stray process keeps the output pipes open.
		syscall.Kill(-c.pid, syscall.SIGKILL)
		// The group is gone: the lifeline has nothing left to guard.
		c.lifeline.Close()
		close(exited)
	}()
	if spec.allowStdin {
		go r.watchStdin(c.pid, exited)
	}
	out := runOutcome{stopped: c.wait(ctx, exited, spec.limits), limits: spec.limits}
	wg.Wait()
	c.stdout.Close()
	c.stderr.Close()
	c.pipes.Close()
	<-servedDisplay
	out.value = r.finish()
	out.panicText = panicText.text()
	if b, err := os.ReadFile(c.lineFile); err == nil && len(b) == 8 {
		out.cell, out.line = childproto.DecodeLine(binary.LittleEndian.Uint64(b))
	}
	var exitErr *exec.ExitError
	if errors.As(waitErr, &exitErr) {
		out.exitCode = exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			out.exitCode = 128 + int(ws.Signal())
		}
	} else if waitErr != nil {
		return out, fmt.Errorf("wait for program: %w", waitErr)
	}
	if out.exitCode == 0 && out.panicText != "" {
		// Text that looked like a panic report but the program went on and
		// succeeded: it was ordinary output after all.
		sink.Stream("stderr", out.panicText)
		out.panicText = ""
	}
	return out, nil
}

// A child is a started program and the kernel's ends of its channels.
type child struct {
	cmd            *exec.Cmd
	pid            int
	stdout, stderr *os.File
	pipes          *gonbpipe.Pipes
	lineFile       string
	// lifeline is the write end of the pipe the program's runtime
	// watches (childproto.LifelineEnv). It is never written; it stays
	// open until the program has exited.
	lifeline *os.File
}

// start starts the program with its output pipes, the display pipes, a
// lifeline and, when allowed, a stdin pipe. The program is tied to the
// kernel: it dies with it (see startTied and kernel/cellrt). exited must
// be closed once the program has exited and been waited for.
func start(spec runSpec, r *runner, exited <-chan struct{}) (*child, error) {
	if err := os.MkdirAll(spec.runDir, 0o700); err != nil {
		return nil, fmt.Errorf("run dir: %w", err)
	}
	c := &child{lineFile: filepath.Join(spec.runDir, "line")}
	if err := os.WriteFile(c.lineFile, make([]byte, 8), 0o600); err != nil {
		return nil, fmt.Errorf("line file: %w", err)
	}
	pipes, err := gonbpipe.NewPipes(spec.runDir, r)
	if err != nil {
		return nil, err
	}
	c.pipes = pipes
	// Until the program runs, a failure releases everything made so far.
	var made []*os.File
	fail := func(err error) (*child, error) {
		for _, f := range made {
			f.Close()
		}
		pipes.Discard()
		return nil, err
	}
	pipe := func(what string) (rd, wr *os.File, err error) {
		rd, wr, err = os.Pipe()
		if err != nil {
			return nil, nil, fmt.Errorf("%s pipe: %w", what, err)
		}
		made = append(made, rd, wr)
		return rd, wr, nil
	}
	outR, outW, err := pipe("stdout")
	if err != nil {
		return fail(err)
	}
	errR, errW, err := pipe("stderr")
	if err != nil {
		return fail(err)
	}
	lifeR, lifeW, err := pipe("lifeline")
	if err != nil {
		return fail(err)
	}
	childEnds := []*os.File{outW, errW, lifeR}
	cmd := exec.Command(spec.bin, spec.args...)
	cmd.Dir = spec.dir
	cmd.Env = append(append(spec.env, pipes.Env()...),
		childproto.LineFileEnv+"="+c.lineFile,
		// ExtraFiles[0] is descriptor 3 in the program.
		childproto.LifelineEnv+"=3")
	cmd.ExtraFiles = []*os.File{lifeR}
	cmd.Stdout = outW
	cmd.Stderr = errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if spec.allowStdin {
		stdinR, stdinW, err := pipe("stdin")
		if err != nil {
			return fail(err)
		}
		cmd.Stdin = stdinR
		childEnds = append(childEnds, stdinR)
		r.stdin = stdinW
	}
	if err := startTied(cmd, exited); err != nil {
		return fail(fmt.Errorf("start program: %w", err))
	}
	// The child has its own copies of its ends; ours must go so that
	// reads end at EOF when it exits.
	for _, f := range childEnds {
		f.Close()
	}
	c.cmd, c.pid, c.stdout, c.stderr, c.lifeline = cmd, cmd.Process.Pid, outR, errR, lifeW
	return c, nil
}

// wait waits for the program to exit and reports why the kernel stopped
// it, if it did: because ctx was cancelled (an interrupt), because it ran
// past lim.timeout, or because its process group's memory passed
// lim.memory.
func (c *child) wait(ctx context.Context, exited <-chan struct{}, lim limits) stopCause {
	var deadline <-chan time.Time
	if lim.timeout > 0 {
		t := time.NewTimer(lim.timeout)
		defer t.Stop()
		deadline = t.C
	}
	var over <-chan struct{}
	if lim.memory > 0 {
		over = watchMemory(c.pid, lim.memory, exited)
	}
	var cause stopCause
	select {
	case <-exited:
		return notStopped
	case <-over:
		// watchMemory has killed the group already.
		<-exited
		return overMemory
	case <-ctx.Done():
		cause = interrupted
	case <-deadline:
		cause = timedOut
	}
	c.stop(exited)
	return cause
}

// stop sends SIGINT to the program's group, which parallel turns into
// cancellation, then SIGKILL after a grace period, and waits until the
// program has exited.
func (c *child) stop(exited <-chan struct{}) {
	syscall.Kill(-c.pid, syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(interruptGrace):
		syscall.Kill(-c.pid, syscall.SIGKILL)
		<-exited
	}
}

// finish closes the program's stdin and returns its result.
func (r *runner) finish() *cell.Display {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stdin != nil {
		r.stdin.Close()
		r.stdin = nil
	}
	return r.value
}

// pump copies a program's output stream to the sink as it arrives.
func (r *runner) pump(rd io.Reader, name string, catcher *panicCatcher) {
	buf := make([]byte, 32*1024)
	for {
		n, err := rd.Read(buf)
		if n > 0 {
			if catcher != nil {
				catcher.write(buf[:n])
			} else {
				r.sink.Stream(name, string(buf[:n]))
			}
		}
		if err != nil {
			if catcher != nil {
				catcher.flushPartial()
			}
			return
		}
	}
}

// Result implements gonbpipe.Handler.
func (r *runner) Result(data map[string]any) {
	r.mu.Lock()
	r.value = &cell.Display{Data: data}
	r.mu.Unlock()
}

// ClearOutput implements gonbpipe.Handler.
func (r *runner) ClearOutput(wait bool) { r.sink.ClearOutput(wait) }

// Display implements gonbpipe.Handler.
func (r *runner) Display(data, metadata map[string]any, displayID string) {
	d := cell.Display{Data: data, Metadata: metadata, DisplayID: displayID}
	if displayID != "" {
		d.Update = r.displays.update(displayID)
	}
	r.sink.Display(d)
}

// RequestInput implements gonbpipe.Handler: gonbui.RequestInput asks for a
// line that the program then reads from its stdin.
func (r *runner) RequestInput(prompt string, password bool) {
	go r.input(prompt, password)
}

func (r *runner) input(prompt string, password bool) bool {
	r.mu.Lock()
	r.asking++
	r.mu.Unlock()
	line, err := "", cell.ErrNoStdin
	if in, ok := r.sink.(cell.InputSink); ok {
		line, err = in.Input(r.ctx, prompt, password)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asking--
	if r.stdin == nil {
		return false
	}
	if err != nil {
		// No input can come: end of file lets the program go on.
		r.stdin.Close()
		r.stdin = nil
		return false
	}
	io.WriteString(r.stdin, line+"\n")
	return true
}

// watchStdin asks the front end for input whenever the program is blocked
// reading an empty stdin. Linux shows each thread's current system call in
// /proc; a thread in read(0, ...) is waiting for input. This works for any
// way the cell reads (fmt.Scan, bufio, io.ReadAll) without changing it.
func (r *runner) watchStdin(pid int, exited <-chan struct{}) {
	t := time.NewTicker(stdinPoll)
	defer t.Stop()
	blocked := 0 // polls in a row that found the program waiting
	for {
		select {
		case <-exited:
			return
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		asking := r.asking > 0
		r.mu.Unlock()
		if asking || !blockedReadingStdin(pid) {
			blocked = 0
			continue
		}
		// A program that asks with gonbui.RequestInput reads before its
		// request has reached the kernel: only a read still waiting at
		// the next poll is one nobody asked for.
		if blocked++; blocked < 2 {
			continue
		}
		blocked = 0
		if !r.input("", false) {
			return
		}
	}
}

func blockedReadingStdin(pid int) bool {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
	if err != nil {
		return false
	}
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		// "0 0x0 ..." is read(0, ...) on x86-64; "63 0x0" on arm64.
		if len(f) >= 2 && (f[0] == strconv.Itoa(sysRead)) && f[1] == "0x0" {
			return true
		}
	}
	return false
}

// panicCatcher passes stderr through, except a Go runtime panic or fatal
// error report, which it keeps so the kernel can send it as one error
// message instead of a stream.
type panicCatcher struct {
	sink    cell.Sink
	mu      sync.Mutex
	partial []byte // an unfinished line that may start a report
	caught  bytes.Buffer
}

var reportStarts = []string{"panic: ", "fatal error: "}

func (c *panicCatcher) write(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.caught.Len() > 0 {
		c.capture(p)
		return
	}
	data := append(c.partial, p...)
	c.partial = nil
	start := 0
	for start < len(data) {
		end := bytes.IndexByte(data[start:], '\n')
		line := data[start:]
		if end >= 0 {
			line = data[start : start+end+1]
		}
		if startsReport(line) {
			c.stream(data[:start])
			c.capture(data[start:])
			return
		}
		if end < 0 {
			// An unfinished last line: hold it back only while it could
			// still become a report's first line.
			if couldStartReport(line) {
				c.stream(data[:start])
				c.partial = append([]byte(nil), line...)
				return
			}
			break
		}
		start += end + 1
	}
	c.stream(data)
}

func (c *panicCatcher) stream(p []byte) {
	if len(p) > 0 {
		c.sink.Stream("stderr", string(p))
	}
}

const maxCaught = 1 << 20

func (c *panicCatcher) capture(p []byte) {
	if room := maxCaught - c.caught.Len(); room > 0 {
		c.caught.Write(p[:min(len(p), room)])
	}
}

func (c *panicCatcher) flushPartial() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.partial) > 0 {
		c.sink.Stream("stderr", string(c.partial))
		c.partial = nil
	}
}

func (c *panicCatcher) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.caught.String()
}

func startsReport(line []byte) bool {
	for _, s := range reportStarts {
		if bytes.HasPrefix(line, []byte(s)) {
			return true
		}
	}
	return false
}

func couldStartReport(partial []byte) bool {
	for _, s := range reportStarts {
		if bytes.HasPrefix([]byte(s), partial) || bytes.HasPrefix(partial, []byte(s)) {
			return true
		}
	}
	return false
}
