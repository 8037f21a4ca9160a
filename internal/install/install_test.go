package install

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeBinary creates an executable file named name in a new directory and
// returns its path.
func fakeBinary(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUserDataDir(t *testing.T) {
	tests := []struct {
		name    string
		goos    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"JUPYTER_DATA_DIR wins", "linux", map[string]string{"JUPYTER_DATA_DIR": "/j", "XDG_DATA_HOME": "/x", "HOME": "/h"}, "/j", ""},
		{"XDG_DATA_HOME", "linux", map[string]string{"XDG_DATA_HOME": "/x", "HOME": "/h"}, "/x/jupyter", ""},
		{"empty XDG_DATA_HOME is unset", "linux", map[string]string{"XDG_DATA_HOME": "", "HOME": "/h"}, "/h/.local/share/jupyter", ""},
		{"linux home", "linux", map[string]string{"HOME": "/h"}, "/h/.local/share/jupyter", ""},
		{"freebsd like linux", "freebsd", map[string]string{"HOME": "/h"}, "/h/.local/share/jupyter", ""},
		{"darwin ignores XDG", "darwin", map[string]string{"XDG_DATA_HOME": "/x", "HOME": "/Users/u"}, "/Users/u/Library/Jupyter", ""},
		{"darwin JUPYTER_DATA_DIR", "darwin", map[string]string{"JUPYTER_DATA_DIR": "/j", "HOME": "/Users/u"}, "/j", ""},
		{"windows APPDATA", "windows", map[string]string{"APPDATA": "/appdata", "HOME": "/h"}, filepath.Join("/appdata", "jupyter"), ""},
		{"no home", "linux", map[string]string{}, "", "JUPYTER_DATA_DIR and HOME are both unset"},
		{"XDG without home", "linux", map[string]string{"XDG_DATA_HOME": "/x"}, "", "HOME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := userDataDir(tt.goos, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("userDataDir() = %q, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("userDataDir() error: %v", err)
			}
			if got != filepath.FromSlash(tt.want) {
				t.Errorf("userDataDir() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSpecDir(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		opts      Options
		env       map[string]string
		linuxOnly bool
		want      string
		wantErr   string
	}{
		{"jupyter dir", Options{JupyterDir: "/data"}, nil, false, "/data/kernels/gopar", ""},
		{"jupyter dir beats JUPYTER_DATA_DIR", Options{JupyterDir: "/data"}, map[string]string{"JUPYTER_DATA_DIR": "/env"}, false, "/data/kernels/gopar", ""},
		{"relative jupyter dir made absolute", Options{JupyterDir: "rel"}, nil, false, filepath.Join(cwd, "rel", "kernels", "gopar"), ""},
		{"prefix", Options{Prefix: "/venv"}, nil, false, "/venv/share/jupyter/kernels/gopar", ""},
		{"custom name", Options{Prefix: "/venv", Name: "gopar-dev"}, nil, false, "/venv/share/jupyter/kernels/gopar-dev", ""},
		{"JUPYTER_DATA_DIR", Options{}, map[string]string{"JUPYTER_DATA_DIR": "/env"}, false, "/env/kernels/gopar", ""},
		{"XDG_DATA_HOME", Options{}, map[string]string{"JUPYTER_DATA_DIR": "", "XDG_DATA_HOME": "/xdg"}, true, "/xdg/jupyter/kernels/gopar", ""},
		{"home", Options{}, map[string]string{"JUPYTER_DATA_DIR": "", "XDG_DATA_HOME": "", "HOME": "/home/u"}, true, "/home/u/.local/share/jupyter/kernels/gopar", ""},
		{"prefix and jupyter dir", Options{Prefix: "/a", JupyterDir: "/b"}, nil, false, "", "mutually exclusive"},
		{"bad name", Options{JupyterDir: "/b", Name: "go par"}, nil, false, "", `invalid kernelspec name "go par"`},
		{"path in name", Options{JupyterDir: "/b", Name: "../evil"}, nil, false, "", "invalid kernelspec name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.linuxOnly && runtime.GOOS != "linux" {
				t.Skip("per-user data directory differs on " + runtime.GOOS)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got, err := SpecDir(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("SpecDir() = %q, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("SpecDir() error: %v", err)
			}
			if got != filepath.FromSlash(tt.want) {
				t.Errorf("SpecDir() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFindGo(t *testing.T) {
	goBin := fakeBinary(t, "go")
	goDir := filepath.Dir(goBin)
	other := fakeBinary(t, "go")
	notExec := filepath.Join(t.TempDir(), "go")
	if err := os.WriteFile(notExec, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	tests := []struct {
		name    string
		arg     string
		env     string // GOPAR_GO
		path    string // PATH
		want    string
		wantErr string
	}{
		{"from PATH", "", "", goDir, goBin, ""},
		{"GOPAR_GO beats PATH", "", other, goDir, other, ""},
		{"argument beats GOPAR_GO", goBin, other, empty, goBin, ""},
		{"missing everywhere", "", "", empty, "", "go toolchain not found on PATH"},
		{"GOPAR_GO missing file", "", filepath.Join(empty, "nope"), goDir, "", "$GOPAR_GO"},
		{"GOPAR_GO is a directory", "", empty, goDir, "", "is a directory"},
		{"GOPAR_GO not executable", "", notExec, goDir, "", "is not executable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOPAR_GO", tt.env)
			t.Setenv("PATH", tt.path)
			got, err := findGo(tt.arg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("findGo() = %q, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("findGo() error: %v", err)
			}
			if got != tt.want {
				t.Errorf("findGo() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFindGoRelative(t *testing.T) {
	goBin := fakeBinary(t, "go")
	t.Chdir(filepath.Dir(goBin))
	t.Setenv("GOPAR_GO", "./go")
	got, err := findGo("")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(got) || filepath.Base(got) != "go" {
		t.Errorf("findGo() = %q, want an absolute path to go", got)
	}
}

func TestPrependPath(t *testing.T) {
	sep := string(os.PathListSeparator)
	tests := []struct {
		dir, path, want string
	}{
		{"/go/bin", "/usr/bin" + sep + "/bin", "/go/bin" + sep + "/usr/bin" + sep + "/bin"},
		{"/go/bin", "", "/go/bin"},
		{"/go/bin", "/usr/bin" + sep + "/go/bin/" + sep + "/bin", "/go/bin" + sep + "/usr/bin" + sep + "/bin"},
		{"/go/bin", "/go/bin" + sep + sep + "/bin", "/go/bin" + sep + "/bin"},
		{"/go/bin", "/a" + sep + "/b" + sep + "/a/" + sep + "/b", "/go/bin" + sep + "/a" + sep + "/b"},
	}
	for _, tt := range tests {
		if got := prependPath(tt.dir, tt.path); got != tt.want {
			t.Errorf("prependPath(%q, %q) = %q, want %q", tt.dir, tt.path, got, tt.want)
		}
	}
}

func TestBuildSpec(t *testing.T) {
	goBin := fakeBinary(t, "go")
	t.Setenv("GOPAR_GO", goBin)
	t.Setenv("PATH", "/usr/bin"+string(os.PathListSeparator)+"/bin")

	exe := fakeBinary(t, "gopar")
	link := filepath.Join(t.TempDir(), "gopar-link")
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
	realExe, err := filepath.EvalSymlinks(exe)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		opts    Options
		want    Spec
		wantErr string
	}{
		{
			name: "defaults",
			opts: Options{Executable: link},
			want: Spec{
				Argv:          []string{realExe, "kernel", "{connection_file}"},
				DisplayName:   "Go (gopar)",
				Language:      "go",
				InterruptMode: "signal",
				Env: map[string]string{
					"GOPAR_GO": goBin,
					"PATH":     filepath.Dir(goBin) + string(os.PathListSeparator) + "/usr/bin" + string(os.PathListSeparator) + "/bin",
				},
				Metadata: map[string]any{},
			},
		},
		{
			name: "message interrupts and display name",
			opts: Options{Executable: exe, InterruptMode: "message", DisplayName: "Go (dev)"},
			want: Spec{
				Argv:          []string{realExe, "kernel", "{connection_file}"},
				DisplayName:   "Go (dev)",
				Language:      "go",
				InterruptMode: "message",
				Env: map[string]string{
					"GOPAR_GO": goBin,
					"PATH":     filepath.Dir(goBin) + string(os.PathListSeparator) + "/usr/bin" + string(os.PathListSeparator) + "/bin",
				},
				Metadata: map[string]any{},
			},
		},
		{name: "bad interrupt mode", opts: Options{Executable: exe, InterruptMode: "sigint"}, wantErr: `invalid interrupt mode "sigint"`},
		{name: "missing executable", opts: Options{Executable: filepath.Join(t.TempDir(), "gone")}, wantErr: "gopar binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BuildSpec(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("BuildSpec() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("BuildSpec() error: %v", err)
			}
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(tt.want)
			if !bytes.Equal(gotJSON, wantJSON) {
				t.Errorf("BuildSpec() =\n%s\nwant\n%s", gotJSON, wantJSON)
			}
		})
	}
}

func TestBuildSpecRunningBinary(t *testing.T) {
	t.Setenv("GOPAR_GO", fakeBinary(t, "go"))
	spec, err := BuildSpec(Options{})
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.EvalSymlinks(exe)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Argv[0] != want {
		t.Errorf("argv[0] = %q, want the running binary %q", spec.Argv[0], want)
	}
}

// TestKernelJSON checks the file as Jupyter reads it: key names, an object
// (not null) for metadata and the connection file placeholder.
func TestKernelJSON(t *testing.T) {
	t.Setenv("GOPAR_GO", fakeBinary(t, "go"))
	dir, err := WriteSpec(Options{JupyterDir: t.TempDir(), Executable: fakeBinary(t, "gopar")})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("kernel.json is not JSON: %v\n%s", err, data)
	}
	wantRaw := map[string]string{
		"display_name":   `"Go (gopar)"`,
		"language":       `"go"`,
		"interrupt_mode": `"signal"`,
		"metadata":       `{}`,
	}
	for k, want := range wantRaw {
		if got := string(raw[k]); got != want {
			t.Errorf("kernel.json %s = %s, want %s", k, got, want)
		}
	}
	var argv []string
	if err := json.Unmarshal(raw["argv"], &argv); err != nil {
		t.Fatalf("argv: %v", err)
	}
	if len(argv) != 3 || !filepath.IsAbs(argv[0]) || argv[1] != "kernel" || argv[2] != "{connection_file}" {
		t.Errorf("argv = %q, want [ABSOLUTE-GOPAR kernel {connection_file}]", argv)
	}
	if len(raw) != 6 {
		t.Errorf("kernel.json has %d keys, want 6:\n%s", len(raw), data)
	}
}

func TestWriteSpecIdempotent(t *testing.T) {
	t.Setenv("GOPAR_GO", fakeBinary(t, "go"))
	opts := Options{JupyterDir: t.TempDir(), Executable: fakeBinary(t, "gopar")}
	dir, err := WriteSpec(opts)
	if err != nil {
		t.Fatal(err)
	}
	first := readDir(t, dir)
	// Leftovers of an older install must not survive a reinstall.
	if err := os.WriteFile(filepath.Join(dir, "stale.txt"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir2, err := WriteSpec(opts)
	if err != nil {
		t.Fatal(err)
	}
	if dir2 != dir {
		t.Fatalf("second install went to %q, first to %q", dir2, dir)
	}
	second := readDir(t, dir)
	if len(second) != len(first) {
		t.Errorf("files after reinstall = %v, want %v", keys(second), keys(first))
	}
	for name, data := range first {
		if !bytes.Equal(second[name], data) {
			t.Errorf("%s differs after reinstall", name)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "gopar" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("kernels/ holds %v, want only gopar", names)
	}
}

func TestWriteSpecKeepsOldOnError(t *testing.T) {
	goBin := fakeBinary(t, "go")
	t.Setenv("GOPAR_GO", goBin)
	opts := Options{JupyterDir: t.TempDir(), Executable: fakeBinary(t, "gopar")}
	dir, err := WriteSpec(opts)
	if err != nil {
		t.Fatal(err)
	}
	before := readDir(t, dir)
	t.Setenv("GOPAR_GO", filepath.Join(t.TempDir(), "missing-go"))
	if _, err := WriteSpec(opts); err == nil {
		t.Fatal("WriteSpec with a missing go binary succeeded")
	}
	after := readDir(t, dir)
	if !bytes.Equal(before["kernel.json"], after["kernel.json"]) {
		t.Error("failed install changed the existing kernel.json")
	}
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = data
	}
	return files
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestCommand(t *testing.T) {
	goBin := fakeBinary(t, "go")
	errWarm := errors.New("cache trouble")
	type key struct{}
	tests := []struct {
		name      string
		args      []string // "DIR" is replaced by a fresh directory
		warmErr   error
		wantWarm  bool
		wantErr   string
		wantOut   []string
		wantSpec  bool
		wantModes string
	}{
		{name: "install and warm", args: []string{"--jupyter-dir", "DIR"}, wantWarm: true, wantSpec: true, wantModes: "signal",
			wantOut: []string{"DIR/kernels/gopar/kernel.json", "DIR/kernels/gopar/logo-64x64.png", "DIR/kernels/gopar/logo-32x32.png", "kernel {connection_file}", goBin, "Caches are warm"}},
		{name: "no warm", args: []string{"--jupyter-dir", "DIR", "--no-warm"}, wantSpec: true, wantModes: "signal"},
		{name: "message mode", args: []string{"-jupyter-dir=DIR", "-interrupt-mode=message", "--no-warm"}, wantSpec: true, wantModes: "message"},
		{name: "prefix", args: []string{"--prefix", "DIR", "--no-warm"}, wantOut: []string{"DIR/share/jupyter/kernels/gopar/kernel.json"}},
		{name: "named", args: []string{"--jupyter-dir", "DIR", "--name", "gopar-msg", "--no-warm"}, wantOut: []string{"DIR/kernels/gopar-msg/kernel.json"}},
		{name: "warm fails", args: []string{"--jupyter-dir", "DIR"}, warmErr: errWarm, wantWarm: true, wantSpec: true, wantModes: "signal", wantErr: "kernelspec installed in DIR/kernels/gopar, but warming the caches failed: cache trouble"},
		{name: "unknown flag", args: []string{"--sys-prefix"}, wantErr: "flag provided but not defined: -sys-prefix"},
		{name: "positional", args: []string{"--jupyter-dir", "DIR", "extra"}, wantErr: `unexpected argument "extra"`},
		{name: "user and prefix", args: []string{"--user", "--prefix", "DIR"}, wantErr: "--user cannot be combined"},
		{name: "prefix and jupyter dir", args: []string{"--prefix", "DIR", "--jupyter-dir", "DIR"}, wantErr: "mutually exclusive"},
		{name: "bad interrupt mode", args: []string{"--jupyter-dir", "DIR", "--interrupt-mode", "loud"}, wantErr: `invalid interrupt mode "loud"`},
		{name: "help", args: []string{"-h"}, wantOut: []string{"usage: gopar install", "-jupyter-dir", "-interrupt-mode", "-no-warm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOPAR_GO", goBin)
			dir := t.TempDir()
			var args []string
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "DIR", dir))
			}
			ctx := context.WithValue(context.Background(), key{}, "install-ctx")
			warmed := 0
			warm := func(c context.Context) error {
				warmed++
				if c.Value(key{}) != "install-ctx" {
					t.Error("warm did not get Command's context")
				}
				return tt.warmErr
			}
			var out bytes.Buffer
			err := Command(ctx, args, &out, Warmers{User: warm})
			if tt.wantErr != "" {
				want := strings.ReplaceAll(tt.wantErr, "DIR", dir)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("Command(%q) error = %v, want one containing %q", args, err, want)
				}
				if tt.warmErr != nil && !errors.Is(err, tt.warmErr) {
					t.Errorf("error %v does not wrap the warm error", err)
				}
			} else if err != nil {
				t.Fatalf("Command(%q) error: %v\noutput:\n%s", args, err, out.String())
			}
			if wantN := map[bool]int{true: 1, false: 0}[tt.wantWarm]; warmed != wantN {
				t.Errorf("warm called %d times, want %d", warmed, wantN)
			}
			for _, w := range tt.wantOut {
				w = strings.ReplaceAll(w, "DIR", dir)
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tt.wantSpec {
				spec, err := ReadSpec(filepath.Join(dir, "kernels", "gopar"))
				if err != nil {
					t.Fatal(err)
				}
				if spec.InterruptMode != tt.wantModes {
					t.Errorf("interrupt_mode = %q, want %q", spec.InterruptMode, tt.wantModes)
				}
				if spec.Env["GOPAR_GO"] != goBin {
					t.Errorf("env GOPAR_GO = %q, want %q", spec.Env["GOPAR_GO"], goBin)
				}
			}
		})
	}
}

func TestCommandNilWarm(t *testing.T) {
	t.Setenv("GOPAR_GO", fakeBinary(t, "go"))
	dir := t.TempDir()
	if err := Command(context.Background(), []string{"--jupyter-dir", dir}, new(bytes.Buffer), Warmers{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSpec(filepath.Join(dir, "kernels", "gopar")); err != nil {
		t.Fatal(err)
	}
}

func TestReadSpecErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadSpec(dir); err == nil || !strings.Contains(err.Error(), "read kernelspec") {
		t.Errorf("ReadSpec(empty dir) error = %v", err)
	}
	for _, content := range []string{"{", `{"argv": []}`} {
		if err := os.WriteFile(filepath.Join(dir, "kernel.json"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadSpec(dir); err == nil || !strings.Contains(err.Error(), "kernel.json") {
			t.Errorf("ReadSpec(%q) error = %v, want one naming kernel.json", content, err)
		}
	}
}

func TestLogo(t *testing.T) {
	for _, size := range []int{32, 64} {
		data, err := Logo(size)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("Logo(%d) is not a PNG: %v", size, err)
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Errorf("Logo(%d) is %dx%d", size, b.Dx(), b.Dy())
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("Logo(%d) corner alpha = %d, want transparent", size, a)
		}
		// Left of the bars the tile shows its own color; on the middle bar, white.
		if r, g, b, a := img.At(size/8, size/2).RGBA(); a != 0xffff || r>>8 != 0x00 || g>>8 != 0xAD || b>>8 != 0xD8 {
			t.Errorf("Logo(%d) tile pixel = %x %x %x %x, want opaque #00ADD8", size, r>>8, g>>8, b>>8, a>>8)
		}
		if r, g, b, _ := img.At(size/2, size/2).RGBA(); r>>8 != 0xff || g>>8 != 0xff || b>>8 != 0xff {
			t.Errorf("Logo(%d) center = %x %x %x, want white bar", size, r>>8, g>>8, b>>8)
		}
	}
	for _, size := range []int{0, 7, 4096} {
		if _, err := Logo(size); err == nil {
			t.Errorf("Logo(%d) succeeded, want an error", size)
		}
	}
}
