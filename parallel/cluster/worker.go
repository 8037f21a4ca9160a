package cluster

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/apache/beam/sdks/v2/go/container/tools"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/util/grpcx"
)

// Init makes this program a Beam worker when a runner started it as one,
// and then never returns; otherwise it does nothing. A program that runs
// calls on a job server (On) calls Init first thing in main, after the
// functions it passes are registered (Register, in init), because its
// workers are this same program started again: Init is where a worker
// turns aside before the program's own work begins. The gopar kernel adds
// the call to cells that use this package.
//
// A worker is started either by Beam's SDK container, with --worker=true
// and the endpoints it is to serve, or directly by a job server's PROCESS
// environment, with only --provision_endpoint, from which Init learns the
// rest as the container would.
func Init() {
	args := workerArgs(os.Args[1:])
	if args == nil {
		return
	}
	if err := startWorker(args); err != nil {
		fmt.Fprintf(os.Stderr, "cluster: worker: %v\n", err)
		os.Exit(1)
	}
	// beam.Init runs the worker until the runner ends it.
	beam.Init()
	os.Exit(0)
}

// workerArgs returns the flags a runner passed to a worker, by name, or
// nil when the program was not started as one.
func workerArgs(args []string) map[string]string {
	m := map[string]string{}
	for _, a := range args {
		name, value, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			continue
		}
		if !ok {
			value = "true"
		}
		// A PROCESS environment quotes the id as a shell would, with no
		// shell to remove the quotes.
		m[name] = strings.Trim(value, "'")
	}
	if m["worker"] == "true" || m["provision_endpoint"] != "" {
		return m
	}
	return nil
}

// startWorker sets the flags of Beam's worker harness from args, asking
// the provision service for what a PROCESS environment does not pass.
func startWorker(args map[string]string) error {
	if ep := args["provision_endpoint"]; ep != "" && args["control_endpoint"] == "" {
		// The provision service tells workers apart by the id in the
		// request's metadata.
		ctx := grpcx.WriteWorkerID(context.Background(), args["id"])
		info, err := tools.ProvisionInfo(ctx, ep)
		if err != nil {
			return fmt.Errorf("provision from %s: %w", ep, err)
		}
		options, err := tools.ProtoToJSON(info.GetPipelineOptions())
		if err != nil {
			return fmt.Errorf("pipeline options: %w", err)
		}
		args["worker"] = "true"
		args["logging_endpoint"] = info.GetLoggingEndpoint().GetUrl()
		args["control_endpoint"] = info.GetControlEndpoint().GetUrl()
		args["options"] = options
		if len(info.GetRunnerCapabilities()) > 0 {
			os.Setenv("RUNNER_CAPABILITIES", strings.Join(info.GetRunnerCapabilities(), " "))
		}
		if s := info.GetStatusEndpoint(); s != nil {
			os.Setenv("STATUS_ENDPOINT", s.GetUrl())
		}
	}
	for _, name := range []string{"worker", "id", "logging_endpoint", "control_endpoint", "semi_persist_dir", "options"} {
		v, ok := args[name]
		if !ok {
			continue
		}
		if err := flag.Set(name, v); err != nil {
			return fmt.Errorf("flag %s: %w", name, err)
		}
	}
	return nil
}
