package carry

import (
	"syscall"
	"unsafe"
)

// adviseHuge asks for huge pages behind a large block about to be filled:
// first touches of fresh 4 KiB pages dominate the time to load a large
// slice, and huge pages take 512 times fewer faults. It is a hint only.
func adviseHuge(p unsafe.Pointer, n uintptr) {
	const huge = 2 << 20
	start := (uintptr(p) + huge - 1) &^ (huge - 1)
	end := (uintptr(p) + n) &^ (huge - 1)
	if end <= start {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, start-uintptr(p))), end-start), syscall.MADV_HUGEPAGE)
}
