package engine

import (
	"context"
	"fmt"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gopar/gopar/internal/carry"
	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cellsrc"
	"github.com/gopar/gopar/internal/childproto"
	"github.com/gopar/gopar/internal/pkgindex"
)

const helpIntro = `gopar: Go cells in Jupyter

A cell is Go source: imports, declarations (func, type, var, const) and
statements, in any order. Statements run in order as the cell's body; no
func main is needed. Declarations stay for later cells, and a later cell
that declares the same name replaces them. Missing imports are added and
unused ones dropped. The value of a last expression is the cell's result.

Magics (lines starting with %) and shell commands (lines starting with !):
`

const helpOutro = `  !CMD               run a shell command (end a line with \ to continue)
  !*CMD              run a shell command in the cells' module (!*go get MOD)
  %% [ARGS]          GoNB's marker: the rest is main's body, parsing ARGS

A cell may import a package of any module: it is added through your module
proxy (GOPROXY) the first time. Modules added by hand or by cells stay
through %reset, until the kernel restarts, which starts again from the
kernel's own requirements.

Rich output: github.com/janpfeifer/gonb/gonbui (DisplayHTML, DisplayMarkdown,
DisplayPNG, DisplayImage, DisplaySVG, UpdateHTML, Sync) and
github.com/gopar/gopar/display (ClearOutput, Show). A gonum *plot.Plot shows
as an image; github.com/gopar/gopar/display/plots as SVG, or several in one.
Parallel work: github.com/gopar/gopar/parallel; timing it (Sweep, Compare,
It, Amdahl's law): github.com/gopar/gopar/parallel/timing; results kept on
disk between runs: github.com/gopar/gopar/parallel/cache (cache.Func).
Interrupt (the stop button) stops the running cell; the kernel stays.
`

// A magicCall is one % line being run.
type magicCall struct {
	ctx  context.Context
	req  cell.Request
	line cellsrc.Magic
	arg  string // what follows the magic's name, trimmed
	sink cell.Sink
	res  *cell.Result
}

// fail is the error of a magic line that is wrong.
func (c magicCall) fail(msg string) *cell.Error { return magicError(c.req.Count, c.line, msg) }

// A magicSpec is one entry of the magics table: its name, its lines in
// %help (usage, then what it does), and what it does. A handler returns
// an error only for a line that is wrong.
type magicSpec struct {
	name    string
	aliases []string // GoNB's other spellings
	help    [][2]string
	run     func(e *Engine, c magicCall) *cell.Error
}

// magics is the table of % lines. %time is handled by Execute, around
// the build and run it times, and %timeit by composing the program. It
// is filled by init because %help reads it.
var magics []magicSpec

