package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopar/gopar/internal/engine"
)

// The module built into the binary must hold everything a cell program
// imports: warming runs a cell using the parallel package, gonbui,
// display, gonum/plot, and a carried variable, from the extracted copy.
// privateCache gives the test its own user cache directory, where the
// module is extracted, but keeps Go's build cache where it is: moving it
// would rebuild every dependency.
func privateCache(t *testing.T) {
	t.Helper()
	out, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCACHE", strings.TrimSpace(string(out)))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
}

func TestEmbeddedModuleBuildsCells(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	privateCache(t)
	dir, err := extractModule()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{ModuleDir: dir, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if err := warmEngine(context.Background(), eng); err != nil {
		t.Fatal(err)
	}
	// Extracting again finds the same copy.
	again, err := extractModule()
	if err != nil || again != dir {
		t.Errorf("second extraction = %q, %v; want %q", again, err, dir)
	}
}

func TestRunNotebook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	privateCache(t)
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{},
		"cells": []any{
			map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": "# title"},
			map[string]any{"cell_type": "code", "metadata": map[string]any{}, "outputs": []any{}, "execution_count": nil,
				"source": []any{"func sq(x int) int { return x * x }\n", "fmt.Println(\"hi\")\n", "sq(7)"}},
			map[string]any{"cell_type": "code", "metadata": map[string]any{}, "outputs": []any{}, "execution_count": nil,
				"source": "undefinedName"},
		},
	}
	in := filepath.Join(t.TempDir(), "nb.ipynb")
	b, _ := json.Marshal(nb)
	os.WriteFile(in, b, 0o644)
	out := filepath.Join(t.TempDir(), "out.ipynb")
	var stdout, stderr bytes.Buffer
	err := run([]string{"run", "-o", out, in}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "1 cell(s) failed") {
		t.Fatalf("run = %v, stderr %s", err, stderr.String())
	}
	var got struct {
		Cells []struct {
			Outputs []map[string]any `json:"outputs"`
		} `json:"cells"`
	}
	b, _ = os.ReadFile(out)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	first := got.Cells[1].Outputs
	if len(first) != 2 || first[0]["text"] != "hi\n" || first[1]["output_type"] != "execute_result" {
		t.Errorf("first cell outputs = %v", first)
	}
	second := got.Cells[2].Outputs
	if len(second) != 1 || second[0]["output_type"] != "error" || !strings.Contains(second[0]["evalue"].(string), "cell[2] line 1") {
		t.Errorf("second cell outputs = %v", second)
	}
}

func TestParseRunArgs(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    runArgs
		wantErr string
	}{
		{[]string{"nb.ipynb"}, runArgs{notebook: "nb.ipynb", out: "nb.ipynb"}, ""},
		{[]string{"-o", "out.ipynb", "nb.ipynb"}, runArgs{notebook: "nb.ipynb", out: "out.ipynb"}, ""},
		{[]string{"nb.ipynb", "-o", "out.ipynb", "-k"}, runArgs{notebook: "nb.ipynb", out: "out.ipynb", keepGoing: true}, ""},
		{[]string{"-k", "nb.ipynb", "-o", "out.ipynb"}, runArgs{notebook: "nb.ipynb", out: "out.ipynb", keepGoing: true}, ""},
		{nil, runArgs{}, "usage"},
		{[]string{"a.ipynb", "b.ipynb"}, runArgs{}, "usage"},
		{[]string{"nb.ipynb", "-x"}, runArgs{}, "not defined: -x"},
	} {
		got, err := parseRunArgs(tc.args, io.Discard)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case got != tc.want:
			t.Errorf("%q: %+v, want %+v", tc.args, got, tc.want)
		}
	}
}
