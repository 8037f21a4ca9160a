package assist

import (
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/cellsrc"
)

// Completeness statuses of an is_complete_reply.
const (
	StatusComplete   = "complete"
	StatusIncomplete = "incomplete"
	StatusInvalid    = "invalid"
)

// IsComplete answers an is_complete_request for a cell.
//
// The cell is "complete" when it parses as a cell (declarations and
// statements in any order, magic and shell lines allowed). It is
// "incomplete" when more lines can finish it: a bracket, a block, a raw
// string or a block comment is still open (Indent is four spaces per open
// bracket), or the last token asks for more on the next line, as an
// operator, a comma or a keyword such as func does (Indent ""). It is
// "invalid" when no further line can fix it: an unbalanced closing
// bracket, or a syntax error before the end. Go ends a statement at a
// newline after a name, a literal or a closing bracket, so `if x` is
// invalid: the '{' cannot come on the next line.
func IsComplete(code string) cell.Completeness {
	invalid := cell.Completeness{Status: StatusInvalid}
	c := cellsrc.Read(code)
	src := c.Src
	if strings.TrimSpace(src) == "" {
		return cell.Completeness{Status: StatusComplete}
	}

	// Brackets.
	var stack []token.Token
	for _, t := range c.Toks {
		if c.ErrOff >= 0 && t.Off >= c.ErrOff {
			break
		}
		switch t.Tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			stack = append(stack, t.Tok)
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if len(stack) == 0 || stack[len(stack)-1] != opener(t.Tok) {
				return invalid
			}
			stack = stack[:len(stack)-1]
		}
	}
	indent := strings.Repeat("    ", len(stack))
	if c.ErrOff >= 0 {
		if strings.Contains(c.ErrMsg, "raw string literal not terminated") ||
			strings.Contains(c.ErrMsg, "comment not terminated") {
			return cell.Completeness{Status: StatusIncomplete, Indent: indent}
		}
		return invalid
	}

	// The last token, leaving out the semicolon Go puts at the end.
	toks := c.Toks
	if n := len(toks); n > 0 && toks[n-1].Tok == token.SEMICOLON && toks[n-1].Lit == "\n" {
		toks = toks[:n-1]
	}
	if len(toks) == 0 {
		return cell.Completeness{Status: StatusComplete}
	}
	last := toks[len(toks)-1]
	open := len(stack) > 0 || !endsStatement(last.Tok)

	errOff, ok := firstSyntaxError(c)
	switch {
	case ok && !open:
		return cell.Completeness{Status: StatusComplete}
	case !open:
		return invalid
	case !ok && errOff < last.End:
		return invalid // wrong before the end: more lines cannot help
	}
	return cell.Completeness{Status: StatusIncomplete, Indent: indent}
}

func opener(closer token.Token) token.Token {
	switch closer {
	case token.RPAREN:
		return token.LPAREN
	case token.RBRACK:
		return token.LBRACK
	}
	return token.LBRACE
}

// endsStatement reports whether a newline after t ends the statement: the
// tokens after which Go inserts a semicolon, and ';' itself.
func endsStatement(t token.Token) bool {
	switch t {
	case token.IDENT, token.INT, token.FLOAT, token.IMAG, token.CHAR, token.STRING,
		token.BREAK, token.CONTINUE, token.FALLTHROUGH, token.RETURN,
		token.INC, token.DEC, token.RPAREN, token.RBRACK, token.RBRACE, token.SEMICOLON:
		return true
	}
	return false
}

// firstSyntaxError parses the cell, each statement run wrapped in a
// function of its own so the order of parts is kept, and returns the
// smallest cell offset of a syntax error (len(src) for errors in the
// wrapping), with ok true when there is none.
func firstSyntaxError(c *cellsrc.Cell) (int, bool) {
	src := c.Src
	b := &builder{}
	b.lit("package main\n")
	for _, ch := range c.Parts {
		switch {
		case ch.Kind == token.PACKAGE:
		case ch.Decl():
			b.copy(src, ch.Start, ch.End)
			b.lit("\n")
		default:
			b.lit("func _() {\n")
			b.copy(src, ch.Start, ch.End)
			b.lit("\n}\n")
		}
	}
	_, err := parser.ParseFile(token.NewFileSet(), "cell.go", b.String(), parser.AllErrors|parser.SkipObjectResolution)
	if err == nil {
		return 0, true
	}
	first := len(src)
	if list, ok := err.(scanner.ErrorList); ok {
		for _, e := range list {
			if off, _ := b.toOrig(e.Pos.Offset, len(src)); off < first {
				first = off
			}
		}
	} else {
		first = 0
	}
	return first, false
}
