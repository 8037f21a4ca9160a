package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "f.json")
	for _, content := range []string{"first", "second, longer"} {
		if err := Write(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != content {
			t.Fatalf("read %q, %v; want %q", b, err, content)
		}
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", info.Mode().Perm())
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := Write(filepath.Join(path, "under-a-file"), nil, 0o644); err == nil {
		t.Error("writing under a file succeeded")
	}
}

func TestWriteFuncFailureKeepsOldContent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.npy")
	if err := Write(path, []byte("good"), 0o644); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("encoding failed")
	err := WriteFunc(path, 0o644, func(w io.Writer) error {
		// More than the buffer holds, so part of it reaches the temporary file.
		if _, err := w.Write(make([]byte, 1<<20)); err != nil {
			return err
		}
		return failed
	})
	if err != failed {
		t.Fatalf("WriteFunc returned %v, want the write function's own error unwrapped", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "good" {
		t.Errorf("after a failed write the file holds %d bytes (%v), want the old content", len(b), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestWriteFuncStreams(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.txt")
	err := WriteFunc(path, 0o600, func(w io.Writer) error {
		for i := range 3 {
			if _, err := fmt.Fprintf(w, "line %d\n", i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "line 0\nline 1\nline 2\n" {
		t.Errorf("file holds %q", b)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
}