func init() {
	magics = []magicSpec{
		{name: "help", help: [][2]string{{"%help", "this text"}}, run: (*Engine).magicHelp},
		{name: "reset", help: [][2]string{
			{"%reset", "forget every declaration, import and variable"},
			{"%reset NAME...", "forget carried variables"},
			{"%reset go.mod", "go back to the kernel's own requirements"},
		}, run: (*Engine).magicReset},
		{name: "vars", help: [][2]string{{"%vars", "list carried variables with type and size"}}, run: (*Engine).magicVars},
		{name: "env", help: [][2]string{
			{"%env", "list variables set with %env"},
			{"%env NAME=VALUE", "set an environment variable for later cells"},
		}, run: (*Engine).magicEnv},
		{name: "cd", help: [][2]string{{"%cd [DIR]", "change the cells' working directory (print it)"}}, run: (*Engine).magicCd},
		{name: "goflags", help: [][2]string{{"%goflags [FLAGS]", "set the flags for go build (print them)"}}, run: (*Engine).magicGoflags},
		{name: "time", help: [][2]string{{"%time", "report build and run time of this cell, and how it was built"}}},
		{name: "main", help: [][2]string{{"%main [ARGS]", "as %%: the rest is main's body; it parses ARGS with package flag"}}},
		{name: "args", help: [][2]string{{"%args [ARGS]", "set the programs' command line (os.Args, package flag)"}}, run: (*Engine).magicArgs},
		{name: "%writefile", help: [][2]string{{"%%writefile [-a] FILE", "on a cell's first line: write (-a: append) the rest of the cell to FILE"}}, run: (*Engine).magicWritefile},
		{name: "%bash", help: [][2]string{{"%%bash", "on a cell's first line: run the rest of the cell with bash"}}, run: (*Engine).magicScript},
		{name: "%sh", help: [][2]string{{"%%sh", "on a cell's first line: run the rest of the cell with sh"}}, run: (*Engine).magicScript},
		{name: "%script", help: [][2]string{{"%%script CMD", "on a cell's first line: run CMD with the rest of the cell as its input"}}, run: (*Engine).magicScript},
		{name: "autoget", help: [][2]string{{"%autoget", "add the modules a cell imports through the module proxy (the default)"}}, run: (*Engine).magicAutoget},
		{name: "noautoget", help: [][2]string{{"%noautoget", "do not: a missing module is an error"}}, run: (*Engine).magicAutoget},
		{name: "capture", help: [][2]string{{"%capture [-a] FILE", "copy this cell's output to FILE (-a: append)"}}},
		{name: "test", help: [][2]string{{"%test [FLAGS]", "run the cell's TestXxx and BenchmarkXxx functions (flags as go test's binary takes them)"}}},
		{name: "exec", help: [][2]string{{"%exec FUNC [ARGS]", "run FUNC() as main, parsing ARGS with package flag"}}},
		{name: "with_inputs", help: [][2]string{{"%with_inputs", "the cell's next ! command reads what you type (its program asks anyway)"}}},
		{name: "with_password", help: [][2]string{{"%with_password", "the same, masked: for a password"}}},
		{name: "version", help: [][2]string{{"%version", "print gopar's version"}}, run: (*Engine).magicVersion},
		{name: "list", aliases: []string{"ls"}, help: [][2]string{{"%list, %ls", "list the declarations and imports cells keep"}}, run: (*Engine).magicList},
		{name: "remove", aliases: []string{"rm"}, help: [][2]string{{"%remove NAME..., %rm", "forget kept declarations or imports, named as %ls shows them"}}, run: (*Engine).magicRemove},
		{name: "goget", help: [][2]string{
			{"%goget MOD[@VER]...", "require a module (pin, upgrade or downgrade)"},
			{"%goget -u", "upgrade the modules required with %goget"},
		}, run: (*Engine).magicGoget},
		{name: "goreplace", help: [][2]string{{"%goreplace MOD => DIR", "build MOD from DIR (relative to the notebook)"}}, run: (*Engine).magicGoreplace},
		{name: "track", help: [][2]string{{"%track [PATH...]", "build again when a file under PATH changes (list what is tracked)"}}, run: (*Engine).magicTrack},
		{name: "untrack", help: [][2]string{{"%untrack PATH[...]", "stop tracking PATH (PATH...: every path starting so)"}}, run: (*Engine).magicUntrack},
		{name: "goworkfix", help: [][2]string{{"%goworkfix", "replace the modules go.work uses in go.mod, for go get and builds without go.work"}}, run: (*Engine).magicGoworkfix},
		{name: "gomod", help: [][2]string{{"%gomod", "show the cells' go.mod: requirements and replacements"}}, run: (*Engine).magicGomod},
		// %timeit and %%timeit are composed into the program: see
		// timeit.go. A %% line's name starts with its second %.
		{name: "timeit", help: [][2]string{{"%timeit CODE", "time CODE as IPython does (-n N loops, -r R runs)"}}},
		{name: "%timeit", help: [][2]string{{"%%timeit", "on a cell's first line: time its statements (-n, -r too)"}}},
		{name: "cache", help: [][2]string{
			{"%cache", "list cached functions: entries, size, hits and misses"},
			{"%cache clear [NAME]", "forget the results of one cached function, or all"},
		}, run: (*Engine).magicCache},
		{name: "widgets", help: [][2]string{{"%widgets", "connect the notebook page for gonbui/widgets (programs that use them do so themselves)"}}, run: (*Engine).magicWidgets},
		{name: "widgets_hb", help: [][2]string{{"%widgets_hb", "ask the connected page whether it is there"}}, run: (*Engine).magicWidgetsHeartbeat},
		{name: "wasm", help: [][2]string{{"%wasm", "build the cell for WebAssembly and run it in the page, in a <div> whose id is GonbWasmDivId"}}},
		{name: "memlimit", help: [][2]string{
			{"%memlimit [SIZE]", "cap the memory of later cells, such as 4GiB (print it)"},
			{"%memlimit off", "no memory cap (the default is half of this machine's)"},
		}, run: (*Engine).magicMemlimit},
		{name: "timeout", help: [][2]string{
			{"%timeout [SECONDS]", "stop later cells that run longer, such as 30 or 5m"},
			{"%timeout off", "no time limit (the default)"},
		}, run: (*Engine).magicTimeout},
	}
}

