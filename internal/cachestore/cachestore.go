// Package cachestore keeps the entries of cached functions on disk: one
// file per entry, in a directory per function, sharded by key. Writes go
// through a temporary file renamed into place, so readers in any process
// see a whole entry or none; every entry carries a checksum, and one that
// does not verify is a miss, never a wrong value. Package parallel/cache
// writes and reads entries; the kernel lists and clears them (%cache).
//
// A directory looks like this:
//
//	CACHEDIR.TAG              marks it as a cache for backup tools
//	.gitignore                keeps it out of version control
//	main.slowSquare-1a2b3c4d/ one function (name, then a hash of its full name)
//	    name                  the function's full name
//	    3f/3f9a....entry      entries, sharded by the first two hex digits of the key
//	    stats/PID-....json    hits and misses counted by each process
package cachestore

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gopar/gopar/internal/atomicfile"
	"github.com/zeebo/xxh3"
)

// EnvDir names the environment variable that, when set, is the cache
// directory of programs that do not choose one.
const EnvDir = "GOPAR_CACHE_DIR"

// DefaultDirName is the cache directory, relative to the working
// directory, when EnvDir is not set: beside the notebook, so it survives
// kernel restarts and travels with the notebook's folder.
const DefaultDirName = ".gopar-cache"

// DefaultRoot returns the cache directory a program uses by default.
func DefaultRoot() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	return DefaultDirName
}

const cacheDirTag = "Signature: 8a477f597d28d172789f06886806bc55\n" +
	"# This file is a cache directory tag created by gopar.\n" +
	"# For information about cache directory tags, see https://bford.info/cachedir/\n"

// A Dir is a cache directory.
type Dir struct {
	root string
}

// Open returns the cache directory root, creating it and its marker
// files when missing.
func Open(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("cache directory: %w", err)
	}
	for name, content := range map[string]string{"CACHEDIR.TAG": cacheDirTag, ".gitignore": "# gopar's cache of function results\n*\n"} {
		p := filepath.Join(root, name)
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if err := atomicfile.Write(p, []byte(content), 0o644); err != nil {
			return nil, fmt.Errorf("cache directory: %w", err)
		}
	}
	return &Dir{root: root}, nil
}

// Root returns the directory's path.
func (d *Dir) Root() string { return d.root }

// Meta describes an entry.
type Meta struct {
	Func        string        `json:"func"`
	Key         string        `json:"key"`
	Args        string        `json:"args"` // a short summary of the arguments
	ComputeTime time.Duration `json:"compute_ns"`
	Size        int64         `json:"size"` // of the stored result
	Created     time.Time     `json:"created"`
	// LastUsed is the entry file's modification time, updated at most
	// once a minute by hits.
	LastUsed time.Time `json:"-"`
}

// A Func is the part of a directory holding one function's entries.
type Func struct {
	dir  *Dir
	name string
	path string
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Func returns the entries of the function with the given full name.
func (d *Dir) Func(name string) *Func {
	sum := xxh3.HashString(name)
	base := unsafeChars.ReplaceAllString(name, "_")
	if len(base) > 80 {
		base = base[:80]
	}
	return &Func{dir: d, name: name, path: filepath.Join(d.root, fmt.Sprintf("%s-%08x", base, uint32(sum)))}
}

// Name returns the function's full name.
func (f *Func) Name() string { return f.name }

func (f *Func) entryPath(key string) string {
	return filepath.Join(f.path, key[:2], key+".entry")
}

// ErrCorrupt is wrapped by errors about an entry that does not verify.
var ErrCorrupt = errors.New("corrupt cache entry")

const (
	magic      = "GPCACHE1"
	sumSize    = 16
	headerSize = len(magic) + 4 + 8
	// touchInterval bounds how often a hit updates an entry's last use:
	// a write per hit would make hits slow.
	touchInterval = time.Minute
)

// Encode lays out an entry: magic, meta length, payload length, meta
// JSON, payload, and a checksum of all that precedes it.
func Encode(meta Meta, payload []byte) ([]byte, error) {
	mj, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("cache entry metadata: %w", err)
	}
	b := make([]byte, 0, headerSize+len(mj)+len(payload)+sumSize)
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(mj)))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(payload)))
	b = append(b, mj...)
	b = append(b, payload...)
	sum := xxh3.Hash128(b).Bytes()
	return append(b, sum[:]...), nil
}

