//go:build !(386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm)

package carry

// nativeLittleEndian is false here: numbers are converted one by one.
const nativeLittleEndian = false
