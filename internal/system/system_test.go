package system

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// newInstall lays out a system install in a new directory, as
// `gopar install --system` leaves it, and returns its config.
func newInstall(t *testing.T) *Config {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "gopar")
	c := &Config{
		Dir:        dir,
		ModuleDir:  filepath.Join(dir, "module-0123456789abcdef"),
		BuildCache: filepath.Join(dir, BuildCacheName),
		ModCache:   filepath.Join(dir, ModCacheName),
		Modules:    []Module{{Path: "gonum.org/v1/gonum", Version: "v0.17.0", Dir: filepath.Join(dir, ModCacheName, "gonum.org", "v1", "gonum@v0.17.0")}},
		MemLimit:   2 << 30,
		Timeout:    time.Minute,
	}
	for _, d := range []string{c.ModuleDir, c.BuildCache, c.ModCache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(c.ModuleDir, "go.mod"), []byte("module github.com/gopar/gopar\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSaveLoad(t *testing.T) {
	c := newInstall(t)
	got, err := Load(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.ModuleDir != c.ModuleDir || got.BuildCache != c.BuildCache || got.ModCache != c.ModCache ||
		len(got.Modules) != 1 || got.Modules[0] != c.Modules[0] || got.MemLimit != c.MemLimit || got.Timeout != c.Timeout {
		t.Errorf("Load() = %+v, want %+v", got, c)
	}
	b, _ := os.ReadFile(filepath.Join(c.Dir, configFile))
	if strings.Contains(string(b), c.Dir) {
		t.Errorf("the config names absolute paths; an install moved with its prefix would break:\n%s", b)
	}
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name    string
		spoil   func(t *testing.T, c *Config)
		wantErr string
	}{
		{"install writable by all", func(t *testing.T, c *Config) { os.Chmod(c.Dir, 0o777) }, "writable by others"},
		{"config writable by group", func(t *testing.T, c *Config) { os.Chmod(filepath.Join(c.Dir, configFile), 0o664) }, "writable by others"},
		{"build cache writable by all", func(t *testing.T, c *Config) { os.Chmod(c.BuildCache, 0o777) }, "writable by others"},
		{"module's go.mod writable by all", func(t *testing.T, c *Config) { os.Chmod(filepath.Join(c.ModuleDir, "go.mod"), 0o666) }, "writable by others"},
		{"module cache a symbolic link", func(t *testing.T, c *Config) {
			os.Remove(c.ModCache)
			os.Symlink(t.TempDir(), c.ModCache)
		}, "symbolic link"},
		{"path outside the install", func(t *testing.T, c *Config) {
			b, _ := os.ReadFile(filepath.Join(c.Dir, configFile))
			b = []byte(strings.Replace(string(b), `"BuildCache": "build-cache"`, `"BuildCache": "../elsewhere"`, 1))
			os.WriteFile(filepath.Join(c.Dir, configFile), b, 0o644)
		}, "not inside the system directory"},
		{"no config", func(t *testing.T, c *Config) { os.Remove(filepath.Join(c.Dir, configFile)) }, "no such file"},
		{"garbled config", func(t *testing.T, c *Config) { os.WriteFile(filepath.Join(c.Dir, configFile), []byte("{"), 0o644) }, "decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newInstall(t)
			tt.spoil(t, c)
			if _, err := Load(c.Dir); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Load() error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := Load("relative/dir"); err == nil {
		t.Error("Load of a relative path succeeded")
	}
}

func TestEnviron(t *testing.T) {
	c := &Config{Dir: "/usr/local/lib/gopar", BuildCache: "/usr/local/lib/gopar/build-cache", ModCache: "/usr/local/lib/gopar/mod"}
	local := "file:///usr/local/lib/gopar/mod/cache/download"
	for _, tc := range []struct {
		name      string
		exe       string
		env       []string
		wantProg  string
		wantProxy string
	}{
		{"default proxy", "/usr/local/bin/gopar", nil, "/usr/local/bin/gopar cacheprog -shared /usr/local/lib/gopar/build-cache", local + ",https://proxy.golang.org,direct"},
		{"the user's proxy after", "/usr/local/bin/gopar", []string{"GOPROXY=https://athens.example,direct"}, "", local + ",https://athens.example,direct"},
		{"no network", "/usr/local/bin/gopar", []string{"GOPROXY=off"}, "", local},
		{"spaces quoted", "/opt/my tools/gopar", nil, "'/opt/my tools/gopar' cacheprog -shared /usr/local/lib/gopar/build-cache", ""},
	} {
		got := map[string]string{}
		for _, kv := range c.Environ(tc.exe, tc.env) {
			k, v, _ := strings.Cut(kv, "=")
			got[k] = v
		}
		if tc.wantProg != "" && got["GOCACHEPROG"] != tc.wantProg {
			t.Errorf("%s: GOCACHEPROG=%q, want %q", tc.name, got["GOCACHEPROG"], tc.wantProg)
		}
		if tc.wantProxy != "" && got["GOPROXY"] != tc.wantProxy {
			t.Errorf("%s: GOPROXY=%q, want %q", tc.name, got["GOPROXY"], tc.wantProxy)
		}
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(Env, "")
	if _, err := FromEnv(); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("FromEnv() without %s: %v, want ErrNotInstalled", Env, err)
	}
	c := newInstall(t)
	t.Setenv(Env, c.Dir)
	if got, err := FromEnv(); err != nil || got.BuildCache != c.BuildCache {
		t.Errorf("FromEnv() = %+v, %v", got, err)
	}
}
