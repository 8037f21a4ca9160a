package cluster

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/graphx"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/harness"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/harness/init"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/metricsx"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/util/hooks"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	jobpb "github.com/apache/beam/sdks/v2/go/pkg/beam/model/jobmanagement_v1"
	pipepb "github.com/apache/beam/sdks/v2/go/pkg/beam/model/pipeline_v1"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal/extworker"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal/runnerlib"
	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
)

// Beam's job options are process-wide (flags and global pipeline
// options), so jobs are submitted one at a time; they run in parallel
// inside.
var submitMu sync.Mutex

// inProcess is the Prism job server of this process, started on first use
// and shared by every call after.
var inProcess struct {
	once   sync.Once
	client jobpb.JobServiceClient
	err    error
}

func prismInProcess() (jobpb.JobServiceClient, error) {
	inProcess.once.Do(func() {
		quietBeam()
		inProcess.client, inProcess.err = prism.CreateJobServer(context.Background(), prism.Options{})
		if inProcess.err != nil {
			inProcess.err = fmt.Errorf("start Prism in process: %w", inProcess.err)
		}
	})
	return inProcess.client, inProcess.err
}

// quietBeam keeps Prism's running commentary (a server started, a job
// done, a worker stopped, all at Info) out of the program's output, unless
// the program has installed a slog handler of its own. Errors still show.
func quietBeam() {
	if fmt.Sprintf("%T", slog.Default().Handler()) == "*slog.defaultHandler" {
		slog.SetLogLoggerLevel(slog.LevelWarn)
	}
	beamlog.SetLogger(errorsOnly{})
}

// errorsOnly passes on the errors Beam logs. Its warnings in this process
// are about workers it stops after every job.
type errorsOnly struct{ beamlog.Structural }

func (w errorsOnly) Log(ctx context.Context, sev beamlog.Severity, depth int, msg string) {
	if sev >= beamlog.SevError {
		w.Structural.Log(ctx, sev, depth+1, msg)
	}
}

// dial connects to a job server, failing within timeout when nothing
// answers there.
func dial(ctx context.Context, endpoint string, timeout time.Duration) (*grpc.ClientConn, error) {
	cc, err := grpc.NewClient(endpoint,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30), grpc.MaxCallSendMsgSize(1<<30)))
	if err != nil {
		return nil, fmt.Errorf("job server %s: %w", endpoint, err)
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cc.Connect()
	for {
		s := cc.GetState()
		if s == connectivity.Ready {
			return cc, nil
		}
		if !cc.WaitForStateChange(dctx, s) {
			cc.Close()
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			return nil, fmt.Errorf("job server %s did not answer within %v (state %v); is it running, and is the address right?", endpoint, timeout, s)
		}
	}
}

// job is one pipeline submitted and watched.
type job struct {
	cfg      *config
	pipeline *beam.Pipeline
	total    int    // items, for the progress
	what     string // "Map" or "MapReduce", for messages
}

// run submits the pipeline, waits for it to finish, and returns nil when
// it succeeded.
func (j *job) run(ctx context.Context) (err error) {
	if j.cfg.runner != "" {
		return j.runNamed(ctx)
	}
	edges, _, err := j.pipeline.Build()
	if err != nil {
		return fmt.Errorf("build pipeline: %w", err)
	}

	submitMu.Lock()
	locked := true
	unlock := func() {
		if locked {
			locked = false
			submitMu.Unlock()
		}
	}
	defer unlock()
	restore, err := setFlags(j.cfg.flags)
	if err != nil {
		return err
	}
	defer restore()

	var client jobpb.JobServiceClient
	var env *pipepb.Environment
	bin := ""
	// Workers send their logs to the job server, which is right for
	// workers elsewhere; workers in this process would take over its
	// Beam logger for good, and print Beam's commentary.
	if j.cfg.endpoint == "" {
		hooks.DisableHook(harness.DefaultRemoteLoggingHook)
	} else {
		hooks.EnableHook(harness.DefaultRemoteLoggingHook)
	}
	if j.cfg.endpoint == "" {
		if client, err = prismInProcess(); err != nil {
			return err
		}
		// The workers are goroutines of this process, reached through a
		// worker pool it serves: Beam's loopback environment.
		pool, err := extworker.StartLoopback(ctx, 0)
		if err != nil {
			return fmt.Errorf("start workers: %w", err)
		}
		defer pool.Stop(context.Background())
		if env, err = graphx.CreateEnvironment(ctx, graphx.URNEnvExternal, pool.EnvironmentConfig); err != nil {
			return fmt.Errorf("worker environment: %w", err)
		}
		// Nothing runs the staged program in loopback; stage an empty one.
		f, err := os.CreateTemp("", "gopar-cluster-worker-*")
		if err != nil {
			return fmt.Errorf("stage program: %w", err)
		}
		f.Close()
		defer os.Remove(f.Name())
		bin = f.Name()
	} else {
		cc, err := dial(ctx, j.cfg.endpoint, j.cfg.dial)
		if err != nil {
			return err
		}
		defer cc.Close()
		client = jobpb.NewJobServiceClient(cc)
		if bin, err = os.Executable(); err != nil {
			return fmt.Errorf("this program's executable, to stage for the workers: %w", err)
		}
		if env, err = j.environment(ctx, bin); err != nil {
			return err
		}
	}
	p, err := graphx.Marshal(edges, &graphx.Options{Environment: env})
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if err := runnerlib.UpdateGoEnvironmentWorker(bin, p); err != nil {
		return fmt.Errorf("stage program: %w", err)
	}
	opt := &runnerlib.JobOptions{Name: "gopar-cluster-" + strings.ToLower(j.what), Loopback: j.cfg.endpoint == ""}
	prepID, artifacts, token, err := runnerlib.Prepare(ctx, client, p, opt)
	if err != nil {
		return j.serverError("prepare job", err)
	}
	retrieval, err := runnerlib.Stage(ctx, prepID, artifacts, bin, token)
	if err != nil {
		return j.serverError("stage program", err)
	}
	jobID, err := runnerlib.Submit(ctx, client, prepID, retrieval)
	if err != nil {
		return j.serverError("submit job", err)
	}
	unlock()
	return j.wait(ctx, client, jobID, p)
}

