package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopar/gopar/internal/atomicfile"
)

// The direct path builds a program without the go command: the compiler
// and the linker are run on the composed file with an import
// configuration resolved once per set of imports. It saves what `go
// build` spends on loading the module graph and checking every package's
// staleness for each cell, which is most of a small cell's build.
//
// It serves programs whose dependencies build without cgo: it resolves
// them with CGO_ENABLED=0, so the standard library's pure-Go fallbacks
// (the net resolver, os/user) stand in. Anything else, and any %goflags,
// goes through `go build`.

// errNotDirect says the direct path cannot serve a program; go build can.
var errNotDirect = errors.New("not buildable directly")

// toolchain is the compiler and linker of the work module's Go.
type toolchain struct {
	compile, link string
}

// importConfig is the resolved dependencies of one set of imports: the
// compiler's and linker's import configuration, and the local packages
// (outside GOROOT and the module cache) whose source a later use must
// find unchanged.
type importConfig struct {
	text  string            // importcfg content
	file  string            // importcfg path
	local map[string]string // package dir -> fingerprint of its files
}

// directBuilder resolves import sets and builds programs directly.
type directBuilder struct {
	w *workModule
	// cacheDir, when set, keeps resolutions between kernels, so that a
	// kernel's first cell does not pay for go list when an earlier kernel
	// resolved the same imports against the same requirements.
	cacheDir string
	// fixedDirs hold sources that never change (Options.FixedDirs).
	fixedDirs []string
	// sharedCache is a build cache others filled (Options.SharedBuildCache).
	sharedCache string
	verified    sync.Map // archive path in sharedCache -> true once it hashed right
	// sharedConfigs holds resolutions a system install kept, read-only.
	sharedConfigs string

	toolsOnce sync.Once
	tools     toolchain
	toolsErr  error

	mu      sync.Mutex
	configs map[string]*importConfig // by import-set key
}

func (d *directBuilder) toolchain(ctx context.Context, env []string) (toolchain, error) {
	d.toolsOnce.Do(func() {
		cmd := exec.CommandContext(ctx, d.w.goBin, "env", "GOTOOLDIR", "GOEXE")
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			d.toolsErr = fmt.Errorf("go env GOTOOLDIR: %w", err)
			return
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		dir, exe := lines[0], ""
		if len(lines) > 1 {
			exe = lines[1]
		}
		d.tools = toolchain{compile: filepath.Join(dir, "compile"+exe), link: filepath.Join(dir, "link"+exe)}
	})
	return d.tools, d.toolsErr
}

// resolveSource returns the import configuration of a program's source: what
// its dependencies are, now. inputs sums what else they depend on (see
// buildInputs). errNotDirect means go build must serve it; a
// *missingModuleError names packages of modules not yet required.
func (d *directBuilder) resolveSource(ctx context.Context, src, inputs string, env []string, progress io.Writer) (*importConfig, error) {
	imports, err := importsOf(src)
	if err != nil {
		return nil, errNotDirect // a syntax error: go build reports it as users know it
	}
	return d.config(ctx, imports, inputs, env, progress)
}

