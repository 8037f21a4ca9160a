package engine

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestOrphanedKernelDirsGo(t *testing.T) {
	tmp := t.TempDir()
	mine := filepath.Join(tmp, kernelDirPrefix+"mine")
	start, ok := processStart(os.Getpid())
	if !ok {
		t.Fatal("no start time for this process")
	}
	// A process that has exited: its pid is free, or reused by another.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(tmp, kernelDirPrefix+"dead")
	reused := filepath.Join(tmp, kernelDirPrefix+"reused")
	other := filepath.Join(tmp, kernelDirPrefix+"noowner")
	for dir, owner := range map[string]string{
		mine:   fmt.Sprintf("%d %d\n", os.Getpid(), start),
		dead:   fmt.Sprintf("%d %d\n", cmd.Process.Pid, start),
		reused: fmt.Sprintf("%d %d\n", os.Getpid(), start+1),
		other:  "",
	} {
		if err := os.MkdirAll(filepath.Join(dir, "module", "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		if owner != "" {
			os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner), 0o644)
		}
	}
	if n := removeOrphanedKernelDirs(tmp); n != 2 {
		t.Errorf("removed %d directories, want 2", n)
	}
	for dir, want := range map[string]bool{mine: true, dead: false, reused: false, other: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", filepath.Base(dir), err == nil, want)
		}
	}
}

func TestKernelDirIsRemovedOnClose(t *testing.T) {
	root, _ := filepath.Abs("../..")
	e, err := New(Options{ModuleDir: root})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(e.work.dir)
	if _, err := os.Stat(filepath.Join(dir, ownerFile)); err != nil {
		t.Fatalf("kernel dir has no owner file: %v", err)
	}
	e.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("kernel dir %s still there after Close: %v", dir, err)
	}
}

func TestStoredConfigsAreTrimmed(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "importcfg-old.json")
	recent := filepath.Join(dir, "importcfg-recent.json")
	for _, f := range []string{old, recent} {
		os.WriteFile(f, []byte("{}"), 0o644)
	}
	past := time.Now().Add(-storedConfigAge - time.Hour)
	os.Chtimes(old, past, past)
	trimStoredConfigs(dir)
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("a resolution unused for over %v was kept", storedConfigAge)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("a recent resolution was removed: %v", err)
	}
}
