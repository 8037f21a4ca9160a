// Package cache remembers what functions returned, on disk, so that
// running a notebook again, or after a restart, does not compute again
// what it computed before.
//
//	sq := cache.Func(slowSquare) // same type as slowSquare
//	sq(12)                       // computes, and stores the result
//	sq(12)                       // answers from disk
//
// A result is found again by a key made of three parts:
//
//   - the function's name;
//   - its code. In the gopar kernel that is a fingerprint of the
//     function's source and of every cell declaration it uses, directly
//     or not (functions, methods, types, constants), with comments and
//     layout left out, and the versions of the modules it imports: edit a
//     helper the function calls and its results are computed again; edit
//     a comment and they are not. Outside the kernel, a function of the
//     main package is known by a hash of the executable (so any rebuild
//     that changes the program starts afresh), one of another module by
//     that module's version. [Version] adds a part of your own;
//   - its arguments, hashed by value: maps whatever their order, pointers
//     by what they point to (cycles included), unexported fields too,
//     floats by their bits. An argument holding a func or a channel cannot
//     be hashed.
//
// The value of a package-level variable the function reads is not part
// of the key: pass it as an argument, or change [Version] when it changes.
//
// Results are stored with the codec that carries variables between cells,
// so anything a cell can carry can be cached. Entries live in
// $GOPAR_CACHE_DIR, or else in .gopar-cache in the working directory
// (beside the notebook), one file each, written whole or not at all and
// checked on every read: a damaged entry is computed again, never
// returned. Concurrent calls with one key compute once and share the
// result; several processes may share a directory. [MaxBytes] and
// [MaxAge] bound it, least recently used entries going first.
//
// Only top-level functions (and method expressions such as T.M) can be
// cached: a function literal's captured variables would be invisible to
// the key, so Func panics at once when given one.
package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopar/gopar/internal/cachestore"
	"github.com/gopar/gopar/internal/carry"
	"github.com/gopar/gopar/internal/childproto"
	"golang.org/x/sync/singleflight"
)

// DefaultMaxBytes is how much a function's entries may take on disk
// unless MaxBytes says otherwise.
const DefaultMaxBytes = 1 << 30

// An Option changes how a cached function stores its results.
type Option func(*config)

type config struct {
	dir      string
	version  string
	maxBytes int64
	maxAge   time.Duration
}

// Dir stores the entries in dir instead of the default directory.
func Dir(path string) Option { return func(c *config) { c.dir = path } }

// Version adds s to every key: change it to compute again what depends
// on something the key cannot see, such as a file the function reads.
func Version(s string) Option { return func(c *config) { c.version = s } }

// MaxBytes bounds the disk space of the function's entries (1 GiB unless
// set; 0 or less means no bound). The least recently used go first.
func MaxBytes(n int64) Option { return func(c *config) { c.maxBytes = n } }

// MaxAge makes entries computed longer ago than d count as missing, and
// removes them.
func MaxAge(d time.Duration) Option { return func(c *config) { c.maxAge = d } }

// Func returns a function that answers like f, from the cache when it
// can. It panics when f is a function literal or method value.
func Func[A, R any](f func(A) R, opts ...Option) func(A) R {
	m := mustMemo(f, "cache.Func", opts)
	return func(a A) R {
		r, err := call(context.Background(), m, []any{a}, func(context.Context) (R, error) { return f(a), nil })
		if err != nil {
			panic(err)
		}
		return r
	}
}

// Func2 is Func for functions of two arguments.
func Func2[A, B, R any](f func(A, B) R, opts ...Option) func(A, B) R {
	m := mustMemo(f, "cache.Func2", opts)
	return func(a A, b B) R {
		r, err := call(context.Background(), m, []any{a, b}, func(context.Context) (R, error) { return f(a, b), nil })
		if err != nil {
			panic(err)
		}
		return r
	}
}

// FuncErr is Func for functions that can fail: an error is returned to
// the caller and never stored, so the next call tries again.
func FuncErr[A, R any](f func(A) (R, error), opts ...Option) func(A) (R, error) {
	m := mustMemo(f, "cache.FuncErr", opts)
	return func(a A) (R, error) {
		return call(context.Background(), m, []any{a}, func(context.Context) (R, error) { return f(a) })
	}
}

// FuncCtx is FuncErr for functions that take a context, which is not
// part of the key.
func FuncCtx[A, R any](f func(context.Context, A) (R, error), opts ...Option) func(context.Context, A) (R, error) {
	m := mustMemo(f, "cache.FuncCtx", opts)
	return func(ctx context.Context, a A) (R, error) {
		return call(ctx, m, []any{a}, func(ctx context.Context) (R, error) { return f(ctx, a) })
	}
}

