package engine

import (
	"strings"
	"testing"
)

// A program that uses parallel/cluster registers the functions cells
// declare, which travel to Beam's workers by name, and lets a worker turn
// aside before the cell's own work.
func TestComposeClusterStart(t *testing.T) {
	const decls = `func square(x int) int { return x * x }
func Generic[T any](x T) T { return x }
func (p point) norm() float64 { return 0 }
type point struct{}
func init() {}
func init_setup() {}
`
	tests := []struct {
		name    string
		code    string
		want    []string
		wantNot []string
	}{
		{
			name: "imported",
			code: "import \"github.com/gopar/gopar/parallel/cluster\"\n" + decls + "cluster.Map([]int{1}, square)",
			want: []string{
				"func main() {\ngopar_cluster.Register(square)\ngopar_cluster.Init()\n",
				`gopar_cluster "github.com/gopar/gopar/parallel/cluster"`,
			},
			wantNot: []string{"Register(square, Generic", "norm)", "init_setup)"},
		},
		{
			name:    "not imported",
			code:    decls + "square(2)",
			wantNot: []string{"gopar_cluster"},
		},
	}
	for _, tt := range tests {
		pc, err := parseCell(tt.code)
		if err != nil {
			t.Fatal(err)
		}
		p := &program{}
		p.merge(currentCell, pc)
		src := compose(p.imports, p.decls, pc, composeOptions{cell: currentCell})
		for _, w := range tt.want {
			if !strings.Contains(src, w) {
				t.Errorf("%s: program lacks %q:\n%s", tt.name, w, src)
			}
		}
		for _, w := range tt.wantNot {
			if strings.Contains(src, w) {
				t.Errorf("%s: program has %q:\n%s", tt.name, w, src)
			}
		}
		// Composing again from the imports a first composition found
		// imports the package under the engine's name once.
		again := compose(append(p.imports, importSpec{name: clusterName, path: clusterModule}), p.decls, pc, composeOptions{cell: currentCell})
		if n := strings.Count(again, clusterName+" \""); tt.name == "imported" && n != 1 {
			t.Errorf("%s: composed again, %d imports as %s:\n%s", tt.name, n, clusterName, again)
		}
	}
}
