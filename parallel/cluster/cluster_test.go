package cluster

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/notebook"
	"github.com/gopar/gopar/parallel"
)

var lines = []string{
	"the quick brown fox",
	"jumps over the lazy dog",
	"the dog sleeps",
	"",
	"fox and dog and fox",
}

func TestMapInProcessMatchesParallel(t *testing.T) {
	xs := make([]int, 100)
	for i := range xs {
		xs[i] = i - 50
	}
	want, err := parallel.Map(xs, square)
	if err != nil {
		t.Fatal(err)
	}
	for _, shards := range []int{1, 3, 200} {
		got, err := Map(xs, square, Shards(shards))
		if err != nil {
			t.Fatalf("Shards(%d): %v", shards, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Shards(%d): Map = %v\nwant %v", shards, got, want)
		}
	}
}

func TestMapStrings(t *testing.T) {
	xs := []string{"", "a", "héllo", strings.Repeat("x", 1000)}
	got, err := Map(xs, identity)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, xs) {
		t.Errorf("Map(identity) = %q", got)
	}
}

type point struct {
	X, Y float64
	Name string
}

func norm1(p point) float64 { return p.X + p.Y }

func init() { Register(norm1) }

func TestMapStructs(t *testing.T) {
	xs := []point{{1, 2, "a"}, {3, 4, "b"}}
	got, err := Map(xs, norm1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []float64{3, 7}) {
		t.Errorf("Map(norm1) = %v", got)
	}
}

func TestMapEmpty(t *testing.T) {
	got, err := Map([]int{}, square)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("Map(empty) = %v, %v; want an empty slice", got, err)
	}
}

func TestMapReduceInProcessMatchesParallel(t *testing.T) {
	want, err := parallel.MapReduce(lines, words, sum)
	if err != nil {
		t.Fatal(err)
	}
	got, err := MapReduce(lines, words, sum)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("MapReduce = %v\nwant %v", got, want)
	}
}

func TestPanicNamesTheItem(t *testing.T) {
	xs := []int{1, 2, 7, 4, 7}
	got, err := Map(xs, panicsOnSeven)
	var ie *ItemError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an *ItemError", err)
	}
	var pe *PanicError
	if ie.Index != 2 || ie.Input != "7" || !errors.As(err, &pe) || pe.Value != "seven" {
		t.Errorf("err = %#v (%v), want item 2, input 7, panic seven", ie, ie.Err)
	}
	if !strings.Contains(err.Error(), "cluster: item 2 (input 7): panic: seven") {
		t.Errorf("message %q does not name the item and the panic", err)
	}
	if got[0] != 1 || got[3] != 4 {
		t.Errorf("results of items that ran = %v, want them kept", got)
	}
}

func panicsOnFox(line string, emit func(string, int)) {
	if strings.Contains(line, "fox") && strings.Contains(line, "and") {
		panic("too many foxes")
	}
	words(line, emit)
}

func init() { Register(panicsOnFox) }

func TestMapReducePanicNamesTheItem(t *testing.T) {
	got, err := MapReduce(lines, panicsOnFox, sum)
	var ie *ItemError
	if !errors.As(err, &ie) || ie.Index != 4 {
		t.Fatalf("err = %v, want an *ItemError for item 4", err)
	}
	if got["the"] != 3 {
		t.Errorf("counts = %v, want those of the items that completed", got)
	}
}

type counter struct{ n int }

func (c *counter) add(x int) int { return x + c.n }

