package grade

import "fmt"

// Student writes the student version of the teacher's notebook at path to
// out: solution regions replaced (StripSolutions; nbgrader's solution
// cells are solution cells as a whole), outputs and execution counts
// cleared, nbgrader's metadata kept.
func Student(path, out string) error {
	nb, err := readNotebook(path)
	if err != nil {
		return err
	}
	for i, c := range nb.cells {
		if c["cell_type"] != "code" {
			continue
		}
		src, err := StripSolutions(source(c), nbgraderMeta(c).Solution)
		if err != nil {
			return fmt.Errorf("%s: cell %d: %w", path, i+1, err)
		}
		setSource(c, src)
		c["outputs"] = []any{}
		c["execution_count"] = nil
	}
	return nb.write(out)
}
