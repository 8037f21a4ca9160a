package assist

import (
	"go/scanner"
	"go/token"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the cell-level source handling shared by completion,
// inspection and IsComplete: magic lines, tokens, the split of a cell into
// top-level parts, and a text builder that remembers where each copied
// piece came from.

// byteOffset converts a cursor counted in Unicode code points into a byte
// offset in s, clamped to [0, len(s)].
func byteOffset(s string, cursor int) int {
	if cursor <= 0 {
		return 0
	}
	n := 0
	for i := range s {
		if n == cursor {
			return i
		}
		n++
	}
	return len(s)
}

// runeOffset converts a byte offset in s into a count of code points.
func runeOffset(s string, off int) int {
	if off > len(s) {
		off = len(s)
	}
	if off < 0 {
		off = 0
	}
	return utf8.RuneCountInString(s[:off])
}

// lexState is what a minimal lexer knows at a byte offset: whether it sits
// inside a comment or a literal, where the magic and shell lines cannot be
// recognised and where completion makes no sense.
type lexState int

const (
	lexCode lexState = iota
	lexLineComment
	lexBlockComment
	lexString
	lexRune
	lexRaw
	lexMagic // a line starting with % or ! (a magic or a shell command)
)

// lexScan walks src and calls visit at every byte offset i with the state
// that holds just before src[i], and once more at len(src). It exists
// because go/scanner cannot be told about magic lines, which are not Go.
func lexScan(src string, visit func(i int, st lexState)) {
	st := lexCode
	lineStart := true
	for i := 0; i < len(src); i++ {
		c := src[i]
		if lineStart && st == lexCode {
			j := i
			for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
				j++
			}
			if j < len(src) && (src[j] == '%' || src[j] == '!') {
				st = lexMagic
			}
		}
		lineStart = false
		visit(i, st)
		switch st {
		case lexCode:
			switch c {
			case '/':
				if i+1 < len(src) && src[i+1] == '/' {
					st = lexLineComment
					i++
					visit(i, lexLineComment)
				} else if i+1 < len(src) && src[i+1] == '*' {
					st = lexBlockComment
					i++
					visit(i, lexBlockComment)
				}
			case '"':
				st = lexString
			case '\'':
				st = lexRune
			case '`':
				st = lexRaw
			case '\n':
				lineStart = true
			}
		case lexLineComment, lexMagic:
			if c == '\n' {
				st = lexCode
				lineStart = true
			}
		case lexBlockComment:
			if c == '*' && i+1 < len(src) && src[i+1] == '/' {
				i++
				visit(i, lexBlockComment)
				st = lexCode
			}
		case lexString, lexRune:
			switch {
			case c == '\\' && i+1 < len(src) && src[i+1] != '\n':
				i++
				visit(i, st)
			case c == '\n':
				st = lexCode
				lineStart = true
			case (st == lexString && c == '"') || (st == lexRune && c == '\''):
				st = lexCode
			}
		case lexRaw:
			if c == '`' {
				st = lexCode
			}
		}
	}
	visit(len(src), st)
}

// blankMagics returns src with every magic and shell line replaced by
// spaces. Byte offsets stay the same, so positions found in the result are
// positions in src.
func blankMagics(src string) string {
	if !strings.ContainsAny(src, "%!") {
		return src
	}
	b := []byte(src)
	changed := false
	lexScan(src, func(i int, st lexState) {
		if st == lexMagic && i < len(b) && b[i] != '\n' {
			b[i] = ' '
			changed = true
		}
	})
	if !changed {
		return src
	}
	return string(b)
}

// stateAt reports the lexer state just before byte offset off.
func stateAt(src string, off int) lexState {
	st := lexCode
	lexScan(src[:off], func(i int, s lexState) {
		if i == off {
			st = s
		}
	})
	return st
}

// tok is one token of a cell with byte offsets into the cell source.
type tok struct {
	off, end int
	tok      token.Token
	lit      string
}

// scanResult holds the tokens of a cell (comments apart) and the first
// scanner error.
type scanResult struct {
	toks     []tok
	comments []tok
	errOff   int // offset of the first scanner error, -1 when none
	errMsg   string
}

// scanCell tokenizes src, which must have its magic lines blanked.
func scanCell(src string) scanResult {
	fset := token.NewFileSet()
	file := fset.AddFile("cell.go", -1, len(src))
	res := scanResult{errOff: -1}
	var s scanner.Scanner
	s.Init(file, []byte(src), func(pos token.Position, msg string) {
		if res.errOff < 0 {
			res.errOff, res.errMsg = pos.Offset, msg
		}
	}, scanner.ScanComments)
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		off := file.Offset(pos)
		end := off + len(lit)
		switch {
		case t == token.SEMICOLON && lit == "\n":
			end = off + 1
		case lit == "":
			end = off + len(t.String())
		}
		if end > len(src) {
			end = len(src)
		}
		tk := tok{off: off, end: end, tok: t, lit: lit}
		if t == token.COMMENT {
			res.comments = append(res.comments, tk)
			continue
		}
		res.toks = append(res.toks, tk)
	}
	return res
}

// chunk is one top-level part of a cell: a declaration (import, type, var,
// const, func, package clause) or a run of statements. Chunks cover the
// cell without gaps, in order.
type chunk struct {
	start, end int
	kind       token.Token // IMPORT, TYPE, VAR, CONST, FUNC, PACKAGE; ILLEGAL for statements
}

