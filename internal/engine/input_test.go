package engine

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cell/celltest"
)

// askRecorder records how each input was asked for. With delay, it
// answers as slowly as a person would.
type askRecorder struct {
	*celltest.Recorder
	delay     time.Duration
	mu        sync.Mutex
	passwords []bool
	prompts   []string
}

func (a *askRecorder) Input(ctx context.Context, prompt string, password bool) (string, error) {
	a.mu.Lock()
	a.passwords = append(a.passwords, password)
	a.prompts = append(a.prompts, prompt)
	a.mu.Unlock()
	time.Sleep(a.delay)
	return a.Recorder.Input(ctx, prompt, password)
}

func (a *askRecorder) asked() []bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.passwords)
}

// GoNB's %with_inputs and %with_password: the next ! command reads what
// the front end answers, a line each time it waits for one.
func TestWithInputs(t *testing.T) {
	e := newTestEngine(t)
	tests := []struct {
		name, code string
		inputs     []string
		noStdin    bool
		stdout     string
		asked      []bool // password flag of each input asked for
		stderr     string // what stderr must contain
	}{
		{
			name:   "two reads",
			code:   "%with_inputs\n!read a; read b; echo \"a=$a b=$b\"",
			inputs: []string{"x", "y"},
			stdout: "a=x b=y\n",
			asked:  []bool{false, false},
		},
		{
			name:   "password",
			code:   "//gonb:%with_password\n!read -r p; echo \"${#p} characters\"",
			inputs: []string{"secret"},
			stdout: "6 characters\n",
			asked:  []bool{true},
		},
		{
			name:   "a process the shell started reads",
			code:   "%with_inputs\n!echo start; head -n 1; echo end",
			inputs: []string{"from head"},
			stdout: "start\nfrom head\nend\n",
			asked:  []bool{false},
		},
		{
			name:   "only the next command",
			code:   "%with_inputs\n!read a; echo \"a=$a\"\n!read b; echo \"b=[$b]\"",
			inputs: []string{"first", "never asked"},
			stdout: "a=first\nb=[]\n",
			asked:  []bool{false},
		},
		{
			name:   "a command that reads nothing is asked nothing",
			code:   "%with_inputs\n!echo quiet",
			inputs: []string{"unused"},
			stdout: "quiet\n",
		},
		{
			name:   "without it, end of file",
			code:   "!read a; echo \"a=[$a]\"",
			inputs: []string{"unused"},
			stdout: "a=[]\n",
		},
		{
			name:    "a front end that sends no input",
			code:    "%with_inputs\n!read a; echo \"a=[$a]\"",
			noStdin: true,
			stdout:  "a=[]\n",
			asked:   []bool{false},
			stderr:  "%with_inputs: the front end sends no input here (allow_stdin is false)",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &askRecorder{Recorder: &celltest.Recorder{Inputs: tt.inputs}}
			res := e.Execute(context.Background(), cell.Request{Code: tt.code, Count: i + 1, AllowStdin: !tt.noStdin}, rec)
			if res.Err != nil {
				t.Fatalf("error %s", res.Err.Value)
			}
			if got := rec.Stdout(); got != tt.stdout {
				t.Errorf("stdout %q, want %q (stderr %q)", got, tt.stdout, rec.Stderr())
			}
			if got := rec.asked(); !slices.Equal(got, tt.asked) {
				t.Errorf("asked for input %v times (password flags %v), want %v", len(got), got, tt.asked)
			}
			if !strings.Contains(rec.Stderr(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", rec.Stderr(), tt.stderr)
			}
		})
	}
}

// %with_password with no ! line after it masks what the cell's program
// is given.
func TestWithPasswordForTheProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	e := newTestEngine(t)
	rec := &askRecorder{Recorder: &celltest.Recorder{Inputs: []string{"hunter2"}}}
	res := e.Execute(context.Background(), cell.Request{Code: "%with_password\nvar pin string\nfmt.Scanln(&pin)\nfmt.Println(len(pin))", Count: 1, AllowStdin: true}, rec)
	if res.Err != nil || rec.Stdout() != "7\n" {
		t.Fatalf("err %v, stdout %q", res.Err, rec.Stdout())
	}
	if got := rec.asked(); !slices.Equal(got, []bool{true}) {
		t.Errorf("password flags %v, want [true]", got)
	}
}

// A program that asks with gonbui.RequestInput, then reads, is asked
// once, with its prompt: the kernel's own watch for reads does not ask
// again.
func TestRequestInputAsksOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	e := newTestEngine(t)
	rec := &askRecorder{Recorder: &celltest.Recorder{Inputs: []string{"42", "not asked for"}}, delay: 10 * stdinPoll}
	code := "import \"github.com/janpfeifer/gonb/gonbui\"\ngonbui.RequestInput(\"Enter:\", false)\nvar x int\nfmt.Scan(&x)\nfmt.Println(\"int\", x)"
	res := e.Execute(context.Background(), cell.Request{Code: code, Count: 1, AllowStdin: true}, rec)
	if res.Err != nil || rec.Stdout() != "int 42\n" {
		t.Fatalf("err %v, stdout %q", res.Err, rec.Stdout())
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !slices.Equal(rec.prompts, []string{"Enter:"}) {
		t.Errorf("asked with prompts %q, want just \"Enter:\"", rec.prompts)
	}
}

// Only a process of the group blocked reading this very pipe counts as
// waiting for input.
func TestGroupReadingPipe(t *testing.T) {
	ours, err := newStdinFeed()
	if err != nil {
		t.Fatal(err)
	}
	other, err := newStdinFeed()
	if err != nil {
		t.Fatal(err)
	}
	start := func(stdin *os.File) *exec.Cmd {
		cmd := exec.Command("cat")
		cmd.Stdin = stdin
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	readingOther := start(other.r)
	pgid := readingOther.Process.Pid
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("not %s within 10s", what)
	}
	waitFor("reading the other pipe", func() bool { return groupReadingPipe(pgid, other.pipe) })
	if groupReadingPipe(pgid, ours.pipe) {
		t.Errorf("a process reading another pipe counts as reading ours")
	}
	if groupReadingPipe(pgid+1<<22, other.pipe) {
		t.Errorf("a group with no process reads the pipe")
	}
	for _, f := range []*stdinFeed{ours, other} {
		f.r.Close()
		f.w.Close()
	}
}
