//go:build !linux

package engine

import "os/exec"

// startTied starts cmd. Only Linux has a parent-death signal; elsewhere
// the cell runtime's lifeline alone stops a program whose kernel died.
func startTied(cmd *exec.Cmd, exited <-chan struct{}) error {
	return cmd.Start()
}
