// Package system describes a system-wide install of gopar, as
// `gopar install --system` makes one for a class on a shared server: the
// module source cells build against, a shared build cache and a shared
// module cache, all read-only to users, and the limits every kernel
// starts with. The kernelspec names its directory in $GOPAR_SYSTEM, so a
// user's kernel finds it with no set-up of their own.
package system

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gopar/gopar/internal/cacheprog"
)

// Env names the environment variable, set in the kernelspec, that holds
// the directory of the system install.
const Env = "GOPAR_SYSTEM"

// configFile is the install's description, in its directory.
const configFile = "config.json"

// Names of the parts of an install, in its directory.
const (
	BuildCacheName  = "build-cache"  // the go command's layout
	ModCacheName    = "mod"          // a GOMODCACHE
	NoGoModName     = "modules"      // copies of modules without a go.mod, given one
	KernelCacheName = "kernel-cache" // what kernels keep between them (engine.Options.CacheDir)
)

// Dir is where an install under prefix keeps what kernels share.
func Dir(prefix string) string {
	return filepath.Join(prefix, "lib", "gopar")
}

// Config is a system install, as kernels read it.
type Config struct {
	// Dir is the install's directory; it is not stored, paths below are
	// relative to it in the file.
	Dir string `json:"-"`
	// ModuleDir holds the module source cells build against
	// (github.com/gopar/gopar, as the gopar binary embeds it).
	ModuleDir string
	// BuildCache and ModCache are the shared caches.
	BuildCache string
	ModCache   string
	// Modules are the module versions cells build in place, at the same
	// paths for every user, so that the shared build cache serves them.
	Modules []Module
	// MemLimit and Timeout are the administrator's limits: every kernel's
	// defaults, which users may lower but not raise. 0: none.
	MemLimit int64         `json:",omitempty"`
	Timeout  time.Duration `json:",omitempty"`
}

// Module is one module version and the directory it is built from.
type Module struct {
	Path, Version, Dir string
}

// Save writes c into c.Dir, with its paths relative to it.
func (c *Config) Save() error {
	rel := *c
	var err error
	for _, p := range []*string{&rel.ModuleDir, &rel.BuildCache, &rel.ModCache} {
		if *p, err = relativeTo(c.Dir, *p); err != nil {
			return err
		}
	}
	rel.Modules = make([]Module, len(c.Modules))
	for i, m := range c.Modules {
		rel.Modules[i] = m
		if rel.Modules[i].Dir, err = relativeTo(c.Dir, m.Dir); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(rel, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", configFile, err)
	}
	path := filepath.Join(c.Dir, configFile)
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write system config: %w", err)
	}
	return nil
}

func relativeTo(dir, path string) (string, error) {
	rel, err := filepath.Rel(dir, path)
	if err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%s is not inside the system directory %s", path, dir)
	}
	return filepath.ToSlash(rel), nil
}

// Load reads the install in dir. It refuses one that anyone but its
// owner (root, or the user running this) could have changed: one user
// must never be able to plant code in another's build.
func Load(dir string) (*Config, error) {
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("system install %q: not an absolute path", dir)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("system install: %w", err)
	}
	owner, err := cacheprog.CheckOwner(dir, info)
	if err != nil {
		return nil, fmt.Errorf("system install: %w", err)
	}
	path := filepath.Join(dir, configFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("system install: %w", err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("system install: decode %s: %w", path, err)
	}
	c.Dir = dir
	if c.ModuleDir == "" || c.BuildCache == "" || c.ModCache == "" {
		return nil, fmt.Errorf("system install: %s lacks the module or a cache", path)
	}
	for _, p := range []*string{&c.ModuleDir, &c.BuildCache, &c.ModCache} {
		if *p, err = inside(dir, *p); err != nil {
			return nil, fmt.Errorf("system install: %s: %w", path, err)
		}
	}
	for i := range c.Modules {
		if c.Modules[i].Dir, err = inside(dir, c.Modules[i].Dir); err != nil {
			return nil, fmt.Errorf("system install: %s: %w", path, err)
		}
	}
	// The tops of what the install shares; the cache program checks each
	// build cache file it uses, and the go command leaves module cache
	// files read-only.
	for _, p := range []string{path, c.ModuleDir, c.BuildCache, c.ModCache, filepath.Join(c.ModuleDir, "go.mod")} {
		if err := checkOwned(p, owner); err != nil {
			return nil, fmt.Errorf("system install: %w", err)
		}
	}
	return &c, nil
}

func inside(dir, rel string) (string, error) {
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return "", fmt.Errorf("%q is not inside the system directory", rel)
	}
	return filepath.Join(dir, filepath.FromSlash(rel)), nil
}

func checkOwned(path string, owner uint32) error {
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if info.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link", path)
	}
	uid, err := cacheprog.CheckOwner(path, info)
	if err == nil && uid != owner {
		err = fmt.Errorf("%s does not belong to the owner of the system install", path)
	}
	return err
}

// Environ returns the variables that make the go command use the shared
// caches, given the process's environment env and the gopar binary exe:
// the build cache through gopar's cache program, and the shared module
// cache as a proxy ahead of the user's own.
func (c *Config) Environ(exe string, env []string) []string {
	proxy := lookup(env, "GOPROXY")
	switch proxy {
	case "":
		proxy = "https://proxy.golang.org,direct"
	case "off":
		proxy = ""
	}
	local := "file://" + filepath.ToSlash(filepath.Join(c.ModCache, "cache", "download"))
	if proxy != "" {
		local += "," + proxy
	}
	return []string{
		"GOCACHEPROG=" + quote(exe) + " cacheprog -shared " + quote(c.BuildCache),
		"GOPROXY=" + local,
	}
}

func lookup(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v
		}
	}
	return ""
}

// quote quotes s for GOCACHEPROG, which the go command splits at spaces
// outside quotes.
func quote(s string) string {
	if !strings.ContainsAny(s, " \t'\"") {
		return s
	}
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}

// ErrNotInstalled is returned by FromEnv when no system install is named.
var ErrNotInstalled = errors.New("no system install")

// FromEnv loads the install $GOPAR_SYSTEM names.
func FromEnv() (*Config, error) {
	dir := os.Getenv(Env)
	if dir == "" {
		return nil, ErrNotInstalled
	}
	return Load(dir)
}