// Decode checks an entry and returns its metadata and payload, which
// aliases b. An entry that is truncated, padded, or altered anywhere is an
// error wrapping ErrCorrupt.
func Decode(b []byte) (Meta, []byte, error) {
	if len(b) < headerSize+sumSize || string(b[:len(magic)]) != magic {
		return Meta{}, nil, fmt.Errorf("%w: bad header", ErrCorrupt)
	}
	mlen := uint64(binary.LittleEndian.Uint32(b[len(magic):]))
	plen := binary.LittleEndian.Uint64(b[len(magic)+4:])
	body := uint64(len(b) - headerSize - sumSize)
	if mlen > body || plen != body-mlen {
		return Meta{}, nil, fmt.Errorf("%w: lengths do not match the file's size", ErrCorrupt)
	}
	end := len(b) - sumSize
	want := xxh3.Hash128(b[:end]).Bytes()
	if !bytes.Equal(want[:], b[end:]) {
		return Meta{}, nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	var meta Meta
	if err := json.Unmarshal(b[headerSize:headerSize+int(mlen)], &meta); err != nil {
		return Meta{}, nil, fmt.Errorf("%w: metadata: %v", ErrCorrupt, err)
	}
	return meta, b[headerSize+int(mlen) : end], nil
}

// Get reads the entry for key. Anything but a whole, verified entry for
// that key is a miss; a damaged one is removed so that it is computed
// again and replaced.
func (f *Func) Get(key string) (Meta, []byte, bool) {
	p := f.entryPath(key)
	b, modTime, err := readFile(p)
	if err != nil {
		return Meta{}, nil, false
	}
	meta, payload, err := Decode(b)
	if err != nil || meta.Key != key || meta.Func != f.name {
		os.Remove(p)
		return Meta{}, nil, false
	}
	meta.LastUsed = modTime
	f.Touch(key, modTime)
	return meta, payload, true
}

// Touch records a use of the entry for key last recorded at lastUsed, if
// that was long enough ago to matter to trimming.
func (f *Func) Touch(key string, lastUsed time.Time) time.Time {
	if now := time.Now(); now.Sub(lastUsed) > touchInterval {
		os.Chtimes(f.entryPath(key), now, now)
		return now
	}
	return lastUsed
}

// readFile reads a file and its modification time with as few system
// calls as it takes: a hit's cost is mostly theirs.
func readFile(p string) ([]byte, time.Time, error) {
	fd, err := os.Open(p)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer fd.Close()
	fi, err := fd.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(fd, b); err != nil {
		return nil, time.Time{}, err
	}
	return b, fi.ModTime(), nil
}

// Remove deletes the entry for key, if any.
func (f *Func) Remove(key string) {
	os.Remove(f.entryPath(key))
}

// Put stores an entry, replacing any other for its key. Concurrent
// writers of one key, in any processes, leave one whole entry.
func (f *Func) Put(meta Meta, payload []byte) error {
	meta.Func = f.name
	meta.Size = int64(len(payload))
	b, err := Encode(meta, payload)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(f.path, "name")); err != nil {
		if err := atomicfile.Write(filepath.Join(f.path, "name"), []byte(f.name+"\n"), 0o644); err != nil {
			return fmt.Errorf("cache %s: %w", f.name, err)
		}
	}
	if err := atomicfile.Write(f.entryPath(meta.Key), b, 0o644); err != nil {
		return fmt.Errorf("cache %s: %w", f.name, err)
	}
	return nil
}

// An entryFile is an entry found on disk.
type entryFile struct {
	path     string
	size     int64
	lastUsed time.Time
}

// walk lists a function's entries; temporary files that a crashed writer
// left more than an hour ago are removed on the way.
func (f *Func) walk() ([]entryFile, error) {
	var out []entryFile
	err := filepath.WalkDir(f.path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		switch {
		case strings.HasSuffix(p, ".entry"):
			out = append(out, entryFile{path: p, size: info.Size(), lastUsed: info.ModTime()})
		case strings.HasPrefix(d.Name(), ".tmp-") && time.Since(info.ModTime()) > time.Hour:
			os.Remove(p)
		}
		return nil
	})
	return out, err
}

