package pkgindex

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestImportName(t *testing.T) {
	tests := map[string]string{
		"fmt":                             "fmt",
		"math/rand/v2":                    "rand",
		"gopkg.in/yaml.v3":                "yaml",
		"github.com/go-zeromq/zmq4":       "zmq4",
		"github.com/mattn/go-isatty":      "isatty",
		"github.com/some/multi-word":      "multi_word",
		"gonum.org/v1/plot":               "plot",
		"github.com/gopar/gopar/parallel": "parallel",
		"example.com/v2":                  "example",
	}
	for path, want := range tests {
		if got := ImportName(path); got != want {
			t.Errorf("ImportName(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	var ix Index
	tests := map[string]string{
		"strings":  "strings",
		"json":     "encoding/json",
		"rand":     "math/rand",
		"template": "text/template",
		"parallel": "github.com/gopar/gopar/parallel",
		"timing":   "github.com/gopar/gopar/parallel/timing",
		"plot":     "gonum.org/v1/plot",
	}
	for name, want := range tests {
		if got, ok := ix.Lookup(name); !ok || got != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if p, ok := ix.Lookup("nosuchpackage"); ok {
		t.Errorf("Lookup(nosuchpackage) = %q", p)
	}
	names := ix.Names()
	if !slices.IsSorted(names) || !slices.Contains(names, "strings") || !slices.Contains(names, "parallel") {
		t.Errorf("Names() = %d names, sorted %v, want strings and parallel among them", len(names), slices.IsSorted(names))
	}
}

// The kernel's module must provide every well-known package to cells:
// internal/cellpkgs imports each, so that go mod tidy keeps them.
func TestCellPackagesPinWellKnown(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../cellpkgs/cellpkgs.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var pinned []string
	for _, is := range f.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		pinned = append(pinned, p)
	}
	slices.Sort(pinned)
	for _, p := range WellKnownPaths() {
		if strings.HasPrefix(p, "github.com/gopar/gopar/") {
			continue // this module's own
		}
		if !slices.Contains(pinned, p) {
			t.Errorf("internal/cellpkgs does not import well-known %s", p)
		}
	}
}

func TestCachedIndexMatchesAFreshOne(t *testing.T) {
	dir := t.TempDir()
	fresh := &Index{}
	first := &Index{CacheDir: dir}
	again := &Index{CacheDir: dir}
	if !slices.Equal(first.Names(), fresh.Names()) {
		t.Fatalf("index with an empty cache lists %d names, a fresh one %d", len(first.Names()), len(fresh.Names()))
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "std-*.json")); len(files) != 1 {
		t.Fatalf("cache files = %v, want one", files)
	}
	if !slices.Equal(again.Names(), fresh.Names()) {
		t.Errorf("index read from the cache differs from a fresh one")
	}
	for _, name := range []string{"json", "rand", "strings"} {
		a, _ := again.Lookup(name)
		f, _ := fresh.Lookup(name)
		if a != f {
			t.Errorf("Lookup(%q) from the cache = %q, fresh %q", name, a, f)
		}
	}
}
