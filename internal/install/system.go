package install

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gopar/gopar/internal/system"
)

// DefaultSystemPrefix is where --system installs without --prefix: a
// kernelspec there is one every user's Jupyter finds.
const DefaultSystemPrefix = "/usr/local"

// prepareSystem checks the flags of a system install, points opts at it
// and has prepare fill the shared caches, before any kernelspec names
// them.
func prepareSystem(ctx context.Context, opts *Options, sys System, user, noWarm bool, stdout io.Writer, prepare func(context.Context, System) error) error {
	switch {
	case user:
		return errors.New("--system and --user exclude each other")
	case opts.JupyterDir != "":
		return errors.New("--system installs into PREFIX/share/jupyter; use --prefix, not --jupyter-dir")
	case noWarm:
		return errors.New("--system prepares the shared caches, which --no-warm would skip")
	case prepare == nil:
		return errors.New("--system is not supported by this build")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultSystemPrefix
	}
	prefix, err := filepath.Abs(opts.Prefix)
	if err != nil {
		return fmt.Errorf("prefix %q: %w", opts.Prefix, err)
	}
	opts.Prefix = prefix
	// Every user's kernel runs these binaries.
	exe, err := executable(opts.Executable)
	if err != nil {
		return err
	}
	goBin, err := findGo(opts.Go)
	if err != nil {
		return err
	}
	for _, p := range []string{exe, goBin} {
		if err := usableByAll(p); err != nil {
			return fmt.Errorf("%w; every user's kernel runs it (install gopar and Go where all can run them, such as /usr/local/bin and /usr/local/go)", err)
		}
	}
	sys.Dir = system.Dir(prefix)
	fmt.Fprintf(stdout, "Preparing the shared caches in %s for every user (the first time takes a few minutes)...\n", sys.Dir)
	if err := prepare(ctx, sys); err != nil {
		return fmt.Errorf("shared caches in %s: %w", sys.Dir, err)
	}
	opts.System = sys.Dir
	return nil
}

// usableByAll fails when others than its owner cannot run path: a
// directory on the way that they cannot enter, or a file they cannot
// read and execute.
func usableByAll(path string) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	info, err := os.Stat(real)
	if err != nil {
		return err
	}
	if info.Mode().Perm()&0o005 != 0o005 {
		return fmt.Errorf("%s cannot be run by other users (mode %v)", real, info.Mode().Perm())
	}
	for dir := filepath.Dir(real); ; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("other users cannot enter %s, which holds %s", dir, real)
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}
