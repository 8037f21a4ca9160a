package jupyter

import (
	"encoding/json"
	"testing"
)

func newTestHistory() *history {
	h := &history{}
	out := func(s string) *string { return &s }
	h.add(1, "x := 1", nil)
	h.add(2, "fmt.Println(x)", nil)
	h.add(3, "x + 1", out("2"))
	h.add(4, "x := 1", nil)
	h.add(5, "y := x * 2", nil)
	return h
}

// render gives the JSON the front end receives, which is what the
// protocol specifies.
func render(t *testing.T, v [][]any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHistory(t *testing.T) {
	h := newTestHistory()
	tests := []struct {
		name string
		got  [][]any
		want string
	}{
		{"tail 2", h.tail(2, false), `[[1,4,"x := 1"],[1,5,"y := x * 2"]]`},
		{"tail more than stored", h.tail(9, false)[:1], `[[1,1,"x := 1"]]`},
		{"tail 0", h.tail(0, false), `[]`},
		{"tail with output", h.tail(3, true), `[[1,3,["x + 1","2"]],[1,4,["x := 1",null]],[1,5,["y := x * 2",null]]]`},
		{"range current session", h.lines(0, 2, 4, false), `[[1,2,"fmt.Println(x)"],[1,3,"x + 1"]]`},
		{"range session 1 to end", h.lines(1, 4, 0, false), `[[1,4,"x := 1"],[1,5,"y := x * 2"]]`},
		{"range negative start", h.lines(0, -2, 0, false), `[[1,4,"x := 1"],[1,5,"y := x * 2"]]`},
		{"range negative stop", h.lines(0, 1, -3, false), `[[1,1,"x := 1"],[1,2,"fmt.Println(x)"]]`},
		{"range previous session", h.lines(-1, 0, 0, false), `[]`},
		{"range unknown session", h.lines(7, 0, 0, false), `[]`},
		{"search prefix", h.search("x*", false, 0, false), `[[1,1,"x := 1"],[1,3,"x + 1"],[1,4,"x := 1"]]`},
		{"search unique keeps latest", h.search("x*", true, 0, false), `[[1,3,"x + 1"],[1,4,"x := 1"]]`},
		{"search last n", h.search("*x*", false, 2, false), `[[1,4,"x := 1"],[1,5,"y := x * 2"]]`},
		{"search question mark", h.search("x ? 1", false, 0, true), `[[1,3,["x + 1","2"]]]`},
		{"search no match", h.search("z*", false, 0, false), `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, tt.got); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything\nat all", true},
		{"", "", true},
		{"", "a", false},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"?", "é", true},
		{"*é*", "café au lait", true},
		{"*a*b*c*", "xaxbxcx", true},
		{"*a*b*c*", "xaxcxbx", false},
		{"fmt.*", "fmtxPrintln", false}, // '.' is literal
		{"[ab]", "a", false},            // no character classes
		{"[ab]", "[ab]", true},
		{"**x", "abx", true},
		{"Print*", "print", false}, // case-sensitive, as GLOB
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
