package cellrt

import (
	"os"
	"strconv"
	"syscall"

	"github.com/gopar/gopar/internal/childproto"
)

// A cell's program must not outlive its kernel: nobody would see its
// output, and a `for {}` would burn a core until someone found it. The
// kernel starts each program with two guards against that:
//
//   - a parent-death signal (SIGKILL), which Linux sends the program when
//     the kernel dies. It needs nothing from the program, so it covers
//     the time before this runtime starts, but it reaches the program
//     alone: whatever the program started would be left running.
//   - a lifeline, the read end of a pipe whose write end only the kernel
//     holds. The system closes a dead process's files however it died,
//     so the pipe reads end-of-file exactly when the kernel is gone, and
//     the watcher below then kills the program's whole process group:
//     the program and everything it started.
//
// Once the lifeline is watched, the parent-death signal is given up: it
// would race the watcher and, by killing the program first, leave its
// children behind.
func init() { watchLifeline() }

func watchLifeline() {
	v := os.Getenv(childproto.LifelineEnv)
	if v == "" {
		return // not started by a kernel
	}
	// Programs this one starts inherit its environment but not the
	// descriptor; one that links this runtime must not take a file of its
	// own for a lifeline.
	os.Unsetenv(childproto.LifelineEnv)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 0 {
		return
	}
	syscall.CloseOnExec(fd)
	// The kernel makes each program the leader of a process group of its
	// own; kill that group, taken now in case the cell moves itself to
	// another, and never a group the program merely belongs to.
	target := os.Getpid()
	if syscall.Getpgrp() == target {
		target = -target
	}
	go func() {
		if awaitEOF(fd) {
			syscall.Kill(target, syscall.SIGKILL)
		}
	}()
	dropParentDeathSignal()
}

// awaitEOF blocks until fd reads end-of-file and reports whether it did.
// Nothing is ever written to a lifeline; any other error (the descriptor
// was closed under us) ends the watch without concluding anything.
func awaitEOF(fd int) bool {
	var b [1]byte
	for {
		n, err := syscall.Read(fd, b[:])
		switch {
		case err == syscall.EINTR:
		case err != nil:
			return false
		case n == 0:
			return true
		}
	}
}
