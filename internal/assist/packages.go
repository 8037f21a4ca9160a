package assist

import (
	"bytes"
	"context"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gopar/gopar/internal/pkgindex"
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

// index returns the package index shared with the engine, or one of
// the assistant's own.
func (a *Assistant) index() *pkgindex.Index {
	a.pkgOnce.Do(func() {
		if a.Packages == nil {
			a.Packages = &pkgindex.Index{GOROOT: a.GOROOT}
		}
	})
	return a.Packages
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
