package cacheprog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"
)

// The go command's own build cache keeps, for an action ID A whose output
// has ID O, two files: DIR/aa/A-a, an entry naming O with its size and
// time, and DIR/oo/O-d, the output itself, where aa and oo are the first
// bytes of the IDs in hex. The server reads and writes that layout, so the
// shared cache can be filled by a plain `go build` and the user's own part
// is the build cache their go command already uses.

// hashSize is the size of action and output IDs: SHA-256 sums.
const hashSize = sha256.Size

// entrySize is the length of an entry file: "v1 A O SIZE TIME\n", with
// the IDs in hex and the numbers right-aligned in 20 columns.
const entrySize = 2 + 1 + 2*hashSize + 1 + 2*hashSize + 1 + 20 + 1 + 20 + 1

// entry is what an entry file says of one action.
type entry struct {
	action, output [hashSize]byte
	size           int64
	time           time.Time
}

// parseEntry reads an entry file's content. It is strict: anything but
// the exact layout is an error, and a damaged entry is a miss.
func parseEntry(b []byte) (entry, error) {
	var e entry
	if len(b) != entrySize {
		return e, fmt.Errorf("entry is %d bytes, want %d", len(b), entrySize)
	}
	const (
		actionAt = 3
		outputAt = actionAt + 2*hashSize + 1
		sizeAt   = outputAt + 2*hashSize + 1
		timeAt   = sizeAt + 20 + 1
	)
	if !bytes.HasPrefix(b, []byte("v1 ")) || b[outputAt-1] != ' ' || b[sizeAt-1] != ' ' || b[timeAt-1] != ' ' || b[entrySize-1] != '\n' {
		return e, errors.New("entry has an invalid header")
	}
	if err := decodeID(e.action[:], b[actionAt:outputAt-1]); err != nil {
		return e, fmt.Errorf("entry's action ID: %w", err)
	}
	if err := decodeID(e.output[:], b[outputAt:sizeAt-1]); err != nil {
		return e, fmt.Errorf("entry's output ID: %w", err)
	}
	size, err := parseColumn(b[sizeAt : timeAt-1])
	if err != nil {
		return e, fmt.Errorf("entry's size: %w", err)
	}
	nanos, err := parseColumn(b[timeAt : entrySize-1])
	if err != nil {
		return e, fmt.Errorf("entry's time: %w", err)
	}
	e.size, e.time = size, time.Unix(0, nanos)
	return e, nil
}

// decodeID decodes a lower-case hex ID, as the go command writes them.
func decodeID(dst, src []byte) error {
	for _, c := range src {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("invalid character %q", c)
		}
	}
	_, err := hex.Decode(dst, src)
	return err
}

// parseColumn reads a non-negative number right-aligned with spaces.
func parseColumn(b []byte) (int64, error) {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i == len(b) {
		return 0, errors.New("empty")
	}
	for _, c := range b[i:] {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("invalid character %q", c)
		}
	}
	return strconv.ParseInt(string(b[i:]), 10, 64)
}

// format is the entry file's content.
func (e entry) format() []byte {
	return fmt.Appendf(nil, "v1 %x %x %20d %20d\n", e.action, e.output, e.size, e.time.UnixNano())
}

// entryPath and outputPath name an action's entry and an output in dir.
func entryPath(dir string, action [hashSize]byte) string {
	return filepath.Join(dir, fmt.Sprintf("%02x", action[0]), fmt.Sprintf("%x-a", action))
}

func outputPath(dir string, output [hashSize]byte) string {
	return filepath.Join(dir, fmt.Sprintf("%02x", output[0]), fmt.Sprintf("%x-d", output))
}
