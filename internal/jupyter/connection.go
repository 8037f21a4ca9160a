package jupyter

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ConnectionInfo is the content of the connection file Jupyter writes
// before it starts a kernel: where to listen and how to sign messages.
type ConnectionInfo struct {
	Transport       string `json:"transport"` // "tcp" or "ipc"
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	StdinPort       int    `json:"stdin_port"`
	IOPubPort       int    `json:"iopub_port"`
	HBPort          int    `json:"hb_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads and validates a Jupyter connection file.
func ReadConnectionFile(path string) (ConnectionInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("read connection file: %w", err)
	}
	info, err := ParseConnectionInfo(data)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("connection file %s: %w", path, err)
	}
	return info, nil
}

// ParseConnectionInfo decodes and validates the JSON of a connection file.
// An empty transport means tcp. Only the hmac-sha256 signature scheme is
// accepted (an empty scheme is allowed when the key is empty too, which
// disables signing). A port of 0 makes the kernel pick a free port; see
// Kernel.Connection.
func ParseConnectionInfo(data []byte) (ConnectionInfo, error) {
	var info ConnectionInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return ConnectionInfo{}, fmt.Errorf("decode connection info: %w", err)
	}
	if info.Transport == "" {
		info.Transport = "tcp"
	}
	if info.Transport != "tcp" && info.Transport != "ipc" {
		return ConnectionInfo{}, fmt.Errorf("transport %q is not supported (want \"tcp\" or \"ipc\")", info.Transport)
	}
	if info.IP == "" {
		return ConnectionInfo{}, errors.New("ip is missing")
	}
	switch {
	case info.SignatureScheme == "hmac-sha256":
	case info.SignatureScheme == "" && info.Key == "":
	default:
		return ConnectionInfo{}, fmt.Errorf("signature_scheme %q is not supported (want \"hmac-sha256\")", info.SignatureScheme)
	}
	for _, p := range []struct {
		name string
		port int
	}{
		{"shell_port", info.ShellPort}, {"control_port", info.ControlPort}, {"stdin_port", info.StdinPort},
		{"iopub_port", info.IOPubPort}, {"hb_port", info.HBPort},
	} {
		if p.port < 0 || p.port > 65535 {
			return ConnectionInfo{}, fmt.Errorf("%s %d is out of range", p.name, p.port)
		}
	}
	return info, nil
}

// endpoint is the ZMQ address for one port, spelled as jupyter_client
// spells it: tcp://ip:port, or ipc://ip-port for the ipc transport.
func (c ConnectionInfo) endpoint(port int) string {
	if c.Transport == "ipc" {
		return fmt.Sprintf("ipc://%s-%d", c.IP, port)
	}
	return "tcp://" + net.JoinHostPort(c.IP, strconv.Itoa(port))
}

// KernelID is the id a Jupyter server gave the kernel, read from the name
// of its connection file (kernel-ID.json, as jupyter_client names it),
// or "" when the name does not have that form. Code in the notebook page
// reaches the kernel under it (/api/kernels/ID/channels).
func KernelID(connectionFile string) string {
	name := filepath.Base(connectionFile)
	id, ok := strings.CutPrefix(name, "kernel-")
	if !ok {
		return ""
	}
	id, ok = strings.CutSuffix(id, ".json")
	if !ok || id == "" || strings.Trim(id, "0123456789abcdef-") != "" {
		return ""
	}
	return id
}
