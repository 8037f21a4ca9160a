package cacheprog

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// client speaks to a Server as the go command does.
type client struct {
	t     *testing.T
	w     *bufio.Writer
	pipeW *io.PipeWriter
	dec   *json.Decoder
	next  int64
	done  chan error
	warns *[]string
}

func startServer(t *testing.T, shared, own string) *client {
	t.Helper()
	reqR, reqW := io.Pipe()
	resR, resW := io.Pipe()
	var mu sync.Mutex
	warns := new([]string)
	s := &Server{Shared: shared, Own: own, Warn: func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		*warns = append(*warns, msg)
	}}
	c := &client{t: t, w: bufio.NewWriter(reqW), pipeW: reqW, dec: json.NewDecoder(resR), done: make(chan error, 1), warns: warns}
	go func() {
		err := s.Serve(context.Background(), reqR, resW)
		resW.Close()
		c.done <- err
	}()
	var hello response
	if err := c.dec.Decode(&hello); err != nil {
		t.Fatal(err)
	}
	if strings.Join(hello.KnownCommands, " ") != "get put close" {
		t.Fatalf("first message %+v, want the known commands", hello)
	}
	return c
}

func (c *client) roundTrip(req request, body []byte) response {
	c.t.Helper()
	c.next++
	req.ID = c.next
	b, _ := json.Marshal(req)
	c.w.Write(append(b, '\n'))
	if len(body) > 0 {
		fmt.Fprintf(c.w, "%q\n", base64.StdEncoding.EncodeToString(body))
	}
	if err := c.w.Flush(); err != nil {
		c.t.Fatal(err)
	}
	var res response
	if err := c.dec.Decode(&res); err != nil {
		c.t.Fatal(err)
	}
	if res.ID != req.ID {
		c.t.Fatalf("response to %d, want %d", res.ID, req.ID)
	}
	return res
}

func (c *client) get(action [hashSize]byte) response {
	return c.roundTrip(request{Command: cmdGet, ActionID: action[:]}, nil)
}

func (c *client) put(action [hashSize]byte, body []byte) response {
	out := sha256.Sum256(body)
	return c.roundTrip(request{Command: cmdPut, ActionID: action[:], OutputID: out[:], BodySize: int64(len(body))}, body)
}

func (c *client) close() {
	c.t.Helper()
	c.roundTrip(request{Command: cmdClose}, nil)
	c.pipeW.Close()
	if err := <-c.done; err != nil {
		c.t.Fatal(err)
	}
}

// fill writes an entry and its output into a cache in the go command's
// layout, as a plain go build would, and returns the output's path.
func fill(t *testing.T, dir string, action [hashSize]byte, body []byte) string {
	t.Helper()
	e := entry{action: action, output: sha256.Sum256(body), size: int64(len(body)), time: time.Now()}
	for path, data := range map[string][]byte{entryPath(dir, action): e.format(), outputPath(dir, e.output): body} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return outputPath(dir, e.output)
}

func TestServe(t *testing.T) {
	body := []byte("compiled package")
	action := sha256.Sum256([]byte("compile p"))
	tests := []struct {
		name string
		// damage changes the shared cache holding action's entry, whose
		// output is at out.
		damage    func(t *testing.T, shared, out string)
		wantHit   bool   // served from the shared cache
		wantWarn  string // "" for none
		sharedDir bool   // whether there is a shared cache at all
	}{
		{name: "no shared cache", wantHit: false},
		{name: "shared hit", sharedDir: true, wantHit: true},
		{name: "damaged output", sharedDir: true, wantWarn: "does not hash to its ID", damage: func(t *testing.T, _, out string) {
			os.WriteFile(out, []byte("compiled packagE"), 0o644)
		}},
		{name: "truncated output", sharedDir: true, wantWarn: "its entry says", damage: func(t *testing.T, _, out string) {
			os.WriteFile(out, []byte("compiled"), 0o644)
		}},
		{name: "output writable by others", sharedDir: true, wantWarn: "writable by others", damage: func(t *testing.T, _, out string) {
			os.Chmod(out, 0o666)
		}},
		{name: "entry writable by group", sharedDir: true, wantWarn: "writable by others", damage: func(t *testing.T, shared, _ string) {
			os.Chmod(entryPath(shared, action), 0o664)
		}},
		{name: "subdirectory writable by others", sharedDir: true, wantWarn: "writable by others", damage: func(t *testing.T, shared, _ string) {
			os.Chmod(filepath.Dir(entryPath(shared, action)), 0o777)
		}},
		{name: "cache writable by others", sharedDir: true, wantWarn: "not using the shared build cache", damage: func(t *testing.T, shared, _ string) {
			os.Chmod(shared, 0o777)
		}},
		{name: "garbled entry", sharedDir: true, wantWarn: "invalid header", damage: func(t *testing.T, shared, _ string) {
			p := entryPath(shared, action)
			b, _ := os.ReadFile(p)
			b[0] = 'x'
			os.WriteFile(p, b, 0o644)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			own := t.TempDir()
			shared := ""
			if tt.sharedDir {
				shared = filepath.Join(t.TempDir(), "shared")
				os.Mkdir(shared, 0o755)
				out := fill(t, shared, action, body)
				if tt.damage != nil {
					tt.damage(t, shared, out)
				}
			}
			before := listing(t, shared)
			c := startServer(t, shared, own)
			res := c.get(action)
			switch {
			case tt.wantHit:
				if res.Miss || !strings.HasPrefix(res.DiskPath, shared) {
					t.Fatalf("get = %+v, want a hit in the shared cache", res)
				}
				if b, _ := os.ReadFile(res.DiskPath); string(b) != string(body) {
					t.Errorf("DiskPath holds %q", b)
				}
			case !res.Miss:
				t.Fatalf("get = %+v, want a miss", res)
			default:
				// The go command builds it again and puts it: into the
				// user's own cache, whence the next get serves it.
				put := c.put(action, body)
				if put.Err != "" || !strings.HasPrefix(put.DiskPath, own) {
					t.Fatalf("put = %+v, want a path in %s", put, own)
				}
				again := c.get(action)
				if again.Miss || again.DiskPath != put.DiskPath || again.Size != int64(len(body)) {
					t.Fatalf("get after put = %+v, want %s", again, put.DiskPath)
				}
			}
			c.close()
			warns := strings.Join(*c.warns, "\n")
			if tt.wantWarn == "" && warns != "" {
				t.Errorf("warnings: %s", warns)
			}
			if tt.wantWarn != "" && !strings.Contains(warns, tt.wantWarn) {
				t.Errorf("warnings %q, want one containing %q", warns, tt.wantWarn)
			}
			if shared != "" && listing(t, shared) != before {
				t.Errorf("the shared cache changed:\n%s\nwas\n%s", listing(t, shared), before)
			}
		})
	}
}