// helpText is %help's page, generated from the magics table.
func helpText() string {
	var b strings.Builder
	b.WriteString(helpIntro)
	for _, m := range magics {
		for _, h := range m.help {
			fmt.Fprintf(&b, "  %-18s %s\n", h[0], h[1])
		}
	}
	b.WriteString(helpOutro)
	return b.String()
}

// magic runs one % or ! line. It returns an error only for a line that
// is wrong (an unknown magic); what a shell command does is its output.
func (e *Engine) magic(ctx context.Context, req cell.Request, m cellsrc.Magic, sink cell.Sink, res *cell.Result) *cell.Error {
	if m.Shell {
		e.shellLine(ctx, m, sink, nil)
		return nil
	}
	name, arg, _ := strings.Cut(m.Text, " ")
	c := magicCall{ctx: ctx, req: req, line: m, arg: strings.TrimSpace(arg), sink: sink, res: res}
	for _, spec := range magics {
		if (spec.name == name || slices.Contains(spec.aliases, name)) && spec.run != nil {
			return spec.run(e, c)
		}
	}
	return c.fail(fmt.Sprintf("unknown magic %%%s (%%help lists them)", name))
}

func (e *Engine) magicHelp(c magicCall) *cell.Error {
	c.res.Payload = append(c.res.Payload, map[string]any{
		"source": "page",
		"data":   map[string]any{"text/plain": helpText()},
		"start":  0,
	})
	return nil
}

func (e *Engine) magicReset(c magicCall) *cell.Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch c.arg {
	case "":
		e.prog = &program{}
		e.state.reset()
		c.sink.Stream("stdout", "reset: declarations, imports and variables forgotten\n")
		return nil
	case "go.mod":
		e.work.restoreGoMod(e.work.initial)
		e.added = nil
		c.sink.Stream("stdout", "reset: go.mod has the kernel's own requirements again\n")
		return nil
	}
	names := strings.Fields(c.arg)
	for _, n := range names {
		if _, ok := e.state.types[n]; !ok {
			return c.fail(fmt.Sprintf("%%reset: no carried variable %s (%%vars lists them)", n))
		}
	}
	if err := e.state.forget(names...); err != nil {
		return c.fail("%reset: " + err.Error())
	}
	c.sink.Stream("stdout", "forgot "+strings.Join(names, ", ")+"\n")
	return nil
}

func (e *Engine) magicVars(c magicCall) *cell.Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c.sink.Stream("stdout", e.varsTable())
	return nil
}

func (e *Engine) magicEnv(c magicCall) *cell.Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c.arg == "" {
		if len(e.env) == 0 {
			c.sink.Stream("stdout", "no variables set with %env\n")
		}
		for _, k := range sortedKeys(e.env) {
			c.sink.Stream("stdout", k+"="+e.env[k]+"\n")
		}
		return nil
	}
	k, v, ok := strings.Cut(c.arg, "=")
	if !ok {
		k, v, ok = strings.Cut(c.arg, " ")
	}
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	if !ok || k == "" {
		return c.fail("usage: %env NAME=VALUE")
	}
	e.env[k] = v
	return nil
}

func (e *Engine) magicCd(c magicCall) *cell.Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c.arg != "" {
		dir := c.arg
		if strings.HasPrefix(dir, "~") {
			home, _ := os.UserHomeDir()
			dir = filepath.Join(home, dir[1:])
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(e.dir, dir)
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return c.fail(fmt.Sprintf("%%cd: not a directory: %s", dir))
		}
		e.dir = filepath.Clean(dir)
	}
	c.sink.Stream("stdout", e.dir+"\n")
	return nil
}