// A memo is the state of one cached function, shared by every call.
type memo struct {
	name string
	cfg  config

	once  sync.Once
	store *cachestore.Func
	code  string // fingerprint of the function's code
	// prefix starts every key: the function, its code and the version.
	prefix []byte
	err    error // from opening the directory

	group  singleflight.Group
	hits   atomic.Int64
	misses atomic.Int64

	mu          sync.Mutex
	recent      map[string]*recentEntry // entries read or written lately
	recentBytes int
	flushed     time.Time // last time the counts were written
	trimmed     time.Time
	sinceTrim   int64 // bytes written since the last trim
	noteStorage sync.Once
}

func mustMemo(f any, caller string, opts []Option) *memo {
	name, err := funcIdentity(f, caller)
	if err != nil {
		panic(err)
	}
	m := &memo{name: name, cfg: config{maxBytes: DefaultMaxBytes}}
	for _, o := range opts {
		o(&m.cfg)
	}
	return m
}

// open finds the directory and the code's fingerprint on first use, not
// when the function is made: programs make cached functions when they
// start, and those they do not call should cost nothing.
func (m *memo) open() error {
	m.once.Do(func() {
		root := m.cfg.dir
		if root == "" {
			root = cachestore.DefaultRoot()
		}
		d, err := cachestore.Open(root)
		if err != nil {
			m.err = fmt.Errorf("cache %s: %w", m.name, err)
			return
		}
		m.store = d.Func(m.name)
		m.code = codeFingerprint(m.name)
		p, _ := hashArgs(nil, m.name, m.code, m.cfg.version, runtime.Version())
		m.prefix = p[:]
		m.trimmed = time.Now()
		register(m)
	})
	return m.err
}

// key is the entry's name: the function, its code, the version option
// and the arguments.
func (m *memo) key(args []any) (string, error) {
	k, err := hashArgs(m.prefix, args...)
	if err != nil {
		return "", fmt.Errorf("%s: %w", m.name, err)
	}
	return cachestore.KeyString(k), nil
}

// call answers from the cache or computes and stores.
func call[R any](ctx context.Context, m *memo, args []any, compute func(context.Context) (R, error)) (R, error) {
	var zero R
	if err := m.open(); err != nil {
		m.noteStorage.Do(func() { fmt.Fprintf(os.Stderr, "%v; computing without it\n", err) })
		return compute(ctx)
	}
	key, err := m.key(args)
	if err != nil {
		return zero, err
	}
	for {
		v, err, shared := m.group.Do(key, func() (any, error) {
			if r, ok := load[R](m, key); ok {
				m.hits.Add(1)
				return r, nil
			}
			m.misses.Add(1)
			start := time.Now()
			r, err := compute(ctx)
			if err != nil {
				return r, err
			}
			m.save(key, &r, args, time.Since(start))
			return r, nil
		})
		if err != nil && shared && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			continue // another caller's context ended, not ours
		}
		m.maybeFlush()
		if err != nil {
			r, _ := v.(R)
			return r, err
		}
		if shared && hasReferences(reflect.TypeFor[R]()) {
			// Callers that waited for one computation must not share
			// its memory: each gets its own copy.
			if r, ok := load[R](m, key); ok {
				return r, nil
			}
		}
		return v.(R), nil
	}
}

func load[R any](m *memo, key string) (R, bool) {
	var r R
	meta, payload, ok := m.recentEntry(key)
	if !ok {
		meta, payload, ok = m.store.Get(key)
		if !ok {
			return r, false
		}
		m.remember(key, meta, payload)
	}
	if m.cfg.maxAge > 0 && time.Since(meta.Created) > m.cfg.maxAge {
		m.forget(key)
		return r, false
	}
	if err := carry.Decode(bytes.NewReader(payload), &r); err != nil {
		// Written by a program whose type differs, or damaged in a way
		// the checksum cannot see: compute again.
		m.forget(key)
		var zero R
		return zero, false
	}
	return r, true
}

// A recentEntry is an entry this process read or wrote, kept in memory
// so that asking again costs no system calls: an entry never changes
// once written, since its key says what was computed.
type recentEntry struct {
	meta    cachestore.Meta
	payload []byte
}

const (
	maxRecentBytes = 32 << 20
	maxRecentEntry = 1 << 20
)

