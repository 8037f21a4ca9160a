package jupyter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseConnectionInfo(t *testing.T) {
	const good = `{"shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004,
		"hb_port": 5005, "ip": "127.0.0.1", "key": "a-b-c", "transport": "tcp",
		"signature_scheme": "hmac-sha256", "kernel_name": "gopar"}`
	info, err := ParseConnectionInfo([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if info.ShellPort != 5001 || info.HBPort != 5005 || info.Key != "a-b-c" || info.KernelName != "gopar" {
		t.Errorf("parsed %+v", info)
	}
	if got := info.endpoint(info.ShellPort); got != "tcp://127.0.0.1:5001" {
		t.Errorf("tcp endpoint = %s", got)
	}
	info.IP = "::1"
	if got := info.endpoint(7); got != "tcp://[::1]:7" {
		t.Errorf("ipv6 endpoint = %s", got)
	}
	info.Transport, info.IP = "ipc", "/tmp/kernel-x"
	if got := info.endpoint(3); got != "ipc:///tmp/kernel-x-3" {
		t.Errorf("ipc endpoint = %s", got)
	}

	bad := []struct {
		name, json, want string
	}{
		{"not json", `{`, "decode"},
		{"md5 scheme", `{"ip":"127.0.0.1","key":"k","signature_scheme":"hmac-md5"}`, `"hmac-md5" is not supported`},
		{"key without scheme", `{"ip":"127.0.0.1","key":"k"}`, "signature_scheme"},
		{"udp", `{"ip":"127.0.0.1","transport":"udp","signature_scheme":"hmac-sha256"}`, `transport "udp"`},
		{"no ip", `{"signature_scheme":"hmac-sha256"}`, "ip is missing"},
		{"port range", `{"ip":"127.0.0.1","signature_scheme":"hmac-sha256","hb_port":70000}`, "hb_port 70000"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConnectionInfo([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	// Signing may be turned off altogether.
	if _, err := ParseConnectionInfo([]byte(`{"ip":"127.0.0.1","key":""}`)); err != nil {
		t.Errorf("empty key and scheme: %v", err)
	}
}

func TestReadConnectionFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kernel-1.json")
	if err := os.WriteFile(path, []byte(`{"ip":"127.0.0.1","signature_scheme":"sha1"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadConnectionFile(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error = %v, want one naming the file", err)
	}
	if _, err := ReadConnectionFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("missing file: no error")
	}
}

func TestKernelID(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/run/user/0/jupyter/kernel-3f1c0a4e-12ab-4cde-9f00-1234567890ab.json", "3f1c0a4e-12ab-4cde-9f00-1234567890ab"},
		{"kernel-abc123.json", "abc123"},
		{"/tmp/kernel-.json", ""},
		{"/tmp/conn.json", ""},
		{"/tmp/kernel-ABC.json", ""},
		{"/tmp/kernel-1234", ""},
		{"/tmp/kernel-1234.json/other.json", ""},
		{"/tmp/kernel-12 34.json", ""},
	} {
		if got := KernelID(tc.path); got != tc.want {
			t.Errorf("KernelID(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
