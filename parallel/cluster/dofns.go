package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"reflect"
	"runtime/debug"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
)

// The pipeline's elements are bytes: items, results and pairs encoded
// with Beam's coders for the user's types (see codec), because the DoFns
// are fixed types that a worker knows before it knows which function a
// job names. A Go generic type cannot be instantiated from a name.
func init() {
	beam.RegisterType(reflect.TypeOf((*mapFn)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*mapperFn)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*combineFn)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*pairFn)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*writeFn)(nil)).Elem())
}

// itemsDone counts items processed, for the progress the caller shows.
var itemsDone = beam.NewCounter("gopar.cluster", "items")

// resolve finds the registered function name on a worker.
func resolve(name string) (reflect.Value, error) {
	r, ok := lookup(name)
	if !ok {
		return reflect.Value{}, fmt.Errorf("function %s is not registered in this program: call cluster.Register(%s) in an init function, and cluster.Init() first in main", name, shortName(name))
	}
	return r.fn, nil
}

func shortName(name string) string {
	return path.Ext(name)[1:]
}

// recovered turns a panic into a panic record for item i.
func recovered(i int, v any) record {
	return record{kind: recPanic, index: i, a: []byte(fmt.Sprint(v)), b: debug.Stack()}
}

// mapFn applies a function to items: index+item in, a record out.
type mapFn struct {
	Fn string // registered name of the function

	f       reflect.Value
	in, out *codec
}

func (m *mapFn) Setup() error {
	f, err := resolve(m.Fn)
	if err != nil {
		return err
	}
	m.f = f
	if m.in, err = codecFor(f.Type().In(0)); err != nil {
		return err
	}
	m.out, err = codecFor(f.Type().Out(0))
	return err
}

func (m *mapFn) ProcessElement(ctx context.Context, item []byte, emit func([]byte)) error {
	i, enc, err := splitItem(item)
	if err != nil {
		return fmt.Errorf("item: %w", err)
	}
	x, err := m.in.decode(enc)
	if err != nil {
		return fmt.Errorf("item %d: %w", i, err)
	}
	rec := m.call(i, x)
	itemsDone.Inc(ctx, 1)
	if rec.kind == 0 {
		return fmt.Errorf("item %d: %s", i, rec.a)
	}
	emit(rec.append(nil))
	return nil
}

// call runs the function on one item; a panic becomes a panic record, a
// result that cannot be encoded a record of kind 0 (a failed job).
func (m *mapFn) call(i int, x reflect.Value) (rec record) {
	defer func() {
		if v := recover(); v != nil {
			rec = recovered(i, v)
		}
	}()
	y := m.f.Call([]reflect.Value{x})[0]
	b, err := m.out.encode(y)
	if err != nil {
		return record{a: []byte(err.Error())}
	}
	return record{kind: recValue, index: i, a: b}
}

// mapperFn runs MapReduce's mapper on items, emitting encoded key/value
// pairs, and panic records on its second output.
type mapperFn struct {
	Fn string

	f        reflect.Value
	in, k, v *codec
	emitType reflect.Type
}

func (m *mapperFn) Setup() error {
	f, err := resolve(m.Fn)
	if err != nil {
		return err
	}
	m.f = f
	m.emitType = f.Type().In(1)
	if m.in, err = codecFor(f.Type().In(0)); err != nil {
		return err
	}
	if m.k, err = codecFor(m.emitType.In(0)); err != nil {
		return err
	}
	m.v, err = codecFor(m.emitType.In(1))
	return err
}

func (m *mapperFn) ProcessElement(ctx context.Context, item []byte, emit func([]byte, []byte), failed func([]byte)) error {
	i, enc, err := splitItem(item)
	if err != nil {
		return fmt.Errorf("item: %w", err)
	}
	x, err := m.in.decode(enc)
	if err != nil {
		return fmt.Errorf("item %d: %w", i, err)
	}
	var encErr error
	userEmit := reflect.MakeFunc(m.emitType, func(args []reflect.Value) []reflect.Value {
		k, err := m.k.encode(args[0])
		if err == nil {
			var v []byte
			if v, err = m.v.encode(args[1]); err == nil {
				emit(k, v)
				return nil
			}
		}
		if encErr == nil {
			encErr = err
		}
		return nil
	})
	if rec, ok := m.call(i, x, userEmit); !ok {
		failed(rec.append(nil))
	}
	itemsDone.Inc(ctx, 1)
	if encErr != nil {
		return fmt.Errorf("item %d: %w", i, encErr)
	}
	return nil
}

