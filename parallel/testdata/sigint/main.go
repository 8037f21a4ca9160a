// Command sigint is built and run by the package's tests to check how a
// program using parallel reacts to SIGINT. It prints "running" once items
// are in flight, then waits for the signal. It runs as a cell does, in a
// notebook (a stub), except in mode bare.
//
// Modes:
//
//	ctx    MapCtx over items that wait on their context
//	plain  Map over short items that know nothing of contexts
//	loop   Map calls in a loop that ignores their errors, as careless cell code would
//	stuck  Map over items that ignore the interrupt (a second SIGINT must end it)
//	idle   one Map, then a wait outside any call (Go's default SIGINT action)
//	bare   as stuck, outside a notebook (Go's default SIGINT action)
package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gopar/gopar/internal/notebook"
	"github.com/gopar/gopar/parallel"
)

// stubNotebook stands for the kernel's: these modes show nothing.
type stubNotebook struct{}

func (stubNotebook) UpdateHTML(id, html string) {}
func (stubNotebook) UniqueID() string           { return "sigint" }

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sigint ctx|plain|loop|stuck|idle|bare")
		os.Exit(2)
	}
	if os.Args[1] != "bare" {
		notebook.Attach(stubNotebook{})
	}
	var once sync.Once
	running := func() { once.Do(func() { fmt.Println("running") }) }
	items := make([]int, 100000)
	var err error
	switch os.Args[1] {
	case "ctx":
		_, err = parallel.MapCtx(context.Background(), items, func(ctx context.Context, x int) (int, error) {
			running()
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(time.Minute):
				return x, nil
			}
		})
	case "plain":
		_, err = parallel.Map(items, func(x int) int {
			running()
			time.Sleep(2 * time.Millisecond)
			return x
		})
	case "loop":
		for i := 0; i < 1000; i++ {
			_, err = parallel.Map(items[:100], func(x int) int {
				running()
				time.Sleep(2 * time.Millisecond)
				return x
			})
		}
	case "stuck", "bare":
		_, err = parallel.Map(items, func(x int) int {
			running()
			time.Sleep(time.Minute)
			return x
		})
	case "idle":
		if _, err := parallel.Map(items, func(x int) int { return x }); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		running()
		time.Sleep(time.Minute)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(3)
	}
	fmt.Println("done")
}
