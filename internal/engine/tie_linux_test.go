package engine

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestStartTiedOutlivesTheCallersThread starts a program from a goroutine
// whose thread then ends, as Go ends the thread of a goroutine that exits
// locked to it. Linux sends the parent-death signal when the thread that
// forked a child ends, so a program forked on that thread would be
// killed; startTied's must run until the kernel is done with it.
func TestStartTiedOutlivesTheCallersThread(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	cmd := exec.Command("sleep", "60")
	exited := make(chan struct{})
	var err error
	onEndingThread(func() { err = startTied(cmd, exited) })
	if err != nil {
		t.Fatal(err)
	}
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()
	select {
	case <-exited:
		t.Fatalf("program ended when the thread that started it did: %v", waitErr)
	case <-time.After(500 * time.Millisecond):
	}
	if cmd.SysProcAttr == nil || cmd.SysProcAttr.Pdeathsig != syscall.SIGKILL {
		t.Errorf("SysProcAttr %+v: no parent-death signal", cmd.SysProcAttr)
	}
}

// onEndingThread runs f on a thread that ends when f returns: a goroutine
// that exits locked to its thread ends it, unless it is the process's
// main thread, which Go keeps.
func onEndingThread(f func()) {
	release := make(chan struct{})
	defer close(release)
	for {
		ran := make(chan bool)
		go func() {
			runtime.LockOSThread() // never unlocked where f runs
			if syscall.Gettid() == os.Getpid() {
				// The main thread: hold it, so that the next goroutine
				// runs on another.
				ran <- false
				<-release
				runtime.UnlockOSThread()
				return
			}
			f()
			ran <- true
		}()
		if <-ran {
			return
		}
	}
}
