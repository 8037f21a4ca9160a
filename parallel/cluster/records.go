package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Workers hand results back to the program that started the job through
// files of records under the job's temporary location: a runner has no
// other way back from its workers that works on every runner.
//
// A file is a sequence of records, each preceded by its length as a
// uvarint. A record is a kind byte, then fields, each a uvarint or a
// uvarint length and that many bytes:
//
//	recValue: index, encoded result
//	recPanic: index, panic value, stack
//	recPair:  encoded key, encoded value
const (
	recValue byte = 1 + iota
	recPanic
	recPair
)

// record is one result a worker wrote.
type record struct {
	kind  byte
	index int
	a, b  []byte // value; panic value and stack; key and value
}

// append adds r, framed, to buf.
func (r record) append(buf []byte) []byte {
	body := []byte{r.kind}
	switch r.kind {
	case recValue:
		body = binary.AppendUvarint(body, uint64(r.index))
		body = appendBytes(body, r.a)
	case recPanic:
		body = binary.AppendUvarint(body, uint64(r.index))
		body = appendBytes(body, r.a)
		body = appendBytes(body, r.b)
	case recPair:
		body = appendBytes(body, r.a)
		body = appendBytes(body, r.b)
	}
	buf = binary.AppendUvarint(buf, uint64(len(body)))
	return append(buf, body...)
}

func appendBytes(buf, b []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(b)))
	return append(buf, b...)
}

var errShort = errors.New("record cut short")

// readRecords parses a file of records. The files come from the workers
// of this job, but a shared location may hold anything, so every length
// is checked.
func readRecords(data []byte) ([]record, error) {
	var out []record
	for off := 0; off < len(data); {
		n, k := binary.Uvarint(data[off:])
		if k <= 0 || n > uint64(len(data)-off-k) {
			return out, fmt.Errorf("at byte %d: %w", off, errShort)
		}
		body := data[off+k : off+k+int(n)]
		off += k + int(n)
		r, err := parseRecord(body)
		if err != nil {
			return out, fmt.Errorf("at byte %d: %w", off, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func parseRecord(body []byte) (record, error) {
	if len(body) == 0 {
		return record{}, errShort
	}
	r := record{kind: body[0]}
	rest := body[1:]
	var err error
	index := func() {
		if err != nil {
			return
		}
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > 1<<62 {
			err = errShort
			return
		}
		r.index = int(n)
		rest = rest[k:]
	}
	field := func(dst *[]byte) {
		if err != nil {
			return
		}
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			err = errShort
			return
		}
		*dst = rest[k : k+int(n) : k+int(n)]
		rest = rest[k+int(n):]
	}
	switch r.kind {
	case recValue:
		index()
		field(&r.a)
	case recPanic:
		index()
		field(&r.a)
		field(&r.b)
	case recPair:
		field(&r.a)
		field(&r.b)
	default:
		return record{}, fmt.Errorf("unknown record kind %d", r.kind)
	}
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%d bytes after a record of kind %d", len(rest), r.kind)
	}
	return r, err
}

// An item travels as its index, a uvarint, then its encoding.
func appendItem(buf []byte, index int, enc []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(index))
	return append(buf, enc...)
}

func splitItem(b []byte) (int, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > 1<<62 {
		return 0, nil, errShort
	}
	return int(n), b[k:], nil
}
