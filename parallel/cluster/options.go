package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// An Option changes how one call runs.
type Option struct {
	set func(*config) error
}

type config struct {
	endpoint string // "": Prism in this process
	runner   string // a runner registered with Beam, run through beam.Run
	envType  string // "process", "docker", "external"; "" for the default
	envCfg   string
	temp     string // where workers write results; "": a local temporary directory
	shards   int
	ctx      context.Context
	progress bool
	progOut  io.Writer
	progTick time.Duration
	flags    map[string]string
	dial     time.Duration
}

func configure(name string, opts []Option) (*config, error) {
	cfg := &config{ctx: context.Background(), progTick: 500 * time.Millisecond, dial: 5 * time.Second}
	for _, o := range opts {
		if o.set == nil {
			continue
		}
		if err := o.set(cfg); err != nil {
			return nil, fmt.Errorf("cluster.%s: %w", name, err)
		}
	}
	if cfg.shards == 0 {
		// Twice the cores: Prism runs each shard as one bundle, and a
		// shard per core leaves cores idle when one finishes first.
		cfg.shards = 2 * runtime.GOMAXPROCS(0)
	}
	if cfg.endpoint != "" && cfg.runner != "" {
		return nil, fmt.Errorf("cluster.%s: options On and Runner exclude each other: On submits to a portable job server itself", name)
	}
	if cfg.endpoint == "" && cfg.envType != "" {
		return nil, fmt.Errorf("cluster.%s: option Environment needs On: Prism in this process runs the workers itself", name)
	}
	return cfg, nil
}

// On runs the call on the portable job server at endpoint (host:port):
// Prism started as its own process (`prism --job_port=8073`), Flink's or
// Spark's job server, or any other portable runner. Its workers run this
// program, started again: see Register and Init. By default a worker is
// started as a process running this program's executable (Beam's PROCESS
// environment), which suits a job server on this machine or on machines
// that share this program's path; Environment chooses another.
//
// A job server that does not answer within a few seconds is an error
// naming it.
func On(endpoint string) Option {
	return Option{func(c *config) error {
		if endpoint == "" {
			return errors.New("On(\"\"): endpoint must not be empty")
		}
		c.endpoint = endpoint
		return nil
	}}
}

// Runner runs the call with a runner registered with Beam under name,
// through beam.Run, with the runner's options given by Flag. It is the way
// to runners that are not portable job servers, Google Cloud Dataflow
// above all: a program that imports
// github.com/apache/beam/sdks/v2/go/pkg/beam/runners/dataflow (a cell
// may, with an import line) runs
//
//	cluster.Map(xs, f, cluster.Runner("dataflow"),
//		cluster.Flag("project", "my-project"), cluster.Flag("region", "europe-west1"),
//		cluster.Flag("staging_location", "gs://my-bucket/staging"),
//		cluster.TempLocation("gs://my-bucket/tmp"))
//
// Beam's runner then reports, and the progress shows only the start and
// the end; Context stops the wait.
func Runner(name string) Option {
	return Option{func(c *config) error {
		if name == "" {
			return errors.New("Runner(\"\"): name must not be empty")
		}
		c.runner = name
		return nil
	}}
}

// Environment chooses how the job server starts workers, as Beam's
// --environment_type and --environment_config do:
//
//   - "process", with Beam's JSON config ({"command": "/path/to/program"}):
//     a process on the worker machine; "" runs this program's executable;
//   - "docker", with an image: Beam's Go SDK container
//     (apache/beam_go_sdk:2.77.0 when ""), which fetches this program from
//     the job's staged artifacts and runs it; what Flink, Spark and
//     Dataflow use;
//   - "external", with the address of a worker pool already running.
func Environment(kind, settings string) Option {
	return Option{func(c *config) error {
		switch kind {
		case "process", "docker", "external":
		default:
			return fmt.Errorf("Environment(%q): kind must be process, docker or external", kind)
		}
		c.envType, c.envCfg = kind, settings
		return nil
	}}
}

// TempLocation is where workers write results for this program to read:
// a directory every worker and this program see (a shared mount), or a
// bucket Beam has a filesystem for (gs://bucket/path). Each call writes
// under a new name there and removes what it wrote. The default is a new
// local temporary directory, which suits Prism and job servers on this
// machine.
func TempLocation(path string) Option {
	return Option{func(c *config) error {
		if path == "" {
			return errors.New("TempLocation(\"\"): path must not be empty")
		}
		c.temp = strings.TrimRight(path, "/")
		return nil
	}}
}

// Shards sets how many parts the items are split into, each its own
// source in the pipeline and so the unit a runner runs in parallel. The
// default is twice the cores of this machine; on a cluster, give a few
// times its worker slots.
func Shards(n int) Option {
	return Option{func(c *config) error {
		if n < 1 {
			return fmt.Errorf("Shards(%d): must be at least 1", n)
		}
		c.shards = n
		return nil
	}}
}

// Context cancels the job when ctx is done; the call returns an error
// wrapping context.Cause(ctx).
func Context(ctx context.Context) Option {
	return Option{func(c *config) error {
		if ctx == nil {
			return errors.New("Context(nil): context must not be nil")
		}
		c.ctx = ctx
		return nil
	}}
}

// Progress shows the job's state and the items processed while it runs:
// in place in a notebook, on standard error otherwise.
func Progress() Option {
	return Option{func(c *config) error {
		c.progress = true
		return nil
	}}
}

// ProgressTo shows the progress as text lines on w.
func ProgressTo(w io.Writer) Option {
	return Option{func(c *config) error {
		if w == nil {
			return errors.New("ProgressTo(nil): writer must not be nil")
		}
		c.progress, c.progOut = true, w
		return nil
	}}
}

// Flag sets one of Beam's pipeline options for the job, as its command
// line flag would (name without dashes): "job_name", "parallelism",
// "experiments", or a runner's own, such as Dataflow's "project" and
// "region" when the job server submits to Dataflow.
func Flag(name, value string) Option {
	return Option{func(c *config) error {
		if name == "" || strings.HasPrefix(name, "-") {
			return fmt.Errorf("Flag(%q): give the option's name without dashes", name)
		}
		if c.flags == nil {
			c.flags = map[string]string{}
		}
		c.flags[name] = value
		return nil
	}}
}
