package cacheprog

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The go command trims its cache when it runs one itself, not when a cache
// program serves it; the server trims the user's cache by the same rules,
// so that it does not grow with every lesson: at most once a day, files
// unused for five days go.
const (
	trimInterval = 24 * time.Hour
	trimLimit    = 5 * 24 * time.Hour
)

// trimOwn removes outputs and entries of dir unused since the cutoff,
// when the last trim (by the go command or by this) is a day old.
func trimOwn(dir string, now time.Time) {
	stamp := filepath.Join(dir, "trim.txt")
	if b, err := os.ReadFile(stamp); err == nil {
		if t, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			if d := now.Sub(time.Unix(t, 0)); d < trimInterval && d > -mtimeInterval {
				return
			}
		}
	}
	// Writing the stamp first keeps concurrent servers from trimming too.
	if err := writeWhole(stamp, fmt.Appendf(nil, "%d", now.Unix())); err != nil {
		return
	}
	cutoff := now.Add(-trimLimit - mtimeInterval)
	for i := range 256 {
		sub := filepath.Join(dir, fmt.Sprintf("%02x", i))
		entries, err := os.ReadDir(sub)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if !strings.HasSuffix(name, "-a") && !strings.HasSuffix(name, "-d") {
				continue
			}
			if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.ModTime().Before(cutoff) {
				os.Remove(filepath.Join(sub, name))
			}
		}
	}
}
