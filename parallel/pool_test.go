package parallel

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoolFutures(t *testing.T) {
	defer noLeaks(t)()
	p := NewPool(3)
	var c concurrency
	var squares []*Future[int]
	for i := range 20 {
		squares = append(squares, Submit(p, func(ctx context.Context) (int, error) {
			c.enter()
			defer c.leave()
			time.Sleep(time.Millisecond)
			return i * i, nil
		}))
	}
	// Tasks of another shape on the same pool.
	greeting := Submit(p, func(context.Context) (string, error) { return "hello", nil })
	for i, f := range squares {
		v, err := f.Wait()
		if err != nil || v != i*i {
			t.Errorf("future %d: %d, %v", i, v, err)
		}
	}
	if s, err := greeting.Wait(); s != "hello" || err != nil {
		t.Errorf("greeting: %q, %v", s, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if peak := c.peak.Load(); peak > 3 {
		t.Errorf("%d tasks ran at once on a pool of 3", peak)
	}
}

func TestPoolErrors(t *testing.T) {
	defer noLeaks(t)()
	p := NewPool(2)
	boom := errors.New("boom")
	ok := Submit(p, func(context.Context) (int, error) { return 1, nil })
	bad := Submit(p, func(context.Context) (int, error) { return 0, boom })
	panicky := Submit(p, func(context.Context) (struct{}, error) { panic("task panic") })
	if _, err := ok.Wait(); err != nil {
		t.Error(err)
	}
	if _, err := bad.Wait(); !errors.Is(err, boom) || !strings.Contains(err.Error(), "task 1") {
		t.Errorf("bad: %v", err)
	}
	var pe *PanicError
	if _, err := panicky.Wait(); !errors.As(err, &pe) || pe.Value != "task panic" {
		t.Errorf("panicky: %v", err)
	}
	err := p.Close()
	if !errors.Is(err, boom) || !errors.As(err, &pe) {
		t.Errorf("Close returned %v, want both failures", err)
	}
	if _, err := Submit(p, func(context.Context) (int, error) { return 0, nil }).Wait(); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("submit after Close: %v", err)
	}
}

func TestPoolCloseWaits(t *testing.T) {
	defer noLeaks(t)()
	p := NewPool(2)
	var finished atomic.Int64
	for range 10 {
		Submit(p, func(context.Context) (struct{}, error) {
			time.Sleep(5 * time.Millisecond)
			finished.Add(1)
			return struct{}{}, nil
		})
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if finished.Load() != 10 {
		t.Errorf("Close returned with %d of 10 tasks finished", finished.Load())
	}
}

func TestPoolContextAndTimeout(t *testing.T) {
	defer noLeaks(t)()
	ctx, cancel := context.WithCancel(context.Background())
	p := NewPool(1, Context(ctx), Timeout(20*time.Millisecond))
	slow := Submit(p, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	if _, err := slow.Wait(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow task: %v", err)
	}
	cancel()
	late := Submit(p, func(context.Context) (int, error) { return 1, nil })
	if _, err := late.Wait(); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "not started") {
		t.Errorf("task after cancel: %v", err)
	}
	if err := p.Close(); err == nil {
		t.Error("Close lost the failures")
	}
}

func TestPoolInvalidOption(t *testing.T) {
	defer noLeaks(t)()
	p := NewPool(1, Chunk(-1))
	_, err := Submit(p, func(context.Context) (int, error) { return 0, nil }).Wait()
	if err == nil || !strings.Contains(err.Error(), "Chunk(-1)") {
		t.Errorf("got %v", err)
	}
	p.Close()
}

func TestPoolMapInsideTask(t *testing.T) {
	defer noLeaks(t)()
	p := NewPool(-1)
	var fs []*Future[int]
	for i := range 4 {
		fs = append(fs, Submit(p, func(context.Context) (int, error) {
			r, err := Map([]int{1, 2, 3}, func(x int) int { return x * i })
			return r[0] + r[1] + r[2], err
		}))
	}
	for i, f := range fs {
		if v, err := f.Wait(); v != 6*i || err != nil {
			t.Errorf("task %d: %d, %v", i, v, err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
