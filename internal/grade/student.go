package grade

import (
	"fmt"

	"github.com/gopar/gopar/internal/ipynb"
)

// Student writes the student version of the teacher's notebook at path to
// out: solution regions replaced (StripSolutions; nbgrader's solution
// cells are solution cells as a whole), outputs and execution counts
// cleared, nbgrader's metadata kept.
func Student(path, out string) error {
	nb, err := ipynb.Read(path)
	if err != nil {
		return err
	}
	for i, c := range nb.Cells {
		if c["cell_type"] != "code" {
			continue
		}
		src, err := StripSolutions(ipynb.Source(c), nbgraderMeta(c).Solution)
		if err != nil {
			return fmt.Errorf("%s: cell %d: %w", path, i+1, err)
		}
		ipynb.SetSource(c, src)
		c["outputs"] = []any{}
		c["execution_count"] = nil
	}
	return nb.Write(out)
}
