package parallel

import (
	"fmt"
	"sync"
	"time"
)

// MapReduce calls mapper on every element of xs, on all cores; mapper
// passes any number of key/value pairs to emit, and the values of each key
// are reduced with combine. Each worker combines the pairs it emits into
// its own map as it goes, and the workers' maps are merged at the end, so
// combine must be associative and commutative: the order in which values
// meet is not specified. emit must only be called from within mapper.
//
// Word count:
//
//	counts, err := parallel.MapReduce(lines,
//		func(line string, emit func(string, int)) {
//			for _, w := range strings.Fields(line) {
//				emit(w, 1)
//			}
//		},
//		func(a, b int) int { return a + b })
//
// Errors are as for Map. On error the result holds what the items that
// completed emitted.
func MapReduce[T any, K comparable, V any](xs []T, mapper func(T, func(K, V)), combine func(V, V) V, opts ...Option) (result map[K]V, err error) {
	r, err := callMapReduce.start(nil, len(xs), opts, arg{"mapper", mapper == nil}, arg{"combine", combine == nil})
	if err != nil {
		return nil, err
	}
	defer r.end(&err)
	var (
		mu    sync.Mutex
		parts []map[K]V
	)
	d := r.cfg.timeout
	newWorker := func() (chunkFunc, func()) {
		part := make(map[K]V)
		mu.Lock()
		parts = append(parts, part)
		mu.Unlock()
		emit := func(k K, v V) {
			if old, ok := part[k]; ok {
				v = combine(old, v)
			}
			part[k] = v
		}
		return func(lo, hi int, pos *int) (int, error) {
			for i := lo; i < hi; i++ {
				if r.stop.Load() {
					return i, nil
				}
				*pos = i
				if d == 0 {
					mapper(xs[i], emit)
					continue
				}
				start := time.Now()
				mapper(xs[i], emit)
				if took := time.Since(start); took > d {
					return i, timeoutError(took, d)
				}
			}
			return hi, nil
		}, nil
	}
	r.runSlice(newWorker, func(i int) string { return shortForm(xs[i]) })
	return mergeParts(parts, combine)
}

// mergeParts folds the workers' maps into the largest one.
func mergeParts[K comparable, V any](parts []map[K]V, combine func(V, V) V) (merged map[K]V, err error) {
	if len(parts) == 0 {
		return map[K]V{}, nil
	}
	big := 0
	for i, p := range parts {
		if len(p) > len(parts[big]) {
			big = i
		}
	}
	merged = parts[big]
	var key K
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("parallel.MapReduce: combine, merging key %s: %w", shortForm(key), newPanicError(v))
		}
	}()
	for i, p := range parts {
		if i == big {
			continue
		}
		for k, v := range p {
			if old, ok := merged[k]; ok {
				key = k
				v = combine(old, v)
			}
			merged[k] = v
		}
	}
	return merged, nil
}
