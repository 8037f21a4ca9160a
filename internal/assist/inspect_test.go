package assist

import (
	"strings"
	"testing"
)

func TestInspect(t *testing.T) {
	tests := []struct {
		name   string
		ctx    Context
		code   string
		detail int
		found  bool
		has    []string // text/plain must contain each
		hasnt  []string
	}{
		{name: "earlier func with doc", ctx: testCtx, code: "x := fibo|nacci(3)", found: true,
			has: []string{"// fibonacci returns the n-th Fibonacci number.", "func fibonacci(n int) int {", "return fibonacci(n-1) + fibonacci(n-2)"}},
		{name: "earlier var", ctx: testCtx, code: "fiveTimes", found: true, has: []string{"var fiveTimes = 5"}},
		{name: "earlier type", ctx: testCtx, code: "var p Point|", found: true,
			has: []string{"// Point is a point in the plane.", "type Point struct {", "label string"}},
		{name: "field", ctx: testCtx, code: "origin.X|", found: true, has: []string{"field X float64", "type Point struct {"}},
		{name: "method", ctx: testCtx, code: "origin.Norm()", found: true,
			has: []string{"// Norm returns the squared distance to the origin.", "func (p Point) Norm() float64"}, hasnt: []string{"Scale"}},
		{name: "carried var", ctx: testCtx, code: "origin", found: true, has: []string{"var origin Point"}},
		{name: "cell func", code: "// twice doubles.\nfunc twice(x int) int { return 2 * x }\ny := twi|ce(4)", found: true,
			has: []string{"// twice doubles.\nfunc twice(x int) int { return 2 * x }"}},
		{name: "cell func redeclares", ctx: testCtx, code: "func fibonacci() string { return \"\" }\nfibonacci()", found: true,
			has: []string{"func fibonacci() string"}, hasnt: []string{"n-th"}},
		{name: "grouped const", code: "const (\n\t// Big is big.\n\tBig = 1 << 20\n\tSmall = 1\n)\nx := Big", found: true,
			has: []string{"// Big is big.\nconst Big = 1 << 20"}, hasnt: []string{"Small"}},
		{name: "local", code: "a := 1\ntotal := a + 41\nfmt.Println(total|)", found: true, has: []string{"var total int", "cell line 2: total := a + 41"}},
		{name: "local at its declaration", code: "total| := 42", found: true, has: []string{"var total int"}},
		{name: "parameter", code: "func f(width float64) float64 {\n\treturn width| * 2\n}", found: true, has: []string{"var width float64"}},
		{name: "method name at declaration", ctx: testCtx, code: "func (p Point) Area|() float64 { return 0 }", found: true,
			has: []string{"func (p Point) Area() float64"}},
		{name: "package member", ctx: testCtx, code: "fmt.Println", found: true, has: []string{"func Println(a ...any) (n int, err error)"}},
		{name: "package member after paren", ctx: testCtx, code: "fmt.Println(", found: true, has: []string{"func Println("}},
		{name: "package member not imported", code: "strconv.Itoa|(3)", found: true, has: []string{"func Itoa(i int) string"}},
		{name: "package member source", ctx: testCtx, code: "strings.ToUpper", detail: 1, found: true, has: []string{"func ToUpper(s string) string {"}},
		{name: "package", ctx: testCtx, code: "strings|.ToUpper(\"a\")", found: true, has: []string{"package strings"}},
		{name: "std method", ctx: testCtx, code: "elapsed.Seconds|()", found: true, has: []string{"func (d Duration) Seconds() float64"}},
		{name: "builtin", code: "n := len|(\"abc\")", found: true, has: []string{"func len(v Type) int"}},
		{name: "predeclared type", code: "var x int64|", found: true, has: []string{"int64"}},
		{name: "non-ASCII before cursor", ctx: testCtx, code: "s := \"ünïcödé ☃\"\nfmt.Println(s, fibonacci|(2))", found: true,
			has: []string{"func fibonacci(n int) int"}},
		{name: "call just closed", ctx: testCtx, code: "x := fibonacci(3)|", found: true, has: []string{"func fibonacci(n int) int"}},
		{name: "inside call arguments", ctx: testCtx, code: "fmt.Println(1, |)", found: true, has: []string{"func Println("}},
		{name: "unknown", ctx: testCtx, code: "noSuchThing", found: false},
		{name: "unknown member", ctx: testCtx, code: "fmt.NoSuchThing", found: false},
		{name: "keyword", code: "for|", found: false},
		{name: "in string", ctx: testCtx, code: "x := \"fibonacci|\"", found: false},
		{name: "in magic", ctx: testCtx, code: "%fibonacci", found: false},
		{name: "nothing", code: "   ", found: false},
	}
	a := sharedAssistant(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, cursor := at(tc.code)
			got := a.Inspect(tc.ctx, code, cursor, tc.detail)
			if got.Found != tc.found {
				t.Fatalf("Found = %v, want %v; data %v", got.Found, tc.found, got.Data)
			}
			if !tc.found {
				if len(got.Data) != 0 {
					t.Errorf("data = %v, want empty", got.Data)
				}
				return
			}
			text, _ := got.Data["text/plain"].(string)
			md, _ := got.Data["text/markdown"].(string)
			for _, h := range tc.has {
				if !strings.Contains(text, h) {
					t.Errorf("text/plain lacks %q:\n%s", h, text)
				}
			}
			for _, h := range tc.hasnt {
				if strings.Contains(text, h) {
					t.Errorf("text/plain has %q:\n%s", h, text)
				}
			}
			if !strings.HasPrefix(md, "```") || !strings.Contains(md, text) {
				t.Errorf("text/markdown is not a code block of the text:\n%s", md)
			}
		})
	}
}