// Trim removes entries not used for longer than maxAge (when positive),
// then the least recently used ones until the function's entries take no
// more than maxBytes (when positive). It returns how many it removed.
func (f *Func) Trim(maxBytes int64, maxAge time.Duration) (int, error) {
	entries, err := f.walk()
	if err != nil {
		return 0, fmt.Errorf("trim cache of %s: %w", f.name, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].lastUsed.Before(entries[j].lastUsed) })
	var total int64
	for _, e := range entries {
		total += e.size
	}
	removed := 0
	now := time.Now()
	for _, e := range entries {
		old := maxAge > 0 && now.Sub(e.lastUsed) > maxAge
		big := maxBytes > 0 && total > maxBytes
		if !old && !big {
			continue
		}
		if err := os.Remove(e.path); err == nil || errors.Is(err, fs.ErrNotExist) {
			total -= e.size
			removed++
		}
	}
	return removed, nil
}

// Stats are a process's counts for one function.
type Stats struct {
	Hits   int64 `json:"hits"`
	Misses int64 `json:"misses"`
}

// WriteStats records the counts of this process (id tells processes
// apart), replacing what it recorded before.
func (f *Func) WriteStats(id string, s Stats) error {
	b, _ := json.Marshal(s)
	if err := atomicfile.Write(filepath.Join(f.path, "stats", id+".json"), b, 0o644); err != nil {
		return fmt.Errorf("cache statistics of %s: %w", f.name, err)
	}
	return nil
}

// FuncInfo summarises one function's entries.
type FuncInfo struct {
	Name     string
	Entries  int
	Bytes    int64
	Hits     int64
	Misses   int64
	LastUsed time.Time
}

// List summarises every function in the directory, by name.
func (d *Dir) List() ([]FuncInfo, error) {
	des, err := os.ReadDir(d.root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("cache directory: %w", err)
	}
	var out []FuncInfo
	for _, de := range des {
		if !de.IsDir() {
			continue
		}
		path := filepath.Join(d.root, de.Name())
		name, err := os.ReadFile(filepath.Join(path, "name"))
		if err != nil {
			continue // not a function's directory
		}
		f := &Func{dir: d, name: strings.TrimSpace(string(name)), path: path}
		info := FuncInfo{Name: f.name}
		entries, err := f.walk()
		if err != nil {
			return nil, fmt.Errorf("cache of %s: %w", f.name, err)
		}
		for _, e := range entries {
			info.Entries++
			info.Bytes += e.size
			if e.lastUsed.After(info.LastUsed) {
				info.LastUsed = e.lastUsed
			}
		}
		stats, _ := filepath.Glob(filepath.Join(path, "stats", "*.json"))
		for _, p := range stats {
			var s Stats
			if b, err := os.ReadFile(p); err == nil && json.Unmarshal(b, &s) == nil {
				info.Hits += s.Hits
				info.Misses += s.Misses
			}
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Clear removes the entries and counts of the functions whose full name
// or short name (without the package, as in "slowSquare" for
// "main.slowSquare") is name, or of every function when name is "". It
// returns the names of the functions it cleared.
func (d *Dir) Clear(name string) ([]string, error) {
	list, err := d.List()
	if err != nil {
		return nil, err
	}
	var cleared []string
	for _, info := range list {
		if name != "" && info.Name != name && ShortName(info.Name) != name {
			continue
		}
		if err := os.RemoveAll(d.Func(info.Name).path); err != nil {
			return cleared, fmt.Errorf("clear cache of %s: %w", info.Name, err)
		}
		cleared = append(cleared, info.Name)
	}
	return cleared, nil
}

// ShortName drops the package path from a function's full name:
// "main.slowSquare" becomes "slowSquare", "example.com/m/pkg.(*T).M"
// becomes "(*T).M".
func ShortName(full string) string {
	rest := full
	if i := strings.LastIndex(rest, "/"); i >= 0 {
		rest = rest[i+1:]
	}
	if _, after, ok := strings.Cut(rest, "."); ok {
		return after
	}
	return full
}

// KeyString formats a 128-bit key as the hex string entries are named by.
func KeyString(k [16]byte) string { return hex.EncodeToString(k[:]) }

// At returns the cache directory root without creating anything, for
// listing and clearing.
func At(root string) *Dir { return &Dir{root: root} }
