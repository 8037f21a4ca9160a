//go:build !linux

package carry

import "unsafe"

// adviseHuge is a no-op where huge pages are not asked for.
func adviseHuge(p unsafe.Pointer, n uintptr) {}
