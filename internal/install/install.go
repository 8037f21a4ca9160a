// Package install writes the gopar kernelspec, the small directory that tells
// Jupyter how to start the kernel, and warms the caches the kernel uses so the
// first cell of a notebook does not pay for a cold build.
package install

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/gopar/gopar/internal/system"
)

// Default names of the kernelspec, as front ends show and select it.
const (
	DefaultName        = "gopar"
	DefaultDisplayName = "Go (gopar)"
)

// Interrupt modes Jupyter knows: "signal" sends SIGINT to the kernel's
// process group, "message" sends an interrupt_request on the control channel.
const (
	InterruptSignal  = "signal"
	InterruptMessage = "message"
)

// goEnv names the environment variable that points the kernel (and this
// installer) at a specific go binary.
const goEnv = "GOPAR_GO"

// Options says where and how to install the kernelspec. The zero value, after
// the defaults of Command, installs for the current user.
type Options struct {
	// Name is the kernelspec name (the directory under kernels/); empty
	// means DefaultName.
	Name string
	// DisplayName is what front ends show; empty means DefaultName.
	DisplayName string
	// Prefix installs into Prefix/share/jupyter/kernels/NAME, as ipykernel's
	// --prefix does (for virtual environments and system-wide installs).
	Prefix string
	// JupyterDir installs into JupyterDir/kernels/NAME. It is a Jupyter data
	// directory, the same thing JUPYTER_DATA_DIR names.
	JupyterDir string
	// InterruptMode is InterruptSignal or InterruptMessage; empty means
	// InterruptSignal.
	InterruptMode string
	// Executable is the gopar binary the kernelspec starts; empty means the
	// running binary.
	Executable string
	// Go is the go binary the kernel builds cells with; empty means $GOPAR_GO
	// or, when that is unset, the go found on PATH.
	Go string
	// System is the directory of a system install (see package system)
	// that kernels started from this kernelspec use; empty: none.
	System string
}

// System is what `gopar install --system` prepares for every user: the
// shared caches in Dir, and the limits every kernel starts with, as the
// administrator wrote them (empty: none).
type System struct {
	Dir      string
	MemLimit string
	Timeout  string
}

// Warmers prepare the caches: User those of the user running the
// install, System the shared ones of a system install. Either may be nil.
type Warmers struct {
	User   func(context.Context) error
	System func(context.Context, System) error
}

// nameRE is the set of kernelspec names jupyter_client accepts.
var nameRE = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// Spec is the content of kernel.json.
type Spec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env"`
	Metadata      map[string]any    `json:"metadata"`
}

// Command is `gopar install`: it parses args (the flags after "install"),
// writes the kernelspec, reports what it wrote on stdout and then, unless
// --no-warm is given, calls warm.User to prepare the module and build
// caches. With --system, warm.System prepares the shared caches first, and
// the kernelspec is written only when they are ready.
func Command(ctx context.Context, args []string, stdout io.Writer, warm Warmers) error {
	fs := flag.NewFlagSet("gopar install", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var opts Options
	var user, noWarm, systemWide bool
	var sys System
	fs.StringVar(&opts.Name, "name", DefaultName, "kernelspec `name`")
	fs.StringVar(&opts.DisplayName, "display-name", DefaultDisplayName, "`name` shown by Jupyter front ends")
	fs.StringVar(&opts.Prefix, "prefix", "", "install into `DIR`/share/jupyter/kernels/NAME")
	fs.StringVar(&opts.JupyterDir, "jupyter-dir", "", "install into `DIR`/kernels/NAME (DIR is a Jupyter data directory)")
	fs.BoolVar(&user, "user", false, "install for the current user (the default)")
	fs.StringVar(&opts.InterruptMode, "interrupt-mode", InterruptSignal, "how Jupyter interrupts a cell, `mode` signal (SIGINT) or message (interrupt_request)")
	fs.BoolVar(&noWarm, "no-warm", false, "do not prepare the module and build caches")
	fs.BoolVar(&systemWide, "system", false, "install for every user: the kernelspec in PREFIX/share/jupyter, shared read-only caches in PREFIX/lib/gopar (PREFIX is /usr/local unless --prefix)")
	fs.StringVar(&sys.MemLimit, "memlimit", "", "with --system: every kernel's memory cap, which users may lower but not raise (`SIZE`, such as 4GiB)")
	fs.StringVar(&sys.Timeout, "timeout", "", "with --system: every kernel's time limit for a cell, which users may lower but not raise (`SECONDS`, or such as 5m)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: gopar install [flags]")
			fmt.Fprintln(stdout, "\nInstalls the gopar Jupyter kernelspec. Flags:")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil
		}
		return fmt.Errorf("install: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("install: unexpected argument %q (all options are flags; see gopar install -h)", fs.Arg(0))
	}
	if user && (opts.Prefix != "" || opts.JupyterDir != "") {
		return errors.New("install: --user cannot be combined with --prefix or --jupyter-dir")
	}
	if systemWide {
		if err := prepareSystem(ctx, &opts, sys, user, noWarm, stdout, warm.System); err != nil {
			return fmt.Errorf("install: %w", err)
		}
	} else if sys.MemLimit != "" || sys.Timeout != "" {
		return errors.New("install: --memlimit and --timeout set the limits of a system install; use them with --system (a user sets them in a notebook with %memlimit and %timeout)")
	}

	dir, err := WriteSpec(opts)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	spec, err := ReadSpec(dir)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	fmt.Fprintf(stdout, "Installed kernelspec %s (%q) in %s\n", filepath.Base(dir), spec.DisplayName, dir)
	for _, f := range specFiles {
		fmt.Fprintf(stdout, "  wrote %s\n", filepath.Join(dir, f))
	}
	fmt.Fprintf(stdout, "  kernel command: %s\n", strings.Join(spec.Argv, " "))
	fmt.Fprintf(stdout, "  go toolchain:   %s\n", spec.Env[goEnv])
	if isTemporary(spec.Argv[0]) {
		fmt.Fprintf(stdout, "warning: %s looks like a temporary build (go run); the kernelspec will stop working when it is removed. Use go install, then run gopar install.\n", spec.Argv[0])
	}

	if opts.System != "" {
		fmt.Fprintf(stdout, "  shared caches:  %s\n", opts.System)
		return nil
	}
	if noWarm || warm.User == nil {
		return nil
	}
	fmt.Fprintln(stdout, "Warming the module and build caches (the first time takes a minute or two)...")
	if err := warm.User(ctx); err != nil {
		return fmt.Errorf("install: kernelspec installed in %s, but warming the caches failed: %w", dir, err)
	}
	fmt.Fprintln(stdout, "Caches are warm.")
	return nil
}

