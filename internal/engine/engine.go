// Package engine runs notebook cells written in Go. Each execution
// composes one program from the declarations of every earlier cell that
// compiled and the statements of the current cell, builds it with the Go
// toolchain in a per-kernel work module (the build cache keeps this fast)
// and runs it as a child process in its own process group. The kernel
// process never runs user code, so a crash in a cell costs that cell only.
//
// Engine implements cell.Runner; it knows nothing of Jupyter's wire
// protocol. Scope tells code assistance what the cells declared.
package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/token"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/childproto"
	"github.com/gopar/gopar/internal/gonbcomm"
	"github.com/gopar/gopar/internal/pkgindex"
)

// Options configures an Engine.
type Options struct {
	// ModuleDir is the source of the github.com/gopar/gopar module that
	// cells import (its go.mod, go.sum and packages).
	ModuleDir string
	// WorkDir is where programs are composed and built. Empty: a new
	// temporary directory, removed by Close.
	WorkDir string
	// GoBinary is the go command. Empty: $GOPAR_GO, else go on $PATH.
	GoBinary string
	// CacheDir keeps what kernels can share to start faster (resolved
	// dependencies, the standard library's package names). Empty: the
	// user's cache directory; "off": nothing is kept.
	CacheDir string
	// Version is the kernel's version, for %version.
	Version string
	Logger  *slog.Logger
	// MemLimit caps the resident memory of a cell's program and all it
	// starts, in bytes, until %memlimit changes it. 0: half of the
	// machine's memory; negative: no cap.
	MemLimit int64
	// Timeout stops a cell's program that runs longer, until %timeout
	// changes it. 0: no limit.
	Timeout time.Duration
	// KernelID is the id Jupyter gave the kernel, by which the notebook
	// page reaches it for widgets and %wasm. Empty: $GONB_JUPYTER_KERNEL_ID.
	KernelID string
	// MaxMemLimit and MaxTimeout, when positive, are limits a user may
	// lower but not raise (an administrator's, for a class): the
	// defaults, and the most %memlimit and %timeout accept.
	MaxMemLimit int64
	MaxTimeout  time.Duration
	// Replace builds these module versions from their directories, in
	// place, instead of from the user's module cache: a system install's
	// shared modules, at the same paths for every user, so that a shared
	// build cache serves them.
	Replace []Replacement
	// FixedDirs hold sources that do not change while kernels run (a
	// system install's); their packages are not checked for edits.
	FixedDirs []string
	// SharedBuildCache is a build cache others filled (a system
	// install's), which the go command reads through a cache program that
	// checks what it uses; a compiled archive from it that a kept
	// resolution names is checked the same way before it is linked.
	SharedBuildCache string
	// SharedCacheDir holds what a system install kept of what CacheDir
	// keeps (resolved dependencies of the imports of common first
	// cells), read before the user's own cannot serve.
	SharedCacheDir string
}

// Replacement is one module version built from a directory.
type Replacement struct {
	Path, Version, Dir string
}

// Engine runs cells. It is safe for concurrent use; executions run one
// at a time.
type Engine struct {
	log     *slog.Logger
	work    *workModule
	ownWork bool
	ids     displayIDs
	state   *stateStore // guarded by mu
	pkgs    *pkgindex.Index
	// noValue remembers last expressions found to have no value, keyed by
	// noValueKey, so that running such a cell again does not pay for a
	// failed build first. Guarded by mu.
	noValue map[string]bool

	execMu sync.Mutex // one execution at a time

	mu      sync.Mutex // guards what follows
	prog    *program
	cells   map[int]string
	env     map[string]string
	goflags []string
	dir     string   // the programs' working directory (%cd)
	added   []string // modules required with %goget, for %goget -u
	args    []string // the programs' command line (%args, %% ARGS)
	version string
	// notebookEnv tells programs and shell commands where the kernel
	// keeps things, under GoNB's names and gopar's own.
	notebookEnv []string
	limits      limits // %memlimit and %timeout
	comms       *gonbcomm.Hub
	kernelID    string
	wasm        wasmFiles // guarded by mu
}

