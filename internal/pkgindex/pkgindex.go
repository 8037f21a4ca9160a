// Package pkgindex knows which import path a package name in a cell
// means. The engine (adding the imports a cell leaves out) and code
// assistance (completing and inspecting `plot.` or `strings.`) ask the
// same index, so what a name completes to is what it runs as.
package pkgindex

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"go/build"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gopar/gopar/internal/atomicfile"
)

// WellKnown are packages notebooks use often enough that a cell may name
// them without an import, and the usual choice among standard packages
// that share a name.
var wellKnown = map[string]string{
	"parallel":   "github.com/gopar/gopar/parallel",
	"timing":     "github.com/gopar/gopar/parallel/timing",
	"store":      "github.com/gopar/gopar/parallel/store",
	"cache":      "github.com/gopar/gopar/parallel/cache",
	"timingplot": "github.com/gopar/gopar/parallel/timing/timingplot",
	"check":      "github.com/gopar/gopar/parallel/check",
	"cluster":    "github.com/gopar/gopar/parallel/cluster",
	"display":    "github.com/gopar/gopar/display",
	"plots":      "github.com/gopar/gopar/display/plots",
	"gonbui":     "github.com/janpfeifer/gonb/gonbui",
	"plot":       "gonum.org/v1/plot",
	"plotter":    "gonum.org/v1/plot/plotter",
	"plotutil":   "gonum.org/v1/plot/plotutil",
	"vg":         "gonum.org/v1/plot/vg",
	"mat":        "gonum.org/v1/gonum/mat",
	"stat":       "gonum.org/v1/gonum/stat",
	"floats":     "gonum.org/v1/gonum/floats",
	"errgroup":   "golang.org/x/sync/errgroup",
	// Names the standard library has twice: the usual choice.
	"rand":       "math/rand",
	"template":   "text/template",
	"scanner":    "text/scanner",
	"pprof":      "runtime/pprof",
	"constraint": "go/build/constraint",
}

// WellKnownPaths returns the import paths of the well-known packages that
// are not in the standard library, sorted: what the kernel's own module
// must provide to cells.
func WellKnownPaths() []string {
	var paths []string
	for _, p := range wellKnown {
		if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	return paths
}

// Index maps package names to import paths: the standard library of a Go
// root plus the well-known packages. The zero value reads the default Go
// root on first use; it is safe for concurrent use.
type Index struct {
	// GOROOT is the Go root whose src directory lists the standard
	// packages; empty means go/build's default.
	GOROOT string
	// CacheDir, when set, keeps the list of standard packages between
	// processes: reading the Go root takes about a tenth of a second,
	// which a kernel's first cell would otherwise wait for.
	CacheDir string

	once   sync.Once
	paths  map[string]string // name -> the one path it means
	names  []string          // every name, sorted
	byName map[string][]string
}

func (ix *Index) load() {
	ix.once.Do(func() {
		goroot := ix.GOROOT
		if goroot == "" {
			goroot = build.Default.GOROOT
		}
		ix.byName = ix.cachedStdPackages(goroot)
		ix.paths = make(map[string]string)
		for name, paths := range ix.byName {
			// A name the standard library has twice, with no usual
			// choice, is left to the general resolver, which looks at
			// what the cell selects from it.
			if len(paths) == 1 {
				ix.paths[name] = paths[0]
			}
		}
		for name, p := range wellKnown {
			ix.paths[name] = p
			if !containsPath(ix.byName[name], p) {
				ix.byName[name] = append([]string{p}, ix.byName[name]...)
			}
		}
		for name := range ix.byName {
			ix.names = append(ix.names, name)
		}
		sort.Strings(ix.names)
	})
}

func containsPath(paths []string, p string) bool {
	for _, q := range paths {
		if q == p {
			return true
		}
	}
	return false
}

// Lookup returns the import path a cell means by a package name.
func (ix *Index) Lookup(name string) (string, bool) {
	ix.load()
	p, ok := ix.paths[name]
	return p, ok
}

// Names returns every package name the index knows, sorted.
func (ix *Index) Names() []string {
	ix.load()
	return ix.names
}

// cachedStdPackages returns the standard packages of goroot, from the
// cache when it has them for this Go root and version.
func (ix *Index) cachedStdPackages(goroot string) map[string][]string {
	if ix.CacheDir == "" || goroot == "" {
		return stdPackages(goroot)
	}
	version, _ := os.ReadFile(filepath.Join(goroot, "VERSION"))
	sum := sha256.Sum256([]byte(goroot + "\x00" + runtime.GOOS + "/" + runtime.GOARCH + "\x00" + string(version)))
	file := filepath.Join(ix.CacheDir, "std-"+hex.EncodeToString(sum[:8])+".json")
	if b, err := os.ReadFile(file); err == nil {
		var byName map[string][]string
		if json.Unmarshal(b, &byName) == nil && len(byName) > 0 {
			return byName
		}
	}
	byName := stdPackages(goroot)
	if b, err := json.Marshal(byName); err == nil && len(byName) > 0 {
		atomicfile.Write(file, b, 0o644)
	}
	return byName
}

// stdPackages walks GOROOT/src for importable standard packages with
// files for this platform and toolchain (encoding/json/v2 needs an
// experiment, syscall/js a wasm target).
func stdPackages(goroot string) map[string][]string {
	byName := make(map[string][]string)
	if goroot == "" {
		return byName
	}
	src := filepath.Join(goroot, "src")
	_ = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
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
		bp, err := build.Default.ImportDir(p, 0)
		if err != nil || bp.Name == "main" || bp.Name == "documentation" {
			return nil
		}
		byName[bp.Name] = append(byName[bp.Name], rel)
		return nil
	})
	for name, paths := range byName {
		sort.Slice(paths, func(i, j int) bool {
			if (paths[i] == name) != (paths[j] == name) {
				return paths[i] == name
			}
			if len(paths[i]) != len(paths[j]) {
				return len(paths[i]) < len(paths[j])
			}
			return paths[i] < paths[j]
		})
	}
	return byName
}

// ImportName is the name a file uses for an import of path without a
// name of its own. Where the last element of the path is not the package
// name, the usual conventions apply: a major version suffix is skipped
// (math/rand/v2, gopkg.in/yaml.v3), a "go-" prefix and a ".suffix" are
// dropped, and dashes become underscores.
func ImportName(importPath string) string {
	p := strings.Trim(importPath, "/")
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' {
		if _, err := strconv.Atoi(base[1:]); err == nil {
			if dir := path.Dir(p); dir != "." {
				base = path.Base(dir)
			}
		}
	}
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	base = strings.TrimPrefix(base, "go-")
	return strings.ReplaceAll(base, "-", "_")
}
