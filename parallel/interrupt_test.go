package parallel

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/notebook"
	"github.com/gopar/gopar/internal/notebook/notebooktest"
)

func TestHandlerOnlyWhileRunning(t *testing.T) {
	defer noLeaks(t)()
	notebooktest.Attach(t)
	if interrupts.installed() {
		t.Fatal("handler installed before any call")
	}
	var inside atomic.Bool
	_, err := Map([]int{1}, func(int) int {
		inside.Store(interrupts.installed())
		return 0
	})
	if err != nil {
		t.Fatal(err)
	}
	if !inside.Load() {
		t.Error("handler not installed during the call")
	}
	if interrupts.installed() {
		t.Error("handler still installed after the call")
	}
}

// TestNoHandlerOutsideNotebook checks that a program that does not run in
// a notebook keeps Go's SIGINT behaviour, inside calls too.
func TestNoHandlerOutsideNotebook(t *testing.T) {
	defer noLeaks(t)()
	if notebook.Current() != nil {
		t.Fatal("a notebook is attached")
	}
	var inside atomic.Bool
	p := NewPool(1)
	task := Submit(p, func(context.Context) (int, error) {
		_, err := Map([]int{1}, func(int) int {
			inside.Store(interrupts.installed())
			return 0
		})
		return 0, err
	})
	if _, err := task.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if inside.Load() {
		t.Error("handler installed during a call outside a notebook")
	}
}

// TestInterruptInProcess sends SIGINT to the test binary while a Map and a
// Pool task run: both must stop, and later calls must fail at once.
func TestInterruptInProcess(t *testing.T) {
	defer noLeaks(t)()
	notebooktest.Attach(t) // without it, SIGINT ends the test binary
	defer interrupts.reset()

	p := NewPool(1)
	task := Submit(p, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, context.Cause(ctx)
	})
	var started atomic.Int64
	go func() {
		for started.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		syscall.Kill(os.Getpid(), syscall.SIGINT)
	}()
	_, err := MapCtx(context.Background(), make([]int, 100), func(ctx context.Context, _ int) (int, error) {
		started.Add(1)
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Minute):
			return 0, nil
		}
	})
	if !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Map returned %v, want ErrInterrupted", err)
	}
	if _, err := task.Wait(); !errors.Is(err, ErrInterrupted) {
		t.Errorf("pool task returned %v, want ErrInterrupted", err)
	}
	p.Close()

	var calls atomic.Int64
	if _, err := Map([]int{1, 2}, func(int) int { calls.Add(1); return 0 }); !errors.Is(err, ErrInterrupted) {
		t.Errorf("call after the interrupt returned %v", err)
	}
	if calls.Load() != 0 {
		t.Errorf("%d items ran after the interrupt", calls.Load())
	}
	if _, err := Submit(NewPool(1), func(context.Context) (int, error) { return 0, nil }).Wait(); !errors.Is(err, ErrInterrupted) {
		t.Errorf("pool task after the interrupt returned %v", err)
	}
}

// buildSigint builds testdata/sigint into a temporary directory.
func buildSigint(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a program")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	bin := filepath.Join(t.TempDir(), "sigint")
	cmd := exec.Command(goBin, "build", "-o", bin, "./testdata/sigint")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestSIGINTProgram runs a program using parallel in its own process
// group, as the kernel runs a cell, and interrupts it as the kernel does;
// and once outside a notebook, where one SIGINT must end it.
func TestSIGINTProgram(t *testing.T) {
	bin := buildSigint(t)
	tests := []struct {
		mode     string
		signaled bool   // killed by the signal rather than exiting
		stderr   string // expected in stderr
		repeat   bool   // keep sending SIGINT until it ends
	}{
		{mode: "ctx", stderr: "stopped after"},
		{mode: "plain", stderr: "stopped after"},
		{mode: "loop", stderr: "interrupted"},
		{mode: "stuck", signaled: true, repeat: true},
		{mode: "idle", signaled: true},
		{mode: "bare", signaled: true},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, tt.mode)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := bufio.NewScanner(stdout)
			if !lines.Scan() || lines.Text() != "running" {
				t.Fatalf("program did not start: %q %v", lines.Text(), lines.Err())
			}
			exited := make(chan error, 1)
			go func() {
				for lines.Scan() { // drain, so Wait can finish
				}
				exited <- cmd.Wait()
			}()
			sent := time.Now()
			group := -cmd.Process.Pid
			syscall.Kill(group, syscall.SIGINT)
			var waitErr error
			deadline := time.After(20 * time.Second) // generous: correctness, not speed
		wait:
			for {
				select {
				case waitErr = <-exited:
					break wait
				case <-time.After(200 * time.Millisecond):
					if tt.repeat {
						syscall.Kill(group, syscall.SIGINT)
					}
				case <-deadline:
					t.Fatalf("still running 20s after SIGINT; stderr: %s", stderr.String())
				}
			}
			t.Logf("%s: ended %v after SIGINT: %v", tt.mode, time.Since(sent), waitErr)
			var ee *exec.ExitError
			if !errors.As(waitErr, &ee) {
				t.Fatalf("exit: %v", waitErr)
			}
			ws := ee.Sys().(syscall.WaitStatus)
			if tt.signaled {
				if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
					t.Errorf("want death by SIGINT, got %v; stderr: %s", ws, stderr.String())
				}
				return
			}
			if ws.ExitStatus() != 3 {
				t.Errorf("exit status %d, want 3; stderr: %s", ws.ExitStatus(), stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.stderr) || !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("stderr %q lacks the cancellation error", stderr.String())
			}
		})
	}
}
