package jupyter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// parentPIDEnv is where jupyter_client tells a kernel the pid of the
// process that started it (the notebook server, jupyter console, ...).
// It sets it for every kernel except those started to outlive it.
const parentPIDEnv = "JPY_PARENT_PID"

// parentPoll is how often WatchParent looks for the front end, as
// ipykernel does.
const parentPoll = time.Second

// ErrParentGone is the cause of the context WatchParent returns once the
// process that started the kernel has exited.
var ErrParentGone = errors.New("the front end that started the kernel has exited")

// WatchParent returns a context that is cancelled, with cause
// ErrParentGone, when the process that started the kernel exits: a
// front end that dies without shutting its kernel down (a closed
// terminal under jupyter console, a crashed notebook server) must not
// leave the kernel and its cell running. The process is the one
// JPY_PARENT_PID names; without it the kernel was started to live on its
// own, and only cancelling returns or ctx end the context.
//
// A parent-death signal would be exact but cannot serve here: Linux
// sends it when the thread that started the kernel exits, and servers
// start kernels from threads that come and go. So the parent is polled
// every second.
func WatchParent(ctx context.Context) (context.Context, context.CancelFunc) {
	pid, err := strconv.Atoi(os.Getenv(parentPIDEnv))
	if err != nil || pid <= 1 {
		// Not set, or init, which never exits.
		return context.WithCancel(ctx)
	}
	w := parentWatch{pid: pid, getppid: os.Getppid, alive: processAlive}
	w.direct = w.getppid() == pid
	return w.watch(ctx, parentPoll)
}

// parentWatch decides whether the starting process is gone.
type parentWatch struct {
	pid int
	// direct: pid is the kernel's parent. Then its exit shows as a
	// change of parent (the kernel is handed to init or a subreaper),
	// which no later process can fake by reusing the pid.
	direct  bool
	getppid func() int
	alive   func(pid int) bool
}

func (w parentWatch) gone() bool {
	if w.direct {
		return w.getppid() != w.pid
	}
	// A wrapper between the front end and the kernel: watch the pid.
	return !w.alive(w.pid)
}

func (w parentWatch) watch(ctx context.Context, every time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if w.gone() {
				cancel(fmt.Errorf("%w (pid %d)", ErrParentGone, w.pid))
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return ctx, func() { cancel(context.Canceled) }
}

// processAlive reports whether pid names a process that has not exited:
// one that exists and is not a zombie waiting to be reaped.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		// Gone since kill asked, unless there is no /proc (not Linux)
		// and kill's answer is all there is.
		_, noProc := os.Stat("/proc/self")
		return noProc != nil
	}
	// pid (comm) S ...: the state follows the last ')'.
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ')' {
			return !(i+2 < len(b) && b[i+2] == 'Z')
		}
	}
	return true
}
