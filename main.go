// Command gopar is a Jupyter kernel for Go with a parallel package that
// notebook cells import to use every core.
//
//	gopar kernel CONNECTION_FILE   serve Jupyter (what Jupyter starts)
//	gopar install [flags]          install the kernelspec and warm the caches
//	gopar run NOTEBOOK [-o OUT]    execute a notebook without Jupyter
//	gopar student TEACHER -o OUT   write an exercise's student version
//	gopar grade NOTEBOOK...        run notebooks and grade their checks
//	gopar version                  print the version
//	gopar help                     print this help
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/gopar/gopar/internal/assist"
	"github.com/gopar/gopar/internal/cacheprog"
	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/engine"
	"github.com/gopar/gopar/internal/grade"
	"github.com/gopar/gopar/internal/install"
	"github.com/gopar/gopar/internal/jupyter"
)

const usage = `gopar: a Jupyter kernel for Go, with parallel maps for notebooks

Usage:
  gopar kernel CONNECTION_FILE   serve Jupyter (Jupyter starts this)
  gopar install [flags]          install the kernelspec and warm the caches
                                 (gopar install -h lists the flags)
  gopar run NOTEBOOK [-o OUT]    execute a notebook's Go cells without
                                 Jupyter, writing the outputs into OUT
                                 (default: NOTEBOOK itself)
  gopar student TEACHER.ipynb -o STUDENT.ipynb
                                 write the student version of an exercise:
                                 solution regions replaced, outputs cleared
  gopar grade [--timeout SECONDS] [--json FILE] [--teacher TEACHER.ipynb] NOTEBOOK...
                                 run each notebook in a fresh kernel, each
                                 cell stopped after SECONDS (default 60),
                                 and print the points and checks of each;
                                 with --teacher, graded and locked cells run
                                 as the teacher wrote them
  gopar version                  print the version
  gopar help                     print this help
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gopar:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	switch args[0] {
	case "kernel":
		if len(args) != 2 {
			return errors.New("usage: gopar kernel CONNECTION_FILE")
		}
		return serveKernel(args[1], stderr)
	case "install":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		return install.Command(ctx, args[1:], stdout, install.Warmers{User: warm, System: warmSystem})
	case "cacheprog":
		// What GOCACHEPROG names under a system install: not for people.
		return cacheprog.Command(context.Background(), args[1:], os.Stdin, stdout, stderr)
	case "run":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		return runNotebookCommand(ctx, args[1:], stdout, stderr)
	case "student":
		return grade.StudentCommand(args[1:], stdout, stderr)
	case "grade":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		return grade.Command(ctx, args[1:], stdout, stderr, gradeEngine)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "gopar", version())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// version is the module version the binary was built from: a release
// tag for `go install ...@vX`, "(devel)" for a build from a checkout.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// newEngine prepares a cell engine backed by the module source built
// into this binary.
func newEngine(log *slog.Logger) (*engine.Engine, error) {
	opts := engine.Options{Logger: log, Version: version()}
	if !useSystemInstall(&opts, log) {
		dir, err := extractModule()
		if err != nil {
			return nil, err
		}
		opts.ModuleDir = dir
	}
	return engine.New(opts)
}

// notebookEngine is what the kernel serves: the engine runs cells, code
// assistance reads them against what the engine's cells declared.
type notebookEngine struct {
	*engine.Engine
	cell.Assistant
}

func withAssistance(eng *engine.Engine) notebookEngine {
	a := &assist.Assistant{Dir: eng.ModuleDir(), GoCmd: eng.GoCommand(), Packages: eng.Packages()}
	return notebookEngine{Engine: eng, Assistant: a.For(eng.Scope)}
}

func serveKernel(connectionFile string, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))
	conn, err := jupyter.ReadConnectionFile(connectionFile)
	if err != nil {
		return err
	}
	// Under GoNB's name, for the engine (the page reaches the kernel by
	// it) and for cells.
	if id := jupyter.KernelID(connectionFile); id != "" {
		os.Setenv("GONB_JUPYTER_KERNEL_ID", id)
	}
	eng, err := newEngine(log)
	if err != nil {
		return err
	}
	k, err := jupyter.NewKernel(conn, withAssistance(eng), jupyter.Options{Logger: log, Version: version()})
	if err != nil {
		eng.Close()
		return err
	}
	// interrupt_mode "signal": Jupyter sends SIGINT to the kernel, which
	// passes it on to the running cell and stays up.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
			k.Interrupt()
		}
	}()
	// A front end that died may have taken the read end of the kernel's
	// stderr with it. Go kills a program writing to a broken stdout or
	// stderr unless it handles SIGPIPE; a log line must not end the
	// kernel before it has stopped its cell and removed its directory.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	// A terminal that closes sends SIGHUP: shut down cleanly, removing
	// the kernel's directory, as for SIGTERM.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	ctx, unwatch := jupyter.WatchParent(ctx)
	defer unwatch()
	context.AfterFunc(ctx, func() {
		if cause := context.Cause(ctx); errors.Is(cause, jupyter.ErrParentGone) {
			log.Warn("shutting down", "reason", cause)
		}
	})
	err = k.Run(ctx)
	if errors.Is(err, jupyter.ErrRestart) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func logLevel() slog.Level {
	if os.Getenv("GOPAR_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

// warm prepares the module and build caches so that the first cell of a
// notebook is fast and cells need no network afterwards: it runs a cell
// that uses the packages notebooks use most.
func warm(ctx context.Context) error {
	eng, err := newEngine(nil)
	if err != nil {
		return err
	}
	defer eng.Close()
	return warmEngine(ctx, eng)
}
