package jupyter

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The expected signature was computed by jupyter_client's Session.sign for
// the same key and parts.
func TestSignMatchesJupyterClient(t *testing.T) {
	parts := [][]byte{
		[]byte(`{"msg_id":"1","msg_type":"kernel_info_request"}`),
		[]byte(`{}`), []byte(`{}`), []byte(`{}`),
	}
	got := string(sign([]byte("secret-key"), parts...))
	const want = "d24613c901272087168eb7a17b371d2f54d14044dca08737846f4baf86191b6a"
	if got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
	if err := verify([]byte("secret-key"), []byte(want), parts); err != nil {
		t.Fatalf("verify of a good signature: %v", err)
	}
	if sign(nil, parts...) != nil {
		t.Fatal("sign with an empty key should give no signature")
	}
}

func TestVerifyRejects(t *testing.T) {
	key := []byte("k")
	parts := [][]byte{[]byte(`{"msg_type":"x"}`), []byte(`{}`), []byte(`{}`), []byte(`{}`)}
	good := sign(key, parts...)
	flipped := bytes.Clone(good)
	flipped[0] ^= 1
	tampered := [][]byte{[]byte(`{"msg_type":"y"}`), parts[1], parts[2], parts[3]}
	tests := []struct {
		name  string
		sig   []byte
		parts [][]byte
	}{
		{"missing", nil, parts},
		{"not hex", []byte("zz"), parts},
		{"short", good[:10], parts},
		{"flipped", flipped, parts},
		{"tampered header", good, tampered},
		{"other key", sign([]byte("other"), parts...), parts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verify(key, tt.sig, tt.parts)
			if !errors.Is(err, errBadSignature) {
				t.Fatalf("verify = %v, want errBadSignature", err)
			}
		})
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, key := range [][]byte{nil, []byte("0123-abcd")} {
		hdr := newHeader("sess", "execute_request")
		h, err := json.Marshal(hdr)
		if err != nil {
			t.Fatal(err)
		}
		parent := []byte(`{"msg_id":"p","extra":[1,2]}`)
		content := []byte(`{"code":"x := 1"}`)
		ids := [][]byte{[]byte("peer-1"), []byte("peer-2")}
		bufs := [][]byte{[]byte("buf0"), {}}
		frames := encodeMessage(key, ids, h, parent, []byte(`{}`), content, bufs)

		m, err := decodeMessage(frames, key)
		if err != nil {
			t.Fatalf("key %q: decode: %v", key, err)
		}
		if m.Header != hdr {
			t.Errorf("header = %+v, want %+v", m.Header, hdr)
		}
		if !bytes.Equal(m.RawHeader, h) || !bytes.Equal(m.ParentHeader, parent) || !bytes.Equal(m.Content, content) {
			t.Errorf("raw parts changed: header %s parent %s content %s", m.RawHeader, m.ParentHeader, m.Content)
		}
		if len(m.Identities) != 2 || string(m.Identities[1]) != "peer-2" {
			t.Errorf("identities = %q", m.Identities)
		}
		if len(m.Buffers) != 2 || string(m.Buffers[0]) != "buf0" {
			t.Errorf("buffers = %q", m.Buffers)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	key := []byte("key")
	good := func(mutate func(parts [][]byte)) [][]byte {
		parts := [][]byte{[]byte(`{"msg_id":"1","msg_type":"kernel_info_request"}`), []byte(`{}`), []byte(`{}`), []byte(`{}`)}
		mutate(parts)
		return encodeMessage(key, [][]byte{[]byte("id")}, parts[0], parts[1], parts[2], parts[3], nil)
	}
	tests := []struct {
		name   string
		frames [][]byte
		want   string
	}{
		{"no delimiter", [][]byte{[]byte("id"), []byte("x")}, "delimiter"},
		{"too few parts", [][]byte{delimiter, []byte("sig"), []byte("{}")}, "at least 5"},
		{"bad signature", func() [][]byte { f := good(func([][]byte) {}); f[2] = []byte("00"); return f }(), "signature"},
		{"header not json", good(func(p [][]byte) { p[0] = []byte(`{"msg_type":`) }), "header"},
		{"header array", good(func(p [][]byte) { p[0] = []byte(`[]`) }), "header"},
		{"no msg_type", good(func(p [][]byte) { p[0] = []byte(`{"msg_id":"1"}`) }), "msg_type"},
		{"parent not object", good(func(p [][]byte) { p[1] = []byte(`"x"`) }), "parent_header"},
		{"content not json", good(func(p [][]byte) { p[3] = []byte(`{`) }), "content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeMessage(tt.frames, key)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("decode error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func FuzzDecodeMessage(f *testing.F) {
	hdr := []byte(`{"msg_id":"1","msg_type":"execute_request","session":"s","version":"5.3"}`)
	join := func(frames [][]byte) []byte { return bytes.Join(frames, []byte{0}) }
	f.Add(join(encodeMessage(nil, [][]byte{[]byte("id")}, hdr, []byte(`{}`), []byte(`{}`), []byte(`{"code":"1"}`), nil)), false)
	f.Add(join(encodeMessage([]byte("key"), nil, hdr, []byte(`{}`), []byte(`{}`), []byte(`{}`), [][]byte{[]byte("b")})), true)
	f.Add([]byte("<IDS|MSG>\x00\x00{}\x00{}\x00{}\x00{}"), false)
	f.Add([]byte(""), true)
	f.Fuzz(func(t *testing.T, data []byte, keyed bool) {
		// Frames are split on NUL so the fuzzer can vary their number.
		frames := bytes.Split(data, []byte{0})
		var key []byte
		if keyed {
			key = []byte("key")
		}
		m, err := decodeMessage(frames, key)
		if err != nil {
			if m != nil {
				t.Fatal("decode returned a message with an error")
			}
			return
		}
		if m.Header.MsgType == "" {
			t.Fatal("decoded a message without msg_type")
		}
		// What decodes must survive re-encoding unchanged.
		again, err := decodeMessage(encodeMessage(key, m.Identities, m.RawHeader, m.ParentHeader, m.Metadata, m.Content, m.Buffers), key)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if again.Header != m.Header {
			t.Fatalf("header changed on round trip: %+v vs %+v", again.Header, m.Header)
		}
	})
}
