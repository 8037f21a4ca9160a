package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gopar/gopar/internal/cell"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// kernelIDEnv tells programs and the engine the id Jupyter gave the
// kernel, under GoNB's name.
const kernelIDEnv = protocol.GONB_JUPYTER_KERNEL_ID_ENV

// wasmFiles is where %wasm cells' programs are served from: a directory
// under the Jupyter server's root, which the server serves under /files/.
type wasmFiles struct {
	dir string // "" until the first %wasm cell
	url string // the directory's path on the server, from its base URL
}

// jupyterFilesDir is GoNB's name for the directory, under the server's
// root, of files the kernel serves to the page.
const jupyterFilesDir = "jupyter_files"

// jupyterRoot is the directory the Jupyter server serves: the working
// directory of the process that started the kernel, else the kernel's own.
func jupyterRoot() string {
	if pid, err := strconv.Atoi(os.Getenv("JPY_PARENT_PID")); err == nil && pid > 1 {
		if dir, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err == nil {
			return dir
		}
	}
	dir, _ := os.Getwd()
	return dir
}

// wasmDir makes the directory %wasm programs are served from, with Go's
// wasm_exec.js, and tells later programs and shell commands where it is
// (GONB_WASM_DIR, GONB_WASM_URL). e.mu is held.
func (e *Engine) wasmDirLocked(ctx context.Context) (wasmFiles, error) {
	if e.wasm.dir != "" {
		return e.wasm, nil
	}
	name := e.kernelID
	if name == "" {
		name = "kernel-" + strconv.Itoa(os.Getpid())
	}
	root := jupyterRoot()
	dir := filepath.Join(root, jupyterFilesDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return wasmFiles{}, fmt.Errorf("make the directory wasm programs are served from: %w", err)
	}
	out, err := exec.CommandContext(ctx, e.work.goBin, "env", "GOROOT").Output()
	if err != nil {
		return wasmFiles{}, fmt.Errorf("find GOROOT for wasm_exec.js: %w", err)
	}
	goroot := strings.TrimSpace(string(out))
	var js []byte
	// Go 1.24 moved it from misc/wasm to lib/wasm.
	for _, p := range []string{"lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js"} {
		if js, err = os.ReadFile(filepath.Join(goroot, p)); err == nil {
			break
		}
	}
	if err != nil {
		return wasmFiles{}, fmt.Errorf("read wasm_exec.js from GOROOT %s: %w", goroot, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wasm_exec.js"), js, 0o644); err != nil {
		return wasmFiles{}, fmt.Errorf("copy wasm_exec.js: %w", err)
	}
	e.wasm = wasmFiles{dir: dir, url: "/files/" + filepath.ToSlash(filepath.Join(jupyterFilesDir, name))}
	e.notebookEnv = append(e.notebookEnv,
		protocol.GONB_WASM_DIR_ENV+"="+e.wasm.dir,
		protocol.GONB_WASM_URL_ENV+"="+e.wasm.url)
	return e.wasm, nil
}

// removeWasmDir removes what %wasm cells served: the page cannot run them
// once the kernel is gone, as it cannot run a cell.
func (e *Engine) removeWasmDir() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.wasm.dir != "" {
		os.RemoveAll(e.wasm.dir)
		os.Remove(filepath.Dir(e.wasm.dir)) // only when no other kernel's is left
		e.wasm = wasmFiles{}
	}
}

// runWasm runs a %wasm cell: its program, with the declarations of earlier
// cells, is built for the browser (GOOS=js GOARCH=wasm) and served to the
// page, which runs it in a <div> of the cell's output. The program sees
// GoNB's constants GonbWasmDir, GonbWasmUrl and GonbWasmDivId. Carried
// variables do not reach it, and its own declarations stay in the cell.
func (e *Engine) runWasm(ctx context.Context, cellNum int, pc *parsedCell, sink cell.Sink) *cell.Error {
	e.mu.Lock()
	files, err := e.wasmDirLocked(ctx)
	prog := e.prog.clone()
	goflags := append([]string(nil), e.goflags...)
	args := append([]string(nil), e.args...)
	e.mu.Unlock()
	if err != nil {
		return lineError("WasmError", fmt.Sprintf("cell[%d]: %v", cellNum, err))
	}
	prog.merge(currentCell, pc)
	divID := "gopar-wasm-" + randomHex(8)
	consts := []string{
		fmt.Sprintf("GonbWasmDir = %q", files.dir),
		fmt.Sprintf("GonbWasmUrl = %q", files.url),
		fmt.Sprintf("GonbWasmDivId = %q", divID),
	}
	pkgDir := filepath.Join(e.work.dir, "wasmcell")
	if err := os.MkdirAll(pkgDir, 0o755); err != nil {
		return lineError("WasmError", fmt.Sprintf("cell[%d]: %v", cellNum, err))
	}
	filename := filepath.Join(pkgDir, "main.go")
	src := composeWasm(prog.imports, prog.decls, pc, consts)
	src = composeWasm(fixImports(filename, src, prog.imports, e.pkgs), prog.decls, pc, consts)
	if err := os.WriteFile(filename, []byte(src), 0o644); err != nil {
		return lineError("WasmError", fmt.Sprintf("cell[%d]: write program: %v", cellNum, err))
	}
	wasmFile := "cell-" + divID + ".wasm"
	// Programs of earlier %wasm cells have been fetched by their pages.
	if old, _ := filepath.Glob(filepath.Join(files.dir, "cell-*.wasm")); len(old) > 0 {
		for _, f := range old {
			os.Remove(f)
		}
	}
	cmdArgs := append([]string{"build", "-o", filepath.Join(files.dir, wasmFile)}, goflags...)
	cmd := exec.CommandContext(ctx, e.work.goBin, append(cmdArgs, "./wasmcell")...)
	cmd.Dir = e.work.dir
	cmd.Env = append(e.environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		var exitErr *exec.ExitError
		switch {
		case ctx.Err() != nil:
			return lineError("Interrupted", fmt.Sprintf("cell[%d] interrupted while building", cellNum))
		case errors.As(err, &exitErr):
			return compileError(relabel(string(out), cellNum), e)
		default:
			return lineError("BuildError", fmt.Sprintf("cell[%d]: go build for wasm: %v", cellNum, err))
		}
	}
	sink.Display(cell.Display{Data: cell.MIMEBundle{
		"text/html":  wasmHTML(divID, files.url, wasmFile, args),
		"text/plain": fmt.Sprintf("%%wasm: %s/%s runs in the notebook page", files.url, wasmFile),
	}})
	return nil
}