func (m *memo) recentEntry(key string) (cachestore.Meta, []byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.recent[key]
	if !ok {
		return cachestore.Meta{}, nil, false
	}
	e.meta.LastUsed = m.store.Touch(key, e.meta.LastUsed)
	return e.meta, e.payload, true
}

func (m *memo) remember(key string, meta cachestore.Meta, payload []byte) {
	if len(payload) > maxRecentEntry {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recent == nil || m.recentBytes+len(payload) > maxRecentBytes {
		m.recent, m.recentBytes = map[string]*recentEntry{}, 0
	}
	m.recent[key] = &recentEntry{meta: meta, payload: payload}
	m.recentBytes += len(payload)
}

func (m *memo) forget(key string) {
	m.mu.Lock()
	if e, ok := m.recent[key]; ok {
		m.recentBytes -= len(e.payload)
		delete(m.recent, key)
	}
	m.mu.Unlock()
	m.store.Remove(key)
}

// save stores a result; a result that cannot be stored is still
// returned, with one note on stderr.
func (m *memo) save(key string, r any, args []any, took time.Duration) {
	var buf bytes.Buffer
	if err := carry.Encode(&buf, r); err != nil {
		m.noteStorage.Do(func() {
			fmt.Fprintf(os.Stderr, "cache %s: result not stored: %v\n", m.name, err)
		})
		return
	}
	meta := cachestore.Meta{Key: key, Args: summarize(args), ComputeTime: took, Created: time.Now()}
	meta.LastUsed = meta.Created
	if err := m.store.Put(meta, buf.Bytes()); err != nil {
		m.noteStorage.Do(func() { fmt.Fprintf(os.Stderr, "%v; results are not stored\n", err) })
		return
	}
	m.remember(key, meta, buf.Bytes())
	m.mu.Lock()
	m.sinceTrim += int64(buf.Len())
	due := time.Since(m.trimmed) > 10*time.Second || (m.cfg.maxBytes > 0 && m.sinceTrim > m.cfg.maxBytes/8)
	if due {
		m.trimmed, m.sinceTrim = time.Now(), 0
	}
	m.mu.Unlock()
	if due {
		m.store.Trim(m.cfg.maxBytes, m.cfg.maxAge)
	}
}

// hasReferences reports whether values of t may share memory.
func hasReferences(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return hasReferences(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasReferences(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// summarize describes arguments briefly for the entry's metadata: a
// large slice by its length, not its elements.
func summarize(args []any) string {
	var b bytes.Buffer
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		v := reflect.ValueOf(a)
		switch v.Kind() {
		case reflect.Slice, reflect.Array, reflect.Map:
			fmt.Fprintf(&b, "%s (len %d)", v.Type(), v.Len())
		case reflect.Struct, reflect.Pointer, reflect.Interface:
			fmt.Fprintf(&b, "%s", v.Type())
		case reflect.String:
			s := v.String()
			if len(s) > 40 {
				s = s[:40] + "…"
			}
			fmt.Fprintf(&b, "%q", s)
		default:
			if v.IsValid() {
				fmt.Fprintf(&b, "%v", a)
			} else {
				b.WriteString("nil")
			}
		}
	}
	return b.String()
}

// The counts of every cached function of this process, written to the
// cache directory for %cache at most once a second and when the cell's
// program ends.
var memos struct {
	sync.Mutex
	list []*memo
	once sync.Once
	id   string
}

func register(m *memo) {
	memos.Lock()
	defer memos.Unlock()
	memos.once.Do(func() {
		memos.id = fmt.Sprintf("%d-%x", os.Getpid(), time.Now().UnixNano())
		childproto.AtEnd(Flush)
	})
	memos.list = append(memos.list, m)
}

func (m *memo) maybeFlush() {
	m.mu.Lock()
	due := time.Since(m.flushed) > time.Second
	if due {
		m.flushed = time.Now()
	}
	m.mu.Unlock()
	if due {
		m.flush()
	}
}

func (m *memo) flush() {
	if m.store == nil {
		return
	}
	m.store.WriteStats(memos.id+"-"+fmt.Sprintf("%p", m), cachestore.Stats{Hits: m.hits.Load(), Misses: m.misses.Load()})
}

// Flush writes the hit and miss counts of this process's cached
// functions, which %cache shows. They are written at most once a second
// as calls go, and, in the kernel, when the cell's program ends; a
// program of your own may call Flush before it exits.
func Flush() {
	memos.Lock()
	list := memos.list
	memos.Unlock()
	for _, m := range list {
		m.flush()
	}
}
