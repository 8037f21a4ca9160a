package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"

	"github.com/gopar/gopar/internal/cell"
)

// Tracked paths (GoNB's %track) are inputs of every build: a change to a
// file under one makes the next cell build again, where the build's own
// view of its dependencies would miss it, such as a file a local package
// embeds from a subdirectory, or a cgo package that go build serves. The
// directories that go.mod or go.work replace modules with, and those
// go.work uses, are tracked without asking.

// maxTrackedFiles bounds the files of one tracked path that count, so
// that tracking a large tree by mistake does not slow every cell down.
const maxTrackedFiles = 10000

// tracker holds the paths added with %track.
type tracker struct {
	mu    sync.Mutex
	paths []string // absolute and clean, sorted
}

// A trackedPath is one tracked file or directory and why it is tracked.
type trackedPath struct {
	path string
	why  string // "" when added with %track
}

func (t *tracker) add(path string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, found := slices.BinarySearch(t.paths, path)
	if !found {
		t.paths = slices.Insert(t.paths, i, path)
	}
	return !found
}

// remove forgets path, or with prefix every path that starts with it,
// and returns what it forgot.
func (t *tracker) remove(path string, prefix bool) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var gone []string
	t.paths = slices.DeleteFunc(t.paths, func(p string) bool {
		if p == path || (prefix && strings.HasPrefix(p, path)) {
			gone = append(gone, p)
			return true
		}
		return false
	})
	return gone
}

// tracked lists the tracked paths: those added with %track, then those
// go.mod and go.work name, each once.
func (w *workModule) tracked() []trackedPath {
	w.track.mu.Lock()
	var all []trackedPath
	for _, p := range w.track.paths {
		all = append(all, trackedPath{path: p})
	}
	w.track.mu.Unlock()
	for _, a := range w.autoTracked() {
		if !slices.ContainsFunc(all, func(t trackedPath) bool { return t.path == a.path }) {
			all = append(all, a)
		}
	}
	return all
}

// autoTracked lists the local directories go.mod and go.work name:
// replacements and, for go.work, the modules it uses besides the cells'
// own. A file that does not parse names none; the go command says what
// is wrong with it when it builds.
func (w *workModule) autoTracked() []trackedPath {
	var out []trackedPath
	local := func(p, why string) {
		if !filepath.IsAbs(p) {
			p = filepath.Join(w.dir, p)
		}
		if p = filepath.Clean(p); p != w.dir {
			out = append(out, trackedPath{path: p, why: why})
		}
	}
	if data, err := os.ReadFile(filepath.Join(w.dir, "go.mod")); err == nil {
		if f, err := modfile.Parse("go.mod", data, nil); err == nil {
			for _, r := range f.Replace {
				// The kernel's own modules (parallel/cluster is one of
				// its own) are replaced by their source, which does not
				// change while the kernel runs.
				if r.New.Version == "" && r.Old.Path != kernelModule && r.Old.Path != clusterModule {
					local(r.New.Path, "go.mod replaces "+r.Old.Path)
				}
			}
		}
	}
	if data, err := os.ReadFile(filepath.Join(w.dir, "go.work")); err == nil {
		if f, err := modfile.ParseWork("go.work", data, nil); err == nil {
			for _, u := range f.Use {
				local(u.Path, "go.work uses it")
			}
			for _, r := range f.Replace {
				if r.New.Version == "" {
					local(r.New.Path, "go.work replaces "+r.Old.Path)
				}
			}
		}
	}
	return out
}