func (m *mapperFn) call(i int, x, emit reflect.Value) (rec record, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			rec, ok = recovered(i, v), false
		}
	}()
	m.f.Call([]reflect.Value{x, emit})
	return record{}, true
}

// combineFn merges encoded values of one key with MapReduce's combine.
// A panic in combine fails the job, with a message naming the function.
type combineFn struct {
	Fn string

	f reflect.Value
	v *codec
}

func (c *combineFn) Setup() error {
	f, err := resolve(c.Fn)
	if err != nil {
		return err
	}
	c.f = f
	c.v, err = codecFor(f.Type().In(0))
	return err
}

func (c *combineFn) MergeAccumulators(a, b []byte) ([]byte, error) {
	x, err := c.v.decode(a)
	if err != nil {
		return nil, err
	}
	y, err := c.v.decode(b)
	if err != nil {
		return nil, err
	}
	z, err := c.merge(x, y)
	if err != nil {
		return nil, err
	}
	return c.v.encode(z)
}

func (c *combineFn) merge(x, y reflect.Value) (z reflect.Value, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("combine %s panicked: %v\n\n%s", c.Fn, v, debug.Stack())
		}
	}()
	return c.f.Call([]reflect.Value{x, y})[0], nil
}

// pairFn turns a combined key/value pair into a record.
type pairFn struct{}

func (pairFn) ProcessElement(k, v []byte, emit func([]byte)) {
	emit(record{kind: recPair, a: k, b: v}.append(nil))
}

// writeFn writes the records of a bundle to one new file under Dir.
type writeFn struct {
	Dir string

	buf []byte
}

func (w *writeFn) StartBundle() {
	w.buf = w.buf[:0]
}

func (w *writeFn) ProcessElement(rec []byte) {
	w.buf = append(w.buf, rec...)
}

func (w *writeFn) FinishBundle(ctx context.Context) error {
	if len(w.buf) == 0 {
		return nil
	}
	var id [8]byte
	rand.Read(id[:])
	name := joinPath(w.Dir, "part-"+hex.EncodeToString(id[:])+".rec")
	fs, err := filesystem.New(ctx, name)
	if err != nil {
		return fmt.Errorf("results to %s: %w", w.Dir, err)
	}
	defer fs.Close()
	wc, err := fs.OpenWrite(ctx, name)
	if err != nil {
		return fmt.Errorf("results to %s: %w", name, err)
	}
	if _, err := wc.Write(w.buf); err != nil {
		wc.Close()
		return fmt.Errorf("results to %s: %w", name, err)
	}
	if err := wc.Close(); err != nil {
		return fmt.Errorf("results to %s: %w", name, err)
	}
	return nil
}

// readResults reads every record the job's workers wrote under dir.
func readResults(ctx context.Context, dir string) ([]record, error) {
	fs, err := filesystem.New(ctx, joinPath(dir, "x"))
	if err != nil {
		return nil, fmt.Errorf("results in %s: %w", dir, err)
	}
	defer fs.Close()
	files, err := fs.List(ctx, joinPath(dir, "part-*.rec"))
	if err != nil {
		return nil, fmt.Errorf("results in %s: %w", dir, err)
	}
	var all []record
	for _, name := range files {
		rc, err := fs.OpenRead(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("results in %s: %w", name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("results in %s: %w", name, err)
		}
		recs, err := readRecords(data)
		if err != nil {
			return nil, fmt.Errorf("results in %s: %w", name, err)
		}
		all = append(all, recs...)
	}
	return all, nil
}

// joinPath joins a location (a directory or a URL such as gs://b/p) and
// a name.
func joinPath(dir, name string) string {
	if len(dir) > 0 && dir[len(dir)-1] == '/' {
		return dir + name
	}
	return dir + "/" + name
}
