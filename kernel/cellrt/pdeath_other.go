//go:build !linux

package cellrt

// dropParentDeathSignal does nothing: only Linux has a parent-death signal.
func dropParentDeathSignal() {}
