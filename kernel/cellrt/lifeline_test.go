package cellrt

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/childproto"
)

const lifelineHelperEnv = "GOPAR_TEST_LIFELINE_HELPER"

// TestLifelineHelper is the program of TestLifelineKillsTheGroup: it
// starts a child, reports both pids and spins as a runaway cell does.
func TestLifelineHelper(t *testing.T) {
	if os.Getenv(lifelineHelperEnv) == "" {
		t.Skip("helper process for TestLifelineKillsTheGroup")
	}
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Printf("pids %d %d env=%q\n", os.Getpid(), sleeper.Process.Pid, os.Getenv(childproto.LifelineEnv))
	for {
	}
}

// TestLifelineKillsTheGroup runs a program as the kernel does, with a
// lifeline, and closes the kernel's end as the death of the kernel
// would: the program and the child it started must both go.
func TestLifelineKillsTheGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLifelineHelper$")
	cmd.Env = append(os.Environ(), lifelineHelperEnv+"=1", childproto.LifelineEnv+"=3")
	cmd.ExtraFiles = []*os.File{r}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	exited := make(chan error, 1)

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("helper said nothing: %v", err)
	}
	var prog, child int
	var env string
	if _, err := fmt.Sscanf(line, "pids %d %d env=%q", &prog, &child, &env); err != nil {
		t.Fatalf("helper said %q: %v", line, err)
	}
	if env != "" {
		t.Errorf("the program's own children see %s=%s", childproto.LifelineEnv, env)
	}
	go func() { exited <- cmd.Wait() }()
	// The program runs for as long as the kernel's end is open.
	select {
	case err := <-exited:
		t.Fatalf("program ended while its kernel lived: %v", err)
	case <-time.After(300 * time.Millisecond):
	}

	w.Close()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Errorf("program ended with %v, want killed by SIGKILL", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("program still running 5s after its kernel's end of the lifeline closed")
	}
	deadline := time.Now().Add(5 * time.Second)
	for running(child) {
		if time.Now().After(deadline) {
			t.Fatalf("the program's child %d still running 5s after the lifeline closed", child)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running reports whether pid is a live process: it exists and is not a
// zombie waiting to be reaped by a parent that is not us.
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || !strings.HasPrefix(s[i+1:], " Z")
}