// listing names the files under dir with their sizes and times.
func listing(t *testing.T, dir string) string {
	if dir == "" {
		return ""
	}
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if info, err := d.Info(); err == nil {
			fmt.Fprintf(&b, "%s %d %v\n", p, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return b.String()
}

func TestServeRejectsBadPuts(t *testing.T) {
	c := startServer(t, "", t.TempDir())
	action := sha256.Sum256([]byte("a"))
	wrong := sha256.Sum256([]byte("not the body"))
	tests := []struct {
		name string
		req  request
		body []byte
		want string
	}{
		{"output ID not the body's", request{Command: cmdPut, ActionID: action[:], OutputID: wrong[:], BodySize: 4}, []byte("body"), "does not hash"},
		{"short action ID", request{Command: cmdPut, ActionID: action[:4], OutputID: wrong[:]}, nil, "32-byte"},
		{"short get", request{Command: cmdGet, ActionID: action[:3]}, nil, "action ID of 3 bytes"},
		{"unknown command", request{Command: "get2"}, nil, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res := c.roundTrip(tt.req, tt.body); !strings.Contains(res.Err, tt.want) {
				t.Errorf("response %+v, want error containing %q", res, tt.want)
			}
		})
	}
	c.close()
}

func TestTrimOwn(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	old := fill(t, dir, sha256.Sum256([]byte("old")), []byte("old output"))
	recent := fill(t, dir, sha256.Sum256([]byte("recent")), []byte("recent output"))
	os.Chtimes(old, now.Add(-7*24*time.Hour), now.Add(-7*24*time.Hour))
	trimOwn(dir, now)
	if _, err := os.Stat(old); err == nil {
		t.Error("an output unused for a week was kept")
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("a recent output was trimmed: %v", err)
	}
	// Within a day of a trim, nothing is trimmed.
	os.Chtimes(recent, now.Add(-7*24*time.Hour), now.Add(-7*24*time.Hour))
	trimOwn(dir, now.Add(time.Hour))
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("trimmed again within a day: %v", err)
	}
}

// TestGoCommand has the go command build through the server, with the
// test's own build cache, already holding the standard library, as the
// shared one: only the program's own package and link are new, and they
// land in the user's cache.
func TestGoCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(goBin, "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	shared := strings.TrimSpace(string(out))
	if _, err := openShared(shared); err != nil {
		t.Skipf("the test's build cache cannot serve as a shared one: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/p\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"built through gopar's cache program\") }\n"), 0o644)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	own := filepath.Join(t.TempDir(), "own")
	build := func() string {
		// Warm the shared cache for fmt the ordinary way first.
		warm := exec.Command(goBin, "build", "-o", os.DevNull, ".")
		warm.Dir = dir
		if out, err := warm.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		cmd := exec.Command(goBin, "run", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOCACHE="+own, "GOCACHEPROG="+exe+" -test.run=^TestHelperCacheprog$ -- -shared "+shared, "GOPAR_CACHEPROG_HELPER=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go run through the cache program: %v\n%s", err, out)
		}
		return string(out)
	}
	if got := build(); !strings.Contains(got, "built through gopar's cache program") {
		t.Fatalf("output %q", got)
	}
	entries, _ := filepath.Glob(filepath.Join(own, "*", "*-a"))
	// The program's package, its link and what go run records; never the
	// standard library.
	if len(entries) == 0 || len(entries) > 8 {
		t.Errorf("the user's cache holds %d entries, want the program's few", len(entries))
	}
}

// TestHelperCacheprog is the cache program TestGoCommand starts.
func TestHelperCacheprog(t *testing.T) {
	if os.Getenv("GOPAR_CACHEPROG_HELPER") == "" {
		t.Skip("started by TestGoCommand")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	if err := Command(context.Background(), args, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}
