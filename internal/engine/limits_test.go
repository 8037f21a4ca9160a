package engine

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"1024", 1024},
		{"100B", 100},
		{"64k", 64 << 10},
		{"512MiB", 512 << 20},
		{"512 mb", 512 << 20},
		{"2G", 2 << 30},
		{"1.5GiB", 3 << 29},
		{"1TB", 1 << 40},
	} {
		got, err := parseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "big", "12 apples", "1.2.3G", "-5G", "4PiB", "1mbit", "99999999999TiB"} {
		if got, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", bad, got)
		}
	}
}

func TestParseTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"2", 2 * time.Second},
		{"0.5", 500 * time.Millisecond},
		{"90s", 90 * time.Second},
		{"5m", 5 * time.Minute},
		{"1h30m", 90 * time.Minute},
	} {
		got, err := parseTimeout(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseTimeout(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "soon", "-3", "0s", "1e300", "NaN"} {
		if got, err := parseTimeout(bad); err == nil {
			t.Errorf("parseTimeout(%q) = %v, want an error", bad, got)
		}
	}
}

func TestDefaultMemLimitIsHalfTheMachine(t *testing.T) {
	total, err := machineMemory()
	if err != nil {
		t.Skip(err)
	}
	if got := defaultMemLimit(); got != total/2 || got <= 0 {
		t.Errorf("defaultMemLimit() = %d, machine has %d", got, total)
	}
}

// TestGroupMemory measures a process group of two: a shell and the child
// it waits for.
func TestGroupMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	cmd := exec.Command("/bin/sh", "-c", "sleep 30 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	t.Cleanup(func() {
		syscall.Kill(-pgid, syscall.SIGKILL)
		cmd.Wait()
	})
	// Wait until the shell has started sleep, then until their memory
	// holds still while the group's is measured: right after a start,
	// or a kill, it changes from one read to the next.
	g := groupMemory{pgid: pgid}
	var members []int
	var measured, shell, sleep int64
	eventually(t, func() bool {
		members = groupMembers(pgid)
		if len(members) != 2 || members[0] != pgid {
			return false
		}
		before := [2]int64{rss(members[0]), rss(members[1])}
		measured = g.rss()
		shell, sleep = rss(members[0]), rss(members[1])
		return shell > 0 && sleep > 0 && before == [2]int64{shell, sleep} && measured == shell+sleep
	}, func() string {
		return fmt.Sprintf("group %d: members %v, rss %d, want the shell's %d and sleep's %d", pgid, members, measured, shell, sleep)
	})
	syscall.Kill(-pgid, syscall.SIGKILL)
	cmd.Wait()
	// The sleep may linger as a zombie until init reaps it, with no
	// memory.
	eventually(t, func() bool { measured = g.rss(); return measured == 0 }, func() string {
		return fmt.Sprintf("group rss after kill = %d, want 0", measured)
	})
}

// rss is a process's resident set, or -1 when it is gone.
func rss(pid int) int64 {
	st, ok := readProcStat(pid)
	if !ok {
		return -1
	}
	return st.rss
}

// eventually fails the test when cond does not hold within 5 seconds.
func eventually(t *testing.T, cond func() bool, why func() string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(why())
		}
	}
}

// hogCell allocates and touches 16 MiB at a time, keeping all of it.
const hogCell = `kept = append(kept, 4)
hog := [][]byte{}
for {
	b := make([]byte, 16<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	hog = append(hog, b)
}`

func TestMemLimitStopsTheCell(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("kept := []int{1, 2, 3}")
	if _, rec := r.ok("%memlimit 64MiB"); rec.Stdout() != "memlimit: 64.0 MiB\n" {
		t.Errorf("%%memlimit said %q", rec.Stdout())
	}
	if _, rec := r.ok(`fmt.Println(os.Getenv("GOMEMLIMIT"))`); rec.Stdout() != goMemLimit(64<<20)+"\n" {
		t.Errorf("GOMEMLIMIT under a 64 MiB cap = %q", rec.Stdout())
	}
	res, rec := r.exec(hogCell)
	want := "cell[4] used more than 64.0 MiB and was stopped; `%memlimit` changes the cap"
	if res.Err == nil || res.Err.Name != "MemoryLimit" || res.Err.Value != want {
		t.Fatalf("hog cell: error %+v, want MemoryLimit %q", res.Err, want)
	}
	if !slices.Contains(res.Err.Traceback, "at cell[4] line 3") {
		t.Errorf("traceback does not say where the cell was: %q", res.Err.Traceback)
	}
	if rec.Stderr() != "" {
		t.Errorf("stderr: %q", rec.Stderr())
	}
	// The stopped cell's change to kept is not kept.
	if _, rec := r.ok("fmt.Println(kept)"); rec.Stdout() != "[1 2 3]\n" {
		t.Errorf("kept after the stopped cell = %q", rec.Stdout())
	}
	r.ok("%memlimit off")
	if _, rec := r.ok(`fmt.Printf("%q\n", os.Getenv("GOMEMLIMIT"))`); rec.Stdout() != "\"\"\n" {
		t.Errorf("GOMEMLIMIT without a cap = %s", rec.Stdout())
	}
	for _, bad := range []string{"%memlimit lots", "%memlimit 1MiB"} {
		if res, _ := r.exec(bad); res.Err == nil || res.Err.Name != "MagicError" {
			t.Errorf("%s: error %+v, want a MagicError", bad, res.Err)
		}
	}
}

func TestTimeoutStopsTheCell(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	r := &runner2{t: t, e: newTestEngine(t)}
	r.ok("kept := 7")
	if _, rec := r.ok("%timeout 1"); rec.Stdout() != "timeout: 1s\n" {
		t.Errorf("%%timeout said %q", rec.Stdout())
	}
	start := time.Now()
	res, _ := r.exec("kept = 8\ntime.Sleep(time.Hour)")
	want := "cell[3] ran longer than 1s and was stopped; `%timeout` changes the limit"
	if res.Err == nil || res.Err.Name != "Timeout" || res.Err.Value != want {
		t.Fatalf("sleeping cell: error %+v, want Timeout %q", res.Err, want)
	}
	if took := time.Since(start); took > time.Minute {
		t.Errorf("the cell was stopped after %v", took)
	}
	if !slices.ContainsFunc(res.Err.Traceback, func(l string) bool { return strings.Contains(l, "time.Sleep(time.Hour)") }) {
		t.Errorf("traceback does not quote the line the cell was on: %q", res.Err.Traceback)
	}
	if _, rec := r.ok("%timeout off\nfmt.Println(kept)"); rec.Stdout() != "timeout: off\n7\n" {
		t.Errorf("after the stopped cell: %q", rec.Stdout())
	}
	if res, _ := r.exec("%timeout never"); res.Err == nil || res.Err.Name != "MagicError" {
		t.Errorf("%%timeout never: error %+v, want a MagicError", res.Err)
	}
}
