package cellrt

import "syscall"

// dropParentDeathSignal clears the signal the kernel asked Linux to send
// this program when the kernel dies (see watchLifeline).
func dropParentDeathSignal() {
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, 0, 0)
}
