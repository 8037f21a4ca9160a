package assist

import (
	"bytes"
	"context"
	"fmt"
	"go/build"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// retryFailedAfter is how long a package that could not be loaded is left
// alone before it is tried again (it may have been added to the work
// module since).
const retryFailedAfter = 30 * time.Second

// exportInfo is what `go list -export` said about a package.
type exportInfo struct {
	file   string // export data file, empty on failure
	err    string
	failed time.Time
}

// ensureExports runs one `go list -export -deps` for the paths not known
// yet. The go command runs without holding a.mu, so that a slow first
// load (which may compile the package) does not hold up other requests.
func (a *Assistant) ensureExports(paths []string) {
	now := time.Now()
	a.mu.Lock()
	a.initCaches()
	var missing []string
	for _, p := range paths {
		if p == "unsafe" || p == "C" || p == "" {
			continue
		}
		info, ok := a.exports[p]
		if ok && (info.file != "" || now.Sub(info.failed) < retryFailedAfter) {
			continue
		}
		missing = append(missing, p)
	}
	a.mu.Unlock()
	if len(missing) == 0 {
		return
	}
	sort.Strings(missing)
	missing = slices.Compact(missing)
	out, err := a.listExports(missing)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		for _, p := range missing {
			a.exports[p] = exportInfo{err: err.Error(), failed: now}
		}
		return
	}
	for p, info := range out {
		if info.file == "" {
			info.failed = now
		}
		if old, ok := a.exports[p]; ok && old.file != "" {
			continue // the gc importer may already have read that file
		}
		a.exports[p] = info
	}
	for _, p := range missing {
		if _, ok := out[p]; !ok {
			a.exports[p] = exportInfo{err: "not listed by go list", failed: now}
		}
	}
}

// listExports runs go list in the assistant's directory.
func (a *Assistant) listExports(paths []string) (map[string]exportInfo, error) {
	if a.listFunc != nil {
		return a.listFunc(paths)
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout())
	defer cancel()
	args := append([]string{"list", "-e", "-export", "-deps",
		"-f", "{{.ImportPath}}\t{{.Export}}\t{{if .Error}}{{.Error.Err}}{{end}}"}, paths...)
	cmd := exec.CommandContext(ctx, a.goCmd(), args...)
	cmd.Dir = a.Dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -export %s: %w: %s", strings.Join(paths, " "), err, strings.TrimSpace(stderr.String()))
	}
	res := make(map[string]exportInfo)
	for _, line := range strings.Split(string(out), "\n") {
		fields := strings.SplitN(line, "\t", 3)
		if len(fields) != 3 {
			continue
		}
		res[fields[0]] = exportInfo{file: fields[1], err: strings.ReplaceAll(fields[2], "\n", " ")}
	}
	return res, nil
}

// importPackage returns the type information of an imported package
// whose export data ensureExports has found. Callers hold a.mu.
func (a *Assistant) importPackage(p string) (*types.Package, error) {
	if p == "unsafe" {
		return types.Unsafe, nil
	}
	if pkg, ok := a.packages[p]; ok {
		return pkg, nil
	}
	info := a.exports[p]
	if info.file == "" {
		if info.err == "" {
			info.err = "no export data"
		}
		return nil, fmt.Errorf("import %q: %s", p, info.err)
	}
	if a.gc == nil {
		a.importFset = token.NewFileSet()
		a.gc = importer.ForCompiler(a.importFset, "gc", func(p string) (io.ReadCloser, error) {
			info, ok := a.exports[p]
			if !ok || info.file == "" {
				return nil, fmt.Errorf("no export data for %q", p)
			}
			return os.Open(info.file)
		})
	}
	pkg, err := a.gc.Import(p)
	if err != nil {
		// Export data written by a different toolchain than the one this
		// binary was built with may not be readable; type-check the
		// source instead.
		if a.src == nil {
			a.src = importer.ForCompiler(a.importFset, "source", nil).(types.ImporterFrom)
		}
		var serr error
		pkg, serr = a.src.ImportFrom(p, a.Dir, 0)
		if serr != nil {
			return nil, fmt.Errorf("import %q: %w (from source: %v)", p, err, serr)
		}
	}
	a.packages[p] = pkg
	return pkg, nil
}