func TestFunctionsThatCannotTravel(t *testing.T) {
	k := 3
	c := &counter{n: 1}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"literal", func() error {
			_, err := Map([]int{1}, func(x int) int { return x * k })
			return err
		}, "is a function literal: the variables it captures cannot travel"},
		{"method value", func() error {
			_, err := Map([]int{1}, c.add)
			return err
		}, "is a method value"},
		{"nil", func() error {
			_, err := Map[int, int]([]int{1}, nil)
			return err
		}, "the function is nil"},
		{"literal combine", func() error {
			_, err := MapReduce(lines, words, func(a, b int) int { return a + b })
			return err
		}, "is a function literal"},
	}
	for _, tt := range tests {
		err := tt.call()
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cluster.Map") {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func sendsChannels(x int) chan int { return nil }

func emitsFuncs(x int, emit func(string, func())) {}

func joinFuncs(a, b func()) func() { return a }

func TestTypesBeamCannotEncode(t *testing.T) {
	_, err := Map([]int{1}, sendsChannels)
	if err == nil || !strings.Contains(err.Error(), "type chan int cannot be encoded by Beam") {
		t.Errorf("Map to a channel: err = %v, want one naming chan int", err)
	}
	_, err = MapReduce([]int{1}, emitsFuncs, joinFuncs)
	if err == nil || !strings.Contains(err.Error(), "type func() cannot be encoded by Beam") {
		t.Errorf("MapReduce of func values: err = %v, want one naming func()", err)
	}
}

func TestOptionErrors(t *testing.T) {
	for _, o := range []Option{Shards(0), On(""), Context(nil), TempLocation(""), Environment("kubernetes", ""), Flag("--x", "1")} {
		if _, err := Map([]int{1}, square, o); err == nil || !strings.HasPrefix(err.Error(), "cluster.Map: ") {
			t.Errorf("err = %v, want an error naming the call", err)
		}
	}
	if _, err := Map([]int{1}, square, Environment("docker", "")); err == nil || !strings.Contains(err.Error(), "needs On") {
		t.Errorf("Environment without On: err = %v", err)
	}
}

func TestUnreachableJobServer(t *testing.T) {
	start := time.Now()
	// Port 9 (discard) on loopback: nothing listens there in a test.
	_, err := Map([]int{1}, square, On("127.0.0.1:9"))
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:9") {
		t.Fatalf("err = %v, want one naming the endpoint", err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %v to give up, want a few seconds", took)
	}
}

func TestUnregisteredFunctionOnAJobServer(t *testing.T) {
	_, err := Map([]int{1}, unregistered, On("127.0.0.1:9"))
	if err == nil || !strings.Contains(err.Error(), "cluster.Register(unregistered)") {
		t.Errorf("err = %v, want one telling to register the function", err)
	}
}

func unregistered(x int) int { return x }

func TestProgressShowsStateAndItems(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Map([]int{1, 2, 3}, square, ProgressTo(&buf)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "cluster.Map: job SUBMITTED") || !strings.Contains(out, "job DONE, 3/3 items processed in ") {
		t.Errorf("progress = %q, want the submitted and done states with the count", out)
	}
}

func TestContextCancelsTheJob(t *testing.T) {
	xs := make([]int, 400)
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("enough")
	time.AfterFunc(300*time.Millisecond, func() { cancel(cause) })
	start := time.Now()
	_, err := Map(xs, slowSquare, Context(ctx), Shards(1))
	took := time.Since(start)
	if !errors.Is(err, cause) {
		t.Fatalf("err = %v, want the context's cause", err)
	}
	// 400 items of 20 ms run 8 s; cancelled, the call ends well before.
	if took > 6*time.Second {
		t.Errorf("cancelled call took %v", took)
	}
}

type fakeNotebook struct{}

func (fakeNotebook) UpdateHTML(id, html string) {}
func (fakeNotebook) UniqueID() string           { return "test" }

// In a notebook SIGINT is the interrupt button: it cancels the job.
func TestInterruptInANotebookCancelsTheJob(t *testing.T) {
	prev := notebook.Attach(fakeNotebook{})
	defer notebook.Attach(prev)
	xs := make([]int, 400)
	time.AfterFunc(500*time.Millisecond, func() { syscall.Kill(os.Getpid(), syscall.SIGINT) })
	start := time.Now()
	_, err := Map(xs, slowSquare, Shards(1))
	if !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if took := time.Since(start); took > 6*time.Second {
		t.Errorf("interrupted call took %v; 400 items of 20 ms take 8 s", took)
	}
}

// A runner registered with Beam by name, here Prism's own registration,
// as Dataflow's would be used.
func TestRunnerByName(t *testing.T) {
	got, err := Map([]int{1, 2, 3}, square, Runner("prism"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []int{1, 4, 9}) {
		t.Errorf("Map on Runner(prism) = %v", got)
	}
	_, err = Map([]int{1}, square, Runner("nosuchrunner"))
	if err == nil || !strings.Contains(err.Error(), "nosuchrunner") {
		t.Errorf("unknown runner: err = %v, want one naming it", err)
	}
	if _, err := Map([]int{1}, square, Runner("prism"), On("localhost:1")); err == nil || !strings.Contains(err.Error(), "exclude each other") {
		t.Errorf("Runner with On: err = %v", err)
	}
}
