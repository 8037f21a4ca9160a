package assist

import (
	"go/token"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds what completion, inspection and IsComplete share on top
// of the cell reader (package cellsrc): cursor offsets, identifiers, and a
// text builder that remembers where each copied piece came from.

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