// specFiles are the files WriteSpec writes into the kernelspec directory.
var specFiles = []string{"kernel.json", "logo-32x32.png", "logo-64x64.png"}

// SpecDir returns the kernelspec directory opts selects, without creating it.
func SpecDir(opts Options) (string, error) {
	name, err := specName(opts)
	if err != nil {
		return "", err
	}
	var data string
	switch {
	case opts.Prefix != "" && opts.JupyterDir != "":
		return "", errors.New("--prefix and --jupyter-dir are mutually exclusive")
	case opts.JupyterDir != "":
		data = opts.JupyterDir
	case opts.Prefix != "":
		data = filepath.Join(opts.Prefix, "share", "jupyter")
	default:
		data, err = userDataDir(runtime.GOOS, os.Getenv)
		if err != nil {
			return "", err
		}
	}
	abs, err := filepath.Abs(data)
	if err != nil {
		return "", fmt.Errorf("jupyter data directory %q: %w", data, err)
	}
	return filepath.Join(abs, "kernels", name), nil
}

// userDataDir is jupyter_core's jupyter_data_dir for the given OS, reading
// the environment through getenv.
func userDataDir(goos string, getenv func(string) string) (string, error) {
	if d := getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	if goos == "windows" {
		if d := getenv("APPDATA"); d != "" {
			return filepath.Join(d, "jupyter"), nil
		}
	}
	home := getenv("HOME")
	if goos == "windows" && home == "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return "", errors.New("cannot find the Jupyter data directory: JUPYTER_DATA_DIR and HOME are both unset (use --jupyter-dir or --prefix)")
	}
	switch goos {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter"), nil
	case "windows":
		return filepath.Join(home, "AppData", "Roaming", "jupyter"), nil
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "jupyter"), nil
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

func specName(opts Options) (string, error) {
	name := opts.Name
	if name == "" {
		name = DefaultName
	}
	if !nameRE.MatchString(name) {
		return "", fmt.Errorf("invalid kernelspec name %q: use only letters, digits, '.', '_' and '-'", name)
	}
	return name, nil
}

