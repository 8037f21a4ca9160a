package carry

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// fontCache stands for a package's default cache: it holds functions, so
// it cannot be kept, and every program makes its own.
type fontCache struct {
	parse func(string) int
	n     int
}

var defaultFonts = &fontCache{parse: func(s string) int { return len(s) }}

type textStyle struct {
	Size  int
	Fonts *fontCache
}

type styled struct {
	Title   textStyle
	Handler any // holds a textStyle, as gonum's plots hold their text handler
}

func TestGlobal(t *testing.T) {
	t.Cleanup(resetGlobals)
	v := styled{Title: textStyle{Size: 12, Fonts: defaultFonts}, Handler: textStyle{Size: 9, Fonts: defaultFonts}}
	var buf bytes.Buffer
	if err := Encode(&buf, &v); err == nil {
		t.Fatal("a value pointing to an unregistered cache was kept")
	}

	RegisterGlobal("example.com/fonts.Default", defaultFonts)
	buf.Reset()
	if err := Encode(&buf, &v); err != nil {
		t.Fatal(err)
	}
	var got styled
	if err := Decode(bytes.NewReader(buf.Bytes()), &got); err != nil {
		t.Fatal(err)
	}
	h, ok := got.Handler.(textStyle)
	if got.Title.Size != 12 || got.Title.Fonts != defaultFonts || !ok || h.Size != 9 || h.Fonts != defaultFonts {
		t.Errorf("loaded %+v", got)
	}

	// Another cache of the type is not the global: it cannot be kept.
	other := styled{Title: textStyle{Fonts: &fontCache{}}}
	err := Encode(&bytes.Buffer{}, &other)
	if err == nil || !strings.Contains(err.Error(), "Title.Fonts: *carry.fontCache: only the registered global") {
		t.Errorf("Encode of another cache: %v", err)
	}

	// A program whose packages did not register the global cannot point
	// there: the variable fails to load, with the global's name.
	resetGlobals()
	got = styled{}
	err = Decode(bytes.NewReader(buf.Bytes()), &got)
	var fe *FitError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "global example.com/fonts.Default is not known here") {
		t.Errorf("Decode without the global: %v", err)
	}
}

func TestGlobalTypeByValue(t *testing.T) {
	t.Cleanup(resetGlobals)
	RegisterGlobal("example.com/fonts.Default", defaultFonts)
	for _, typ := range []reflect.Type{reflect.TypeFor[fontCache](), reflect.TypeFor[[]fontCache](), reflect.TypeFor[map[int]struct{ C fontCache }]()} {
		if ok, why := Check(typ); ok || !strings.HasSuffix(why, "carry.fontCache: kept only as a pointer to a registered global") {
			t.Errorf("Check(%v) = %v, %q", typ, ok, why)
		}
	}
	if ok, why := Check(reflect.TypeFor[[]*fontCache]()); !ok {
		t.Errorf("Check([]*fontCache): %s", why)
	}
}

func TestRegisterGlobalWantsPointerToNamedStruct(t *testing.T) {
	t.Cleanup(resetGlobals)
	for _, ptr := range []any{(*fontCache)(nil), 3, &[]int{}, &struct{ A int }{}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterGlobal(%T) did not panic", ptr)
				}
			}()
			RegisterGlobal("g", ptr)
		}()
	}
}