// New prepares an engine: its work module and directories.
func New(opts Options) (*Engine, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	goBin, err := findGo(opts.GoBinary)
	if err != nil {
		return nil, err
	}
	workDir, own := opts.WorkDir, false
	if workDir == "" {
		if n := removeOrphanedKernelDirs(os.TempDir()); n > 0 {
			log.Info("removed directories of kernels that are gone", "count", n)
		}
		workDir, err = newKernelDir()
		if err != nil {
			return nil, err
		}
		own = true
	}
	work, err := newWorkModule(filepath.Join(workDir, "module"), opts.ModuleDir, goBin, opts.Replace)
	if err != nil {
		return nil, err
	}
	work.direct.fixedDirs = opts.FixedDirs
	work.direct.sharedCache = opts.SharedBuildCache
	work.direct.sharedConfigs = opts.SharedCacheDir
	state, err := newStateStore(filepath.Join(workDir, "state"))
	if err != nil {
		return nil, err
	}
	cacheDir := opts.CacheDir
	switch cacheDir {
	case "":
		if dir, err := os.UserCacheDir(); err == nil {
			cacheDir = filepath.Join(dir, "gopar")
		}
	case "off":
		cacheDir = ""
	}
	work.direct.cacheDir = cacheDir
	lim := limits{memory: opts.MemLimit, timeout: max(opts.Timeout, 0), maxMemory: max(opts.MaxMemLimit, 0), maxTimeout: max(opts.MaxTimeout, 0)}
	switch {
	case lim.memory == 0:
		lim.memory = defaultMemLimit()
	case lim.memory < 0:
		lim.memory = 0
	}
	lim = lim.capped()
	cwd, _ := os.Getwd()
	pkgs := &pkgindex.Index{CacheDir: cacheDir}
	// What the first cell needs, found while the user types it.
	go pkgs.Names()
	go work.direct.toolchain(context.Background(), os.Environ())
	if cacheDir != "" {
		go trimStoredConfigs(cacheDir)
	}
	kernelDir := filepath.Dir(work.dir)
	notebookEnv := []string{
		"GONB_DIR=" + work.dir, "GOPAR_MODULE_DIR=" + work.dir,
		"GONB_TMP_DIR=" + kernelDir, "GOPAR_KERNEL_DIR=" + kernelDir,
		"GONB_JUPYTER_ROOT=" + cwd,
		"GONB_VERSION=" + opts.Version, "GOPAR_VERSION=" + opts.Version,
	}
	kernelID := opts.KernelID
	if kernelID == "" {
		kernelID = os.Getenv(kernelIDEnv)
	}
	return &Engine{
		comms:       gonbcomm.New(kernelID),
		kernelID:    kernelID,
		notebookEnv: notebookEnv,
		state:       state,
		log:         log,
		work:        work,
		ownWork:     own,
		pkgs:        pkgs,
		noValue:     map[string]bool{},
		version:     opts.Version,
		prog:        &program{},
		cells:       map[int]string{},
		env:         map[string]string{},
		dir:         cwd,
		limits:      lim,
	}, nil
}

func findGo(explicit string) (string, error) {
	for _, p := range []string{explicit, os.Getenv("GOPAR_GO")} {
		if p != "" {
			return p, nil
		}
	}
	p, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("find the go command (install Go or set GOPAR_GO): %w", err)
	}
	return p, nil
}

// Close removes the engine's work files.
func (e *Engine) Close() error {
	e.execMu.Lock()
	defer e.execMu.Unlock()
	e.removeWasmDir()
	if e.ownWork {
		return os.RemoveAll(filepath.Dir(e.work.dir))
	}
	return nil
}

// line implements sources for error messages.
func (e *Engine) line(cellNum, line int) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	code, ok := e.cells[cellNum]
	if !ok {
		return "", false
	}
	lines := strings.Split(code, "\n")
	if line < 1 || line > len(lines) {
		return "", false
	}
	return lines[line-1], true
}

