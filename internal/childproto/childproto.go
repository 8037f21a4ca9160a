// Package childproto is the protocol between the kernel and the program a
// cell runs as: the environment the kernel gives the program, the files
// they share, the calls the engine writes into the composed program and
// the markers that program puts on what it displays. The engine and the
// cell runtime (kernel/cellrt) both import it, so the two cannot drift.
//
// Everything a program shows reaches the kernel over one channel, GoNB's
// display pipe (gonbui): displays, updates, input requests, and the two
// kinds gonbui has no word for, the cell's result and clearing the
// output, which travel as a marked display.
package childproto

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gopar/gopar/internal/atomicfile"
)

// Environment variables the kernel sets for the program.
const (
	// StateDirEnv holds the directory where the program loads and saves
	// carried variables.
	StateDirEnv = "GOPAR_STATE_DIR"
	// LineFileEnv holds the path of an 8-byte file in which the program
	// records the cell line it is running. The kernel reads it after the
	// program exits, so an os.Exit or a kill can still be reported at its
	// line: the program cannot say so itself once it is gone, and a
	// shared mapping needs no system call per line.
	LineFileEnv = "GOPAR_LINE_FILE"
	// LifelineEnv holds the number of an inherited file descriptor, the
	// read end of a pipe whose write end only the kernel holds. Nothing is
	// ever written to it: it reads end-of-file when the kernel is gone,
	// however it ended (a SIGKILL too, since the system closes a dead
	// process's files), and the runtime then kills the program's process
	// group, so no cell outlives its kernel.
	LifelineEnv = "GOPAR_LIFELINE_FD"
)

// EncodeLine packs a cell number and line for the line file.
func EncodeLine(cellNum, line int) uint64 {
	return uint64(uint32(cellNum))<<32 | uint64(uint32(line))
}

// DecodeLine unpacks what EncodeLine packed.
func DecodeLine(v uint64) (cellNum, line int) {
	return int(v >> 32), int(uint32(v))
}

// Display markers.
const (
	// ResultKey, set to true in a display's metadata, makes it the cell's
	// execute_result instead of a display_data. The kernel removes it.
	ResultKey = "gopar/result"
	// MIMEClearOutput as a display's only data clears the cell's output;
	// its value is a bool, wait (clear when new output arrives).
	MIMEClearOutput = "gopar/clear_output"
)

// The runtime package, as composed programs import it.
const (
	RuntimePath = "github.com/gopar/gopar/kernel/cellrt"
	// RuntimeName is the name the program imports it under, one no cell
	// is likely to use.
	RuntimeName = "gopar_rt"
)

// The calls the engine writes into a composed program, as Go source. The
// runtime's test compiles each against the runtime.

// RegisterCall tells the codec about a type the cells declare, so that
// values of it held in interfaces can be loaded.
func RegisterCall(typeName string) string {
	return RuntimeName + ".Register[" + typeName + "]()"
}

// LoadVarsCall loads carried variables; vars is a map[string]any literal
// from names to addresses.
func LoadVarsCall(vars string) string { return RuntimeName + ".LoadVars(" + vars + ")" }

// SaveVarsCall saves the variables the cell set or used. remade names
// variables the engine makes again in later programs from the expression
// that made them (sq := cache.Func(slowSquare)), so that one whose value
// cannot be kept needs no note.
func SaveVarsCall(vars string, remade ...string) string {
	var b strings.Builder
	b.WriteString(RuntimeName + ".SaveVars(" + vars)
	for _, n := range remade {
		b.WriteString(", " + strconv.Quote(n))
	}
	b.WriteString(")")
	return b.String()
}

// AtCall records that the statement at cell[cellNum] line is about to run.
func AtCall(cellNum, line int) string {
	return RuntimeName + ".At(" + strconv.Itoa(cellNum) + ", " + strconv.Itoa(line) + ")"
}

// ShowCall shows the values of the cell's last expression as its result.
func ShowCall(expr string) string { return RuntimeName + ".Show(" + expr + ")" }

