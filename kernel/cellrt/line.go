package cellrt

import (
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// LineFileEnv names the environment variable holding the path of an
// 8-byte file in which the program records the cell line it is running.
// The kernel reads it after the program exits, so an os.Exit or a kill
// can still be reported at its line: the program cannot say so itself
// once it is gone, and a shared mapping needs no system call per line.
const LineFileEnv = "GOPAR_LINE_FILE"

var (
	lineOnce sync.Once
	lineSlot *uint64
)

// At records that the statement at cell[cellNum] line is about to run.
// The composed program calls it before each top-level statement.
func At(cellNum, line int) {
	lineOnce.Do(mapLineFile)
	if lineSlot != nil {
		atomic.StoreUint64(lineSlot, uint64(uint32(cellNum))<<32|uint64(uint32(line)))
	}
}

func mapLineFile() {
	path := os.Getenv(LineFileEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer f.Close()
	mem, err := syscall.Mmap(int(f.Fd()), 0, 8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return
	}
	lineSlot = (*uint64)(unsafe.Pointer(&mem[0]))
}

// DecodeLine unpacks what At stored, for the kernel.
func DecodeLine(v uint64) (cellNum, line int) {
	return int(v >> 32), int(uint32(v))
}
