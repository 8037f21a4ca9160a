package cacheprog

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"
)

func TestParseEntry(t *testing.T) {
	action := sha256.Sum256([]byte("action"))
	output := sha256.Sum256([]byte("output"))
	good := entry{action: action, output: output, size: 1234, time: time.Unix(0, 1700000000123456789)}.format()
	tests := []struct {
		name    string
		edit    func([]byte) []byte
		wantErr string
	}{
		{"as the go command writes it", func(b []byte) []byte { return b }, ""},
		{"short", func(b []byte) []byte { return b[:len(b)-1] }, "bytes, want"},
		{"long", func(b []byte) []byte { return append(b, '\n') }, "bytes, want"},
		{"other version", func(b []byte) []byte { b[1] = '2'; return b }, "invalid header"},
		{"upper-case hex", func(b []byte) []byte { return bytes.Replace(b, []byte("a"), []byte("A"), 1) }, "invalid character"},
		{"no newline", func(b []byte) []byte { b[len(b)-1] = ' '; return b }, "invalid header"},
		{"sign in size", func(b []byte) []byte {
			i := bytes.Index(b, []byte("1234"))
			b[i-1] = '-'
			return b
		}, "invalid character"},
		{"blank size", func(b []byte) []byte {
			i := bytes.Index(b, []byte("1234"))
			copy(b[i:], "    ")
			return b
		}, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := parseEntry(tt.edit(bytes.Clone(good)))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseEntry() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.action != action || e.output != output || e.size != 1234 || e.time.UnixNano() != 1700000000123456789 {
				t.Errorf("parseEntry() = %+v", e)
			}
		})
	}
}

// FuzzParseEntry feeds parseEntry what a damaged or hostile cache file
// could hold: it must never panic, and what it accepts must survive
// formatting.
func FuzzParseEntry(f *testing.F) {
	f.Add(entry{action: sha256.Sum256(nil), output: sha256.Sum256([]byte{1}), size: 7, time: time.Unix(5, 0)}.format())
	f.Add([]byte("v1 "))
	f.Add(bytes.Repeat([]byte(" "), entrySize))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseEntry(b)
		if err != nil {
			return
		}
		if e.size < 0 {
			t.Fatalf("negative size %d accepted", e.size)
		}
		again, err := parseEntry(e.format())
		if err != nil {
			t.Fatalf("formatted entry does not parse: %v", err)
		}
		if again.action != e.action || again.output != e.output || again.size != e.size || !again.time.Equal(e.time) {
			t.Fatalf("round trip changed %+v into %+v", e, again)
		}
	})
}