// composeWasm writes the program of a %wasm cell: the declarations of the
// cells, GoNB's constants, and the cell's statements as main's body.
func composeWasm(imports []importSpec, decls []declEntry, pc *parsedCell, consts []string) string {
	var b strings.Builder
	b.WriteString("package main\n\n")
	if len(imports) > 0 {
		b.WriteString("import (\n")
		for _, im := range imports {
			if im.name != "" {
				fmt.Fprintf(&b, "\t%s %s\n", im.name, strconv.Quote(im.path))
			} else {
				fmt.Fprintf(&b, "\t%s\n", strconv.Quote(im.path))
			}
		}
		b.WriteString(")\n")
	}
	for _, d := range decls {
		fmt.Fprintf(&b, "\n//line cell[%d]:%d\n%s\n", d.cell, d.line, d.src)
	}
	b.WriteString("\n//line gopar-wasm.go:1\nconst (\n")
	for _, c := range consts {
		b.WriteString("\t" + c + "\n")
	}
	b.WriteString(")\n\nfunc main() {\n")
	if pc.parseFlags {
		b.WriteString("flag.Parse()\n")
	}
	for _, s := range pc.stmts {
		fmt.Fprintf(&b, "//line cell[%d]:%d\n%s\n", currentCell, s.line, s.src)
	}
	if len(pc.defined) > 0 {
		b.WriteString("//line gopar-wasm.go:2\n")
		for _, n := range pc.defined {
			fmt.Fprintf(&b, "_ = %s\n", n)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// wasmHTML is the cell's output: the program's <div> and the script that
// loads Go's wasm_exec.js once per page, then fetches and runs the program.
// Paths are resolved against the server's base URL, as the page finds it
// in Notebook and in JupyterLab.
func wasmHTML(divID, url, wasmFile string, args []string) string {
	argv, _ := json.Marshal(append([]string{"js"}, args...))
	id, _ := json.Marshal(divID)
	dir, _ := json.Marshal(strings.TrimPrefix(url, "/") + "/")
	wasm, _ := json.Marshal(wasmFile)
	return fmt.Sprintf(`<div id=%s></div>
<script>
(() => {
    const divId = %s, dir = %s, wasm = %s, argv = %s;
    let base = document.body?.dataset?.baseUrl;
    if (!base) {
        try {
            base = JSON.parse(document.getElementById("jupyter-config-data").textContent).baseUrl;
        } catch (e) {
            base = "/";
        }
    }
    base = (base || "/").replace(/\/?$/, "/");
    const fail = (err) => {
        const div = document.getElementById(divId);
        if (div) {
            div.innerText = "%%wasm: " + err;
        }
    };
    const run = () => {
        const go = new globalThis.Go();
        go.argv = argv;
        fetch(base + dir + wasm)
            .then((r) => r.ok ? r.arrayBuffer() : Promise.reject(new Error(r.status + " " + r.statusText + " fetching " + wasm)))
            .then((bytes) => WebAssembly.instantiate(bytes, go.importObject))
            .then((result) => go.run(result.instance))
            .catch(fail);
    };
    if (globalThis.Go) {
        run();
        return;
    }
    const script = document.createElement("script");
    script.src = base + dir + "wasm_exec.js";
    script.onload = run;
    script.onerror = () => fail("cannot load " + script.src);
    document.head.appendChild(script);
})();
</script>
`, id, id, dir, wasm, argv)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
