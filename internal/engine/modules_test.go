package engine

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestMissingModules(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"main.go:3:8: no required module provides package github.com/google/uuid; to add it:\n\tgo get github.com/google/uuid", []string{"github.com/google/uuid"}},
		{"no required module provides package b.org/x: go.mod file not found\nno required module provides package a.org/y; to add it", []string{"a.org/y", "b.org/x"}},
		{"main.go:4:2: module a.com/lib provides package a.com/lib/sub and is replaced but not required; to add it:\n\tgo get a.com/lib", []string{"a.com/lib/sub"}},
		{"cell[0]:3:2: undefined: foo", nil},
	}
	for _, tt := range tests {
		if got := missingModules(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("missingModules(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestGoLinesPassesOnlyLinesForTheUser(t *testing.T) {
	var got []string
	g := &goLines{sink: func(s string) { got = append(got, s) }}
	for _, chunk := range []string{"go: down", "loading a.org/x v1.0.0\n# pkg\nmain.go:1: oops\n", "go: added a.org/x v1.0.0\n", "gopar: shared build cache: damaged\npartial"} {
		g.Write([]byte(chunk))
	}
	want := []string{"go: downloading a.org/x v1.0.0\n", "go: added a.org/x v1.0.0\n", "gopar: shared build cache: damaged\n"}
	if !slices.Equal(got, want) {
		t.Errorf("passed %q, want %q", got, want)
	}
}

func TestStoredConfigMissesWhenAnArchiveIsGone(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "fmt.a")
	os.WriteFile(archive, []byte("!<arch>\n"), 0o644)
	local := filepath.Join(dir, "mylib")
	os.MkdirAll(local, 0o755)
	os.WriteFile(filepath.Join(local, "a.go"), []byte("package mylib"), 0o644)
	d := &directBuilder{w: &workModule{dir: dir}, cacheDir: filepath.Join(dir, "cache")}
	s := d.stored("key")
	s.save(&importConfig{text: "packagefile fmt=" + archive + "\n", local: map[string]string{local: dirFingerprint(local)}})
	if cfg := s.load(d.archiveOK); cfg == nil || !strings.Contains(cfg.text, archive) {
		t.Fatalf("stored configuration did not load: %+v", cfg)
	}
	os.WriteFile(filepath.Join(local, "a.go"), []byte("package mylib // edited"), 0o644)
	if cfg := s.load(d.archiveOK); cfg != nil {
		t.Errorf("loaded a configuration whose local package changed")
	}
	os.WriteFile(filepath.Join(local, "a.go"), []byte("package mylib"), 0o644)
	s.save(&importConfig{text: "packagefile fmt=" + archive + "\n", local: map[string]string{local: dirFingerprint(local)}})
	os.Remove(archive)
	if cfg := s.load(d.archiveOK); cfg != nil {
		t.Errorf("loaded a configuration naming an archive the build cache dropped")
	}
}
