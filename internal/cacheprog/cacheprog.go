// Package cacheprog is a build cache program for the go command
// (GOCACHEPROG) that layers two build caches: a shared one, filled once by
// an administrator and read-only to everyone else, and the user's own.
// Reads try the shared cache first, then the user's; writes go to the
// user's only. A shared entry is used only when its output's SHA-256 is
// the output ID it claims and it, its directory and the cache are owned
// by the cache's owner and writable by no one else: a damaged or planted
// entry is a miss, and the go command builds it again in the user's own
// cache.
//
// The protocol is the go command's: JSON requests on stdin, JSON
// responses on stdout, described in cmd/go/internal/cacheprog.
package cacheprog

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Commands of the protocol.
const (
	cmdGet   = "get"
	cmdPut   = "put"
	cmdClose = "close"
)

// request is one message from the go command. A put with BodySize > 0 is
// followed by its body, a base64 JSON string.
type request struct {
	ID       int64
	Command  string
	ActionID []byte `json:",omitempty"`
	OutputID []byte `json:",omitempty"`
	BodySize int64  `json:",omitempty"`
}

// response answers one request; the first message, with ID 0, lists the
// commands the program knows.
type response struct {
	ID            int64
	Err           string     `json:",omitempty"`
	KnownCommands []string   `json:",omitempty"`
	Miss          bool       `json:",omitempty"`
	OutputID      []byte     `json:",omitempty"`
	Size          int64      `json:",omitempty"`
	Time          *time.Time `json:",omitempty"`
	DiskPath      string     `json:",omitempty"`
}

// Server answers the go command's requests.
type Server struct {
	// Shared is a build cache in the go command's layout that this
	// process only reads; empty: none.
	Shared string
	// Own is the user's build cache, in the go command's layout.
	Own string
	// Warn reports what the user should know: a shared cache refused, a
	// damaged entry. Nil: nothing is reported.
	Warn func(msg string)

	shared   *sharedCache // nil when there is none, or it is refused
	warnOnce sync.Map     // messages already reported
}

// Serve answers requests read from r on w until the go command closes the
// stream or sends "close".
func (s *Server) Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	if s.Own == "" {
		return errors.New("cacheprog: no build cache directory of the user's own")
	}
	if s.Shared != "" {
		sc, err := openShared(s.Shared)
		if err != nil {
			s.warn(fmt.Sprintf("not using the shared build cache: %v", err))
		} else {
			s.shared = sc
		}
	}
	out := &responder{bw: bufio.NewWriter(w)}
	out.enc = json.NewEncoder(out.bw)
	if err := out.send(&response{KnownCommands: []string{cmdGet, cmdPut, cmdClose}}); err != nil {
		return fmt.Errorf("cacheprog: %w", err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		var req request
		if err := dec.Decode(&req); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("cacheprog: read request: %w", err)
		}
		switch req.Command {
		case cmdGet:
			wg.Go(func() { out.send(s.get(&req)) })
		case cmdPut:
			var body []byte
			if req.BodySize > 0 {
				// encoding/json decodes the base64 string into bytes.
				if err := dec.Decode(&body); err != nil {
					return fmt.Errorf("cacheprog: read the body of request %d: %w", req.ID, err)
				}
			}
			wg.Go(func() { out.send(s.put(&req, body)) })
		case cmdClose:
			wg.Wait()
			trimOwn(s.Own, time.Now())
			return out.send(&response{ID: req.ID})
		default:
			out.send(&response{ID: req.ID, Err: fmt.Sprintf("unknown command %q", req.Command)})
		}
	}
	return ctx.Err()
}

func (s *Server) warn(msg string) {
	if s.Warn == nil {
		return
	}
	if _, seen := s.warnOnce.LoadOrStore(msg, true); !seen {
		s.Warn(msg)
	}
}

// responder writes responses, one at a time, flushed as they come.
type responder struct {
	mu  sync.Mutex
	bw  *bufio.Writer
	enc *json.Encoder
}

func (r *responder) send(res *response) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.enc.Encode(res); err != nil {
		return err
	}
	return r.bw.Flush()
}

