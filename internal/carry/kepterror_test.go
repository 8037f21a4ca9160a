package carry

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// codeError is an error type a test can register, or leave unknown.
type codeError struct{ Code int }

func (e *codeError) Error() string { return fmt.Sprintf("code %d", e.Code) }

// touchyError's Error panics on a nil receiver.
type touchyError struct{ msg string }

func (e *touchyError) Error() string { return e.msg }

func TestErrorsOfUnknownTypesKeepTheirMessage(t *testing.T) {
	resetRegistry()
	defer resetRegistry()
	type holder struct {
		Err  error
		Errs []error
		Any  any
	}
	in := holder{
		Err:  errors.New("boom"),
		Errs: []error{nil, fmt.Errorf("read config: %w", io.EOF), &codeError{7}},
		Any:  errors.Join(errors.New("a"), errors.New("b")),
	}
	var buf bytes.Buffer
	if err := Encode(&buf, &in); err != nil {
		t.Fatal(err)
	}
	var out holder
	if err := Decode(bytes.NewReader(buf.Bytes()), &out); err != nil {
		t.Fatal(err)
	}
	want := holder{
		Err: &KeptError{Type: "*errors.errorString", Msg: "boom"},
		Errs: []error{nil,
			&KeptError{Type: "*fmt.wrapError", Msg: "read config: EOF"},
			&KeptError{Type: "*carry.codeError", Msg: "code 7"}},
		Any: &KeptError{Type: "*errors.joinError", Msg: "a\nb"},
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got %#v\nwant %#v", out, want)
	}
	// A known type is rebuilt exactly, so errors.As still works.
	Register(&codeError{})
	if err := Decode(bytes.NewReader(buf.Bytes()), &out); err != nil {
		t.Fatal(err)
	}
	var ce *codeError
	if !errors.As(out.Errs[2], &ce) || ce.Code != 7 {
		t.Errorf("registered error type not rebuilt: %#v", out.Errs[2])
	}
	// A kept error saves and loads again as itself.
	if got := roundTrip(t, &want).(*holder); !reflect.DeepEqual(*got, want) {
		t.Errorf("kept errors round trip: got %#v", *got)
	}
}

func TestErrorMessageOnlyWhereAnErrorFits(t *testing.T) {
	resetRegistry()
	defer resetRegistry()
	type stringerErr struct{ S interface{ String() string } }
	var buf bytes.Buffer
	in := struct{ S any }{S: &namedErr{"x"}}
	if err := Encode(&buf, &in); err != nil {
		t.Fatal(err)
	}
	// The target asks for a Stringer; the message alone cannot be one.
	var out stringerErr
	err := Decode(bytes.NewReader(buf.Bytes()), &out)
	var fe *FitError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "not known here") {
		t.Fatalf("got %v, want the unknown type named", err)
	}
}

type namedErr struct{ s string }

func (e *namedErr) Error() string  { return e.s }
func (e *namedErr) String() string { return e.s }

func TestErrorWhoseMethodPanics(t *testing.T) {
	resetRegistry()
	defer resetRegistry()
	in := struct{ Err error }{Err: (*touchyError)(nil)}
	var buf bytes.Buffer
	if err := Encode(&buf, &in); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	var out struct{ Err error }
	if err := Decode(bytes.NewReader(buf.Bytes()), &out); err != nil {
		t.Fatal(err)
	}
	ke, ok := out.Err.(*KeptError)
	if !ok || !strings.Contains(ke.Msg, "Error method panicked") {
		t.Errorf("got %#v", out.Err)
	}
}