// environ is the environment of builds and programs: the kernel's own
// plus what %env set.
func (e *Engine) environ() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	env := append(os.Environ(), e.notebookEnv...)
	for _, k := range sortedKeys(e.env) {
		env = append(env, k+"="+e.env[k])
	}
	return env
}

// Execute runs one cell; see cell.Runner.
func (e *Engine) Execute(ctx context.Context, req cell.Request, sink cell.Sink) cell.Result {
	e.execMu.Lock()
	defer e.execMu.Unlock()
	e.mu.Lock()
	e.cells[req.Count] = req.Code
	e.mu.Unlock()

	pc, err := parseCell(req.Code)
	if err != nil {
		return cell.Result{Err: sourceError(req.Count, err, e)}
	}
	if m, msg := pc.applyTimeit(); m != nil {
		return cell.Result{Err: magicError(req.Count, *m, msg)}
	}
	sink, endCapture, cerr := captureOutput(req.Count, pc, e.resolvePath, sink)
	if cerr != nil {
		return cell.Result{Err: cerr}
	}
	defer endCapture()
	var res cell.Result
	timing, merr := e.runMagics(ctx, req, pc, sink, &res)
	if merr != nil {
		return cell.Result{Err: merr, Payload: res.Payload}
	}
	if len(pc.imports) == 0 && len(pc.decls) == 0 && len(pc.stmts) == 0 {
		return res
	}
	if in, ok := sink.(cell.InputSink); ok && pc.askInput != nil && pc.askInput.password {
		sink = passwordSink{in}
	}
	if pc.wasm {
		if pc.testArgs != nil {
			return cell.Result{Err: lineError("WasmError", fmt.Sprintf("cell[%d]: %%wasm and %%test do not go together", req.Count))}
		}
		res.Err = e.runWasm(ctx, req.Count, pc, sink)
		return res
	}
	var tests *testSink
	if pc.testArgs != nil {
		tests = &testSink{Sink: sink}
		sink = tests
	}
	start := time.Now()
	b, cerr := e.compile(ctx, req.Count, pc, sink)
	if cerr != nil {
		res.Err = cerr
		return res
	}
	built := time.Since(start)
	start = time.Now()
	out, err := e.runProgram(ctx, req, b, pc.testArgs, sink)
	if timing {
		sink.Stream("stdout", fmt.Sprintf("time: build %v (%s), run %v\n", built.Round(time.Millisecond), b.how, time.Since(start).Round(time.Millisecond)))
	}
	res.Value, res.Err = e.outcome(req.Count, out, err)
	if failed := tests.failures(); len(failed) > 0 && res.Err != nil && res.Err.Name == "ExitError" {
		res.Err = lineError("TestFailure", fmt.Sprintf("cell[%d]: %s failed", req.Count, strings.Join(failed, ", ")))
	}
	return res
}