func (s *Server) get(req *request) *response {
	action, ok := toID(req.ActionID)
	if !ok {
		return &response{ID: req.ID, Err: fmt.Sprintf("action ID of %d bytes, want %d", len(req.ActionID), hashSize)}
	}
	if s.shared != nil {
		e, path, err := s.shared.get(action)
		switch {
		case err == nil:
			return hit(req.ID, e, path)
		case !errors.Is(err, os.ErrNotExist):
			s.warn(fmt.Sprintf("shared build cache: %v; building it again", err))
		}
	}
	e, path, err := getOwn(s.Own, action)
	if err != nil {
		return &response{ID: req.ID, Miss: true}
	}
	return hit(req.ID, e, path)
}

func hit(id int64, e entry, path string) *response {
	t := e.time
	return &response{ID: id, OutputID: e.output[:], Size: e.size, Time: &t, DiskPath: path}
}

func (s *Server) put(req *request, body []byte) *response {
	action, ok1 := toID(req.ActionID)
	output, ok2 := toID(req.OutputID)
	if !ok1 || !ok2 {
		return &response{ID: req.ID, Err: "put needs a 32-byte action ID and output ID"}
	}
	if int64(len(body)) != req.BodySize {
		return &response{ID: req.ID, Err: fmt.Sprintf("put body of %d bytes, announced %d", len(body), req.BodySize)}
	}
	if sha256.Sum256(body) != output {
		return &response{ID: req.ID, Err: "put body does not hash to its output ID"}
	}
	path, err := putOwn(s.Own, entry{action: action, output: output, size: int64(len(body)), time: time.Now()}, body)
	if err != nil {
		return &response{ID: req.ID, Err: err.Error()}
	}
	return &response{ID: req.ID, DiskPath: path}
}

func toID(b []byte) ([hashSize]byte, bool) {
	var id [hashSize]byte
	return id, copy(id[:], b) == hashSize && len(b) == hashSize
}

// readEntry reads and parses the entry of action in dir, which must be
// the entry of that action.
func readEntry(dir string, action [hashSize]byte) (entry, []byte, error) {
	b, err := os.ReadFile(entryPath(dir, action))
	if err != nil {
		return entry{}, nil, err
	}
	e, err := parseEntry(b)
	if err != nil {
		return entry{}, b, err
	}
	if e.action != action {
		return entry{}, b, errors.New("entry of another action")
	}
	return e, b, nil
}

// mtimeInterval is how stale a used file's modification time may get, as
// the go command keeps it: the time of last use, to within an hour, which
// trimming reads.
const mtimeInterval = time.Hour

// getOwn looks action up in the user's cache.
func getOwn(dir string, action [hashSize]byte) (entry, string, error) {
	e, _, err := readEntry(dir, action)
	if err != nil {
		return entry{}, "", err
	}
	path := outputPath(dir, e.output)
	info, err := os.Stat(path)
	if err != nil {
		return entry{}, "", err
	}
	if !info.Mode().IsRegular() || info.Size() != e.size {
		return entry{}, "", fmt.Errorf("%s is not the output its entry names", path)
	}
	now := time.Now()
	for _, f := range []string{entryPath(dir, action), path} {
		if fi, err := os.Stat(f); err == nil && now.Sub(fi.ModTime()) >= mtimeInterval {
			os.Chtimes(f, now, now)
		}
	}
	return e, path, nil
}

// putOwn stores an output and its entry in the user's cache and returns
// the output's path. Both files are written whole, then renamed into
// place, so a concurrent reader never sees half of one.
func putOwn(dir string, e entry, body []byte) (string, error) {
	path := outputPath(dir, e.output)
	if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() || info.Size() != e.size || !hashes(path, e.output) {
		if err := writeWhole(path, body); err != nil {
			return "", fmt.Errorf("store build output: %w", err)
		}
	}
	if err := writeWhole(entryPath(dir, e.action), e.format()); err != nil {
		return "", fmt.Errorf("store build cache entry: %w", err)
	}
	return path, nil
}

// hashes reports whether the file at path has SHA-256 sum want.
func hashes(path string, want [hashSize]byte) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false
	}
	return [hashSize]byte(h.Sum(nil)) == want
}

func writeWhole(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
