package jupyter

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopar/gopar/internal/cell"
)

// debianPython is the Python that has jupyter_client installed.
const debianPython = "/usr/bin/python3"

// TestJupyterClientInterop runs the kernel against jupyter_client (and
// so libzmq and Python's HMAC), when they are installed.
func TestJupyterClientInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python")
	}
	if err := exec.Command(debianPython, "-c", "import jupyter_client").Run(); err != nil {
		t.Skipf("jupyter_client not available: %v", err)
	}
	engine := newFakeEngine(func(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result {
		switch req.Code {
		case "fail":
			return cell.Result{Err: &cell.Error{Name: "CompileError", Value: "undefined: fail", Traceback: []string{"cell[2] line 1: undefined: fail"}}}
		case "ask":
			v, err := sink.(cell.InputSink).Input(ctx, "name: ", false)
			if err != nil {
				v = err.Error()
			}
			sink.Stream("stdout", "got "+v+"\n")
			return cell.Result{}
		}
		sink.Stream("stdout", req.Code+"\n")
		return cell.Result{Value: &cell.Display{Data: cell.MIMEBundle{"text/plain": "8"}}}
	})
	conn := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: newID(), SignatureScheme: "hmac-sha256", KernelName: "gopar"}
	k, err := NewKernel(conn, engine, Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { runErr <- k.Run(ctx) }()

	data, err := json.Marshal(k.Connection())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kernel-interop.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, debianPython, filepath.Join("testdata", "client_smoke.py"), path)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "ok") {
		t.Fatalf("client_smoke.py: %v\n%s", err, out)
	}
	// The script ended with a shutdown_request.
	if err := <-runErr; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	if !engine.closed.Load() {
		t.Error("engine not closed after shutdown")
	}
}