// runNamed runs the pipeline with a runner registered with Beam by name.
func (j *job) runNamed(ctx context.Context) error {
	submitMu.Lock()
	defer submitMu.Unlock()
	restore, err := setFlags(j.cfg.flags)
	if err != nil {
		return err
	}
	defer restore()
	if !runnerRegistered(j.cfg.runner) {
		return fmt.Errorf("runner %s is not registered with Beam: import its package (for Dataflow, github.com/apache/beam/sdks/v2/go/pkg/beam/runners/dataflow)", j.cfg.runner)
	}
	// beam.Run's runners insist on it; it also installs Beam's slog
	// handler, which programs on such runners expect.
	if !beam.Initialized() {
		beam.Init()
	}
	var prog *progress
	if j.cfg.progress {
		prog = startProgress(j.cfg, j.what, j.total)
		defer prog.stop()
	}
	if _, err := beam.Run(ctx, j.cfg.runner, j.pipeline); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("job cancelled: %w", context.Cause(ctx))
		}
		return fmt.Errorf("runner %s: %w", j.cfg.runner, err)
	}
	if prog != nil {
		prog.final("DONE", -1)
	}
	return nil
}

// runnerRegistered reports whether Beam knows a runner by name, which
// beam.Run would otherwise answer by ending the program. Beam tells only
// by refusing a second registration; the probe's own registration, of a
// runner that fails, stays.
func runnerRegistered(name string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = true
		}
	}()
	beam.RegisterRunner(name, func(context.Context, *beam.Pipeline) (beam.PipelineResult, error) {
		return nil, fmt.Errorf("runner %s is not registered with Beam", name)
	})
	return false
}

