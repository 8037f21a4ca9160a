//go:build 386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm

package carry

// nativeLittleEndian enables copying memory images of numbers as they are:
// the stream is little-endian.
const nativeLittleEndian = true