// runMagics runs the cell's % and ! lines in order and reports whether
// the cell asked for %time. It stops at the first magic line that is
// wrong.
func (e *Engine) runMagics(ctx context.Context, req cell.Request, pc *parsedCell, sink cell.Sink, res *cell.Result) (timing bool, err *cell.Error) {
	for _, m := range pc.magics {
		name, args, _ := strings.Cut(m.Text, " ")
		switch {
		case isTimeit(m):
			// Composed into the program: see timeit.go.
		case m.CellMarker || (name == "main" && !m.Shell):
			// GoNB's %% and %main: what follows is main's body, which
			// parses the command line given here, if any.
			pc.parseFlags = true
			if m.CellMarker {
				args = m.Text
			}
			if args = strings.TrimSpace(args); args != "" {
				e.mu.Lock()
				e.args = strings.Fields(args)
				e.mu.Unlock()
			}
		case m.Text == "time" && !m.Shell:
			timing = true
		case name == "test" && !m.Shell:
			testArgs, err := applyTest(pc, m, args)
			if err != nil {
				return timing, magicError(req.Count, m, err.Error())
			}
			pc.testArgs = testArgs
		case name == "capture" && !m.Shell:
			// Handled by Execute before any output.
		case (name == "with_inputs" || name == "with_password") && !m.Shell:
			// GoNB's: for the next ! line, else the program.
			pc.askInput = &inputAsk{password: name == "with_password", magic: name}
		case m.Shell && pc.askInput != nil:
			ask := pc.askInput
			pc.askInput = nil
			e.shellLine(ctx, m, sink, ask)
		case name == "wasm" && !m.Shell:
			if args != "" {
				return timing, magicError(req.Count, m, "usage: %wasm")
			}
			// Made now, so that the cell's shell lines see GONB_WASM_DIR.
			e.mu.Lock()
			_, err := e.wasmDirLocked(ctx)
			e.mu.Unlock()
			if err != nil {
				return timing, magicError(req.Count, m, "%wasm: "+err.Error())
			}
			pc.wasm = true
		case name == "exec" && !m.Shell:
			// GoNB's %exec: main calls FUNC, after parsing ARGS.
			fn, fargs, _ := strings.Cut(strings.TrimSpace(args), " ")
			if !token.IsIdentifier(fn) {
				return timing, magicError(req.Count, m, "usage: %exec FUNC [ARGS]")
			}
			pc.stmts = append(pc.stmts, segment{line: m.Line, src: fn + "()"})
			pc.parseFlags = true
			e.mu.Lock()
			e.args = strings.Fields(fargs)
			e.mu.Unlock()
		default:
			if err := e.magic(ctx, req, m, sink, res); err != nil {
				return timing, err
			}
		}
	}
	return timing, nil
}

// runProgram runs a cell's built program. The merged declarations are
// kept from here on; the variables it saves are adopted only when it
// succeeds.
func (e *Engine) runProgram(ctx context.Context, req cell.Request, b build, args []string, sink cell.Sink) (runOutcome, error) {
	bin, prog, plan := b.bin, b.prog, b.plan
	e.mu.Lock()
	e.prog = prog
	dir, lim := e.dir, e.limits
	stateDir, newGen, err := e.prepareState(plan, sink)
	e.mu.Unlock()
	if err != nil {
		return runOutcome{}, &stateError{err}
	}
	env := e.environ()
	if stateDir != "" {
		env = append(env, childproto.StateDirEnv+"="+stateDir)
	}
	e.mu.Lock()
	if args == nil {
		args = slices.Clone(e.args)
	}
	e.mu.Unlock()
	if lim.memory > 0 && !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "GOMEMLIMIT=") }) {
		// Go collects harder as the heap nears GOMEMLIMIT, so a program
		// whose live data fits under the cap stays under it. One set
		// with %env (or in the kernel's environment) is the user's.
		env = append(env, "GOMEMLIMIT="+goMemLimit(lim.memory))
	}
	out, err := run(ctx, runSpec{
		bin:        bin,
		args:       args,
		dir:        dir,
		env:        env,
		allowStdin: req.AllowStdin,
		runDir:     filepath.Join(filepath.Dir(e.work.dir), "run"),
		limits:     lim,
		comms:      e.comms,
	}, sink, &e.ids)
	if newGen != "" {
		e.mu.Lock()
		if err == nil && out.succeeded() {
			if aerr := e.state.adopt(newGen); aerr != nil {
				sink.Stream("stderr", aerr.Error()+"\n")
			}
			e.remake(req.Count, plan.remade)
		} else {
			e.state.discard(newGen)
		}
		e.mu.Unlock()
	}
	return out, err
}

// stateError is a failure to prepare the carried variables for a run.
type stateError struct{ err error }

func (e *stateError) Error() string { return e.err.Error() }