// buildInputs sums what a build depends on besides its source and the
// module's go.mod and go.sum: go.work, go.work.sum and the files under
// tracked paths.
func (w *workModule) buildInputs() string {
	h := sha256.New()
	for _, name := range []string{"go.work", "go.work.sum"} {
		data, err := os.ReadFile(filepath.Join(w.dir, name))
		if err != nil {
			data = nil
		}
		fmt.Fprintf(h, "%s %d %x\n", name, len(data), sha256.Sum256(data))
	}
	for _, t := range w.tracked() {
		fmt.Fprintf(h, "%s\x00", t.path)
		treeFingerprint(h, t.path)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// treeFingerprint writes the names, sizes and modification times of the
// files under root (or of root, a file) to h, skipping hidden
// directories such as .git, and reports how many files there were, up to
// maxTrackedFiles.
func treeFingerprint(h interface{ Write([]byte) (int, error) }, root string) int {
	n := 0
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(h, "%s: unreadable\n", path)
			return nil
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if n++; n > maxTrackedFiles {
			return filepath.SkipAll
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", path, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	return min(n, maxTrackedFiles)
}

// resolvePath makes a path a user wrote absolute, as GoNB does: $NAME
// and ${NAME} are environment variables (%env's too), ~ is the home
// directory, and a relative path starts at the cells' working directory.
func (e *Engine) resolvePath(p string) string {
	env := map[string]string{}
	for _, kv := range e.environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	p = os.Expand(p, func(k string) string { return env[k] })
	if rest, ok := strings.CutPrefix(p, "~"); ok && (rest == "" || rest[0] == '/') {
		if home, err := os.UserHomeDir(); err == nil {
			p = home + rest
		}
	}
	if !filepath.IsAbs(p) {
		e.mu.Lock()
		p = filepath.Join(e.dir, p)
		e.mu.Unlock()
	}
	return filepath.Clean(p)
}

func (e *Engine) magicTrack(c magicCall) *cell.Error {
	args := strings.Fields(c.arg)
	if len(args) == 0 {
		c.sink.Stream("stdout", e.trackedList())
		return nil
	}
	for _, a := range args {
		p := e.resolvePath(a)
		if _, err := os.Stat(p); err != nil {
			return c.fail(fmt.Sprintf("%%track: %s: %v", a, errors.Unwrap(err)))
		}
		if !e.work.track.add(p) {
			c.sink.Stream("stdout", "already tracked: "+p+"\n")
			continue
		}
		c.sink.Stream("stdout", "tracking "+p+"\n")
		if n := treeFingerprint(sha256.New(), p); n >= maxTrackedFiles {
			c.sink.Stream("stderr", fmt.Sprintf("%%track: %s holds more than %d files; only the first %[2]d count\n", p, maxTrackedFiles))
		}
	}
	return nil
}

// magicUntrack forgets paths added with %track. As in GoNB, PATH...
// forgets every tracked path that starts with PATH.
func (e *Engine) magicUntrack(c magicCall) *cell.Error {
	args := strings.Fields(c.arg)
	if len(args) == 0 {
		c.sink.Stream("stdout", e.trackedList())
		return nil
	}
	for _, a := range args {
		rest, prefix := strings.CutSuffix(a, "...")
		p := ""
		switch {
		case rest == "" && prefix:
			// "..." alone: everything.
		case prefix && strings.HasSuffix(rest, "/"):
			p = e.resolvePath(rest) + "/" // only what is under the directory
		default:
			p = e.resolvePath(rest)
		}
		gone := e.work.track.remove(p, prefix)
		for _, g := range gone {
			c.sink.Stream("stdout", "untracked "+g+"\n")
		}
		if len(gone) > 0 || prefix {
			continue
		}
		for _, t := range e.work.autoTracked() {
			if t.path == p {
				return c.fail(fmt.Sprintf("%%untrack: %s is tracked because %s; it stays tracked while it does", p, t.why))
			}
		}
		return c.fail(fmt.Sprintf("%%untrack: %s is not tracked (%%track lists what is)", p))
	}
	return nil
}

// trackedList is what %track with no argument prints.
func (e *Engine) trackedList() string {
	all := e.work.tracked()
	if len(all) == 0 {
		return "nothing tracked\n"
	}
	var b strings.Builder
	b.WriteString("tracked (an edit under these makes the next cell build again):\n")
	for _, t := range all {
		b.WriteString("  " + t.path)
		if t.why != "" {
			b.WriteString("  (" + t.why + ")")
		}
		b.WriteString("\n")
	}
	return b.String()
}
