package cluster

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopar/gopar/parallel"
)

// startJobServer starts Prism as a separate process on loopback (this
// test binary, see TestMain) and returns its endpoint.
func startJobServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", jobServerEnv, port))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	ready := make(chan bool, 1)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			if strings.Contains(s.Text(), "serving") {
				ready <- true
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("job server did not start")
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// Workers in processes of their own, as Flink's and Spark's are: the
// job server starts them from this program's executable.
func TestOnAJobServerWithWorkerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a job server and worker processes")
	}
	endpoint := startJobServer(t)
	// A worker that cannot start leaves Prism's job running: bound the
	// calls, so that such a failure fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	on := []Option{On(endpoint), Context(ctx)}

	xs := []int{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5}
	want, err := parallel.Map(xs, square)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Map(xs, square, on...)
	if err != nil {
		t.Fatalf("Map on %s: %v", endpoint, err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Map on a job server = %v, want %v", got, want)
	}

	wantCounts, err := parallel.MapReduce(lines, words, sum)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := MapReduce(lines, words, sum, on...)
	if err != nil {
		t.Fatalf("MapReduce on %s: %v", endpoint, err)
	}
	if !maps.Equal(counts, wantCounts) {
		t.Errorf("MapReduce on a job server = %v, want %v", counts, wantCounts)
	}

	_, err = Map([]int{5, 7}, panicsOnSeven, on...)
	if ie, ok := err.(*ItemError); !ok || ie.Index != 1 {
		t.Errorf("a panic on a worker process: err = %v, want an *ItemError for item 1", err)
	}
}

func TestWorkerArgs(t *testing.T) {
	tests := []struct {
		args []string
		want map[string]string
	}{
		{[]string{"-test.v"}, nil},
		{nil, nil},
		{[]string{"--id='w1'", "--provision_endpoint=localhost:5"}, map[string]string{"id": "w1", "provision_endpoint": "localhost:5"}},
		{[]string{"--worker=true", "--id=3", "--control_endpoint=c"}, map[string]string{"worker": "true", "id": "3", "control_endpoint": "c"}},
		{[]string{"--worker"}, map[string]string{"worker": "true"}},
	}
	for _, tt := range tests {
		got := workerArgs(tt.args)
		if !maps.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("workerArgs(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}
