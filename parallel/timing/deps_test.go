package timing

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLightDependencies checks that timing brings neither a plotting
// library nor a notebook client into the programs that use it: a cell
// that times something should build as fast as one that does not.
func TestLightDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	const pkg = "github.com/gopar/gopar/parallel/timing"
	out, err := exec.Command(goBin, "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != pkg {
		t.Fatalf("go list -deps %s listed %q", pkg, deps)
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "gonum.org/") || strings.HasPrefix(d, "github.com/janpfeifer/gonb/") {
			t.Errorf("%s depends on %s", pkg, d)
		}
	}
}
