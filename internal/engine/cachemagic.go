package engine

import (
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gopar/gopar/internal/cachestore"
	"github.com/gopar/gopar/internal/cell"
)

// cacheRoot is the directory the cells' cached functions use by
// default: $GOPAR_CACHE_DIR as the programs see it, else .gopar-cache in
// their working directory. It also returns how to name it to the user:
// relative to the working directory when it is inside, so that a
// notebook's output does not show where its folder was.
func (e *Engine) cacheRoot() (root, shown string) {
	root = cachestore.DefaultDirName
	for _, kv := range e.environ() {
		if v, ok := strings.CutPrefix(kv, cachestore.EnvDir+"="); ok && v != "" {
			root = v
		}
	}
	e.mu.Lock()
	dir := e.dir
	e.mu.Unlock()
	shown = root
	if !filepath.IsAbs(root) {
		root = filepath.Join(dir, root)
	}
	if rel, err := filepath.Rel(dir, root); err == nil && filepath.IsLocal(rel) {
		shown = rel
	}
	return root, shown
}

// magicCache lists the cached functions, or clears them.
func (e *Engine) magicCache(c magicCall) *cell.Error {
	root, shown := e.cacheRoot()
	// Listing an absent cache must not make one.
	d := cachestore.At(root)
	args := strings.Fields(c.arg)
	switch {
	case len(args) == 0:
		list, err := d.List()
		if err != nil {
			return c.fail(err.Error())
		}
		if len(list) == 0 {
			c.sink.Stream("stdout", fmt.Sprintf("no cached results in %s\n", shown))
			return nil
		}
		var b strings.Builder
		tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "function\tentries\tsize\thits\tmisses\tlast used\t")
		for _, f := range list {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%s\t\n", cachestore.ShortName(f.Name), f.Entries, humanBytes(f.Bytes), f.Hits, f.Misses, ago(f.LastUsed))
		}
		tw.Flush()
		fmt.Fprintf(&b, "in %s\n", shown)
		c.sink.Stream("stdout", b.String())
	case args[0] == "clear" && len(args) <= 2:
		name := ""
		if len(args) == 2 {
			name = args[1]
		}
		cleared, err := d.Clear(name)
		if err != nil {
			return c.fail(err.Error())
		}
		if name != "" && len(cleared) == 0 {
			return c.fail(fmt.Sprintf("no cached function %s in %s (%%cache lists them)", name, shown))
		}
		word := "functions"
		if len(cleared) == 1 {
			word = "function"
		}
		c.sink.Stream("stdout", fmt.Sprintf("cleared %d cached %s\n", len(cleared), word))
	default:
		return c.fail("usage: %cache, or %cache clear [NAME]")
	}
	return nil
}

// ago says how long ago t was, roughly.
func ago(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}
