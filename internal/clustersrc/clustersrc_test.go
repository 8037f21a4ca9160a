package clustersrc

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite cluster.txtar from ../../parallel/cluster")

// source reads the files of parallel/cluster that cells build against.
func source(t *testing.T) []txtar.File {
	t.Helper()
	dir := filepath.Join("..", "..", filepath.FromSlash(Dir))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []txtar.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasSuffix(name, "_test.go") || !(strings.HasSuffix(name, ".go") || name == "go.mod" || name == "go.sum") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, txtar.File{Name: name, Data: b})
	}
	return files
}

func TestArchiveMatchesSource(t *testing.T) {
	want := source(t)
	if *update {
		a := &txtar.Archive{
			Comment: []byte("The source of parallel/cluster, for the kernel to give cells.\nGenerated: go test ./internal/clustersrc -run Archive -update\n"),
			Files:   want,
		}
		if err := os.WriteFile("cluster.txtar", txtar.Format(a), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got := Files()
	if !slices.Equal(names(got), names(want)) {
		t.Fatalf("archive holds %v, parallel/cluster %v: run go test ./internal/clustersrc -run Archive -update", names(got), names(want))
	}
	for i := range want {
		if string(got[i].Data) != string(want[i].Data) {
			t.Errorf("%s differs from parallel/cluster's: run go test ./internal/clustersrc -run Archive -update", want[i].Name)
		}
	}
	if !slices.ContainsFunc(got, func(f txtar.File) bool { return f.Name == "go.mod" }) {
		t.Error("archive has no go.mod")
	}
}

func names(files []txtar.File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}
