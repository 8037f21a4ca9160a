package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
)

// workModule is the Go module, in the engine's work directory, that cells
// are composed into. It requires github.com/gopar/gopar through a replace
// pointing at the kernel's own source, so cells import the parallel
// package of exactly the kernel's version without any network.
type workModule struct {
	dir   string
	goBin string
	// binDir holds built programs, named by the hash of what built them,
	// so re-running an unchanged cell does not rebuild.
	binDir string
	builds atomic.Int64 // go build runs, for tests of the cache
}

var moduleLine = regexp.MustCompile(`(?m)^module\s+\S+\s*$`)

// newWorkModule writes go.mod and go.sum in dir. The module's
// requirements are the kernel module's own, so every package the kernel
// module can reach (gonum, gonbui, ...) is available to cells from the
// module cache.
func newWorkModule(dir, moduleDir, goBin string) (*workModule, error) {
	gomod, err := os.ReadFile(filepath.Join(moduleDir, "go.mod"))
	if err != nil {
		return nil, fmt.Errorf("read kernel module: %w", err)
	}
	gosum, err := os.ReadFile(filepath.Join(moduleDir, "go.sum"))
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("read kernel module: %w", err)
	}
	absModule, err := filepath.Abs(moduleDir)
	if err != nil {
		return nil, fmt.Errorf("kernel module dir: %w", err)
	}
	text := moduleLine.ReplaceAllString(string(gomod), "module gopar.cells")
	text += fmt.Sprintf("\nrequire github.com/gopar/gopar v0.0.0\n\nreplace github.com/gopar/gopar => %s\n", absModule)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("work dir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(text), 0o644); err != nil {
		return nil, fmt.Errorf("write work go.mod: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), gosum, 0o644); err != nil {
		return nil, fmt.Errorf("write work go.sum: %w", err)
	}
	binDir := filepath.Join(dir, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return nil, fmt.Errorf("work dir: %w", err)
	}
	return &workModule{dir: dir, goBin: goBin, binDir: binDir}, nil
}

// buildError is a failed `go build`, with the compiler's output.
type buildError struct {
	output string
}

func (e *buildError) Error() string { return "build failed:\n" + e.output }

// build compiles src as the module's main package and returns the path of
// the program. An identical source and flags reuse the earlier program.
func (w *workModule) build(ctx context.Context, src string, goflags []string, env []string) (string, error) {
	h := sha256.New()
	h.Write([]byte(src))
	h.Write([]byte(strings.Join(goflags, "\x00")))
	bin := filepath.Join(w.binDir, "cell-"+hex.EncodeToString(h.Sum(nil))[:20])
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.WriteFile(filepath.Join(w.dir, "main.go"), []byte(src), 0o644); err != nil {
		return "", fmt.Errorf("write program: %w", err)
	}
	args := append([]string{"build", "-o", bin}, goflags...)
	args = append(args, ".")
	w.builds.Add(1)
	cmd := exec.CommandContext(ctx, w.goBin, args...)
	cmd.Dir = w.dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if _, ok := err.(*exec.ExitError); ok {
			return "", &buildError{output: string(out)}
		}
		return "", fmt.Errorf("run go build: %w", err)
	}
	w.prune(bin)
	return bin, nil
}

// prune keeps the directory of built programs small: the newest few stay,
// enough for re-running recent cells without a rebuild.
func (w *workModule) prune(keep string) {
	const maxPrograms = 32
	entries, err := os.ReadDir(w.binDir)
	if err != nil || len(entries) <= maxPrograms {
		return
	}
	type aged struct {
		path string
		mod  int64
	}
	var all []aged
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			all = append(all, aged{filepath.Join(w.binDir, e.Name()), info.ModTime().UnixNano()})
		}
	}
	for len(all) > maxPrograms {
		oldest := 0
		for i := range all {
			if all[i].mod < all[oldest].mod {
				oldest = i
			}
		}
		if all[oldest].path != keep {
			os.Remove(all[oldest].path)
		}
		all = append(all[:oldest], all[oldest+1:]...)
	}
}
