package cacheprog

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Command is `gopar cacheprog [-shared DIR]`, what GOCACHEPROG names: it
// serves the go command on stdin and stdout, reading DIR before the
// user's own cache, $GOCACHE (which the go command sets for it).
func Command(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gopar cacheprog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shared := fs.String("shared", "", "read the build cache in `DIR` first")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("cacheprog: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("cacheprog: unexpected argument %q", fs.Arg(0))
	}
	own, err := ownDir()
	if err != nil {
		return fmt.Errorf("cacheprog: %w", err)
	}
	s := &Server{Shared: *shared, Own: own, Warn: func(msg string) { fmt.Fprintln(stderr, "gopar:", msg) }}
	return s.Serve(ctx, stdin, stdout)
}

// ownDir is the user's build cache as the go command finds it.
func ownDir() (string, error) {
	if dir := os.Getenv("GOCACHE"); dir != "" {
		if dir == "off" || !filepath.IsAbs(dir) {
			return "", fmt.Errorf("GOCACHE=%s is not a usable build cache", dir)
		}
		return dir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", errors.Join(errors.New("no build cache: GOCACHE is unset"), err)
	}
	return filepath.Join(dir, "go-build"), nil
}