func (j *job) serverError(what string, err error) error {
	if j.cfg.endpoint == "" {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s on %s: %w", what, j.cfg.endpoint, err)
}

// environment is the worker environment for a job server.
func (j *job) environment(ctx context.Context, self string) (*pipepb.Environment, error) {
	kind, cfg := j.cfg.envType, j.cfg.envCfg
	var urn string
	switch kind {
	case "", "process":
		urn = graphx.URNEnvProcess
		if cfg == "" {
			cfg = fmt.Sprintf(`{"command": %q}`, self)
		}
	case "docker":
		urn = graphx.URNEnvDocker
		if cfg == "" {
			cfg = "apache/beam_go_sdk:" + beamVersion
		}
	case "external":
		urn = graphx.URNEnvExternal
	}
	env, err := graphx.CreateEnvironment(ctx, urn, func(context.Context) string { return cfg })
	if err != nil {
		return nil, fmt.Errorf("worker environment %s %s: %w", kind, cfg, err)
	}
	return env, nil
}

// beamVersion is the Beam release this package builds with, whose SDK
// container runs its workers.
const beamVersion = "2.77.0"

// setFlags sets Beam's options for one job and returns what restores
// them.
func setFlags(flags map[string]string) (func(), error) {
	var undo []func()
	restore := func() {
		for _, u := range undo {
			u()
		}
	}
	for name, value := range flags {
		if f := flag.Lookup(name); f != nil {
			old := f.Value.String()
			if err := f.Value.Set(value); err != nil {
				restore()
				return nil, fmt.Errorf("option %s=%s: %w", name, value, err)
			}
			undo = append(undo, func() { f.Value.Set(old) })
			continue
		}
		old := beam.PipelineOptions.Get(name)
		beam.PipelineOptions.Set(name, value)
		undo = append(undo, func() { beam.PipelineOptions.Set(name, old) })
	}
	return restore, nil
}

// wait follows the job to its end, showing progress, and cancels it when
// ctx is done.
func (j *job) wait(ctx context.Context, client jobpb.JobServiceClient, jobID string, p *pipepb.Pipeline) error {
	var prog *progress
	if j.cfg.progress {
		prog = startProgress(j.cfg, j.what, j.total)
		defer func() { prog.stop() }()
	}
	sctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := client.GetMessageStream(sctx, &jobpb.JobMessagesRequest{JobId: jobID})
	if err != nil {
		return j.serverError("follow job", err)
	}
	type update struct {
		state jobpb.JobState_Enum
		text  string
		err   error
	}
	updates := make(chan update, 16)
	go func() {
		defer close(updates)
		for {
			msg, err := stream.Recv()
			if err != nil {
				if !errors.Is(err, io.EOF) && sctx.Err() == nil {
					updates <- update{err: err}
				}
				return
			}
			if s := msg.GetStateResponse(); s != nil {
				updates <- update{state: s.GetState()}
			}
			if m := msg.GetMessageResponse(); m != nil && m.GetImportance() >= jobpb.JobMessage_JOB_MESSAGE_ERROR {
				updates <- update{text: m.GetMessageText()}
			}
		}
	}()
	tick := time.NewTicker(j.cfg.progTick)
	defer tick.Stop()
	var lastError string
	state := jobpb.JobState_STOPPED
	cancelled := false
	for {
		select {
		case <-ctx.Done():
			if !cancelled {
				cancelled = true
				cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
				client.Cancel(cctx, &jobpb.CancelJobRequest{JobId: jobID})
				ccancel()
			}
			// The job server reports CANCELLED; a server that does not
			// is not waited for.
			select {
			case <-time.After(5 * time.Second):
			case <-updatesDone(updates):
			}
			return fmt.Errorf("job cancelled: %w", context.Cause(ctx))
		case <-tick.C:
			if prog != nil {
				prog.update(state.String(), j.processed(sctx, client, jobID, p))
			}
		case u, ok := <-updates:
			if !ok {
				return fmt.Errorf("job %s: the job server stopped reporting while the job was %v", jobID, state)
			}
			if u.err != nil {
				return j.serverError("follow job", u.err)
			}
			if u.text != "" {
				lastError = u.text
				continue
			}
			state = u.state
			if prog != nil {
				prog.update(state.String(), j.processed(sctx, client, jobID, p))
			}
			switch state {
			case jobpb.JobState_DONE:
				if prog != nil {
					prog.final(state.String(), j.processed(sctx, client, jobID, p))
				}
				return nil
			case jobpb.JobState_CANCELLED:
				return fmt.Errorf("job %s was cancelled on the job server", jobID)
			case jobpb.JobState_FAILED:
				if lastError == "" {
					// The reason may follow the state.
					select {
					case u := <-updates:
						lastError = u.text
					case <-time.After(time.Second):
					}
				}
				if prog != nil {
					prog.final(state.String(), j.processed(sctx, client, jobID, p))
				}
				return fmt.Errorf("job failed: %s", firstLines(lastError, 20))
			}
		}
	}
}

// updatesDone is closed when updates is drained and closed.
func updatesDone[T any](updates <-chan T) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		for range updates {
		}
		close(done)
	}()
	return done
}

// processed asks the job server how many items the workers have
// processed so far, or -1 when it cannot tell.
func (j *job) processed(ctx context.Context, client jobpb.JobServiceClient, jobID string, p *pipepb.Pipeline) int64 {
	qctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	resp, err := client.GetJobMetrics(qctx, &jobpb.GetJobMetricsRequest{JobId: jobID})
	if err != nil {
		return -1
	}
	m := resp.GetMetrics()
	res := metricsx.FromMonitoringInfos(p, m.GetAttempted(), m.GetCommitted())
	var n int64
	found := false
	for _, c := range res.Query(func(r metrics.SingleResult) bool {
		return r.Namespace() == "gopar.cluster" && r.Name() == "items"
	}).Counters() {
		n += c.Result()
		found = true
	}
	if !found {
		return -1
	}
	return n
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n")
}
