package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"

	"github.com/gopar/gopar/internal/notebook"
)

// Map calls f on every element of xs, as a Beam job, and returns the
// results in input order, as parallel.Map does. f must be a top-level
// function (see the package documentation); T and R must be types Beam
// can encode.
//
// A panic in f becomes an *ItemError naming the item, wrapping a
// *PanicError; every other item still runs. When the job fails or is
// cancelled, Map returns an error and no results.
func Map[T, R any](xs []T, f func(T) R, opts ...Option) ([]R, error) {
	c, err := prepare("Map", opts, f)
	if err != nil {
		return nil, err
	}
	if err := c.codecs(reflect.TypeFor[T](), reflect.TypeFor[R]()); err != nil {
		return nil, err
	}
	if len(xs) == 0 {
		return []R{}, nil
	}
	items, err := encodeItems(c, xs)
	if err != nil {
		return nil, err
	}
	recs, err := c.run(len(xs), func(s beam.Scope, dir string) {
		for _, shard := range items {
			in := beam.CreateList(s, shard)
			out := beam.ParDo(s, &mapFn{Fn: c.names[0]}, in)
			beam.ParDo0(s, &writeFn{Dir: dir}, out)
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]R, len(xs))
	seen := make([]bool, len(xs))
	var failed *ItemError
	for _, r := range recs {
		if r.index >= len(xs) {
			return nil, c.errorf("a worker wrote a result for item %d of %d", r.index, len(xs))
		}
		switch r.kind {
		case recValue:
			if seen[r.index] {
				continue // a bundle the runner retried
			}
			v, err := c.codec[1].decode(r.a)
			if err != nil {
				return nil, c.errorf("result %d: %w", r.index, err)
			}
			out[r.index] = v.Interface().(R)
			seen[r.index] = true
		case recPanic:
			if failed == nil || r.index < failed.Index {
				failed = panicItem(r, xs[r.index])
			}
		}
	}
	if failed != nil {
		return out, failed
	}
	for i, ok := range seen {
		if !ok {
			return out, c.errorf("the job ended without a result for item %d", i)
		}
	}
	return out, nil
}

// MapReduce calls mapper on every element of xs, as a Beam job; mapper
// passes any number of key/value pairs to emit, and the values of each
// key are reduced with combine, which must be associative and
// commutative, as for parallel.MapReduce. Both must be top-level
// functions, and T, K and V types Beam can encode; Beam's encoding of K
// must be deterministic (equal keys, equal bytes), as for any key it
// groups by.
//
// A panic in mapper becomes an *ItemError naming the item, and the result
// holds what the other items emitted; a panic in combine fails the job.
func MapReduce[T any, K comparable, V any](xs []T, mapper func(T, func(K, V)), combine func(V, V) V, opts ...Option) (map[K]V, error) {
	c, err := prepare("MapReduce", opts, mapper, combine)
	if err != nil {
		return nil, err
	}
	if err := c.codecs(reflect.TypeFor[T](), reflect.TypeFor[K](), reflect.TypeFor[V]()); err != nil {
		return nil, err
	}
	if !c.codec[1].deterministic {
		return nil, c.errorf("key type %v: Beam's encoding of it is not deterministic, so equal keys might not meet; use a string or integer key", c.codec[1].t)
	}
	result := map[K]V{}
	if len(xs) == 0 {
		return result, nil
	}
	items, err := encodeItems(c, xs)
	if err != nil {
		return nil, err
	}
	recs, err := c.run(len(xs), func(s beam.Scope, dir string) {
		var pairs []beam.PCollection
		for _, shard := range items {
			in := beam.CreateList(s, shard)
			kvs, failed := beam.ParDo2(s, &mapperFn{Fn: c.names[0]}, in)
			beam.ParDo0(s, &writeFn{Dir: dir}, failed)
			pairs = append(pairs, kvs)
		}
		combined := beam.CombinePerKey(s, &combineFn{Fn: c.names[1]}, beam.Flatten(s, pairs...))
		beam.ParDo0(s, &writeFn{Dir: dir}, beam.ParDo(s, pairFn{}, combined))
	})
	if err != nil {
		return nil, err
	}
	var failed *ItemError
	for _, r := range recs {
		switch r.kind {
		case recPair:
			k, err := c.codec[1].decode(r.a)
			if err != nil {
				return nil, c.errorf("key: %w", err)
			}
			v, err := c.codec[2].decode(r.b)
			if err != nil {
				return nil, c.errorf("value: %w", err)
			}
			result[k.Interface().(K)] = v.Interface().(V)
		case recPanic:
			if r.index < len(xs) && (failed == nil || r.index < failed.Index) {
				failed = panicItem(r, xs[r.index])
			}
		}
	}
	if failed != nil {
		return result, failed
	}
	return result, nil
}

// A callState is one call of Map or MapReduce being set up and run.
type callState struct {
	name  string
	cfg   *config
	names []string // registered names of the functions
	codec []*codec // of the item type, then the others the call needs
}

func (c *callState) errorf(format string, args ...any) error {
	return fmt.Errorf("cluster."+c.name+": "+format, args...)
}

// prepare checks the options and the functions: each must travel by
// name, and on a job server be registered where workers will find it.
func prepare(name string, opts []Option, fns ...any) (*callState, error) {
	cfg, err := configure(name, opts)
	if err != nil {
		return nil, err
	}
	c := &callState{name: name, cfg: cfg}
	for _, f := range fns {
		v, fname, err := travelling(f)
		if err != nil {
			return nil, c.errorf("%w", err)
		}
		if cfg.endpoint == "" && cfg.runner == "" {
			// Prism's workers here are goroutines of this process.
			put(fname, v, false)
		} else if r, ok := lookup(fname); !ok || !r.early {
			where := cfg.endpoint
			if where == "" {
				where = "runner " + cfg.runner
			}
			return nil, c.errorf("%s is not registered: workers on %s run this program anew and find functions by name; call cluster.Register(%s) in an init function and cluster.Init() first in main (cells in the gopar kernel do both)", fname, where, shortName(fname))
		}
		c.names = append(c.names, fname)
	}
	return c, nil
}

func (c *callState) codecs(types ...reflect.Type) error {
	for _, t := range types {
		cd, err := codecFor(t)
		if err != nil {
			return c.errorf("%w", err)
		}
		c.codec = append(c.codec, cd)
	}
	return nil
}

// encodeItems encodes xs with their indexes, dealt round-robin into the
// shards, so that items whose cost grows along the input spread evenly.
func encodeItems[T any](c *callState, xs []T) ([][][]byte, error) {
	n := min(c.cfg.shards, len(xs))
	shards := make([][][]byte, n)
	for i, x := range xs {
		b, err := c.codec[0].encode(reflect.ValueOf(&x).Elem())
		if err != nil {
			return nil, c.errorf("item %d: %w", i, err)
		}
		shards[i%n] = append(shards[i%n], appendItem(nil, i, b))
	}
	return shards, nil
}

func panicItem[T any](r record, x T) *ItemError {
	return &ItemError{Index: r.index, Input: shortForm(x), Err: &PanicError{Value: string(r.a), Stack: string(r.b)}}
}

// run builds the pipeline with build, runs it, and returns the records
// its workers wrote.
func (c *callState) run(total int, build func(s beam.Scope, dir string)) ([]record, error) {
	ctx, stop := interruptible(c.cfg.ctx)
	defer stop()
	dir, cleanup, err := c.resultDir(ctx)
	if err != nil {
		return nil, c.errorf("%w", err)
	}
	defer cleanup()
	p, s := beam.NewPipelineWithRoot()
	build(s, dir)
	j := &job{cfg: c.cfg, pipeline: p, total: total, what: c.name}
	if err := j.run(ctx); err != nil {
		return nil, c.errorf("%w", err)
	}
	recs, err := readResults(ctx, dir)
	if err != nil {
		return nil, c.errorf("%w", err)
	}
	return recs, nil
}

// resultDir makes the location the workers write to for one call.
func (c *callState) resultDir(ctx context.Context) (string, func(), error) {
	if c.cfg.temp == "" {
		dir, err := os.MkdirTemp("", "gopar-cluster-")
		if err != nil {
			return "", nil, fmt.Errorf("results directory: %w", err)
		}
		return dir, func() { os.RemoveAll(dir) }, nil
	}
	var id [8]byte
	rand.Read(id[:])
	dir := joinPath(c.cfg.temp, "gopar-cluster-"+hex.EncodeToString(id[:]))
	if !strings.Contains(dir, "://") {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", nil, fmt.Errorf("results directory: %w", err)
		}
		return dir, func() { os.RemoveAll(dir) }, nil
	}
	return dir, func() { removeAll(context.Background(), dir) }, nil
}

// removeAll removes what workers wrote under a location that is not a
// local directory.
func removeAll(ctx context.Context, dir string) {
	fs, err := filesystem.New(ctx, joinPath(dir, "x"))
	if err != nil {
		return
	}
	defer fs.Close()
	rm, ok := fs.(filesystem.Remover)
	if !ok {
		return
	}
	files, _ := fs.List(ctx, joinPath(dir, "part-*.rec"))
	for _, f := range files {
		rm.Remove(ctx, f)
	}
}

// interruptible returns ctx, also cancelled with ErrInterrupted when
// SIGINT arrives while the call runs in a notebook, where SIGINT is the
// interrupt button. Elsewhere SIGINT keeps Go's default meaning. After
// the first SIGINT the default is back, so a second one ends the program.
func interruptible(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	if notebook.Current() == nil {
		return ctx, func() { cancel(nil) }
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	quit := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-sigs:
			signal.Stop(sigs)
			cancel(ErrInterrupted)
		case <-quit:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(quit)
		<-exited
		cancel(nil)
	}
}
