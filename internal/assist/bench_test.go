package assist

import "testing"

// BenchmarkCompleteFmtFirst measures a completion after "fmt." by a new
// Assistant: the standard library index, `go list -export` and reading
// export data are all paid for.
func BenchmarkCompleteFmtFirst(b *testing.B) {
	for b.Loop() {
		a := New("")
		if got := a.Complete(Context{}, "fmt.Printl", 10); len(got.Matches) != 1 {
			b.Fatalf("matches %v", got.Matches)
		}
	}
}

// BenchmarkCompleteFmtCached measures the same completion once the
// package is cached.
func BenchmarkCompleteFmtCached(b *testing.B) {
	a := New("")
	a.Complete(Context{}, "fmt.Printl", 10)
	for b.Loop() {
		if got := a.Complete(Context{}, "fmt.Printl", 10); len(got.Matches) != 1 {
			b.Fatalf("matches %v", got.Matches)
		}
	}
}

// BenchmarkCompleteContextCached completes a struct field with earlier
// cells' declarations and carried variables, packages cached.
func BenchmarkCompleteContextCached(b *testing.B) {
	a := New("")
	code := "for idx, word := range words {\n\tfmt.Println(idx, word, origin.N"
	a.Complete(testCtx, code, len(code))
	for b.Loop() {
		if got := a.Complete(testCtx, code, len(code)); len(got.Matches) != 1 {
			b.Fatalf("matches %v", got.Matches)
		}
	}
}

// BenchmarkInspectCached inspects fmt.Println with go doc's output cached.
func BenchmarkInspectCached(b *testing.B) {
	a := New("")
	a.Inspect(testCtx, "fmt.Println", 11, 0)
	for b.Loop() {
		if got := a.Inspect(testCtx, "fmt.Println", 11, 0); !got.Found {
			b.Fatal("not found")
		}
	}
}

func BenchmarkIsComplete(b *testing.B) {
	code := "import \"fmt\"\nfunc f(n int) int {\n\treturn n * 2\n}\nfor i := range 10 {\n\tfmt.Println(f(i))\n}"
	for b.Loop() {
		if IsComplete(code).Status != StatusComplete {
			b.Fatal("not complete")
		}
	}
}
