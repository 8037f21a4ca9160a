package engine

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/mod/modfile"

	"github.com/gopar/gopar/internal/cell"
)

// A go.work in the cells' module (GoNB's `!*go work init && go work use .
// DIR`) makes cells build against the modules it uses. %goworkfix writes
// those as replacements in go.mod too, as GoNB does, so that what reads
// go.mod alone (go get of another module, a build after the go.work is
// gone) finds them.

// workUse is a module a go.work uses: its path and its directory.
type workUse struct {
	module, dir string
}

// workUses lists the modules the work module's go.work uses besides the
// cells' own, and notes those it cannot use (a directory without
// go.mod).
func (w *workModule) workUses() (uses []workUse, notes []string, err error) {
	name := filepath.Join(w.dir, "go.work")
	data, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, errors.New("no go.work in the cells' module (make one with `!*go work init && go work use . DIR`)")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read go.work: %w", err)
	}
	f, err := modfile.ParseWork(name, data, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("parse go.work: %w", err)
	}
	for _, u := range f.Use {
		dir := u.Path
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(w.dir, dir)
		}
		if dir = filepath.Clean(dir); dir == w.dir {
			continue
		}
		modName := filepath.Join(dir, "go.mod")
		data, err := os.ReadFile(modName)
		if err != nil {
			notes = append(notes, fmt.Sprintf("go.work uses %s, which has no go.mod: left out", dir))
			continue
		}
		mod, err := modfile.ParseLax(modName, data, nil)
		if err != nil || mod.Module == nil {
			notes = append(notes, fmt.Sprintf("go.work uses %s, whose go.mod names no module: left out", dir))
			continue
		}
		uses = append(uses, workUse{module: mod.Module.Mod.Path, dir: dir})
	}
	return uses, notes, nil
}

func (e *Engine) magicGoworkfix(c magicCall) *cell.Error {
	uses, notes, err := e.work.workUses()
	if err != nil {
		return c.fail("%goworkfix: " + err.Error())
	}
	for _, n := range notes {
		c.sink.Stream("stderr", n+"\n")
	}
	data, err := os.ReadFile(filepath.Join(e.work.dir, "go.mod"))
	if err != nil {
		return c.fail(fmt.Sprintf("%%goworkfix: read go.mod: %v", err))
	}
	mod, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		return c.fail(fmt.Sprintf("%%goworkfix: parse go.mod: %v", err))
	}
	saved, err := e.work.saveGoMod()
	if err != nil {
		return c.fail("%goworkfix: " + err.Error())
	}
	for _, u := range uses {
		i := slices.IndexFunc(mod.Replace, func(r *modfile.Replace) bool { return r.Old.Path == u.module })
		switch {
		case i >= 0 && mod.Replace[i].New.Version == "" && filepath.Clean(mod.Replace[i].New.Path) == u.dir:
			c.sink.Stream("stdout", fmt.Sprintf("%s => %s already\n", u.module, u.dir))
			continue
		case i >= 0:
			was := mod.Replace[i].New.Path
			if v := mod.Replace[i].New.Version; v != "" {
				was += " " + v
			}
			c.sink.Stream("stdout", fmt.Sprintf("%s => %s (was %s)\n", u.module, u.dir, was))
		default:
			c.sink.Stream("stdout", fmt.Sprintf("%s => %s\n", u.module, u.dir))
		}
		// Replacing the module at every version takes the place of a
		// replacement of one version, as GoNB's does.
		args := []string{"mod", "edit", "-replace=" + u.module + "=" + u.dir}
		if i >= 0 && mod.Replace[i].Old.Version != "" {
			args = []string{"mod", "edit", "-dropreplace=" + u.module + "@" + mod.Replace[i].Old.Version, args[2]}
		}
		if out, err := e.work.goCmd(c.ctx, e.environ(), io.Discard, args...); err != nil {
			e.work.restoreGoMod(saved)
			return c.fail(fmt.Sprintf("%%goworkfix: %s: %s", u.module, lastLine(out)))
		}
	}
	if len(uses) == 0 {
		c.sink.Stream("stdout", "go.work uses no module besides the cells' own\n")
	}
	return nil
}
