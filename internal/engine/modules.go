package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
)

// The work module starts with the kernel's own requirements. A cell that
// imports a package of another module gets it through the user's module
// proxy (GOPROXY, GOFLAGS, GONOSUMDB and the rest come from the
// environment), and %goget, %goreplace and %gomod manage requirements by
// hand. They last until the kernel restarts: a new kernel starts from its
// own requirements again, as a new Python process starts from its
// environment.

// missingPackage matches the go command's word for a package no required
// module provides, and for one of a module go.mod replaces (as
// %goworkfix does) but does not require yet.
var missingPackage = regexp.MustCompile(`no required module provides package ([^\s;:]+)|module \S+ provides package ([^\s;:]+) and is replaced but not required`)

// missingModules lists the packages an error of the go command says no
// required module provides.
func missingModules(text string) []string {
	var pkgs []string
	for _, m := range missingPackage.FindAllStringSubmatch(text, -1) {
		pkgs = append(pkgs, m[1]+m[2])
	}
	slices.Sort(pkgs)
	return slices.Compact(pkgs)
}

// missingModuleError is a build that needs modules the work module does
// not require yet.
type missingModuleError struct {
	packages []string
}

func (e *missingModuleError) Error() string {
	return "no required module provides " + strings.Join(e.packages, ", ")
}

// moduleError is a module that could not be added, named for the user.
type moduleError struct {
	module string
	detail string
}

func (e *moduleError) Error() string {
	return fmt.Sprintf("module %s: %s", e.module, e.detail)
}

// goModFiles is a copy of go.mod and go.sum, to put back when a change of
// requirements fails: a failing cell changes nothing.
type goModFiles struct{ mod, sum []byte }

func (w *workModule) saveGoMod() (goModFiles, error) {
	mod, err := os.ReadFile(filepath.Join(w.dir, "go.mod"))
	if err != nil {
		return goModFiles{}, fmt.Errorf("read work go.mod: %w", err)
	}
	sum, err := os.ReadFile(filepath.Join(w.dir, "go.sum"))
	if err != nil && !os.IsNotExist(err) {
		return goModFiles{}, fmt.Errorf("read work go.sum: %w", err)
	}
	return goModFiles{mod, sum}, nil
}

func (w *workModule) restoreGoMod(f goModFiles) {
	os.WriteFile(filepath.Join(w.dir, "go.mod"), f.mod, 0o644)
	os.WriteFile(filepath.Join(w.dir, "go.sum"), f.sum, 0o644)
}

// goCmd runs the go command in the work module, streaming its output to
// progress, and returns what it printed.
func (w *workModule) goCmd(ctx context.Context, env []string, progress io.Writer, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, w.goBin, args...)
	cmd.Dir = w.dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, progress)
	cmd.Stderr = io.MultiWriter(&out, progress)
	err := cmd.Run()
	return out.String(), err
}

// get runs `go get` for the given arguments (module or package paths,
// with @version where given). On failure go.mod and go.sum are as they
// were, and the error names the first argument the go command objected
// to.
func (w *workModule) get(ctx context.Context, env []string, progress io.Writer, args ...string) error {
	saved, err := w.saveGoMod()
	if err != nil {
		return err
	}
	out, err := w.goCmd(ctx, env, progress, append([]string{"get"}, args...)...)
	if err == nil {
		return nil
	}
	w.restoreGoMod(saved)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &moduleError{module: blamed(out, args), detail: lastLine(out)}
}

// blamed picks the argument the go command's output names, or the first.
func blamed(out string, args []string) string {
	for _, a := range args {
		name, _, _ := strings.Cut(a, "@")
		if !strings.HasPrefix(a, "-") && strings.Contains(out, name) {
			return a
		}
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return strings.Join(args, " ")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// zeroVersion is the usual version to require of a module that exists
// only in a local directory.
const zeroVersion = "v0.0.0-00010101000000-000000000000"

// addMissing adds the modules of packages a build missed: through the
// module proxy, or, for a module go.mod replaces with a directory (as
// %goworkfix leaves it), by requiring it at zeroVersion, since the proxy
// knows nothing of it.
func (w *workModule) addMissing(ctx context.Context, env []string, progress io.Writer, packages []string) error {
	local := map[string]bool{}
	if data, err := os.ReadFile(filepath.Join(w.dir, "go.mod")); err == nil {
		if f, err := modfile.Parse("go.mod", data, nil); err == nil {
			for _, r := range f.Replace {
				if r.New.Version == "" && r.Old.Version == "" {
					local[r.Old.Path] = true
				}
			}
		}
	}
	var get, require []string
	for _, p := range packages {
		mod := ""
		for m := range local {
			if (p == m || strings.HasPrefix(p, m+"/")) && len(m) > len(mod) {
				mod = m
			}
		}
		switch {
		case mod == "":
			get = append(get, p)
		case mod == clusterModule:
			// Required through go get, which also adds what it
			// requires (Beam) to go.mod and go.sum.
			if a := mod + "@" + zeroVersion; !slices.Contains(get, a) {
				get = append(get, a)
			}
		case !slices.Contains(require, mod):
			require = append(require, mod)
		}
	}
	saved, err := w.saveGoMod()
	if err != nil {
		return err
	}
	for _, mod := range require {
		if out, err := w.goCmd(ctx, env, io.Discard, "mod", "edit", "-require="+mod+"@"+zeroVersion); err != nil {
			w.restoreGoMod(saved)
			return &moduleError{module: mod, detail: lastLine(out)}
		}
		fmt.Fprintf(progress, "go: added %s, replaced by a directory\n", mod)
	}
	if len(get) == 0 {
		return nil
	}
	if err := w.get(ctx, env, progress, get...); err != nil {
		w.restoreGoMod(saved)
		return err
	}
	return nil
}

// replace points module at a directory, so cells build against its
// source there.
func (w *workModule) replace(ctx context.Context, env []string, module, dir string) error {
	saved, err := w.saveGoMod()
	if err != nil {
		return err
	}
	if st, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil || st.IsDir() {
		return &moduleError{module: module, detail: "no go.mod in " + dir}
	}
	// A replaced module still needs a requirement; the zero pseudo-version
	// is the usual one for a module that exists only locally.
	for _, args := range [][]string{
		{"mod", "edit", "-replace=" + module + "=" + dir},
		{"mod", "edit", "-require=" + module + "@" + zeroVersion},
	} {
		if out, err := w.goCmd(ctx, env, io.Discard, args...); err != nil {
			w.restoreGoMod(saved)
			return &moduleError{module: module, detail: lastLine(out)}
		}
	}
	return nil
}

// requirements is the work module's go.mod, for %gomod.
func (w *workModule) requirements() (string, error) {
	b, err := os.ReadFile(filepath.Join(w.dir, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("read work go.mod: %w", err)
	}
	return string(b), nil
}

// goLines is a writer that passes on the go command's own messages
// ("go: downloading ...", "go: added ...") as they come, whole lines at a
// time, and drops the rest (compiler output, which the error reports).
type goLines struct {
	sink    func(string)
	partial []byte
}

func (g *goLines) Write(p []byte) (int, error) {
	g.partial = append(g.partial, p...)
	for {
		i := bytes.IndexByte(g.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(g.partial[:i+1])
		g.partial = g.partial[i+1:]
		// gopar's cache program speaks to the user too: a damaged
		// shared build cache entry, a shared cache refused.
		if strings.HasPrefix(line, "go: ") || strings.HasPrefix(line, "gopar: ") {
			g.sink(line)
		}
	}
}
