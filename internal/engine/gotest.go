package engine

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"go/token"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cellsrc"
)

// %test runs the cell's tests and benchmarks, as GoNB does, but inside the
// cell's own program: its main hands them to package testing (testing.Main)
// instead of running the cell's statements, so they see the carried
// variables and the build takes the usual fast path.

// testFunc reports whether a function name is a test (or benchmark) name
// of package testing's kind: the prefix, then nothing or not a lower-case
// letter.
func testFunc(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return rest == "" || !unicode.IsLower(r)
}

// applyTest turns a %test cell into a program that runs the cell's tests
// and benchmarks, and returns the command line it runs with: the flags
// given, else -test.v and -test.run with the cell's tests (and
// -test.bench with its benchmarks, when it has any).
func applyTest(pc *parsedCell, m cellsrc.Magic, flags string) ([]string, error) {
	var tests, benches []string
	for _, d := range pc.decls {
		for _, name := range d.names(token.FUNC) {
			switch {
			case testFunc(name, "Test"):
				tests = append(tests, name)
			case testFunc(name, "Benchmark"):
				benches = append(benches, name)
			}
		}
	}
	if len(tests)+len(benches) == 0 {
		return nil, fmt.Errorf("%%test: the cell declares no TestXxx or BenchmarkXxx function")
	}
	list := func(kind string, names []string) string {
		var b strings.Builder
		b.WriteString("[]testing." + kind + "{")
		for _, n := range names {
			fmt.Fprintf(&b, "{Name: %q, F: %s}, ", n, n)
		}
		return b.String() + "}"
	}
	call := fmt.Sprintf("testing.Main(func(pat, s string) (bool, error) { return regexp.MatchString(pat, s) }, %s, %s, nil)",
		list("InternalTest", tests), list("InternalBenchmark", benches))
	pc.stmts = []segment{{line: m.Line, src: call}}
	pc.lastExpr = -1
	pc.parseFlags = false // testing.Main parses the command line itself
	if args := strings.Fields(flags); len(args) > 0 {
		return args, nil
	}
	args := []string{"-test.v"}
	if len(tests) > 0 {
		args = append(args, "-test.run=^("+strings.Join(tests, "|")+")$")
	} else {
		args = append(args, "-test.run=^$")
	}
	if len(benches) > 0 {
		args = append(args, "-test.bench=^("+strings.Join(benches, "|")+")$")
	}
	return args, nil
}

var failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)

// testSink notes which tests a %test cell's output says failed.
type testSink struct {
	cell.Sink
	mu      sync.Mutex
	partial string
	failed  []string
}

func (t *testSink) Stream(name, text string) {
	if name == "stdout" {
		t.mu.Lock()
		t.partial += text
		if i := strings.LastIndexByte(t.partial, '\n'); i >= 0 {
			for _, m := range failLine.FindAllStringSubmatch(t.partial[:i+1], -1) {
				t.failed = append(t.failed, m[1])
			}
			t.partial = t.partial[i+1:]
		}
		t.mu.Unlock()
	}
	t.Sink.Stream(name, text)
}

func (t *testSink) failures() []string {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.failed...)
}
