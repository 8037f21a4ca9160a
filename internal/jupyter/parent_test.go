package jupyter

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestWatchParentNoticesANewParent(t *testing.T) {
	var ppid atomic.Int64
	ppid.Store(4242)
	w := parentWatch{pid: 4242, direct: true, getppid: func() int { return int(ppid.Load()) }}
	ctx, cancel := w.watch(context.Background(), time.Millisecond)
	defer cancel()
	select {
	case <-ctx.Done():
		t.Fatalf("cancelled while the parent lives: %v", context.Cause(ctx))
	case <-time.After(50 * time.Millisecond):
	}
	ppid.Store(1) // the parent exited; init adopted the kernel
	select {
	case <-ctx.Done():
		if !errors.Is(context.Cause(ctx), ErrParentGone) {
			t.Errorf("cause %v, want ErrParentGone", context.Cause(ctx))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not cancelled after the parent changed")
	}
}

func TestWatchParentThroughAWrapper(t *testing.T) {
	var alive atomic.Bool
	alive.Store(true)
	w := parentWatch{pid: 4242, getppid: func() int { return 99 }, alive: func(pid int) bool {
		if pid != 4242 {
			t.Errorf("asked about pid %d", pid)
		}
		return alive.Load()
	}}
	ctx, cancel := w.watch(context.Background(), time.Millisecond)
	defer cancel()
	time.Sleep(20 * time.Millisecond)
	if ctx.Err() != nil {
		t.Fatalf("cancelled while the front end lives: %v", context.Cause(ctx))
	}
	alive.Store(false)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("not cancelled after the front end exited")
	}
}

func TestWatchParentCancel(t *testing.T) {
	w := parentWatch{pid: 4242, direct: true, getppid: func() int { return 4242 }}
	ctx, cancel := w.watch(context.Background(), time.Millisecond)
	cancel()
	<-ctx.Done()
	if errors.Is(context.Cause(ctx), ErrParentGone) {
		t.Errorf("cause %v after cancel", context.Cause(ctx))
	}
}

func TestWatchParentWithoutFrontEnd(t *testing.T) {
	for _, v := range []string{"", "1", "not a pid"} {
		t.Setenv(parentPIDEnv, v)
		ctx, cancel := WatchParent(context.Background())
		time.Sleep(10 * time.Millisecond)
		if ctx.Err() != nil {
			t.Errorf("%s=%q: cancelled: %v", parentPIDEnv, v, context.Cause(ctx))
		}
		cancel()
	}
}

func TestWatchParentRealParent(t *testing.T) {
	t.Setenv(parentPIDEnv, strconv.Itoa(os.Getppid()))
	ctx, cancel := WatchParent(context.Background())
	defer cancel()
	time.Sleep(50 * time.Millisecond) // the first look is at once
	if ctx.Err() != nil {
		t.Errorf("cancelled while the test's parent lives: %v", context.Cause(ctx))
	}
}

func TestProcessAlive(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	// Exited but not yet waited for: a zombie, which is not alive.
	for deadline := time.Now().Add(10 * time.Second); processAlive(pid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Wait()
			t.Fatal("an exited child stays alive")
		}
	}
	cmd.Wait()
	if processAlive(pid) {
		t.Error("a reaped child is alive")
	}
}
