package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gopar/gopar/internal/engine"
	"github.com/gopar/gopar/internal/install"
	"github.com/gopar/gopar/internal/pkgindex"
	"github.com/gopar/gopar/internal/system"
)

// useSystemInstall points opts, and the go commands the kernel runs, at
// the system install $GOPAR_SYSTEM names, and reports whether it did. An
// install that cannot be trusted, or was made by another version of
// gopar, is passed over with a warning: the kernel then works as a
// user's own.
func useSystemInstall(opts *engine.Options, log *slog.Logger) bool {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := system.FromEnv()
	if errors.Is(err, system.ErrNotInstalled) {
		return false
	}
	if err != nil {
		log.Warn("not using the shared caches", "err", err)
		return false
	}
	name, _, err := moduleName()
	if err != nil {
		log.Warn("not using the shared caches", "err", err)
		return false
	}
	if filepath.Base(cfg.ModuleDir) != name {
		log.Warn("not using the shared caches: they were made for another version of gopar; run gopar install --system again", "dir", cfg.Dir)
		return false
	}
	exe, err := os.Executable()
	if err != nil {
		log.Warn("not using the shared caches", "err", err)
		return false
	}
	for _, kv := range cfg.Environ(exe, os.Environ()) {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	applySystem(opts, cfg)
	return true
}

// applySystem makes an engine build as every kernel of the install does.
func applySystem(opts *engine.Options, cfg *system.Config) {
	opts.ModuleDir = cfg.ModuleDir
	for _, m := range cfg.Modules {
		opts.Replace = append(opts.Replace, engine.Replacement{Path: m.Path, Version: m.Version, Dir: m.Dir})
	}
	opts.FixedDirs = []string{cfg.ModuleDir, cfg.ModCache, filepath.Join(cfg.Dir, system.NoGoModName)}
	opts.MaxMemLimit, opts.MaxTimeout = cfg.MemLimit, cfg.Timeout
	opts.SharedBuildCache = cfg.BuildCache
	opts.SharedCacheDir = filepath.Join(cfg.Dir, system.KernelCacheName)
}

// warmSystem is `gopar install --system`'s work: it extracts the module
// source cells build against, downloads the modules they use into the
// shared module cache and compiles every package cells import by name
// into the shared build cache, all at the paths every user's kernel will
// build them from, then leaves them writable by their owner only.
func warmSystem(ctx context.Context, sys install.System) error {
	cfg := &system.Config{
		Dir:        sys.Dir,
		BuildCache: filepath.Join(sys.Dir, system.BuildCacheName),
		ModCache:   filepath.Join(sys.Dir, system.ModCacheName),
	}
	var err error
	if sys.MemLimit != "" {
		if cfg.MemLimit, err = engine.ParseMemLimit(sys.MemLimit); err != nil {
			return fmt.Errorf("--memlimit: %w", err)
		}
	}
	if sys.Timeout != "" {
		if cfg.Timeout, err = engine.ParseTimeout(sys.Timeout); err != nil {
			return fmt.Errorf("--timeout: %w", err)
		}
	}
	if err := os.MkdirAll(sys.Dir, 0o755); err != nil {
		return err
	}
	if cfg.ModuleDir, err = extractModuleInto(sys.Dir); err != nil {
		return err
	}
	// The install's go commands write the shared caches themselves.
	os.Setenv("GOCACHE", cfg.BuildCache)
	os.Setenv("GOMODCACHE", cfg.ModCache)
	os.Unsetenv("GOCACHEPROG")
	os.Unsetenv(system.Env)
	// Users' kernels do not see the administrator's environment: build
	// as they will.
	os.Unsetenv("GOFLAGS")

	// Once to download the modules cells use, once to build them from
	// where every kernel will.
	if err := warmWith(ctx, engine.Options{ModuleDir: cfg.ModuleDir, CacheDir: "off"}, warmCell); err != nil {
		return err
	}
	if cfg.Modules, err = sharedModules(ctx, cfg); err != nil {
		return err
	}
	// The resolved imports of the first cells are kept for every kernel.
	opts := engine.Options{CacheDir: filepath.Join(cfg.Dir, system.KernelCacheName)}
	applySystem(&opts, cfg)
	if err := warmWith(ctx, opts, everyPackageCell(), warmCell); err != nil {
		return err
	}
	// A kernel's cells import what earlier cells did: each kind of first
	// cell in a new kernel, and all of them one after another as a lesson
	// starts, are the resolutions a new user's kernel meets first.
	for _, cell := range firstCells {
		if err := warmWith(ctx, opts, cell); err != nil {
			return err
		}
	}
	if err := warmWith(ctx, opts, firstCells...); err != nil {
		return err
	}
	if err := cfg.Save(); err != nil {
		return err
	}
	return ownerWritableOnly(sys.Dir)
}

// firstCells are the kinds of cell a lesson starts with; building them
// once leaves nothing for a new user's first cell of each kind to
// compile but the cell itself.
var firstCells = []string{
	`fmt.Println("hello")`,
	`squares, err := parallel.Map([]int{1, 2, 3}, func(x int) int { return x * x })
fmt.Println(squares, err)`,
	`p := plot.New()
pts := plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 4}}
line, _ := plotter.NewLine(pts)
p.Add(line)
p`,
}

// clusterPath is package cluster, which the system install leaves out.
const clusterPath = "github.com/gopar/gopar/parallel/cluster"

// everyPackageCell imports every package cells may use without an
// import line, but cluster.
func everyPackageCell() string {
	var b strings.Builder
	b.WriteString("import (\n")
	for _, p := range pkgindex.WellKnownPaths() {
		if p == clusterPath {
			// A module of its own, which brings Apache Beam and newer
			// versions of shared modules: a class that wants it adds it
			// on first use, per user.
			continue
		}
		fmt.Fprintf(&b, "\t_ %q\n", p)
	}
	b.WriteString(")\nfmt.Println(\"warm\")\n")
	return b.String()
}

func warmWith(ctx context.Context, opts engine.Options, cells ...string) error {
	eng, err := engine.New(opts)
	if err != nil {
		return err
	}
	defer eng.Close()
	return warmCells(ctx, eng, cells...)
}

// sharedModules lists the modules of the shared module cache that cells
// can build in place. The go command builds a module from a directory
// only when it has a go.mod; a module published without one is copied
// beside the cache and given the go.mod the go command would assume.
func sharedModules(ctx context.Context, cfg *system.Config) ([]system.Module, error) {
	goBin, err := exec.LookPath("go")
	if v := os.Getenv("GOPAR_GO"); v != "" {
		goBin, err = v, nil
	}
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, goBin, "list", "-mod=readonly", "-m", "-json", "all")
	cmd.Dir = cfg.ModuleDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m all: %w\n%s", err, stderr.String())
	}
	var mods []system.Module
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct {
			Path, Version, Dir string
			Main               bool
		}
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("read go list -m all: %w", err)
		}
		if m.Main || m.Dir == "" || m.Version == "" {
			continue
		}
		dir := m.Dir
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
			dir = filepath.Join(cfg.Dir, system.NoGoModName, filepath.FromSlash(m.Path)+"@"+m.Version)
			if err := copyWithGoMod(m.Dir, dir, m.Path); err != nil {
				return nil, err
			}
		}
		mods = append(mods, system.Module{Path: m.Path, Version: m.Version, Dir: dir})
	}
	return mods, nil
}

// copyWithGoMod copies the module in src to dst, once, adding a go.mod.
func copyWithGoMod(src, dst, path string) error {
	if _, err := os.Stat(filepath.Join(dst, "go.mod")); err == nil {
		return nil
	}
	tmp := dst + ".new"
	os.RemoveAll(tmp)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(tmp, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err == nil {
		err = os.WriteFile(filepath.Join(tmp, "go.mod"), []byte("module "+path+"\n"), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("copy module %s: %w", path, err)
	}
	return nil
}

// ownerWritableOnly makes everything under dir readable by all and
// writable by its owner only, whatever umask it was made under: kernels
// refuse a shared cache others could write.
func ownerWritableOnly(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode().Perm() | 0o444
		if d.IsDir() || mode&0o100 != 0 {
			mode |= 0o111
		}
		if mode &^= 0o022; mode != info.Mode().Perm() {
			return os.Chmod(p, mode)
		}
		return nil
	})
}
