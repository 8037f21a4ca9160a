// Package parallel runs Go functions on every core: maps over slices and
// sequences, a pool of workers with futures, and MapReduce. It is meant for
// notebook cells as much as for programs, and handles what makes process
// pools awkward elsewhere: any function works, closures over a cell's
// variables included, because workers are goroutines in the same process.
//
//	squares, err := parallel.Map(xs, func(x float64) float64 { return x * x })
//
// # Workers and the shared budget
//
// A call uses all cores by default (GOMAXPROCS); Workers sets another
// count, following the joblib convention (-1 all cores, -2 all but one).
// The goroutine that makes a call always runs items itself; other workers
// join only while the process has cores to spare. All calls in a process
// share this budget of GOMAXPROCS-1 extra workers, so a Map called from
// inside another Map's function finds the cores busy and runs its items on
// the goroutine that called it: nested calls neither oversubscribe the
// machine nor deadlock. Asking for more workers than cores is meant for
// items that sleep or wait on I/O; such a call does not draw on the budget.
//
// Items are handed out in chunks sized from how long they take, so that
// mapping millions of trivial items costs about what a hand-written chunked
// loop calling the same function does; Chunk fixes the size instead. When
// the work per item is so small that the function call itself counts (x*x),
// MapChunks hands the function whole chunks, and matches a hand-written
// loop with the work written inline.
//
// # Errors
//
// A panic in a function becomes an error: a *ItemError naming the item's
// index and a short form of its input, wrapping a *PanicError with the
// stack. No panic escapes a call and no goroutine outlives one. By default
// the first failure stops the call (items not yet started do not start);
// CollectErrors runs every item and joins all failures.
//
// # Options
//
// Options (Workers, Chunk, Context, Timeout, CollectErrors, Progress,
// ProgressTo) follow the items and the function. An option that does not
// apply to a call, such as Timeout for MapChunks or Chunk for a Pool, is
// an error naming the option and the call, as an invalid value is; the
// Option type lists which apply where.
//
// # Cancellation and interrupts
//
// A call stops when its context (the Context option, or MapCtx's argument)
// is done, and returns an error wrapping the context's cause.
//
// In a notebook (a cell run by the gopar kernel), SIGINT is the interrupt
// button, and the package handles it while any call or Pool task runs: it
// cancels every running call with ErrInterrupted, no new item starts, and
// the calls return promptly once the items in flight finish. Go cannot stop
// a running function from outside, so a long item should take a context
// (MapCtx, Submit) and watch ctx.Done() or pass ctx on. After an interrupt,
// later calls in the process fail with ErrInterrupted at once, so a cell
// that loops over calls ends, and a second SIGINT ends the program as Go
// does by default. A cell that is not inside a call keeps Go's default
// SIGINT behaviour.
//
// Other programs keep Go's default SIGINT behaviour throughout: Ctrl-C
// ends them, inside a call too. To stop calls gracefully instead, pass a
// context from signal.NotifyContext with the Context option or to MapCtx.
//
// # Progress
//
// Progress shows a bar counting finished items, with rate and estimated
// time left: updated in place in a notebook, on standard error otherwise
// (ProgressTo chooses the writer).
//
// # Dependencies
//
// The package reaches the notebook through a small internal interface that
// the cell runtime fills in, so importing it brings no notebook client (nor
// its dependencies) into a program that never displays anything.
package parallel