// lockedImporter gives the type checker the assistant's package cache; the
// caller of Check holds a.mu.
type lockedImporter struct{ a *Assistant }

func (i lockedImporter) Import(p string) (*types.Package, error) { return i.a.importPackage(p) }

// stdIndex knows the standard library's package paths by package name.
type stdIndex struct {
	names  []string            // sorted distinct package names
	byName map[string][]string // name -> import paths, preferred first
}

// preferredStd chooses between standard packages sharing a name, the way
// a cell most often means it.
var preferredStd = map[string]string{
	"rand":     "math/rand",
	"template": "text/template",
	"scanner":  "text/scanner",
	"pprof":    "runtime/pprof",
}

// loadStdIndex walks GOROOT/src for importable standard packages.
func loadStdIndex(goroot string) stdIndex {
	idx := stdIndex{byName: make(map[string][]string)}
	if goroot == "" {
		return idx
	}
	src := filepath.Join(goroot, "src")
	_ = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		base := path.Base(rel)
		if base == "testdata" || base == "internal" || base == "vendor" || rel == "cmd" || rel == "builtin" ||
			strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") {
			return filepath.SkipDir
		}
		// Only packages with files for this platform and toolchain
		// (encoding/json/v2 needs an experiment, syscall/js a wasm target).
		bp, err := build.Default.ImportDir(p, 0)
		if err != nil || bp.Name == "main" || bp.Name == "documentation" {
			return nil
		}
		name := bp.Name
		idx.byName[name] = append(idx.byName[name], rel)
		return nil
	})
	for name, paths := range idx.byName {
		pref := preferredStd[name]
		sort.Slice(paths, func(i, j int) bool {
			if (paths[i] == pref) != (paths[j] == pref) {
				return paths[i] == pref
			}
			if (paths[i] == name) != (paths[j] == name) {
				return paths[i] == name
			}
			if len(paths[i]) != len(paths[j]) {
				return len(paths[i]) < len(paths[j])
			}
			return paths[i] < paths[j]
		})
		idx.names = append(idx.names, name)
	}
	sort.Strings(idx.names)
	return idx
}

// pkgNameFromPath guesses a package name from its import path: the last
// element, skipping a major version suffix such as v2.
func pkgNameFromPath(p string) string {
	p = strings.Trim(p, "/")
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		if dir := path.Dir(p); dir != "." {
			base = path.Base(dir)
		}
	}
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return strings.ReplaceAll(base, "-", "_")
}

// stdlib returns the standard library index, built on first use.
func (a *Assistant) stdlib() stdIndex {
	a.stdOnce.Do(func() {
		goroot := a.GOROOT
		if goroot == "" {
			goroot = build.Default.GOROOT
		}
		a.std = loadStdIndex(goroot)
	})
	return a.std
}

// goDoc runs `go doc args...` in the assistant's directory, caching the
// output. ok is false when go doc found nothing.
func (a *Assistant) goDoc(args ...string) (string, bool) {
	if a.docFunc != nil {
		return a.docFunc(args...)
	}
	key := strings.Join(args, "\x00")
	a.docMu.Lock()
	r, hit := a.docs[key]
	a.docMu.Unlock()
	if hit {
		return r.out, r.ok
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout())
	defer cancel()
	cmd := exec.CommandContext(ctx, a.goCmd(), append([]string{"doc"}, args...)...)
	cmd.Dir = a.Dir
	out, err := cmd.Output()
	r = docResult{out: strings.TrimRight(string(out), "\n"), ok: err == nil && len(bytes.TrimSpace(out)) > 0}
	if ctx.Err() != nil {
		return "", false // a timeout is not remembered: the next request may be luckier
	}
	a.docMu.Lock()
	if a.docs == nil {
		a.docs = make(map[string]docResult)
	}
	a.docs[key] = r
	a.docMu.Unlock()
	return r.out, r.ok
}

type docResult struct {
	out string
	ok  bool
}