// build compiles and links the work module's main.go into bin with cfg.
// A compile error is a *buildError.
func (d *directBuilder) build(ctx context.Context, cfg *importConfig, bin string, env []string) error {
	tools, err := d.toolchain(ctx, env)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(d.w.dir, "build-")
	if err != nil {
		return fmt.Errorf("build dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	mainFile := filepath.Join(d.w.dir, "main.go")
	archive := filepath.Join(tmp, "main.a")
	if out, err := d.run(ctx, env, tools.compile, "-o", archive, "-p", "main", "-complete", "-importcfg", cfg.file, "-pack", mainFile); err != nil {
		if _, ok := err.(*exec.ExitError); ok && ctx.Err() == nil {
			return &buildError{output: string(out)}
		}
		return fmt.Errorf("compile: %w\n%s", err, out)
	}
	// -s -w: no symbol table or DWARF. Panics still name file and line,
	// from the runtime's own tables.
	linked := filepath.Join(tmp, "prog")
	if out, err := d.run(ctx, env, tools.link, "-o", linked, "-importcfg", cfg.file, "-s", "-w", "-buildmode=exe", archive); err != nil {
		return fmt.Errorf("link: %w\n%s", err, out)
	}
	return os.Rename(linked, bin)
}

func (d *directBuilder) run(ctx context.Context, env []string, tool string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Dir = d.w.dir
	cmd.Env = env
	return cmd.CombinedOutput()
}

// importsOf lists the import paths of a Go file.
func importsOf(src string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, is := range f.Imports {
		p, err := strconv.Unquote(is.Path.Value)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// listedPackage is what go list says of one package.
type listedPackage struct {
	ImportPath string
	Dir        string
	Export     string
	Standard   bool
	Module     *struct{ Path, Dir string }
	Error      *struct{ Err string }
}

// config returns the import configuration for a set of imports, resolving
// it with `go list -export -deps` (which also compiles what is missing
// from the build cache) unless a resolution whose local sources are
// unchanged is at hand.
func (d *directBuilder) config(ctx context.Context, imports []string, inputs string, env []string, progress io.Writer) (*importConfig, error) {
	set, key := d.importSetKey(imports, inputs)
	// What go list answers depends on the environment too.
	key += "\n" + d.envKey(env)
	d.mu.Lock()
	cfg := d.configs[key]
	d.mu.Unlock()
	if cfg != nil && cfg.fresh() {
		return cfg, nil
	}
	stored := d.stored(key)
	if cfg = stored.load(d.archiveOK); cfg == nil && d.sharedConfigs != "" {
		cfg = storedConfig{file: storedConfigFile(d.sharedConfigs, key), dir: d.w.dir}.load(d.archiveOK)
	}
	if cfg == nil {
		var err error
		if cfg, err = d.resolve(ctx, set, env, progress); err != nil {
			return nil, err
		}
		stored.save(cfg)
	}
	d.mu.Lock()
	if d.configs == nil {
		d.configs = map[string]*importConfig{}
	}
	d.configs[key] = cfg
	d.mu.Unlock()
	return cfg, nil
}

// importSetKey returns the set of packages a program with imports
// depends on directly, and what identifies their resolution apart from
// the environment.
func (d *directBuilder) importSetKey(imports []string, inputs string) ([]string, string) {
	set := append([]string{"runtime"}, imports...)
	slices.Sort(set)
	set = slices.Compact(set)
	// Requirements change what an import resolves to (%goget, !*go get,
	// a go.work), and so do edits under tracked paths.
	gomod, _ := os.ReadFile(filepath.Join(d.w.dir, "go.mod"))
	gosum, _ := os.ReadFile(filepath.Join(d.w.dir, "go.sum"))
	return set, fmt.Sprintf("%x\n%x\n%s\n%s", sha256.Sum256(gomod), sha256.Sum256(gosum), inputs, strings.Join(set, "\n"))
}

func (d *directBuilder) resolve(ctx context.Context, set []string, env []string, progress io.Writer) (*importConfig, error) {
	args := append([]string{"list", "-e", "-export", "-deps", "-json=ImportPath,Dir,Export,Standard,Module,Error"}, set...)
	cmd := exec.CommandContext(ctx, d.w.goBin, args...)
	cmd.Dir = d.w.dir
	cmd.Env = append(slices.Clone(env), "CGO_ENABLED=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	// "go: downloading ..." lines reach the cell as they come.
	cmd.Stderr = io.MultiWriter(&stderr, progress)
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if missing := missingModules(stderr.String()); len(missing) > 0 {
			return nil, &missingModuleError{packages: missing}
		}
		return nil, errors.Join(errNotDirect, fmt.Errorf("go list: %w\n%s", err, stderr.String()))
	}
	var cfgText strings.Builder
	cfg := &importConfig{local: map[string]string{}}
	dec := json.NewDecoder(&stdout)
	var missing []string
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, errors.Join(errNotDirect, fmt.Errorf("read go list: %w", err))
		}
		if p.Error != nil {
			if m := missingModules(p.Error.Err); len(m) > 0 {
				missing = append(missing, m...)
				continue
			}
			return nil, errNotDirect // go build will say what is wrong
		}
		if p.ImportPath == "unsafe" {
			continue // the compiler's own
		}
		if p.Export == "" {
			return nil, errNotDirect
		}
		fmt.Fprintf(&cfgText, "packagefile %s=%s\n", p.ImportPath, p.Export)
		if !p.Standard && (p.Module == nil || !inModuleCache(p.Dir, p.Module.Dir)) && !d.fixed(p.Dir) {
			cfg.local[p.Dir] = dirFingerprint(p.Dir)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, &missingModuleError{packages: slices.Compact(missing)}
	}
	cfg.text = cfgText.String()
	if err := cfg.write(d.w.dir); err != nil {
		return nil, err
	}
	return cfg, nil
}

// write puts the configuration where the compiler reads it, named by its
// content.
func (c *importConfig) write(dir string) error {
	h := sha256.Sum256([]byte(c.text))
	c.file = filepath.Join(dir, "importcfg-"+hex.EncodeToString(h[:8]))
	if err := os.WriteFile(c.file, []byte(c.text), 0o644); err != nil {
		return fmt.Errorf("write import configuration: %w", err)
	}
	return nil
}

// envKey is goEnvKey, less where the caches are in a system install: there
// the modules cells use are built in place from fixed directories and
// archives are named by their content, so every user's kernel resolves
// the same imports to the same archives, and a resolution the install
// kept serves them all.
func (d *directBuilder) envKey(env []string) string {
	if d.sharedCache == "" {
		return goEnvKey(env)
	}
	return goEnvKey(slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return name == "GOCACHE" || name == "GOMODCACHE" || name == "GOPATH"
	}))
}

// goEnvKey is the part of the environment that changes what go list
// resolves.
func goEnvKey(env []string) string {
	var parts []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GOFLAGS", "GOOS", "GOARCH", "GOAMD64", "GOEXPERIMENT", "GOTOOLCHAIN", "GOCACHE", "GOMODCACHE", "GOROOT", "GOPATH":
			parts = append(parts, kv)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, "\x00")
}

