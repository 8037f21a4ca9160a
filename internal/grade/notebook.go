package grade

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// A notebook is an .ipynb file read as generic JSON, so that writing it
// back keeps every field this package does not know.
type notebook struct {
	path  string
	raw   map[string]any
	cells []map[string]any
}

func readNotebook(path string) (*notebook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read notebook: %w", err)
	}
	nb := &notebook{path: path}
	if err := json.Unmarshal(b, &nb.raw); err != nil {
		return nil, fmt.Errorf("read notebook %s: %w", path, err)
	}
	cells, ok := nb.raw["cells"].([]any)
	if !ok {
		return nil, fmt.Errorf("read notebook %s: no cells", path)
	}
	for i, c := range cells {
		cm, ok := c.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("read notebook %s: cell %d is not an object", path, i+1)
		}
		nb.cells = append(nb.cells, cm)
	}
	return nb, nil
}

func (nb *notebook) write(path string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb.raw); err != nil {
		return fmt.Errorf("write notebook %s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write notebook: %w", err)
	}
	return nil
}

// source is a cell's source, which nbformat stores as a string or as a
// list of lines.
func source(c map[string]any) string {
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

// setSource stores a cell's source in the form it had.
func setSource(c map[string]any, src string) {
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

// meta is a cell's nbgrader metadata.
type meta struct {
	Solution bool    `json:"solution"`
	Grade    bool    `json:"grade"`
	GradeID  string  `json:"grade_id"`
	Points   float64 `json:"points"`
	Locked   bool    `json:"locked"`
}

func nbgraderMeta(c map[string]any) meta {
	md, _ := c["metadata"].(map[string]any)
	raw, ok := md["nbgrader"]
	if !ok {
		return meta{}
	}
	b, _ := json.Marshal(raw)
	var m meta
	json.Unmarshal(b, &m) // a field of the wrong type stays zero
	return m
}