func (e *Engine) magicGoflags(c magicCall) *cell.Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch c.arg {
	case "":
	case `""`, "''":
		e.goflags = nil
	default:
		e.goflags = strings.Fields(c.arg)
	}
	c.sink.Stream("stdout", fmt.Sprintf("goflags: %q\n", e.goflags))
	return nil
}

func (e *Engine) magicGoget(c magicCall) *cell.Error {
	args := strings.Fields(c.arg)
	if len(args) == 0 {
		return c.fail("usage: %goget MODULE[@VERSION]... or %goget -u")
	}
	e.mu.Lock()
	if len(args) == 1 && args[0] == "-u" {
		if len(e.added) == 0 {
			e.mu.Unlock()
			c.sink.Stream("stdout", "no modules required with %goget\n")
			return nil
		}
		args = append(args, e.added...)
	}
	e.mu.Unlock()
	env := e.environ()
	progress := &goLines{sink: func(line string) { c.sink.Stream("stderr", line) }}
	if err := e.work.get(c.ctx, env, progress, args...); err != nil {
		return c.fail("%goget: " + err.Error())
	}
	e.mu.Lock()
	for _, a := range args {
		if mod, _, _ := strings.Cut(a, "@"); !strings.HasPrefix(a, "-") && !slices.Contains(e.added, mod) {
			e.added = append(e.added, mod)
		}
	}
	e.mu.Unlock()
	return nil
}

func (e *Engine) magicGoreplace(c magicCall) *cell.Error {
	mod, dir, ok := strings.Cut(c.arg, "=>")
	mod, dir = strings.TrimSpace(mod), strings.TrimSpace(dir)
	if !ok || mod == "" || dir == "" {
		return c.fail("usage: %goreplace MODULE => DIR")
	}
	e.mu.Lock()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(e.dir, dir)
	}
	e.mu.Unlock()
	if err := e.work.replace(c.ctx, e.environ(), mod, filepath.Clean(dir)); err != nil {
		return c.fail("%goreplace: " + err.Error())
	}
	c.sink.Stream("stdout", fmt.Sprintf("%s => %s\n", mod, filepath.Clean(dir)))
	return nil
}

func (e *Engine) magicGomod(c magicCall) *cell.Error {
	text, err := e.work.requirements()
	if err != nil {
		return c.fail("%gomod: " + err.Error())
	}
	c.sink.Stream("stdout", text)
	return nil
}

func (e *Engine) magicWritefile(c magicCall) *cell.Error {
	args := strings.Fields(c.arg)
	appending := len(args) == 2 && args[0] == "-a"
	if appending {
		args = args[1:]
	}
	if len(args) != 1 {
		return c.fail("usage: %%writefile [-a] FILE")
	}
	path := e.resolvePath(args[0])
	body := c.line.Body
	if body != "" && !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	flags, verb := os.O_WRONLY|os.O_CREATE|os.O_TRUNC, "Writing"
	if appending {
		flags, verb = os.O_WRONLY|os.O_CREATE|os.O_APPEND, "Appending to"
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err == nil {
		_, err = f.WriteString(body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return c.fail("%%writefile: " + err.Error())
	}
	c.sink.Stream("stdout", verb+" "+args[0]+"\n")
	return nil
}

// magicScript runs a script cell: %%bash, %%sh, or %%script CMD with the
// cell's body as the command's input.
func (e *Engine) magicScript(c magicCall) *cell.Error {
	e.mu.Lock()
	dir := e.dir
	e.mu.Unlock()
	name, _, _ := strings.Cut(c.line.Text, " ")
	var cmd *exec.Cmd
	switch name {
	case "%bash":
		cmd = exec.Command(shellPath(), "-s")
	case "%sh":
		cmd = exec.Command("/bin/sh", "-s")
	default:
		if c.arg == "" {
			return c.fail("usage: %%script CMD")
		}
		cmd = exec.Command(shellPath(), "-c", "exec "+c.arg)
	}
	body := c.line.Body
	if !strings.HasSuffix(body, "\n") {
		body += "\n" // a script's last line is a line
	}
	e.script(c.ctx, "%"+c.line.Text, cmd, body, dir, c.sink, nil)
	return nil
}

func (e *Engine) magicAutoget(c magicCall) *cell.Error {
	e.work.noAutoGet = c.line.Text == "noautoget"
	return nil
}

func (e *Engine) magicArgs(c magicCall) *cell.Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.args = strings.Fields(c.arg)
	return nil
}

func (e *Engine) magicVersion(c magicCall) *cell.Error {
	c.sink.Stream("stdout", "gopar "+e.version+"\n")
	return nil
}

// declNames are the names %list shows for a kept declaration, as GoNB
// writes them: "func f", "method T.M", "type T", "var x", "const c".
func declNames(d decl) []string {
	var names []string
	for i, k := range d.keys {
		kind := strings.ToLower(d.kinds[i].String())
		if d.kinds[i] == token.FUNC && strings.Contains(k, ".") {
			kind = "method"
		}
		names = append(names, kind+" "+k)
	}
	return names
}

func (e *Engine) magicList(c magicCall) *cell.Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var lines []string
	for _, im := range e.prog.imports {
		lines = append(lines, "import "+im.path)
	}
	for _, d := range e.prog.decls {
		lines = append(lines, declNames(d.decl)...)
	}
	if len(lines) == 0 {
		c.sink.Stream("stdout", "no declarations or imports kept\n")
		return nil
	}
	slices.Sort(lines)
	c.sink.Stream("stdout", strings.Join(lines, "\n")+"\n")
	return nil
}

