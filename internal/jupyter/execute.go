package jupyter

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/gopar/gopar/internal/cell"
)

// execJob is an execute_request waiting for the worker.
type execJob struct {
	msg   *message
	reply *zsocket // the socket the request came on
	seq   int64    // order in which the kernel received it
}

// jobQueue is an unbounded FIFO of execute requests, so the socket
// readers never wait for a running cell.
type jobQueue struct {
	mu     sync.Mutex
	items  []execJob
	closed bool
	ready  chan struct{} // capacity 1: "something changed"
}

func (q *jobQueue) push(j execJob) {
	q.mu.Lock()
	q.items = append(q.items, j)
	q.mu.Unlock()
	q.signal()
}

func (q *jobQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// close makes pop return false from now on; queued jobs are dropped.
func (q *jobQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.items = nil
	q.mu.Unlock()
	q.signal()
}

// pop waits for the next job; it returns false once the queue is closed.
func (q *jobQueue) pop() (execJob, bool) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return execJob{}, false
		}
		if len(q.items) > 0 {
			j := q.items[0]
			q.items[0] = execJob{}
			q.items = q.items[1:]
			q.mu.Unlock()
			return j, true
		}
		q.mu.Unlock()
		<-q.ready
	}
}

// executeContent is the content of execute_request, with the protocol's
// defaults for absent fields.
type executeContent struct {
	Code         string `json:"code"`
	Silent       bool   `json:"silent"`
	StoreHistory bool   `json:"store_history"`
	AllowStdin   bool   `json:"allow_stdin"`
	StopOnError  bool   `json:"stop_on_error"`
}

func (k *Kernel) runWorker(ctx context.Context) {
	for {
		job, ok := k.queue.pop()
		if !ok {
			return
		}
		k.execute(ctx, job)
	}
}

// execute runs one execute_request, between busy and idle on iopub.
func (k *Kernel) execute(ctx context.Context, job execJob) {
	m := job.msg
	parent := m.RawHeader
	k.publishStatus("busy", parent)
	defer k.publishStatus("idle", parent)

	req := executeContent{StoreHistory: true, AllowStdin: true, StopOnError: true}
	if err := json.Unmarshal(m.Content, &req); err != nil {
		k.badRequest(job.reply, m, "execute_reply", err)
		return
	}
	// As ipykernel does: once a cell failed with stop_on_error, every
	// execute received before that failure was reported is aborted.
	if job.seq <= k.abortThrough {
		k.reply(job.reply, m, "execute_reply", map[string]any{"status": "aborted", "execution_count": k.count})
		return
	}
	if req.Silent {
		req.StoreHistory = false
	}
	if req.StoreHistory {
		k.count++
	}
	count := k.count
	if !req.Silent {
		k.publish("execute_input", parent, map[string]any{"code": req.Code, "execution_count": count})
	}

	cellCtx, cancel := context.WithCancel(ctx)
	k.setCancelRun(cancel)
	sink := &cellSink{
		publish:       func(t string, c map[string]any) { k.publish(t, parent, c) },
		silent:        req.Silent,
		flushInterval: k.opts.StreamFlushInterval,
		flushBytes:    k.opts.StreamFlushBytes,
		maxBytes:      k.opts.MaxStreamBytes,
	}
	if req.AllowStdin {
		sink.input = func(ctx context.Context, prompt string, password bool) (string, error) {
			return k.requestInput(ctx, m, prompt, password)
		}
	}
	res := k.callExecute(cellCtx, cell.Request{
		Code:       req.Code,
		Count:      count,
		AllowStdin: req.AllowStdin,
	}, sink)
	k.setCancelRun(nil)
	cancel()
	sink.close() // pending stream output goes before the result and the reply

	var output *string
	if res.Value != nil {
		if s, ok := res.Value.Data["text/plain"].(string); ok {
			output = &s
		}
		if !req.Silent {
			c := displayContent(*res.Value)
			c["execution_count"] = count
			k.publish("execute_result", parent, c)
		}
	}
	if req.StoreHistory {
		k.hist.add(count, req.Code, output)
	}

	payload := res.Payload
	if payload == nil {
		payload = []map[string]any{}
	}
	content := map[string]any{
		"status":           "ok",
		"execution_count":  count,
		"user_expressions": map[string]any{},
		"payload":          payload,
	}
	if e := res.Err; e != nil {
		tb := e.Traceback
		if tb == nil {
			tb = []string{}
		}
		if !req.Silent {
			k.publish("error", parent, map[string]any{"ename": e.Name, "evalue": e.Value, "traceback": tb})
		}
		content["status"] = "error"
		content["ename"] = e.Name
		content["evalue"] = e.Value
		content["traceback"] = tb
		if req.StopOnError {
			k.abortThrough = k.received.Load()
		}
	}
	k.reply(job.reply, m, "execute_reply", content)
}

// callExecute runs the engine, turning a panic in it into a failed cell
// rather than a dead kernel.
func (k *Kernel) callExecute(ctx context.Context, req cell.Request, sink cell.Sink) (res cell.Result) {
	defer func() {
		if r := recover(); r != nil {
			k.log.Error("panic in engine", "panic", r, "stack", string(debug.Stack()))
			res = cell.Result{Err: &cell.Error{
				Name:      "KernelError",
				Value:     fmt.Sprintf("internal error running cell: %v", r),
				Traceback: []string{fmt.Sprintf("internal error running cell: %v", r)},
			}}
		}
	}()
	return k.engine.Execute(ctx, req, sink)
}
