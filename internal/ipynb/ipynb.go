// Package ipynb reads and writes Jupyter notebooks (nbformat 4) as
// generic JSON, so that writing one back keeps every field gopar does not
// know about. `gopar run` and `gopar student`/`gopar grade` share it.
package ipynb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/gopar/gopar/internal/atomicfile"
)

// A Notebook is an .ipynb file: Raw is the whole document and Cells its
// cells, which alias Raw's.
type Notebook struct {
	Raw   map[string]any
	Cells []map[string]any
}

// Read reads the notebook at path.
func Read(path string) (*Notebook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read notebook: %w", err)
	}
	nb := &Notebook{}
	if err := json.Unmarshal(b, &nb.Raw); err != nil {
		return nil, fmt.Errorf("read notebook %s: %w", path, err)
	}
	cells, ok := nb.Raw["cells"].([]any)
	if !ok {
		return nil, fmt.Errorf("read notebook %s: no cells", path)
	}
	for i, c := range cells {
		cm, ok := c.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("read notebook %s: cell %d is not an object", path, i+1)
		}
		nb.Cells = append(nb.Cells, cm)
	}
	return nb, nil
}

// Write writes the notebook to path, whole or not at all, indented as
// Jupyter writes notebooks.
func (nb *Notebook) Write(path string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb.Raw); err != nil {
		return fmt.Errorf("write notebook %s: %w", path, err)
	}
	if err := atomicfile.Write(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write notebook: %w", err)
	}
	return nil
}

// Source is a cell's source, which nbformat stores as a string or as a
// list of lines.
func Source(c map[string]any) string {
	switch s := c["source"].(type) {
	case string:
		return s
	case []any:
		var b strings.Builder
		for _, l := range s {
			if t, ok := l.(string); ok {
				b.WriteString(t)
			}
		}
		return b.String()
	}
	return ""
}

// SetSource stores a cell's source in the form it had.
func SetSource(c map[string]any, src string) {
	if _, ok := c["source"].([]any); !ok {
		c["source"] = src
		return
	}
	lines := []any{}
	for len(src) > 0 {
		i := strings.IndexByte(src, '\n') + 1
		if i == 0 {
			i = len(src)
		}
		lines = append(lines, src[:i])
		src = src[i:]
	}
	c["source"] = lines
}
