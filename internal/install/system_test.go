package install

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopar/gopar/internal/system"
)

func TestCommandSystemFlags(t *testing.T) {
	t.Setenv("GOPAR_GO", fakeBinary(t, "go"))
	prepare := func(context.Context, System) error {
		t.Error("shared caches prepared despite the wrong flags")
		return nil
	}
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"--system", "--user"}, "--system and --user exclude each other"},
		{[]string{"--system", "--jupyter-dir", "/tmp/j"}, "use --prefix, not --jupyter-dir"},
		{[]string{"--system", "--no-warm"}, "--no-warm would skip"},
		{[]string{"--memlimit", "2GiB"}, "use them with --system"},
		{[]string{"--timeout", "60", "--prefix", "/tmp/p"}, "use them with --system"},
	} {
		err := Command(context.Background(), tc.args, new(bytes.Buffer), Warmers{System: prepare})
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("Command(%q) error = %v, want one containing %q", tc.args, err, tc.wantErr)
		}
	}
}

// sharedBinary is fakeBinary in a directory every user may enter.
func sharedBinary(t *testing.T, name string) string {
	t.Helper()
	path := fakeBinary(t, name)
	for d := filepath.Dir(path); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	return path
}

func TestPrepareSystem(t *testing.T) {
	exe, goBin := sharedBinary(t, "gopar"), sharedBinary(t, "go")
	prefix := t.TempDir()
	var got System
	opts := Options{Prefix: prefix, Executable: exe, Go: goBin}
	var out bytes.Buffer
	err := prepareSystem(context.Background(), &opts, System{MemLimit: "2GiB", Timeout: "90"}, false, false, &out, func(_ context.Context, s System) error {
		got = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := System{Dir: filepath.Join(prefix, "lib", "gopar"), MemLimit: "2GiB", Timeout: "90"}
	if got != want {
		t.Errorf("prepared %+v, want %+v", got, want)
	}
	dir, err := WriteSpec(opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(prefix, "share", "jupyter", "kernels", "gopar"); dir != want {
		t.Errorf("kernelspec in %s, want %s", dir, want)
	}
	spec, err := ReadSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Env[system.Env] != want.Dir {
		t.Errorf("kernelspec env %s=%q, want %q", system.Env, spec.Env[system.Env], want.Dir)
	}

	// A failure leaves no kernelspec naming half-made caches.
	opts = Options{Prefix: t.TempDir(), Executable: exe, Go: goBin}
	errShared := errors.New("disk full")
	err = prepareSystem(context.Background(), &opts, System{}, false, false, &out, func(context.Context, System) error { return errShared })
	if !errors.Is(err, errShared) || opts.System != "" {
		t.Errorf("prepareSystem with a failing warm: %v, System %q", err, opts.System)
	}
}

func TestPrepareSystemNeedsBinariesAllCanRun(t *testing.T) {
	private := filepath.Join(t.TempDir(), "private")
	os.Mkdir(private, 0o700)
	exe := filepath.Join(private, "gopar")
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	opts := Options{Prefix: t.TempDir(), Executable: exe, Go: sharedBinary(t, "go")}
	err := prepareSystem(context.Background(), &opts, System{}, false, false, new(bytes.Buffer), func(context.Context, System) error {
		t.Error("prepared despite a binary others cannot run")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "other users cannot enter "+private) {
		t.Errorf("error %v, want one naming %s", err, private)
	}
}