func (e *Engine) magicRemove(c magicCall) *cell.Error {
	var targets []string
	words := strings.Fields(c.arg)
	for i := 0; i < len(words); i++ {
		switch words[i] {
		case "func", "method", "type", "var", "const", "import":
			// A name as %ls writes it: the kind, then the name.
			if i+1 < len(words) {
				targets = append(targets, words[i]+" "+words[i+1])
				i++
				continue
			}
		}
		targets = append(targets, words[i])
	}
	if len(targets) == 0 {
		return c.fail("usage: %remove NAME... (%ls lists them)")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	prog := e.prog.clone()
	for _, t := range targets {
		if !prog.remove(t) {
			return c.fail(fmt.Sprintf("%%remove: nothing kept is named %s (%%ls lists them)", t))
		}
	}
	e.prog = prog
	c.sink.Stream("stdout", "removed "+strings.Join(targets, ", ")+"\n")
	return nil
}

func (e *Engine) magicMemlimit(c magicCall) *cell.Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch c.arg {
	case "":
	case "off":
		if err := e.limits.checkMemory(0); err != nil {
			return c.fail("%memlimit off: " + err.Error())
		}
		e.limits.memory = 0
	default:
		n, err := parseSize(c.arg)
		if err != nil {
			return c.fail("%memlimit: " + err.Error())
		}
		if n < minMemLimit {
			return c.fail(fmt.Sprintf("%%memlimit: %s is below the smallest cap, %s", humanBytes(n), humanBytes(minMemLimit)))
		}
		if err := e.limits.checkMemory(n); err != nil {
			return c.fail("%memlimit: " + err.Error())
		}
		e.limits.memory = n
	}
	what := "off"
	if e.limits.memory > 0 {
		what = humanBytes(e.limits.memory)
	}
	c.sink.Stream("stdout", "memlimit: "+what+"\n")
	return nil
}

func (e *Engine) magicTimeout(c magicCall) *cell.Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch c.arg {
	case "":
	case "off", "0":
		if err := e.limits.checkTimeout(0); err != nil {
			return c.fail("%timeout off: " + err.Error())
		}
		e.limits.timeout = 0
	default:
		d, err := parseTimeout(c.arg)
		if err == nil {
			err = e.limits.checkTimeout(d)
		}
		if err != nil {
			return c.fail("%timeout: " + err.Error())
		}
		e.limits.timeout = d
	}
	what := "off"
	if e.limits.timeout > 0 {
		what = e.limits.timeout.String()
	}
	c.sink.Stream("stdout", "timeout: "+what+"\n")
	return nil
}

