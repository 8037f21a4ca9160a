package ipynb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadWriteKeepsUnknownFields(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.ipynb")
	in := `{"cells": [{"cell_type": "code", "source": ["a := 1\n", "a"], "metadata": {"x": {"y": 1}}, "outputs": []},
 {"cell_type": "markdown", "source": "# <b>T</b>", "metadata": {}}], "metadata": {"kernelspec": {"name": "gopar"}}, "nbformat": 4, "nbformat_minor": 5}`
	os.WriteFile(path, []byte(in), 0o644)
	nb, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := Source(nb.Cells[0]); got != "a := 1\na" {
		t.Errorf("Source = %q", got)
	}
	SetSource(nb.Cells[0], "b := 2\nb\n")
	SetSource(nb.Cells[1], "# changed")
	if err := nb.Write(path); err != nil {
		t.Fatal(err)
	}
	back, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	lines, _ := back.Cells[0]["source"].([]any)
	if len(lines) != 2 || lines[0] != "b := 2\n" || lines[1] != "b\n" {
		t.Errorf("source lines = %#v", back.Cells[0]["source"])
	}
	if back.Cells[1]["source"] != "# changed" {
		t.Errorf("markdown source = %#v", back.Cells[1]["source"])
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"y": 1`) || !strings.Contains(string(b), `"kernelspec"`) {
		t.Errorf("unknown fields lost:\n%s", b)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"bad.ipynb": "{", "nocells.ipynb": "{}", "badcell.ipynb": `{"cells": [1]}`} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := Read(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
