package cluster

import (
	"reflect"
	"testing"
)

func TestRecordsRoundTrip(t *testing.T) {
	recs := []record{
		{kind: recValue, index: 0, a: []byte{}},
		{kind: recValue, index: 1 << 40, a: []byte("result")},
		{kind: recPanic, index: 7, a: []byte("boom"), b: []byte("stack\n")},
		{kind: recPair, a: []byte("key"), b: []byte{1, 2, 3}},
	}
	var buf []byte
	for _, r := range recs {
		buf = r.append(buf)
	}
	got, err := readRecords(buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if recs[i].a == nil {
			recs[i].a = []byte{}
		}
		if recs[i].b == nil && got[i].b != nil {
			recs[i].b = []byte{}
		}
	}
	if len(got) != len(recs) {
		t.Fatalf("read %d records, want %d", len(got), len(recs))
	}
	for i := range recs {
		if got[i].kind != recs[i].kind || got[i].index != recs[i].index || string(got[i].a) != string(recs[i].a) || string(got[i].b) != string(recs[i].b) {
			t.Errorf("record %d = %+v, want %+v", i, got[i], recs[i])
		}
	}
	for cut := range len(buf) {
		if _, err := readRecords(buf[:cut]); err == nil && cut > 0 && !boundary(buf, cut) {
			t.Errorf("a file cut at byte %d read without error", cut)
		}
	}
}

// boundary reports whether cut falls between whole records.
func boundary(buf []byte, cut int) bool {
	recs, err := readRecords(buf[:cut])
	if err != nil {
		return false
	}
	var again []byte
	for _, r := range recs {
		again = r.append(again)
	}
	return reflect.DeepEqual(again, buf[:cut])
}

func TestItemsRoundTrip(t *testing.T) {
	b := appendItem(nil, 300, []byte("x"))
	i, enc, err := splitItem(b)
	if err != nil || i != 300 || string(enc) != "x" {
		t.Errorf("splitItem = %d, %q, %v", i, enc, err)
	}
	if _, _, err := splitItem(nil); err == nil {
		t.Error("splitItem(nil) gave no error")
	}
}

// Records come from files in a shared location: whatever is there must
// give records or an error, never a panic, and what parses must encode to
// bytes that read back as the same records (not the same bytes: a
// uvarint may be written longer than it needs).
func FuzzReadRecords(f *testing.F) {
	f.Add(record{kind: recValue, index: 3, a: []byte("v")}.append(nil))
	f.Add(record{kind: recPanic, index: 1, a: []byte("p"), b: []byte("s")}.append(nil))
	f.Add(record{kind: recPair, a: []byte("k"), b: []byte("v")}.append(nil))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := readRecords(data)
		if err != nil {
			return
		}
		var again []byte
		for _, r := range recs {
			again = r.append(again)
		}
		back, err := readRecords(again)
		if err != nil || len(back) != len(recs) {
			t.Fatalf("records %+v, read from %x, encode to %x, which reads as %+v, %v", recs, data, again, back, err)
		}
		for i := range recs {
			if back[i].kind != recs[i].kind || back[i].index != recs[i].index || string(back[i].a) != string(recs[i].a) || string(back[i].b) != string(recs[i].b) {
				t.Errorf("record %d: %+v read back as %+v", i, recs[i], back[i])
			}
		}
	})
}