// BuildSpec returns the kernel.json content for opts, resolving the gopar
// and go binaries.
func BuildSpec(opts Options) (Spec, error) {
	mode := opts.InterruptMode
	if mode == "" {
		mode = InterruptSignal
	}
	if mode != InterruptSignal && mode != InterruptMessage {
		return Spec{}, fmt.Errorf("invalid interrupt mode %q: want %q or %q", mode, InterruptSignal, InterruptMessage)
	}
	display := opts.DisplayName
	if display == "" {
		display = DefaultDisplayName
	}
	exe, err := executable(opts.Executable)
	if err != nil {
		return Spec{}, err
	}
	goBin, err := findGo(opts.Go)
	if err != nil {
		return Spec{}, err
	}
	env := map[string]string{
		goEnv:  goBin,
		"PATH": prependPath(filepath.Dir(goBin), os.Getenv("PATH")),
	}
	if opts.System != "" {
		env[system.Env] = opts.System
	}
	return Spec{
		Argv:          []string{exe, "kernel", "{connection_file}"},
		DisplayName:   display,
		Language:      "go",
		InterruptMode: mode,
		Env:           env,
		Metadata:      map[string]any{},
	}, nil
}

// executable returns the absolute, symlink-free path of the gopar binary:
// Jupyter starts the kernel from an unknown working directory and PATH.
func executable(path string) (string, error) {
	if path == "" {
		p, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("find the gopar binary: %w", err)
		}
		path = p
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("gopar binary %q: %w", path, err)
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("gopar binary %q: %w", path, err)
	}
	if err := checkExecutable(resolved); err != nil {
		return "", fmt.Errorf("gopar binary: %w", err)
	}
	return resolved, nil
}

// findGo returns the absolute path of the go binary. Symlinks are kept on
// purpose: a distribution's /usr/bin/go keeps working across upgrades that
// move the real toolchain.
func findGo(path string) (string, error) {
	source := "--go"
	if path == "" {
		path, source = os.Getenv(goEnv), "$"+goEnv
	}
	if path == "" {
		p, err := exec.LookPath("go")
		if err != nil {
			return "", fmt.Errorf("go toolchain not found on PATH (install Go from https://go.dev/dl or set %s to the go binary): %w", goEnv, err)
		}
		path, source = p, "PATH"
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("go binary %q from %s: %w", path, source, err)
	}
	if err := checkExecutable(abs); err != nil {
		return "", fmt.Errorf("go binary from %s: %w", source, err)
	}
	return abs, nil
}

func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory, not an executable", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not executable", path)
	}
	return nil
}

// prependPath puts dir first in the PATH list, so the kernel and the go
// command it runs see the same toolchain, and drops empty and repeated
// entries.
func prependPath(dir, path string) string {
	seen := map[string]bool{}
	var parts []string
	for _, p := range append([]string{dir}, filepath.SplitList(path)...) {
		if p == "" || seen[filepath.Clean(p)] {
			continue
		}
		seen[filepath.Clean(p)] = true
		parts = append(parts, p)
	}
	return strings.Join(parts, string(os.PathListSeparator))
}

// isTemporary reports whether exe sits in a go run build directory.
func isTemporary(exe string) bool {
	tmp, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		tmp = os.TempDir()
	}
	rel, err := filepath.Rel(tmp, exe)
	return err == nil && strings.HasPrefix(rel, "go-build")
}

// WriteSpec writes kernel.json and the logos into SpecDir(opts), replacing
// whatever an earlier install left there, and returns the directory. The new
// directory is assembled beside the old one and swapped in, so a failed
// install leaves the previous kernelspec intact.
func WriteSpec(opts Options) (string, error) {
	dir, err := SpecDir(opts)
	if err != nil {
		return "", err
	}
	spec, err := BuildSpec(opts)
	if err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode kernel.json: %w", err)
	}
	data = append(data, '\n')

	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create kernels directory: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+"-new-")
	if err != nil {
		return "", fmt.Errorf("create kernelspec directory: %w", err)
	}
	defer os.RemoveAll(tmp) // no-op once renamed into place
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("create kernelspec directory: %w", err)
	}
	files := map[string][]byte{"kernel.json": data}
	for _, size := range []int{32, 64} {
		png, err := Logo(size)
		if err != nil {
			return "", err
		}
		files[fmt.Sprintf("logo-%dx%d.png", size, size)] = png
	}
	for _, name := range specFiles {
		if err := os.WriteFile(filepath.Join(tmp, name), files[name], 0o644); err != nil {
			return "", fmt.Errorf("write kernelspec: %w", err)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("remove old kernelspec: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("install kernelspec: %w", err)
	}
	return dir, nil
}

// ReadSpec reads and decodes dir/kernel.json.
func ReadSpec(dir string) (Spec, error) {
	var spec Spec
	path := filepath.Join(dir, "kernel.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return spec, fmt.Errorf("read kernelspec: %w", err)
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return spec, fmt.Errorf("decode %s: %w", path, err)
	}
	if len(spec.Argv) == 0 {
		return spec, fmt.Errorf("decode %s: argv is empty", path)
	}
	return spec, nil
}