// varsTable lists carried variables for %vars. e.mu is held.
func (e *Engine) varsTable() string {
	if len(e.state.types) == 0 {
		return "no carried variables\n"
	}
	sizes := map[string]int64{}
	if e.state.cur != "" {
		if list, err := carry.List(e.state.cur); err == nil {
			for _, v := range list {
				sizes[v.Name] = v.Size
			}
		}
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tSIZE")
	for _, n := range sortedKeys(e.state.types) {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", n, readableType(e.state.types[n]), humanBytes(sizes[n]))
	}
	tw.Flush()
	return b.String()
}

// readableType writes a carried type with package names, as a user
// would, instead of the program's import aliases.
func readableType(t childproto.VarType) string {
	src := t.Source
	for alias, path := range t.Imports {
		src = strings.ReplaceAll(src, alias+".", pkgindex.ImportName(path)+".")
	}
	return src
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func magicError(cellNum int, m cellsrc.Magic, msg string) *cell.Error {
	where := fmt.Sprintf("cell[%d] line %d", cellNum, m.Line)
	return &cell.Error{Name: "MagicError", Value: where + ": " + msg, Traceback: []string{where + ": " + msg, "  %" + m.Text}}
}

// shell runs a ! command with sh in the cells' working directory,
// streaming its output. Interrupt stops it like a cell.
// shellPath is the shell that runs ! lines: bash, as in GoNB and most
// notebooks' examples, where there is one.
func shellPath() string {
	if p, err := exec.LookPath("bash"); err == nil {
		return p
	}
	return "/bin/sh"
}

// shellLine runs a ! line: in the cells' working directory, or with !* in
// their module. With ask, the command's input is what the user types.
func (e *Engine) shellLine(ctx context.Context, m cellsrc.Magic, sink cell.Sink, ask *inputAsk) {
	e.mu.Lock()
	dir := e.dir
	e.mu.Unlock()
	command := m.Text
	if rest, inModule := strings.CutPrefix(command, "*"); inModule {
		command, dir = rest, e.work.dir
	}
	e.shell(ctx, command, dir, sink, ask)
}

func (e *Engine) shell(ctx context.Context, command, dir string, sink cell.Sink, ask *inputAsk) {
	e.script(ctx, "!"+command, exec.Command(shellPath(), "-c", command), "", dir, sink, ask)
}

// script runs a command of a ! line or a script cell, with stdin as its
// standard input, its output streamed to the cell, until it ends or the
// cell is interrupted. label names it in errors. With ask, the command's
// input is instead what the user types in the front end.
func (e *Engine) script(ctx context.Context, label string, cmd *exec.Cmd, stdin, dir string, sink cell.Sink, ask *inputAsk) {
	cmd.Dir = dir
	cmd.Env = e.environ()
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var feed *stdinFeed
	if ask != nil {
		var err error
		if feed, err = newStdinFeed(); err != nil {
			sink.Stream("stderr", fmt.Sprintf("%s: %v\n", label, err))
			return
		}
		cmd.Stdin = feed.r
	}
	cmd.Stdout = streamWriter{sink, "stdout"}
	cmd.Stderr = streamWriter{sink, "stderr"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A command must not outlive the kernel either. The shell replaces
	// itself with a simple command, which keeps the parent-death signal;
	// what a pipeline or a background job starts is not covered.
	exited := make(chan struct{})
	if err := startTied(cmd, exited); err != nil {
		if feed != nil {
			feed.r.Close()
			feed.w.Close()
		}
		sink.Stream("stderr", fmt.Sprintf("%s: %v\n", label, err))
		return
	}
	if feed != nil {
		feed.r.Close() // the command has its own copy
		feedCtx, stopFeed := context.WithCancel(ctx)
		fed := make(chan struct{})
		go func() { defer close(fed); feed.feed(feedCtx, cmd.Process.Pid, *ask, sink) }()
		go func() { <-exited; stopFeed() }()
		// No input is asked for once the cell has ended.
		defer func() { stopFeed(); <-fed }()
	}
	done := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		close(exited)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			sink.Stream("stderr", fmt.Sprintf("%s: %v\n", label, err))
		}
	case <-ctx.Done():
		syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(interruptGrace):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
}

type streamWriter struct {
	sink cell.Sink
	name string
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.sink.Stream(w.name, string(p))
	return len(p), nil
}