// outcome turns how a program ended into the cell's result or error.
func (e *Engine) outcome(cellNum int, out runOutcome, err error) (*cell.Display, *cell.Error) {
	var se *stateError
	switch {
	case errors.As(err, &se):
		return nil, lineError("StateError", se.Error())
	case err != nil:
		return nil, lineError("RunError", err.Error())
	case out.stopped == interrupted:
		return nil, lineError("Interrupted", fmt.Sprintf("cell[%d] interrupted", cellNum))
	case out.stopped == overMemory:
		msg := fmt.Sprintf("cell[%d] used more than %s and was stopped; `%%memlimit` changes the cap", cellNum, humanBytes(out.limits.memory))
		return nil, e.stoppedError("MemoryLimit", msg, cellNum, out)
	case out.stopped == timedOut:
		msg := fmt.Sprintf("cell[%d] ran longer than %v and was stopped; `%%timeout` changes the limit", cellNum, out.limits.timeout)
		return nil, e.stoppedError("Timeout", msg, cellNum, out)
	case out.panicText != "":
		return nil, panicError(relabel(out.panicText, cellNum), e)
	case out.exitCode != 0:
		where := fmt.Sprintf("cell[%d]", cellNum)
		if out.cell == currentCell {
			out.cell = cellNum
		}
		if out.line > 0 {
			where = fmt.Sprintf("cell[%d] line %d", out.cell, out.line)
		}
		msg := fmt.Sprintf("%s: program exited with status %d", where, out.exitCode)
		tb := append([]string{msg}, quoteLine(e, out.cell, out.line, 0)...)
		return nil, &cell.Error{Name: "ExitError", Value: msg, Traceback: tb}
	}
	return out.value, nil
}

// stoppedError is the error of a program the kernel stopped: msg, then
// where the program was when it was stopped.
func (e *Engine) stoppedError(name, msg string, cellNum int, out runOutcome) *cell.Error {
	tb := []string{msg}
	if out.cell == currentCell {
		out.cell = cellNum
	}
	if out.line > 0 {
		tb = append(tb, fmt.Sprintf("at cell[%d] line %d", out.cell, out.line))
		tb = append(tb, quoteLine(e, out.cell, out.line, 0)...)
	}
	return &cell.Error{Name: name, Value: msg, Traceback: tb}
}

// A build is a cell's program, built, with the merged declarations to
// keep once it runs.
type build struct {
	bin  string
	how  string // builtDirect, builtGo or builtReused
	prog *program
	plan varPlan
}

// compile builds the program for a cell. On failure it returns an error
// that names the cell lines, and the state is unchanged. What the go
// command says while it downloads modules reaches the cell's stderr.
func (e *Engine) compile(ctx context.Context, cellNum int, pc *parsedCell, sink cell.Sink) (build, *cell.Error) {
	e.mu.Lock()
	prog := e.prog.clone()
	goflags := append([]string(nil), e.goflags...)
	types, groups := e.state.types, e.state.groups
	e.mu.Unlock()
	// The cell being run is composed as cell[0], whatever its execution
	// count, so running it again composes the same program and reuses the
	// build. Its declarations get their real number once it compiles.
	prog.merge(currentCell, pc)

	env := e.environ()
	filename := filepath.Join(e.work.dir, "main.go")
	show := pc.lastExpr >= 0 && !showsItself(pc.stmts[pc.lastExpr].src, prog.imports, e.pkgs)
	var exprKey string
	if show {
		exprKey = noValueKey(prog, pc.stmts[pc.lastExpr].src)
		e.mu.Lock()
		show = !e.noValue[exprKey]
		e.mu.Unlock()
	}
	plan := planVars(types, groups, prog.decls, pc)
	plan.remade, plan.remadeDecl = remakeables(pc, prog.decls, prog.imports, e.pkgs)
	progress := &goLines{sink: func(line string) { sink.Stream("stderr", line) }}
	allImports := append(slices.Clone(prog.imports), plan.imports...)
	for {
		opt := composeOptions{cell: currentCell, show: show, vars: plan}
		src := compose(allImports, prog.decls, pc, opt)
		imps := fixImports(filename, src, allImports, e.pkgs)
		if slices.ContainsFunc(imps, func(im importSpec) bool { return im.path == cachePath }) {
			versions := moduleVersions(e.work.dir)
			opt.code = &codeInfo{funcs: codeFingerprints(prog.decls, imps, versions), modules: versions}
		}
		src = compose(withCompanions(imps), prog.decls, pc, opt)
		bin, how, err := e.work.build(ctx, src, goflags, env, progress)
		var be *buildError
		if errors.As(err, &be) {
			if show && noValue(be.output, currentCell, pc.stmts[pc.lastExpr]) {
				// The last expression is a call with no result: run it
				// as a plain statement.
				show = false
				e.mu.Lock()
				e.noValue[exprKey] = true
				e.mu.Unlock()
				continue
			}
			return build{}, compileError(relabel(be.output, cellNum), e)
		}
		var me *moduleError
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return build{}, lineError("Interrupted", fmt.Sprintf("cell[%d] interrupted while building", cellNum))
		case errors.As(err, &me):
			return build{}, lineError("ModuleError", fmt.Sprintf("cell[%d]: %v", cellNum, me))
		default:
			return build{}, lineError("BuildError", err.Error())
		}
		carried := map[string]bool{}
		for n := range types {
			carried[n] = true
		}
		for _, note := range cacheNotes(cellNum, pc, prog.decls, imps, carried) {
			sink.Stream("stderr", note+"\n")
		}
		for i := range prog.decls {
			if prog.decls[i].cell == currentCell {
				prog.decls[i].cell = cellNum
			}
		}
		// Imports goimports found are remembered for later cells.
		for _, im := range imps {
			if !strings.HasPrefix(im.name, "gopar_") {
				prog.addImportIfMissing(im)
			}
		}
		return build{bin: bin, how: how, prog: prog, plan: plan}, nil
	}
}

