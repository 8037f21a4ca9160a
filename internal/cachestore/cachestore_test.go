package cachestore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEntryRoundTrip(t *testing.T) {
	meta := Meta{Func: "main.f", Key: strings.Repeat("ab", 16), Args: "3", ComputeTime: time.Second, Created: time.Unix(1, 0).UTC()}
	b, err := Encode(meta, []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	got, payload, err := Decode(b)
	if err != nil || string(payload) != "payload" || got != meta {
		t.Fatalf("Decode = %+v, %q, %v", got, payload, err)
	}
	for i := range b {
		spoilt := bytes.Clone(b)
		spoilt[i] ^= 1
		if _, _, err := Decode(spoilt); !errors.Is(err, ErrCorrupt) {
			t.Errorf("byte %d flipped: err = %v", i, err)
		}
	}
	for n := range len(b) {
		if _, _, err := Decode(b[:n]); !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated to %d: err = %v", n, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := Encode(Meta{Func: "main.f", Key: "00112233445566778899aabbccddeeff"}, []byte{1, 2, 3})
	f.Add(good)
	f.Add([]byte(magic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		meta, payload, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		again, err := Encode(meta, payload)
		if err != nil {
			t.Fatal(err)
		}
		if _, p2, err := Decode(again); err != nil || !bytes.Equal(p2, payload) {
			t.Fatalf("re-encoded entry does not decode: %v", err)
		}
	})
}

func TestPutGetListClear(t *testing.T) {
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := d.Func("main.slowSquare")
	g := d.Func("example.com/m/pkg.(*T).Slow")
	key := strings.Repeat("0f", 16)
	if _, _, ok := f.Get(key); ok {
		t.Fatal("hit in an empty cache")
	}
	if err := f.Put(Meta{Key: key, Args: "12"}, []byte("144")); err != nil {
		t.Fatal(err)
	}
	if err := g.Put(Meta{Key: key}, []byte("x")); err != nil {
		t.Fatal(err)
	}
	meta, payload, ok := f.Get(key)
	if !ok || string(payload) != "144" || meta.Args != "12" || meta.Func != "main.slowSquare" || meta.Size != 3 {
		t.Fatalf("Get = %+v, %q, %v", meta, payload, ok)
	}
	// An entry copied under another function's name is not its entry.
	if _, _, ok := g.Get(key); !ok {
		t.Fatal("g's own entry missing")
	}
	f.WriteStats("p1", Stats{Hits: 2, Misses: 1})
	f.WriteStats("p2", Stats{Hits: 1})
	list, err := d.List()
	if err != nil || len(list) != 2 {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if l := list[1]; l.Name != "main.slowSquare" || l.Entries != 1 || l.Bytes == 0 || l.Hits != 3 || l.Misses != 1 {
		t.Errorf("List[1] = %+v", l)
	}
	cleared, err := d.Clear("slowSquare")
	if err != nil || len(cleared) != 1 || cleared[0] != "main.slowSquare" {
		t.Fatalf("Clear = %v, %v", cleared, err)
	}
	if _, _, ok := f.Get(key); ok {
		t.Error("a cleared entry is still there")
	}
	if cleared, _ := d.Clear(""); len(cleared) != 1 {
		t.Errorf("Clear all cleared %v", cleared)
	}
	if list, _ := d.List(); len(list) != 0 {
		t.Errorf("after clearing all: %+v", list)
	}
}

func TestTrimRemovesLeastRecentlyUsed(t *testing.T) {
	d, _ := Open(t.TempDir())
	f := d.Func("main.f")
	keys := []string{strings.Repeat("01", 16), strings.Repeat("02", 16), strings.Repeat("03", 16)}
	base := time.Now().Add(-time.Hour)
	for i, k := range keys {
		f.Put(Meta{Key: k}, make([]byte, 1000))
		tm := base.Add(time.Duration(i) * time.Minute)
		os.Chtimes(f.entryPath(k), tm, tm)
	}
	// The oldest is used now: it becomes the newest.
	f.Get(keys[0])
	removed, err := f.Trim(2500, 0)
	if err != nil || removed != 1 {
		t.Fatalf("Trim = %d, %v", removed, err)
	}
	if _, _, ok := f.Get(keys[1]); ok {
		t.Error("the least recently used entry survived")
	}
	for _, k := range []string{keys[0], keys[2]} {
		if _, _, ok := f.Get(k); !ok {
			t.Errorf("entry %s was trimmed", k[:4])
		}
	}
	if removed, _ := f.Trim(0, time.Nanosecond); removed != 2 {
		t.Errorf("MaxAge trim removed %d, want 2", removed)
	}
}

func TestOpenMarksTheDirectory(t *testing.T) {
	root := filepath.Join(t.TempDir(), "c")
	if _, err := Open(root); err != nil {
		t.Fatal(err)
	}
	tag, _ := os.ReadFile(filepath.Join(root, "CACHEDIR.TAG"))
	if !strings.HasPrefix(string(tag), "Signature: 8a477f597d28d172789f06886806bc55") {
		t.Errorf("CACHEDIR.TAG = %q", tag)
	}
	if ign, _ := os.ReadFile(filepath.Join(root, ".gitignore")); !strings.Contains(string(ign), "*") {
		t.Errorf(".gitignore = %q", ign)
	}
}

func TestShortName(t *testing.T) {
	for in, want := range map[string]string{
		"main.slowSquare":          "slowSquare",
		"example.com/m/pkg.(*T).M": "(*T).M",
		"strings.ToUpper":          "ToUpper",
		"noDot":                    "noDot",
	} {
		if got := ShortName(in); got != want {
			t.Errorf("ShortName(%q) = %q, want %q", in, got, want)
		}
	}
}