// storedConfig is a resolution kept in the cache directory.
type storedConfig struct {
	file string // "" when there is no cache directory
	dir  string // where the loaded configuration is written for the compiler
}

func (d *directBuilder) stored(key string) storedConfig {
	if d.cacheDir == "" {
		return storedConfig{}
	}
	return storedConfig{file: storedConfigFile(d.cacheDir, key), dir: d.w.dir}
}

func storedConfigFile(dir, key string) string {
	h := sha256.Sum256([]byte(key))
	return filepath.Join(dir, "importcfg-"+hex.EncodeToString(h[:12])+".json")
}

type storedConfigData struct {
	Text  string
	Local map[string]string
}

// archiveOK reports whether a compiled archive a stored resolution names
// can be linked: it is still in the build cache (which trims what is not
// used) and, when it is in the shared cache, its content hashes to the
// output ID its name carries, checked once per kernel. The go command
// checks shared archives through the cache program; a stored resolution
// skips the go command, so the kernel checks them itself, and a damaged
// one sends the cell back to the go command, which builds it again.
func (d *directBuilder) archiveOK(path string) bool {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	if d.sharedCache == "" || !strings.HasPrefix(path, d.sharedCache+string(filepath.Separator)) {
		return true
	}
	if _, ok := d.verified.Load(path); ok {
		return true
	}
	id, ok := strings.CutSuffix(filepath.Base(path), "-d")
	want, err := hex.DecodeString(id)
	if !ok || err != nil || len(want) != sha256.Size {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil || !bytes.Equal(h.Sum(nil), want) {
		return false
	}
	d.verified.Store(path, true)
	return true
}

// load returns the stored resolution when every archive it names passes
// archiveOK and every local package is unchanged; otherwise nil.
func (s storedConfig) load(archiveOK func(string) bool) *importConfig {
	if s.file == "" {
		return nil
	}
	b, err := os.ReadFile(s.file)
	if err != nil {
		return nil
	}
	var data storedConfigData
	if json.Unmarshal(b, &data) != nil || data.Text == "" {
		return nil
	}
	for _, line := range strings.Split(strings.TrimSpace(data.Text), "\n") {
		_, archive, ok := strings.Cut(line, "=")
		if !ok {
			return nil
		}
		if !archiveOK(archive) {
			return nil
		}
	}
	cfg := &importConfig{text: data.Text, local: data.Local}
	if !cfg.fresh() || cfg.write(s.dir) != nil {
		return nil
	}
	now := time.Now()
	os.Chtimes(s.file, now, now) // in use: trimStoredConfigs keeps it
	return cfg
}

// storedConfigAge is how long a stored resolution no kernel has used is
// kept.
const storedConfigAge = 30 * 24 * time.Hour

// trimStoredConfigs removes the stored resolutions unused for a month,
// so that the cache does not grow with every set of imports ever used.
func trimStoredConfigs(cacheDir string) {
	files, _ := filepath.Glob(filepath.Join(cacheDir, "importcfg-*.json"))
	for _, f := range files {
		if info, err := os.Stat(f); err == nil && time.Since(info.ModTime()) > storedConfigAge {
			os.Remove(f)
		}
	}
}

func (s storedConfig) save(cfg *importConfig) {
	if s.file == "" {
		return
	}
	if b, err := json.Marshal(storedConfigData{Text: cfg.text, Local: cfg.local}); err == nil {
		atomicfile.Write(s.file, b, 0o644)
	}
}

// inModuleCache reports whether a module's directory is in the read-only
// module cache, where its source cannot change.
func inModuleCache(pkgDir, modDir string) bool {
	return modDir != "" && strings.Contains(filepath.ToSlash(modDir), "/pkg/mod/") && strings.HasPrefix(pkgDir, modDir)
}

// fixed reports whether dir is in one of the directories whose sources
// do not change.
func (d *directBuilder) fixed(dir string) bool {
	for _, f := range d.fixedDirs {
		if rel, err := filepath.Rel(f, dir); err == nil && filepath.IsLocal(rel) {
			return true
		}
	}
	return false
}

// fresh reports whether every local package's files are as they were.
func (c *importConfig) fresh() bool {
	for dir, fp := range c.local {
		if dirFingerprint(dir) != fp {
			return false
		}
	}
	return true
}

// dirFingerprint sums the names, sizes and modification times of a
// directory's files: an edit changes it.
func dirFingerprint(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	h := sha256.New()
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", e.Name(), info.Size(), info.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))
}
