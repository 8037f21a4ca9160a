package grade

import (
	"encoding/json"
)

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
