package cellsrc

// State is what the lexer knows at a byte offset of a cell: whether it
// sits in Go code, inside a comment or a literal, or on a magic line.
// go/scanner cannot be told about magic lines, which are not Go, so this
// small lexer finds them first.
type State int

const (
	Code State = iota
	LineComment
	BlockComment
	String
	Rune
	RawString
	MagicLine // a line starting with % or ! (or //gonb:% or //gonb:!), and its \-continuations
)

// lex walks src and calls visit at every byte offset i with the state that
// holds just before src[i], and once more at len(src).
func lex(src string, visit func(i int, st State)) {
	st := Code
	lineStart := true
	for i := 0; i < len(src); i++ {
		c := src[i]
		if lineStart && st == Code {
			j := i
			for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
				j++
			}
			j += gonbPrefixLen(src[j:])
			if j < len(src) && (src[j] == '%' || src[j] == '!') {
				st = MagicLine
			}
		}
		lineStart = false
		visit(i, st)
		switch st {
		case Code:
			switch c {
			case '/':
				if i+1 < len(src) && src[i+1] == '/' {
					st = LineComment
					i++
					visit(i, LineComment)
				} else if i+1 < len(src) && src[i+1] == '*' {
					st = BlockComment
					i++
					visit(i, BlockComment)
				}
			case '"':
				st = String
			case '\'':
				st = Rune
			case '`':
				st = RawString
			case '\n':
				lineStart = true
			}
		case LineComment:
			if c == '\n' {
				st = Code
				lineStart = true
			}
		case MagicLine:
			// A shell command or magic ending in a backslash goes on
			// on the next line, as in a shell.
			if c == '\n' && !(i > 0 && src[i-1] == '\\') {
				st = Code
				lineStart = true
			}
		case BlockComment:
			if c == '*' && i+1 < len(src) && src[i+1] == '/' {
				i++
				visit(i, BlockComment)
				st = Code
			}
		case String, Rune:
			switch {
			case c == '\\' && i+1 < len(src) && src[i+1] != '\n':
				i++
				visit(i, st)
			case c == '\n':
				st = Code
				lineStart = true
			case (st == String && c == '"') || (st == Rune && c == '\''):
				st = Code
			}
		case RawString:
			if c == '`' {
				st = Code
			}
		}
	}
	visit(len(src), st)
}

// StateAt reports the lexer state just before byte offset off of code.
func StateAt(code string, off int) State {
	off = min(max(off, 0), len(code))
	st := Code
	lex(code[:off], func(i int, s State) {
		if i == off {
			st = s
		}
	})
	return st
}

// gonbPrefix may start a magic line, as GoNB allows, so that the line is
// a Go comment to editors outside the notebook: "//gonb:%%".
const gonbPrefix = "//gonb:"

// gonbPrefixLen returns the length of a gonbPrefix that s starts with and
// a magic follows, or 0.
func gonbPrefixLen(s string) int {
	if len(s) > len(gonbPrefix) && s[:len(gonbPrefix)] == gonbPrefix && (s[len(gonbPrefix)] == '%' || s[len(gonbPrefix)] == '!') {
		return len(gonbPrefix)
	}
	return 0
}
