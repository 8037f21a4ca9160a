package engine

import (
	"os/exec"
	"runtime"
	"syscall"
)

// startTied starts cmd with a parent-death signal: Linux kills it if the
// kernel dies first, however the kernel ends. Linux sends that signal
// when the thread that forked the child exits, not the process, and Go
// may end a thread while the process lives on (one whose goroutine
// exited locked to it). So cmd is started from a goroutine locked to its
// thread, and the goroutine keeps the thread until exited is closed, once
// the program has exited and been waited for.
//
// The signal reaches cmd's process alone. For a cell's program the cell
// runtime watches a lifeline as well, which kills its whole process group
// (see kernel/cellrt), and gives the signal up once it does.
func startTied(cmd *exec.Cmd, exited <-chan struct{}) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		started <- err
		if err == nil {
			<-exited
		}
	}()
	return <-started
}
