package engine

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// procStat is what the engine reads of a process in /proc/PID/stat.
type procStat struct {
	pgrp  int
	rss   int64  // resident set, in bytes
	start uint64 // when it started, in clock ticks since boot
}

var pageSize = int64(os.Getpagesize())

// readProcStat reads a process's group, resident set size and start
// time, and reports false when there is no such process. The command
// name, in parentheses, may hold spaces and parentheses itself, so the
// fields are counted after the last ')'.
func readProcStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, false
	}
	// After the name: state(3) ppid(4) pgrp(5) ... starttime(22) ...
	// rss(24).
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 22 {
		return procStat{}, false
	}
	pgrp, err1 := strconv.Atoi(f[2])
	start, err2 := strconv.ParseUint(f[19], 10, 64)
	pages, err3 := strconv.ParseInt(f[21], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procStat{}, false
	}
	return procStat{pgrp: pgrp, rss: pages * pageSize, start: start}, true
}
