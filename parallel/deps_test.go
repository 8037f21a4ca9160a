package parallel

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestNoNotebookClientDependencies checks that importing parallel does not
// bring GoNB's module graph (gonbui, klog, pkg/errors, ...) into programs:
// the notebook reaches the package through internal/notebook.
func TestNoNotebookClientDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	const pkg = "github.com/gopar/gopar/parallel"
	out, err := exec.Command(goBin, "list", "-deps", pkg).Output()
	if err != nil {
		var stderr []byte
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != pkg {
		t.Fatalf("go list -deps %s listed %q, not the package and its dependencies", pkg, deps)
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/janpfeifer/gonb/") {
			t.Errorf("%s depends on %s", pkg, d)
		}
	}
}
