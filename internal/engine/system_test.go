package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLimitsCapped(t *testing.T) {
	const gib = 1 << 30
	for _, tc := range []struct {
		name string
		in   limits
		want limits
	}{
		{"no bounds", limits{memory: 8 * gib}, limits{memory: 8 * gib}},
		{"default above the bound", limits{memory: 8 * gib, maxMemory: 2 * gib}, limits{memory: 2 * gib, maxMemory: 2 * gib}},
		{"no cap is above any bound", limits{maxMemory: 2 * gib}, limits{memory: 2 * gib, maxMemory: 2 * gib}},
		{"lower stays", limits{memory: gib, maxMemory: 2 * gib}, limits{memory: gib, maxMemory: 2 * gib}},
		{"no timeout under a bound", limits{maxTimeout: time.Minute}, limits{timeout: time.Minute, maxTimeout: time.Minute}},
		{"shorter timeout stays", limits{timeout: time.Second, maxTimeout: time.Minute}, limits{timeout: time.Second, maxTimeout: time.Minute}},
	} {
		if got := tc.in.capped(); got != tc.want {
			t.Errorf("%s: %+v.capped() = %+v, want %+v", tc.name, tc.in, got, tc.want)
		}
	}
}

// TestAdministratorLimits: the limits of a system install are every
// kernel's defaults, which a user may lower and not raise.
func TestAdministratorLimits(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{ModuleDir: root, WorkDir: t.TempDir(), MemLimit: 8 << 30, MaxMemLimit: 256 << 20, MaxTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	r := &runner2{t: t, e: e}
	for _, tc := range []struct {
		cell, want, wantErr string
	}{
		{cell: "%memlimit", want: "memlimit: 256.0 MiB\n"},
		{cell: "%timeout", want: "timeout: 10s\n"},
		{cell: "%memlimit 1GiB", wantErr: "%memlimit: this server allows at most 256.0 MiB"},
		{cell: "%memlimit off", wantErr: "%memlimit off: this server allows at most 256.0 MiB"},
		{cell: "%timeout 20", wantErr: "%timeout: this server allows at most 10s"},
		{cell: "%timeout off", wantErr: "%timeout off: this server allows at most 10s"},
		{cell: "%memlimit 128MiB", want: "memlimit: 128.0 MiB\n"},
		{cell: "%memlimit 256MiB", want: "memlimit: 256.0 MiB\n"},
		{cell: "%timeout 5", want: "timeout: 5s\n"},
	} {
		res, rec := r.exec(tc.cell)
		if tc.wantErr != "" {
			if res.Err == nil || res.Err.Name != "MagicError" || !strings.Contains(res.Err.Value, tc.wantErr) {
				t.Errorf("%s: error %+v, want a MagicError containing %q", tc.cell, res.Err, tc.wantErr)
			}
			continue
		}
		if res.Err != nil || rec.Stdout() != tc.want {
			t.Errorf("%s: %q, %+v; want %q", tc.cell, rec.Stdout(), res.Err, tc.want)
		}
	}
}

func TestWorkModuleReplacements(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared", "gonum.org", "v1", "gonum@v0.17.0")
	w, err := newWorkModule(filepath.Join(dir, "work"), root, "go", []Replacement{{Path: "gonum.org/v1/gonum", Version: "v0.17.0", Dir: shared}})
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(w.dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"replace github.com/gopar/gopar => " + root + "\n", "replace gonum.org/v1/gonum v0.17.0 => " + shared + "\n"} {
		if !strings.Contains(string(gomod), want) {
			t.Errorf("go.mod lacks %q:\n%s", want, gomod)
		}
	}
	if string(w.initial.mod) != string(gomod) {
		t.Error("%reset go.mod would drop the replacements")
	}
	w.direct.fixedDirs = []string{filepath.Join(dir, "shared")}
	for _, tc := range []struct {
		dir  string
		want bool
	}{
		{shared, true},
		{filepath.Join(shared, "mat"), true},
		{filepath.Join(dir, "shared2", "x"), false},
		{filepath.Join(dir, "work"), false},
	} {
		if got := w.direct.fixed(tc.dir); got != tc.want {
			t.Errorf("fixed(%s) = %v, want %v", tc.dir, got, tc.want)
		}
	}
}

// TestStoredConfigChecksSharedArchives: a kept resolution naming an
// archive of the shared build cache loads only while that archive hashes
// to the output ID in its name; one in the user's own cache is trusted
// as the go command trusts it.
func TestStoredConfigChecksSharedArchives(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared")
	content := []byte("!<arch>\ncompiled fmt")
	sum := sha256.Sum256(content)
	archive := filepath.Join(shared, hex.EncodeToString(sum[:1]), hex.EncodeToString(sum[:])+"-d")
	os.MkdirAll(filepath.Dir(archive), 0o755)
	os.WriteFile(archive, content, 0o644)
	own := filepath.Join(dir, "own", "strconv.a")
	os.MkdirAll(filepath.Dir(own), 0o755)
	os.WriteFile(own, []byte("anything"), 0o644)
	text := "packagefile fmt=" + archive + "\npackagefile strconv=" + own + "\n"

	for _, tc := range []struct {
		name   string
		damage func()
		want   bool
	}{
		{"intact", func() {}, true},
		{"damaged shared archive", func() { os.WriteFile(archive, []byte("!<arch>\ncompiled fmT"), 0o644) }, false},
		{"shared archive not named by its hash", func() {
			os.Rename(archive, filepath.Join(filepath.Dir(archive), "fmt.a"))
			archive = filepath.Join(filepath.Dir(archive), "fmt.a")
			text = "packagefile fmt=" + archive + "\n"
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.damage()
			d := &directBuilder{w: &workModule{dir: dir}, cacheDir: filepath.Join(dir, "cache"), sharedCache: shared}
			s := d.stored("key")
			s.save(&importConfig{text: text})
			if cfg := s.load(d.archiveOK); (cfg != nil) != tc.want {
				t.Errorf("loaded: %v, want %v", cfg != nil, tc.want)
			}
		})
	}
}

// TestSharedResolutionsServeEveryUser: a resolution the install kept,
// with its caches where the installer had them, serves a user whose
// caches are elsewhere, without the go command.
func TestSharedResolutionsServeEveryUser(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "build-cache")
	content := []byte("!<arch>\ncompiled fmt")
	sum := sha256.Sum256(content)
	archive := filepath.Join(shared, hex.EncodeToString(sum[:1]), hex.EncodeToString(sum[:])+"-d")
	os.MkdirAll(filepath.Dir(archive), 0o755)
	os.WriteFile(archive, content, 0o644)
	work := filepath.Join(dir, "work")
	os.MkdirAll(work, 0o755)
	os.WriteFile(filepath.Join(work, "go.mod"), []byte("module gopar.cells\n"), 0o644)
	kept := filepath.Join(dir, "kernel-cache")

	installer := &directBuilder{w: &workModule{dir: work}, cacheDir: kept, sharedCache: shared}
	_, key := installer.importSetKey([]string{"fmt"}, "")
	installerEnv := []string{"GOCACHE=" + shared, "GOMODCACHE=/usr/local/lib/gopar/mod", "GOFLAGS=-mod=mod"}
	installer.stored(key + "\n" + installer.envKey(installerEnv)).save(&importConfig{text: "packagefile fmt=" + archive + "\n"})

	user := &directBuilder{w: &workModule{dir: work, goBin: filepath.Join(dir, "no-go")}, cacheDir: filepath.Join(dir, "home", "cache"), sharedCache: shared, sharedConfigs: kept}
	userEnv := []string{"GOCACHE=/home/student/.cache/go-build", "GOFLAGS=-mod=mod", "GOCACHEPROG=gopar cacheprog"}
	cfg, err := user.config(context.Background(), []string{"fmt"}, "", userEnv, io.Discard)
	if err != nil {
		t.Fatalf("the kept resolution did not serve the user: %v", err)
	}
	if !strings.Contains(cfg.text, archive) {
		t.Errorf("resolution %q does not name the shared archive", cfg.text)
	}
	// Other flags are another resolution.
	if _, err := user.config(context.Background(), []string{"fmt"}, "", []string{"GOFLAGS=-race"}, io.Discard); err == nil {
		t.Error("a resolution kept for other GOFLAGS served")
	}
}