// TimeitCall times body, Go statements, as IPython's %timeit does, and
// prints the result; loops and runs are %timeit's -n and -r, 0 when not
// given. The call starts with body on its first line, so that positions
// in body keep their lines; it ends on lines of its own.
func TimeitCall(loops, runs int, body string) string {
	return fmt.Sprintf("%s.Timeit(%d, %d, func(gopar_loops int) { for range gopar_loops { %s\n}\n})", RuntimeName, loops, runs, body)
}

// TypesFile is the file, in the state directory, that records each
// carried variable's type as Go source, so that the next program can
// declare it.
const TypesFile = "types.json"

// VarType is a carried variable's type as Go source. Package qualifiers
// are aliases that Imports maps to import paths.
type VarType struct {
	Source  string            `json:"source"`
	Imports map[string]string `json:"imports,omitempty"` // alias -> path
}

// ReadTypes returns the recorded types of the variables in dir.
func ReadTypes(dir string) (map[string]VarType, error) {
	b, err := os.ReadFile(filepath.Join(dir, TypesFile))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]VarType{}, nil
	}
	if err != nil {
		return nil, err
	}
	types := map[string]VarType{}
	if err := json.Unmarshal(b, &types); err != nil {
		return nil, fmt.Errorf("read %s: %w", TypesFile, err)
	}
	return types, nil
}

// WriteTypes records the types of the variables in dir, replacing the
// file whole so that a reader never sees half of it.
func WriteTypes(dir string, types map[string]VarType) error {
	b, err := json.MarshalIndent(types, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, TypesFile), b, 0o644)
}

// What the engine knows about a program's code, for cached functions:
// a fingerprint of each function the cells declare (its source and that
// of the declarations it uses, comments and layout aside) and the version
// of each module the cells import. Programs built outside the kernel have
// none.
var code struct {
	sync.RWMutex
	funcs   map[string]string // "f", "T.M" -> fingerprint
	modules map[string]string // module path -> version
}

// SetCode records what the engine knows about the program's code,
// replacing what was recorded.
func SetCode(funcs, modules map[string]string) {
	code.Lock()
	defer code.Unlock()
	code.funcs, code.modules = funcs, modules
}

// FuncCode returns the fingerprint of a function the cells declare,
// named by its declaration key ("f" or "T.M").
func FuncCode(key string) (string, bool) {
	code.RLock()
	defer code.RUnlock()
	fp, ok := code.funcs[key]
	return fp, ok
}

// ModuleVersion returns the version of the module with the given path
// that the program was built with, as the engine recorded it.
func ModuleVersion(path string) (string, bool) {
	code.RLock()
	defer code.RUnlock()
	v, ok := code.modules[path]
	return v, ok
}

// CodeDecl is a package-level declaration that records fingerprints and
// module versions when the program starts. Written before the cells'
// declarations, it runs before their variables' initializers, which may
// make cached functions.
func CodeDecl(funcs, modules map[string]string) string {
	return "var _ = " + RuntimeName + ".Code(" + stringMap(funcs) + ", " + stringMap(modules) + ")"
}

func stringMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("map[string]string{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(k) + ": " + strconv.Quote(m[k]))
	}
	b.WriteString("}")
	return b.String()
}

// Work to do when the cell's program ends normally or by a panic, such
// as writing the counts that %cache shows.
var atEnd struct {
	sync.Mutex
	fns []func()
}

// AtEnd adds f to what runs when the cell's program ends.
func AtEnd(f func()) {
	atEnd.Lock()
	defer atEnd.Unlock()
	atEnd.fns = append(atEnd.fns, f)
}

// RunAtEnd runs, once each, the functions AtEnd added.
func RunAtEnd() {
	atEnd.Lock()
	fns := atEnd.fns
	atEnd.fns = nil
	atEnd.Unlock()
	for _, f := range fns {
		f()
	}
}

// EndCall is the deferred call that starts the composed main of a
// program using cached functions.
func EndCall() string { return "defer " + RuntimeName + ".End()" }
