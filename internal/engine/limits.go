package engine

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// limits bound one run of a program; zero means no bound.
type limits struct {
	// memory caps the resident memory of the program's process group, in
	// bytes (%memlimit).
	memory int64
	// timeout caps how long the program runs (%timeout).
	timeout time.Duration
	// maxMemory and maxTimeout, when positive, bound the two above: an
	// administrator's limits, which a user may lower, not raise.
	maxMemory  int64
	maxTimeout time.Duration
}

// capped brings memory and timeout within the administrator's bounds.
func (l limits) capped() limits {
	if l.maxMemory > 0 && (l.memory == 0 || l.memory > l.maxMemory) {
		l.memory = l.maxMemory
	}
	if l.maxTimeout > 0 && (l.timeout == 0 || l.timeout > l.maxTimeout) {
		l.timeout = l.maxTimeout
	}
	return l
}

// checkMemory says why memory bytes (0: no cap) is above the
// administrator's bound, if it is.
func (l limits) checkMemory(memory int64) error {
	if l.maxMemory > 0 && (memory == 0 || memory > l.maxMemory) {
		return fmt.Errorf("this server allows at most %s", humanBytes(l.maxMemory))
	}
	return nil
}

// checkTimeout says why timeout (0: none) is above the administrator's
// bound, if it is.
func (l limits) checkTimeout(timeout time.Duration) error {
	if l.maxTimeout > 0 && (timeout == 0 || timeout > l.maxTimeout) {
		return fmt.Errorf("this server allows at most %v", l.maxTimeout)
	}
	return nil
}

// ParseMemLimit reads a size as %memlimit does (512MiB, 4GiB).
func ParseMemLimit(s string) (int64, error) {
	n, err := parseSize(s)
	if err == nil && n < minMemLimit {
		err = fmt.Errorf("%s is below the smallest cap, %s", humanBytes(n), humanBytes(minMemLimit))
	}
	return n, err
}

// ParseTimeout reads a time limit as %timeout does (30, 5m).
func ParseTimeout(s string) (time.Duration, error) { return parseTimeout(s) }

// minMemLimit is the smallest cap %memlimit accepts: a Go program with the
// cell runtime needs a few MiB before it runs a line of the cell.
const minMemLimit = 32 << 20

// memPoll is how often a running program's memory is measured. A program
// that allocates fast can pass its cap by what it allocates in this time.
const memPoll = 100 * time.Millisecond

// memRescan is how many polls pass between two searches of /proc for the
// members of the program's process group. The search reads every
// process of the machine, which on a shared server may be thousands;
// the polls in between read only the members found.
const memRescan = 10

// defaultMemLimit is half of the machine's memory, or 0 (no cap) where
// that is unknown.
func defaultMemLimit() int64 {
	total, err := machineMemory()
	if err != nil {
		return 0
	}
	return total / 2
}

// machineMemory reads the machine's memory from /proc/meminfo.
func machineMemory() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("machine memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// MemTotal:       24557272 kB
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "MemTotal:" && f[2] == "kB" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("machine memory: %w", err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("machine memory: no MemTotal in /proc/meminfo")
}

// goMemLimit is the GOMEMLIMIT a program gets under a cap: somewhat
// below it, so that Go's collector works harder as the program nears the
// cap, and only a program whose live data does not fit is stopped.
func goMemLimit(cap int64) string {
	return strconv.FormatInt(cap/10*9, 10)
}

var sizePattern = regexp.MustCompile(`^([0-9]+(?:\.[0-9]*)?)\s*([a-zA-Z]*)$`)

// parseSize reads a %memlimit size: a number with an optional unit, k, m,
// g or t, alone or followed by b or ib. Units are powers of 1024, as for
// GOMEMLIMIT and docker -m; a bare number is bytes.
func parseSize(s string) (int64, error) {
	m := sizePattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a size (such as 512MiB or 4GiB)", s)
	}
	shift := 0
	switch unit := strings.ToLower(m[2]); unit {
	case "", "b":
	default:
		i := strings.IndexByte("kmgt", unit[0])
		if i < 0 || (unit[1:] != "" && unit[1:] != "b" && unit[1:] != "ib") {
			return 0, fmt.Errorf("%q: unknown unit %q (use KiB, MiB, GiB or TiB)", s, m[2])
		}
		shift = 10 * (i + 1)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size: %w", s, err)
	}
	n := v * float64(int64(1)<<shift)
	if n >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(n), nil
}

// parseTimeout reads a %timeout limit: seconds, or a Go duration such as
// 1m30s.
func parseTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if secs <= 0 || secs > math.MaxInt64/float64(time.Second) || math.IsNaN(secs) {
			return 0, fmt.Errorf("%q is not a time limit (seconds above zero)", s)
		}
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a time limit (such as 30 or 5m)", s)
	}
	return d, nil
}

// watchMemory measures the resident memory of process group pgid every
// memPoll until exited is closed. When it passes limit, it kills the
// group at once, without the grace period of an interrupt (memory is
// running out for everyone), and closes the channel it returns.
func watchMemory(pgid int, limit int64, exited <-chan struct{}) <-chan struct{} {
	over := make(chan struct{})
	go func() {
		g := groupMemory{pgid: pgid}
		t := time.NewTicker(memPoll)
		defer t.Stop()
		for {
			select {
			case <-exited:
				return
			case <-t.C:
			}
			if g.rss() > limit {
				syscall.Kill(-pgid, syscall.SIGKILL)
				close(over)
				return
			}
		}
	}()
	return over
}

// groupMemory measures the resident memory of a process group: the
// program a cell runs, which leads it, and whatever the program started.
type groupMemory struct {
	pgid    int
	members []int
	polls   int
}

// rss returns the group's resident set in bytes: the sum over its
// members, so memory they share counts for each.
func (g *groupMemory) rss() int64 {
	if g.polls%memRescan == 0 {
		g.members = groupMembers(g.pgid)
	}
	g.polls++
	var total int64
	for _, pid := range g.members {
		// A member that exited, or whose pid now names another process,
		// counts for nothing.
		if st, ok := readProcStat(pid); ok && st.pgrp == g.pgid {
			total += st.rss
		}
	}
	return total
}

// groupMembers lists the processes of group pgid, its leader first.
func groupMembers(pgid int) []int {
	members := []int{pgid}
	d, err := os.Open("/proc")
	if err != nil {
		return members
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid == pgid {
			continue
		}
		if st, ok := readProcStat(pid); ok && st.pgrp == pgid {
			members = append(members, pid)
		}
	}
	return members
}
