package main

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cell/celltest"
	"github.com/gopar/gopar/internal/clustersrc"
	"github.com/gopar/gopar/internal/engine"
)

// moduleSource is the part of this module that cells import, built into
// the binary so that kernel and library versions always match and cells
// need no network to get them.
//
//go:embed go.mod go.sum display kernel/cellrt internal/atomicfile internal/cachestore internal/carry internal/childproto internal/notebook parallel
var moduleSource embed.FS

// extractModule writes the embedded module source to the user's cache
// directory, once per distinct content, and returns its path.
func extractModule() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return extractModuleInto(filepath.Join(cache, "gopar"))
}

// moduleName is the name of the directory the embedded module source is
// extracted to, which changes with its content, and the files it holds.
func moduleName() (string, []sourceFile, error) {
	h := sha256.New()
	var files []sourceFile
	add := func(path string, b []byte) {
		files = append(files, sourceFile{path, b})
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
	}
	err := fs.WalkDir(moduleSource, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(path, "_test.go") || strings.Contains(path, "/testdata/") {
			return nil
		}
		b, err := moduleSource.ReadFile(path)
		if err != nil {
			return err
		}
		add(path, b)
		return nil
	})
	if err != nil {
		return "", nil, fmt.Errorf("read built-in module: %w", err)
	}
	// parallel/cluster is a module of its own, which embed skips; cells
	// that import it reach it through a replace of the work module.
	for _, f := range clustersrc.Files() {
		add(clustersrc.Dir+"/"+f.Name, f.Data)
	}
	return "module-" + hex.EncodeToString(h.Sum(nil))[:16], files, nil
}

// extractModuleInto writes the embedded module source into parent, once
// per distinct content, and returns its path.
func extractModuleInto(parent string) (string, error) {
	name, files, err := moduleName()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(parent, name)
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("module cache dir: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".module-")
	if err != nil {
		return "", fmt.Errorf("module cache dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range files {
		target := filepath.Join(tmp, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return "", fmt.Errorf("extract module: %w", err)
		}
		if err := os.WriteFile(target, f.data, 0o644); err != nil {
			return "", fmt.Errorf("extract module: %w", err)
		}
	}
	// Another kernel may have extracted the same content meanwhile; its
	// copy is as good as ours.
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "go.mod")); statErr == nil {
			return dir, nil
		}
		return "", fmt.Errorf("extract module: %w", err)
	}
	return dir, nil
}

// sourceFile is one file of the module source, its path slash-separated.
type sourceFile struct {
	path string
	data []byte
}

// warmCell uses the packages notebooks use most, so building it fills
// the build cache with them.
const warmCell = `import (
	"github.com/gopar/gopar/parallel"
	"github.com/gopar/gopar/parallel/cache"
	"github.com/gopar/gopar/parallel/check"
	"github.com/gopar/gopar/parallel/store"
	"github.com/gopar/gopar/parallel/timing"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/gopar/gopar/display"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)
squares, err := parallel.Map([]int{1, 2, 3}, func(x int) int { return x * x })
_ = timing.Amdahl(0.1, 2)
_ = check.Equal
_ = store.Save
_ = cache.Func[int, int]
p := plot.New()
pts := plotter.XYs{{X: 1, Y: 1}}
l, _ := plotter.NewLine(pts)
p.Add(l)
_, _ = p.WriterTo(2*vg.Inch, 2*vg.Inch, "png")
_ = gonbui.IsNotebook
display.ClearOutput(true)
fmt.Println("warm:", squares, err)
`

func warmEngine(ctx context.Context, eng *engine.Engine) error {
	// The warm cell fills the build cache; a plain one also leaves the
	// resolved dependencies of the commonest imports for a new kernel's
	// first cell.
	return warmCells(ctx, eng, warmCell, `fmt.Println("warm")`)
}

// warmCells runs cells in eng, one after another, stopping at the first
// that fails.
func warmCells(ctx context.Context, eng *engine.Engine, cells ...string) error {
	for i, code := range cells {
		var rec celltest.Recorder
		res := eng.Execute(ctx, cell.Request{Code: code, Count: i + 1}, &rec)
		if res.Err != nil {
			return fmt.Errorf("warm build caches: %s\n%s\n%s", res.Err.Value, strings.Join(res.Err.Traceback, "\n"), rec.Stderr())
		}
	}
	return nil
}