func (c chunk) decl() bool { return c.kind != token.ILLEGAL }

// splitChunks splits a cell into top-level parts. A declaration keyword at
// nesting depth zero at the start of a statement begins a declaration;
// anything else is a statement. A doc comment directly above a declaration
// belongs to it.
func splitChunks(src string, sc scanResult) []chunk {
	toks := sc.toks
	chunks := []chunk{{start: 0, kind: token.ILLEGAL}}
	depth := 0
	stmtStart := true
	for i, t := range toks {
		if depth == 0 && stmtStart {
			kind := token.ILLEGAL
			switch t.tok {
			case token.IMPORT, token.TYPE, token.VAR, token.CONST, token.PACKAGE:
				kind = t.tok
			case token.FUNC:
				if funcIsDecl(toks, i) {
					kind = token.FUNC
				}
			}
			cur := &chunks[len(chunks)-1]
			if kind != token.ILLEGAL || cur.decl() {
				start := docStart(src, sc.comments, t.off)
				if start < cur.start {
					start = cur.start
				}
				if start == cur.start && len(chunks) == 1 && cur.kind == token.ILLEGAL {
					// The cell begins with this part: retype the first chunk.
					cur.kind = kind
				} else {
					cur.end = start
					chunks = append(chunks, chunk{start: start, kind: kind})
				}
			}
		}
		switch t.tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
		}
		stmtStart = depth == 0 && t.tok == token.SEMICOLON
	}
	chunks[len(chunks)-1].end = len(src)
	return chunks
}

// funcIsDecl tells a function or method declaration (func f(, func (r T) M()
// from a function literal used as a statement (func() {...}()).
func funcIsDecl(toks []tok, i int) bool {
	if i+1 >= len(toks) {
		return true
	}
	switch toks[i+1].tok {
	case token.IDENT:
		return true
	case token.LPAREN:
		j := matchForward(toks, i+1)
		if j < 0 || j+1 >= len(toks) {
			return true // unfinished: most likely a method being written
		}
		return toks[j+1].tok == token.IDENT
	}
	return false
}

// matchForward returns the index of the token closing the bracket at i, or
// -1 when it is not closed.
func matchForward(toks []tok, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		switch toks[j].tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// matchBackward returns the index of the token opening the bracket closed
// at i, or -1.
func matchBackward(toks []tok, i int) int {
	depth := 0
	for j := i; j >= 0; j-- {
		switch toks[j].tok {
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth++
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// docStart returns where the comment block ending on the line just above
// off begins, or off when there is none.
func docStart(src string, comments []tok, off int) int {
	start := off
	for k := len(comments) - 1; k >= 0; k-- {
		c := comments[k]
		if c.end > start {
			continue
		}
		gap := src[c.end:start]
		if strings.TrimSpace(gap) != "" || strings.Count(gap, "\n") > 1 {
			break
		}
		start = c.off
	}
	return start
}

// builder assembles a Go file from literal text and pieces copied from a
// cell, keeping a map from offsets in the result to offsets in the cell.
type builder struct {
	buf    strings.Builder
	pieces []piece
}

type piece struct{ syn, orig, n int }

func (b *builder) lit(s string) { b.buf.WriteString(s) }

func (b *builder) copy(src string, from, to int) {
	if to <= from {
		return
	}
	b.pieces = append(b.pieces, piece{syn: b.buf.Len(), orig: from, n: to - from})
	b.buf.WriteString(src[from:to])
}

func (b *builder) len() int { return b.buf.Len() }

func (b *builder) String() string { return b.buf.String() }

// toOrig maps an offset in the built text to the cell. Offsets in literal
// text map to the start of the next copied piece (or to end when none
// follows), with ok false.
func (b *builder) toOrig(syn, end int) (orig int, ok bool) {
	for _, p := range b.pieces {
		if syn < p.syn {
			return p.orig, false
		}
		if syn < p.syn+p.n || (syn == p.syn+p.n && syn == b.len()) {
			return p.orig + syn - p.syn, true
		}
	}
	return end, false
}

// toSyn maps a cell offset to the built text.
func (b *builder) toSyn(orig int) (int, bool) {
	for _, p := range b.pieces {
		if orig >= p.orig && orig <= p.orig+p.n {
			return p.syn + orig - p.orig, true
		}
	}
	return 0, false
}

// isIdentRune reports whether r may appear in a Go identifier.
func isIdentRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// identBefore returns the start of the identifier characters that end at
// off.
func identBefore(src string, off int) int {
	start := off
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(src[:start])
		if !isIdentRune(r) {
			break
		}
		start -= n
	}
	return start
}

// identAfter returns the end of the identifier characters that start at
// off.
func identAfter(src string, off int) int {
	end := off
	for end < len(src) {
		r, n := utf8.DecodeRuneInString(src[end:])
		if !isIdentRune(r) {
			break
		}
		end += n
	}
	return end
}

// goKeywords lists the Go keywords, sorted.
func goKeywords() []string {
	var kw []string
	for t := token.BREAK; t <= token.VAR; t++ {
		if t.IsKeyword() {
			kw = append(kw, t.String())
		}
	}
	return kw
}
