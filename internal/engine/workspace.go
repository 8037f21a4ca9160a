package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
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
	builds atomic.Int64 // builds run, for tests of the cache
	direct directBuilder
	// initial is go.mod and go.sum as the kernel made them, for
	// %reset go.mod.
	initial goModFiles
	// noAutoGet stops builds from adding the modules they miss
	// (%noautoget).
	noAutoGet bool
	track     tracker // %track
}

// kernelModule is the module of the kernel's own packages, which cells
// import.
const kernelModule = "github.com/gopar/gopar"

// The module of parallel/cluster, and its directory in the kernel's.
const (
	clusterModule = "github.com/gopar/gopar/parallel/cluster"
	clusterDir    = "parallel/cluster"
)

var moduleLine = regexp.MustCompile(`(?m)^module\s+\S+\s*$`)

// newWorkModule writes go.mod and go.sum in dir. The module's
// requirements are the kernel module's own, so every package the kernel
// module can reach (gonum, gonbui, ...) is available to cells from the
// module cache.
func newWorkModule(dir, moduleDir, goBin string, replace []Replacement) (*workModule, error) {
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
	text += fmt.Sprintf("\nrequire %s v0.0.0\n\nreplace %[1]s => %s\n", kernelModule, absModule)
	for _, r := range replace {
		text += fmt.Sprintf("replace %s %s => %s\n", r.Path, r.Version, r.Dir)
	}
	// parallel/cluster is a module of its own, so that Beam comes only to
	// programs that use it: it is replaced but not required, and the
	// first cell that imports it adds it, with Beam, through the proxy.
	if st, err := os.Stat(filepath.Join(absModule, clusterDir, "go.mod")); err == nil && !st.IsDir() {
		text += fmt.Sprintf("\nreplace %s => %s\n", clusterModule, filepath.Join(absModule, clusterDir))
	}
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
	w := &workModule{dir: dir, goBin: goBin, binDir: binDir, initial: goModFiles{[]byte(text), gosum}}
	w.direct.w = w
	return w, nil
}

// buildError is a failed build, with the compiler's output.
type buildError struct {
	output string
}

func (e *buildError) Error() string { return "build failed:\n" + e.output }

// How a program was built, as %time reports it.
const (
	builtReused = "reused"   // an identical program was at hand
	builtDirect = "direct"   // compiler and linker, no go command
	builtGo     = "go build" // cgo, %goflags, or what the direct path cannot serve
)

// build compiles src as the module's main package and returns the path of
// the program and how it was built. The same source, flags and
// dependencies reuse the earlier program. Packages from modules not yet
// required are added through the module proxy first, their download
// reported to progress.
func (w *workModule) build(ctx context.Context, src string, goflags []string, env []string, progress io.Writer) (bin, how string, err error) {
	for added := false; ; added = true {
		bin, how, err = w.buildOnce(ctx, src, goflags, env, progress)
		var mm *missingModuleError
		if !errors.As(err, &mm) || added || w.noAutoGet {
			break
		}
		if err := w.addMissing(ctx, env, progress, mm.packages); err != nil {
			return "", "", err
		}
	}
	if err != nil {
		return "", "", err
	}
	w.prune(bin)
	return bin, how, nil
}

// buildOnce builds src into a program named by everything it is built
// from, directly when it can.
func (w *workModule) buildOnce(ctx context.Context, src string, goflags []string, env []string, progress io.Writer) (bin, how string, err error) {
	inputs := w.buildInputs()
	cfg, err := w.direct.resolveSource(ctx, src, inputs, env, progress)
	var mm *missingModuleError
	if errors.As(err, &mm) || ctx.Err() != nil {
		return "", "", err
	}
	h := sha256.New()
	h.Write([]byte(src))
	h.Write([]byte(strings.Join(goflags, "\x00")))
	h.Write([]byte(inputs))
	if cfg != nil {
		// The configuration names every dependency's compiled archive,
		// which changes when its source does (a %goreplace directory).
		h.Write([]byte(cfg.file))
	} else {
		gomod, _ := os.ReadFile(filepath.Join(w.dir, "go.mod"))
		h.Write(gomod)
	}
	bin = filepath.Join(w.binDir, "cell-"+hex.EncodeToString(h.Sum(nil))[:20])
	if _, err := os.Stat(bin); err == nil {
		now := time.Now()
		os.Chtimes(bin, now, now) // recently used: the last to be pruned
		return bin, builtReused, nil
	}
	if err := os.WriteFile(filepath.Join(w.dir, "main.go"), []byte(src), 0o644); err != nil {
		return "", "", fmt.Errorf("write program: %w", err)
	}
	w.builds.Add(1)
	if cfg != nil && len(goflags) == 0 {
		return bin, builtDirect, w.direct.build(ctx, cfg, bin, env)
	}
	args := append([]string{"build", "-o", bin}, goflags...)
	args = append(args, ".")
	cmd := exec.CommandContext(ctx, w.goBin, args...)
	cmd.Dir = w.dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			return "", builtGo, ctx.Err()
		}
		if missing := missingModules(string(out)); len(missing) > 0 {
			return "", builtGo, &missingModuleError{packages: missing}
		}
		if _, ok := err.(*exec.ExitError); ok {
			return "", builtGo, &buildError{output: string(out)}
		}
		return "", builtGo, fmt.Errorf("run go build: %w", err)
	}
	return bin, builtGo, nil
}

// Kept programs are capped, so that a long session does not fill the
// disk: the least recently used go first.
const (
	maxPrograms     = 32
	maxProgramBytes = 64 << 20
)

// prune removes the least recently used programs beyond the caps, never
// keep (the one about to run).
func (w *workModule) prune(keep string) {
	entries, err := os.ReadDir(w.binDir)
	if err != nil {
		return
	}
	type aged struct {
		path string
		size int64
		used time.Time
	}
	var all []aged
	var total int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			all = append(all, aged{filepath.Join(w.binDir, e.Name()), info.Size(), info.ModTime()})
			total += info.Size()
		}
	}
	slices.SortFunc(all, func(a, b aged) int { return a.used.Compare(b.used) })
	n := len(all)
	for _, a := range all {
		if n <= maxPrograms && total <= maxProgramBytes {
			break
		}
		if a.path != keep && os.Remove(a.path) == nil {
			n--
			total -= a.size
		}
	}
}
