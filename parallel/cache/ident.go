package cache

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/gopar/gopar/internal/childproto"
	"github.com/zeebo/xxh3"
)

// closureName matches the names the compiler gives function literals
// (main.main.func1, main.init.func2.1, main.glob..func3) and the
// wrappers of go statements.
var closureName = regexp.MustCompile(`\.func\d+(\.\d+)*$|\.gowrap\d+$`)

// funcIdentity returns the full name of a top-level function or method
// expression. A function literal or a method value is refused: what it
// captures (variables, a receiver) is invisible to the key, so a cache of
// it could answer with results computed from other values.
func funcIdentity(f any, caller string) (string, error) {
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Func || v.IsNil() {
		return "", fmt.Errorf("%s: need a function, got %T", caller, f)
	}
	rf := runtime.FuncForPC(v.Pointer())
	if rf == nil {
		return "", fmt.Errorf("%s: cannot name the function %T", caller, f)
	}
	name := rf.Name()
	switch {
	case closureName.MatchString(name):
		return "", fmt.Errorf("%s: cannot cache %s, a function literal: the variables it captures would not be part of the cache key, so it could answer with results computed from other values. "+
			"Declare it as a top-level function (func slowSquare(x int) int { ... }) and pass its name, passing what it captured as arguments", caller, name)
	case strings.HasSuffix(name, "-fm"):
		return "", fmt.Errorf("%s: cannot cache %s, a method value: its receiver would not be part of the cache key. "+
			"Pass the method expression (T.Method) and the receiver as an argument, or a top-level function", caller, strings.TrimSuffix(name, "-fm"))
	}
	return name, nil
}

// splitFuncName splits "example.com/m/pkg.(*T).M" into the package path
// and the rest.
func splitFuncName(name string) (pkg, rest string) {
	slash := strings.LastIndex(name, "/")
	dot := strings.Index(name[slash+1:], ".")
	if dot < 0 {
		return "", name
	}
	return name[:slash+1+dot], name[slash+1+dot+1:]
}

// declKey turns the rest of a function's name into the key the engine
// declares it by: "f", "T.M" (for methods on T or *T); type arguments
// of generic functions are dropped.
func declKey(rest string) string {
	if i := strings.Index(rest, "["); i >= 0 {
		if j := strings.LastIndex(rest, "]"); j > i {
			rest = rest[:i] + rest[j+1:]
		}
	}
	rest = strings.TrimPrefix(rest, "(*")
	return strings.Replace(rest, ").", ".", 1)
}

// codeFingerprint says what version of a function's code is running: in
// the kernel, the engine's fingerprint of its source and the cell
// declarations it uses; for a function of another module, that module's
// version; for the standard library, Go's version; otherwise a hash of
// the executable, which changes whenever the program does.
func codeFingerprint(name string) string {
	pkg, rest := splitFuncName(name)
	if pkg == "main" {
		if fp, ok := childproto.FuncCode(declKey(rest)); ok {
			return "code:" + fp
		}
		return "exe:" + executableHash()
	}
	if v, ok := moduleVersion(pkg); ok {
		return "module:" + v
	}
	if !strings.Contains(strings.SplitN(pkg, "/", 2)[0], ".") {
		return "go:" + runtime.Version()
	}
	return "exe:" + executableHash()
}

// moduleVersion finds the module that provides a package and its version:
// first as the engine recorded it, then in the executable's build
// information. A module replaced by a directory has no version that
// tells its code apart.
func moduleVersion(pkg string) (string, bool) {
	for p := pkg; p != "" && p != "."; {
		if v, ok := childproto.ModuleVersion(p); ok {
			return p + "@" + v, true
		}
		i := strings.LastIndex(p, "/")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", false
	}
	var best *debug.Module
	for _, m := range bi.Deps {
		if (pkg == m.Path || strings.HasPrefix(pkg, m.Path+"/")) && (best == nil || len(m.Path) > len(best.Path)) {
			best = m
		}
	}
	if best == nil {
		return "", false
	}
	if best.Replace != nil {
		if best.Replace.Version == "" {
			return "", false
		}
		return best.Replace.Path + "@" + best.Replace.Version, true
	}
	return best.Path + "@" + best.Version + " " + best.Sum, true
}

var exeHash struct {
	once sync.Once
	sum  string
}

// executableHash hashes the running program's file: two builds of the
// same source give the same file, and any change to it another.
func executableHash() string {
	exeHash.once.Do(func() {
		exeHash.sum = "unknown"
		path, err := os.Executable()
		if err != nil {
			return
		}
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer f.Close()
		h := xxh3.New128()
		if _, err := io.Copy(h, f); err != nil {
			return
		}
		b := h.Sum128().Bytes()
		exeHash.sum = fmt.Sprintf("%x", b[:])
	})
	return exeHash.sum
}