// prepareState forgets carried variables that no longer fit, with a
// note, and picks the state directory for the run: a new generation when
// it saves, the current one when it only loads. e.mu is held.
func (e *Engine) prepareState(plan varPlan, sink cell.Sink) (stateDir, newGen string, err error) {
	if len(plan.dropped) > 0 {
		sink.Stream("stdout", plan.droppedNote()+"\n")
		if err := e.state.forget(sortedKeys(plan.dropped)...); err != nil {
			return "", "", fmt.Errorf("forget variables: %w", err)
		}
	}
	if len(plan.save) > 0 {
		newGen, err = e.state.next()
		return newGen, newGen, err
	}
	if len(plan.load) > 0 {
		return e.state.cur, "", nil
	}
	return "", "", nil
}

// currentCell labels the cell being run in composed programs.
const currentCell = 0

// relabel names the current cell by its execution count in compiler and
// runtime output.
func relabel(text string, cellNum int) string {
	return strings.ReplaceAll(text, fmt.Sprintf("cell[%d]:", currentCell), fmt.Sprintf("cell[%d]:", cellNum))
}

// noValueKey identifies a last expression together with everything its
// having a value can depend on: the declarations and imports of the cells.
func noValueKey(p *program, expr string) string {
	h := sha256.New()
	for _, im := range p.imports {
		fmt.Fprintf(h, "import %s %q\n", im.name, im.path)
	}
	for _, d := range p.decls {
		fmt.Fprintf(h, "%d\x00%s\x00", d.cell, d.src)
	}
	h.Write([]byte(expr))
	return hex.EncodeToString(h.Sum(nil))
}

// noValue reports whether the build failed because the shown last
// expression has no value.
func noValue(output string, cellNum int, last segment) bool {
	prefix := fmt.Sprintf("cell[%d]:%d:", cellNum, last.line)
	for _, l := range strings.Split(output, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) && strings.Contains(l, "used as value") {
			return true
		}
	}
	return false
}

func sourceError(cellNum int, err error, src sources) *cell.Error {
	var ce *CellError
	if errors.As(err, &ce) {
		where := fmt.Sprintf("cell[%d] line %d", cellNum, ce.Line)
		tb := append([]string{where + ": " + ce.Msg}, quoteLine(src, cellNum, ce.Line, ce.Col)...)
		return &cell.Error{Name: "SyntaxError", Value: where + ": " + ce.Msg, Traceback: tb}
	}
	return lineError("SyntaxError", err.Error())
}
