package engine

import (
	"fmt"
	"os"
	"path/filepath"
)

// A kernel's own directory is made under the temp dir with this prefix
// and holds ownerFile, which names the process that owns it. A kernel
// removes its directory when it closes; one that was killed cannot, so a
// starting kernel removes the directories whose owner is gone.
const (
	kernelDirPrefix = "gopar-kernel-"
	ownerFile       = "owner"
)

// newKernelDir makes a kernel directory owned by this process.
func newKernelDir() (string, error) {
	dir, err := os.MkdirTemp("", kernelDirPrefix)
	if err != nil {
		return "", fmt.Errorf("kernel dir: %w", err)
	}
	pid := os.Getpid()
	start, _ := processStart(pid)
	if err := os.WriteFile(filepath.Join(dir, ownerFile), fmt.Appendf(nil, "%d %d\n", pid, start), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("kernel dir: %w", err)
	}
	return dir, nil
}

// removeOrphanedKernelDirs removes the kernel directories under tmp whose
// owner is no longer running, and returns how many it removed.
func removeOrphanedKernelDirs(tmp string) int {
	dirs, _ := filepath.Glob(filepath.Join(tmp, kernelDirPrefix+"*"))
	removed := 0
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // being made, or not ours
		}
		var pid int
		var start uint64
		if _, err := fmt.Sscan(string(b), &pid, &start); err != nil {
			continue
		}
		// The pid alone may have been reused by now; its start time
		// tells the owner from a newcomer.
		if now, ok := processStart(pid); ok && now == start {
			continue
		}
		if os.RemoveAll(dir) == nil {
			removed++
		}
	}
	return removed
}

// processStart returns when a process started, in clock ticks since boot,
// and false when there is no such process.
func processStart(pid int) (uint64, bool) {
	st, ok := readProcStat(pid)
	return st.start, ok
}
