package jupyter

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ProtocolVersion is the Jupyter messaging protocol version the kernel
// speaks; it goes in every header and in kernel_info_reply.
const ProtocolVersion = "5.3"

// delimiter separates the routing identities from the signed parts of a
// wire message.
var delimiter = []byte("<IDS|MSG>")

// errBadSignature marks a message whose HMAC does not match the key, so
// callers can tell tampering apart from malformed frames.
var errBadSignature = errors.New("bad message signature")

// header is the header of a message (and, verbatim, the parent_header of
// its replies).
type header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// message is one Jupyter wire message. The JSON parts are kept as raw
// bytes: a reply must carry the request's header as its parent_header
// exactly as received, including fields this package does not know.
type message struct {
	Identities   [][]byte
	Header       header
	RawHeader    json.RawMessage
	ParentHeader json.RawMessage
	Metadata     json.RawMessage
	Content      json.RawMessage
	Buffers      [][]byte
}

// decodeMessage parses the frames of a received message. With a non-empty
// key the signature is checked (in constant time) before anything else is
// looked at; a message with a bad or missing signature yields an error
// wrapping errBadSignature. It never panics, whatever the frames hold.
func decodeMessage(frames [][]byte, key []byte) (*message, error) {
	d := -1
	for i, f := range frames {
		if bytes.Equal(f, delimiter) {
			d = i
			break
		}
	}
	if d < 0 {
		return nil, fmt.Errorf("decode message: no %s delimiter among %d frames", delimiter, len(frames))
	}
	parts := frames[d+1:]
	if len(parts) < 5 {
		return nil, fmt.Errorf("decode message: %d frames after the delimiter, want at least 5 (signature, header, parent_header, metadata, content)", len(parts))
	}
	if len(key) > 0 {
		if err := verify(key, parts[0], parts[1:5]); err != nil {
			return nil, fmt.Errorf("decode message: %w", err)
		}
	}
	m := &message{
		Identities:   frames[:d],
		RawHeader:    parts[1],
		ParentHeader: parts[2],
		Metadata:     parts[3],
		Content:      parts[4],
		Buffers:      parts[5:],
	}
	if err := json.Unmarshal(parts[1], &m.Header); err != nil {
		return nil, fmt.Errorf("decode message: header: %w", err)
	}
	if !isJSONObject(parts[1]) {
		return nil, errors.New("decode message: header is not a JSON object")
	}
	if m.Header.MsgType == "" {
		return nil, errors.New("decode message: header has no msg_type")
	}
	for _, p := range []struct {
		name string
		raw  []byte
	}{{"parent_header", parts[2]}, {"metadata", parts[3]}, {"content", parts[4]}} {
		if !isJSONObject(p.raw) {
			return nil, fmt.Errorf("decode message: %s is not a JSON object", p.name)
		}
	}
	return m, nil
}

// isJSONObject reports whether raw is one valid JSON object.
func isJSONObject(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) >= 2 && raw[0] == '{' && json.Valid(raw)
}

// sign returns the hex HMAC-SHA256 of the parts, or nothing when the key
// is empty (signing disabled).
func sign(key []byte, parts ...[]byte) []byte {
	if len(key) == 0 {
		return nil
	}
	mac := hmac.New(sha256.New, key)
	for _, p := range parts {
		mac.Write(p)
	}
	sum := mac.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// verify checks a received hex signature against the parts.
func verify(key, signature []byte, parts [][]byte) error {
	if len(signature) == 0 {
		return fmt.Errorf("%w: message is not signed", errBadSignature)
	}
	got := make([]byte, hex.DecodedLen(len(signature)))
	if _, err := hex.Decode(got, signature); err != nil {
		return fmt.Errorf("%w: signature is not hex", errBadSignature)
	}
	mac := hmac.New(sha256.New, key)
	for _, p := range parts {
		mac.Write(p)
	}
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("%w: HMAC does not match", errBadSignature)
	}
	return nil
}

// encodeMessage returns the frames of a message to send, signed with key.
// The raw JSON parts must already be valid JSON objects.
func encodeMessage(key []byte, identities [][]byte, hdr, parent, metadata, content []byte, buffers [][]byte) [][]byte {
	frames := make([][]byte, 0, len(identities)+6+len(buffers))
	frames = append(frames, identities...)
	frames = append(frames, delimiter, sign(key, hdr, parent, metadata, content), hdr, parent, metadata, content)
	frames = append(frames, buffers...)
	return frames
}

// newHeader makes the header of a message the kernel sends.
func newHeader(session, msgType string) header {
	return header{
		MsgID:    newID(),
		Session:  session,
		Username: "kernel",
		Date:     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
		MsgType:  msgType,
		Version:  ProtocolVersion,
	}
}

// newID returns a random UUID (version 4) string.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
