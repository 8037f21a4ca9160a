package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/engine"
	"github.com/gopar/gopar/internal/system"
)

// fakeInstall lays out a system install whose module source is named as
// this binary's would be, or as name says.
func fakeInstall(t *testing.T, name string) *system.Config {
	t.Helper()
	if name == "" {
		var err error
		if name, _, err = moduleName(); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "gopar")
	c := &system.Config{
		Dir:        dir,
		ModuleDir:  filepath.Join(dir, name),
		BuildCache: filepath.Join(dir, system.BuildCacheName),
		ModCache:   filepath.Join(dir, system.ModCacheName),
		Modules:    []system.Module{{Path: "gonum.org/v1/gonum", Version: "v0.17.0", Dir: filepath.Join(dir, system.ModCacheName, "gonum.org", "v1", "gonum@v0.17.0")}},
		MemLimit:   1 << 30,
		Timeout:    time.Minute,
	}
	for _, d := range []string{c.ModuleDir, c.BuildCache, c.ModCache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(c.ModuleDir, "go.mod"), []byte("module github.com/gopar/gopar\n"), 0o644)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestUseSystemInstall(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T) string // the value of $GOPAR_SYSTEM
		wantUsed bool
		wantWarn string
	}{
		{"none", func(t *testing.T) string { return "" }, false, ""},
		{"this version's", func(t *testing.T) string { return fakeInstall(t, "").Dir }, true, ""},
		{"another version's", func(t *testing.T) string { return fakeInstall(t, "module-0000000000000000").Dir }, false, "another version of gopar"},
		{"writable by all", func(t *testing.T) string {
			c := fakeInstall(t, "")
			os.Chmod(c.BuildCache, 0o777)
			return c.Dir
		}, false, "writable by others"},
		{"missing", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nothing") }, false, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(system.Env, tt.setup(t))
			t.Setenv("GOCACHEPROG", "")
			t.Setenv("GOPROXY", "https://proxy.example")
			var logged bytes.Buffer
			var opts engine.Options
			used := useSystemInstall(&opts, slog.New(slog.NewTextHandler(&logged, nil)))
			if used != tt.wantUsed {
				t.Fatalf("used = %v, want %v (log: %s)", used, tt.wantUsed, logged.String())
			}
			if tt.wantWarn != "" && !strings.Contains(logged.String(), tt.wantWarn) {
				t.Errorf("log %q, want a warning containing %q", logged.String(), tt.wantWarn)
			}
			if !used {
				if opts.ModuleDir != "" || os.Getenv("GOCACHEPROG") != "" {
					t.Errorf("a refused install changed the kernel: %+v, GOCACHEPROG=%q", opts, os.Getenv("GOCACHEPROG"))
				}
				return
			}
			dir := os.Getenv(system.Env)
			if !strings.HasPrefix(opts.ModuleDir, dir) || opts.SharedBuildCache != filepath.Join(dir, system.BuildCacheName) ||
				len(opts.Replace) != 1 || opts.MaxMemLimit != 1<<30 || opts.MaxTimeout != time.Minute {
				t.Errorf("options %+v", opts)
			}
			if prog := os.Getenv("GOCACHEPROG"); !strings.Contains(prog, " cacheprog -shared "+filepath.Join(dir, system.BuildCacheName)) {
				t.Errorf("GOCACHEPROG=%q", prog)
			}
			if proxy := os.Getenv("GOPROXY"); !strings.HasPrefix(proxy, "file://"+dir) || !strings.HasSuffix(proxy, ",https://proxy.example") {
				t.Errorf("GOPROXY=%q, want the shared module cache ahead of the user's proxy", proxy)
			}
		})
	}
}

func TestOwnerWritableOnly(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a", "b"), 0o777)
	os.Chmod(filepath.Join(dir, "a"), 0o770)
	os.WriteFile(filepath.Join(dir, "a", "b", "f"), nil, 0o660)
	os.WriteFile(filepath.Join(dir, "a", "x"), nil, 0o775)
	if err := ownerWritableOnly(dir); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{"a": 0o755, "a/b": 0o755, "a/b/f": 0o644, "a/x": 0o755} {
		info, err := os.Stat(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), want)
		}
	}
}

// TestEveryPackageCellLeavesOutCluster: the system install builds every
// package cells name but cluster, whose module brings Beam and newer
// versions of the modules the others share.
func TestEveryPackageCellLeavesOutCluster(t *testing.T) {
	cell := everyPackageCell()
	if strings.Contains(cell, clusterPath) {
		t.Errorf("the system install's cell imports cluster:\n%s", cell)
	}
	if !strings.Contains(cell, "github.com/gopar/gopar/parallel/cache") {
		t.Errorf("the system install's cell lacks the other packages:\n%s", cell)
	}
}
