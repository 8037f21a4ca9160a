// Package cellsrc is the one reader of cell source. The engine (to run a
// cell) and code assistance (to complete, inspect and judge whether a
// cell is complete) both read cells through it, so they agree on what is
// a magic line, where the top-level parts of a cell begin and end, and
// which names a declaration defines.
//
// Reading is tolerant: a cell that does not lex still gets its magics,
// tokens and parts, with the first error recorded. The engine refuses
// such a cell (Cell.Err); completion and is_complete work on unfinished
// code and look at the error themselves.
package cellsrc

import (
	"fmt"
	"go/scanner"
	"go/token"
	"slices"
	"strings"
)

// A Magic is a line of a cell that is not Go: a %magic, a !shell command,
// or the %% marker.
type Magic struct {
	Line int    // 1-based cell line it starts on
	Text string // without the leading % or !; continuation lines joined with "\n"
	// Shell is set for a ! line.
	Shell bool
	// Body is the rest of the cell after a cell magic whose body is not
	// Go (%%writefile, %%bash, %%sh, %%script).
	Body string
	// CellMarker is set for a "%%" line, GoNB's marker for the start of
	// main's body; what follows is code. Text holds the program
	// arguments written after it.
	CellMarker bool
}

// A Token is a Go token of a cell with byte offsets into the cell.
type Token struct {
	Off, End int
	Tok      token.Token
	Lit      string
}

// A Part is one top-level piece of a cell: a declaration (import, type,
// var, const, func, package clause) or one statement. Parts cover the
// cell without gaps, in order; a doc comment directly above a declaration
// belongs to it.
type Part struct {
	Start, End int
	// Lead is where the part's text begins: its doc comment, else its
	// first token. CodeEnd is the end of its last token, before any
	// comment on that line.
	Lead, CodeEnd int
	// Kind is IMPORT, TYPE, VAR, CONST, FUNC or PACKAGE for a
	// declaration, ILLEGAL for a statement.
	Kind token.Token
}

// Decl reports whether the part is a declaration.
func (p Part) Decl() bool { return p.Kind != token.ILLEGAL }

// A Cell is a cell read once.
type Cell struct {
	Code string // as received
	// Src is Code with every magic line blanked to spaces: the same byte
	// offsets, Go source only.
	Src      string
	Magics   []Magic
	Toks     []Token // tokens of Src, comments apart
	Comments []Token
	Parts    []Part
	// ErrOff is the offset of the first lexical error, -1 when none, and
	// ErrMsg its message.
	ErrOff int
	ErrMsg string

	lines []int // offsets where lines start
}

// Error is a problem in a cell's source, with the cell line it is on.
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Read reads a cell.
func Read(code string) *Cell {
	c := &Cell{Code: code, ErrOff: -1}
	c.lines = append(c.lines, 0)
	for i := 0; i < len(code); i++ {
		if code[i] == '\n' {
			c.lines = append(c.lines, i+1)
		}
	}
	if c.readBodyMagic() {
		c.split()
		return c
	}
	c.Src = c.extractMagics()
	c.scan()
	c.split()
	return c
}

// bodyMagics are the cell magics whose body, the rest of the cell, is not
// Go: a file's content, or a script.
var bodyMagics = []string{"writefile", "bash", "sh", "script"}

// readBodyMagic reads a cell whose first line is one of bodyMagics: the
// line is its only magic, the rest its Body, and there is no Go.
func (c *Cell) readBodyMagic() bool {
	first, rest, _ := strings.Cut(c.Code, "\n")
	line := strings.TrimSpace(first)
	line = line[gonbPrefixLen(line):]
	name, _, _ := strings.Cut(strings.TrimPrefix(line, "%%"), " ")
	if !strings.HasPrefix(line, "%%") || !slices.Contains(bodyMagics, name) {
		return false
	}
	c.Magics = []Magic{{Line: 1, Text: strings.TrimSpace(line[1:]), Body: rest}}
	c.Src = strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		return ' '
	}, c.Code)
	return true
}

// Err returns the first lexical error as an *Error, or nil.
func (c *Cell) Err() error {
	if c.ErrOff < 0 {
		return nil
	}
	line, col := c.Position(c.ErrOff)
	return &Error{Line: line, Col: col, Msg: c.ErrMsg}
}

// Line returns the 1-based cell line of a byte offset.
func (c *Cell) Line(off int) int {
	line, _ := c.Position(off)
	return line
}

// Position returns the 1-based line and column (in bytes) of an offset.
func (c *Cell) Position(off int) (line, col int) {
	lo, hi := 0, len(c.lines)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if c.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1, off - c.lines[lo] + 1
}

// Text returns a part's source: from its doc comment or first token to
// the end of its last token.
func (c *Cell) Text(p Part) string {
	return strings.TrimRight(c.Src[p.Lead:p.CodeEnd], " \t\r\n;")
}

// PartAt returns the index of the part holding byte offset off.
func (c *Cell) PartAt(off int) int {
	for i, p := range c.Parts {
		if off < p.End {
			return i
		}
	}
	return len(c.Parts) - 1
}

// HasPackageClause reports whether the cell starts with a package clause.
func (c *Cell) HasPackageClause() bool {
	return len(c.Toks) > 0 && c.Toks[0].Tok == token.PACKAGE
}

// extractMagics records the magic lines and returns the source with them
// blanked.
func (c *Cell) extractMagics() string {
	code := c.Code
	if !strings.ContainsAny(code, "%!") {
		return code
	}
	b := []byte(code)
	start := -1 // start of the magic being read
	lex(code, func(i int, st State) {
		if start >= 0 && i > 0 && code[i-1] == '\n' && (i < 2 || code[i-2] != '\\') {
			// A magic line ends at a newline it does not escape, even
			// when a magic line follows.
			c.addMagic(start, i)
			start = -1
		}
		if st == MagicLine {
			if start < 0 {
				start = i
			}
			if i < len(b) && b[i] != '\n' {
				b[i] = ' '
			}
			return
		}
		if start >= 0 {
			c.addMagic(start, i)
			start = -1
		}
	})
	if start >= 0 {
		c.addMagic(start, len(code))
	}
	return string(b)
}

// addMagic records the magic in code[from:to], which ends with the
// newline after it, if any.
func (c *Cell) addMagic(from, to int) {
	text := strings.TrimSpace(c.Code[from:to])
	text = text[gonbPrefixLen(text):]
	m := Magic{Line: c.Line(from), Shell: text[0] == '!'}
	if text == "%%" || strings.HasPrefix(text, "%% ") {
		m.CellMarker = true
		text = text[1:] // the rest are the program's arguments
	}
	m.Text = strings.TrimSpace(strings.ReplaceAll(text[1:], "\\\n", "\n"))
	c.Magics = append(c.Magics, m)
}

func (c *Cell) scan() {
	src := c.Src
	fset := token.NewFileSet()
	file := fset.AddFile("cell.go", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(pos token.Position, msg string) {
		if c.ErrOff < 0 {
			c.ErrOff, c.ErrMsg = pos.Offset, msg
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
		end = min(end, len(src))
		tk := Token{Off: off, End: end, Tok: t, Lit: lit}
		if t == token.COMMENT {
			c.Comments = append(c.Comments, tk)
			continue
		}
		c.Toks = append(c.Toks, tk)
	}
}

// split cuts the cell into parts. A part ends at a newline (an automatic
// semicolon) outside any brackets: explicit semicolons also separate the
// clauses of for, if and switch headers, and "a := 1; b := 2" on one line
// stays one statement. Its first token says what it is; func starts a
// declaration only when a name follows (after a receiver, for methods),
// so func() {...}() is a statement.
func (c *Cell) split() {
	toks := c.Toks
	depth := 0
	first := -1 // index of the first token of the current part
	var parts []Part
	end := func(i int) { // the part ends before token i
		if first < 0 {
			return
		}
		p := Part{Lead: toks[first].Off, CodeEnd: toks[i-1].End, Kind: token.ILLEGAL}
		switch t := toks[first].Tok; t {
		case token.IMPORT, token.TYPE, token.VAR, token.CONST, token.PACKAGE:
			p.Kind = t
		case token.FUNC:
			if funcIsDecl(toks, first) {
				p.Kind = token.FUNC
			}
		}
		if p.Decl() {
			floor := -1 // no code before
			if len(parts) > 0 {
				floor = parts[len(parts)-1].CodeEnd
			}
			p.Lead = docStart(c.Src, c.Comments, p.Lead, floor)
		}
		parts = append(parts, p)
		first = -1
	}
	for i, t := range toks {
		if t.Tok == token.SEMICOLON && t.Lit == "\n" && depth == 0 {
			end(i)
			continue
		}
		if first < 0 {
			if t.Tok == token.SEMICOLON {
				continue // an empty statement starts nothing
			}
			first = i
		}
		switch t.Tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth = max(depth-1, 0)
		}
	}
	end(len(toks))
	if len(parts) == 0 {
		parts = []Part{{Kind: token.ILLEGAL}}
	}
	// Cover the cell: each part runs to where the next one's text begins.
	parts[0].Start = 0
	for i := 1; i < len(parts); i++ {
		parts[i].Start = parts[i].Lead
		parts[i-1].End = parts[i].Start
	}
	parts[len(parts)-1].End = len(c.Src)
	c.Parts = parts
}

// funcIsDecl tells a function or method declaration (func f(, func (r T)
// M() from a function literal used as a statement (func() {...}()).
// Unfinished code counts as a declaration: most likely a method being
// written.
func funcIsDecl(toks []Token, i int) bool {
	if i+1 >= len(toks) {
		return true
	}
	switch toks[i+1].Tok {
	case token.IDENT:
		return true
	case token.LPAREN:
		j := MatchForward(toks, i+1)
		if j < 0 || j+1 >= len(toks) {
			return true
		}
		return toks[j+1].Tok == token.IDENT
	}
	return false
}

// MatchForward returns the index of the token closing the bracket at i,
// or -1 when it is not closed.
func MatchForward(toks []Token, i int) int { return matchBracket(toks, i, 1) }

// MatchBackward returns the index of the token opening the bracket closed
// at i, or -1.
func MatchBackward(toks []Token, i int) int { return matchBracket(toks, i, -1) }

// matchBracket walks from the bracket at i in direction dir (1 forward, -1
// backward) to the one that matches it.
func matchBracket(toks []Token, i, dir int) int {
	depth := 0
	for j := i; j >= 0 && j < len(toks); j += dir {
		switch toks[j].Tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth += dir
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth -= dir
		}
		if j != i && depth == 0 {
			return j
		}
		if depth < 0 {
			return -1
		}
	}
	return -1
}

// docStart returns where the comment block ending on the line just above
// off begins, or off when there is none. A comment on the line of the code
// before it, which ends at floor, belongs to that code.
func docStart(src string, comments []Token, off, floor int) int {
	start := off
	for k := len(comments) - 1; k >= 0; k-- {
		cm := comments[k]
		if cm.End > start {
			continue
		}
		gap := src[cm.End:start]
		if strings.TrimSpace(gap) != "" || strings.Count(gap, "\n") > 1 ||
			(floor >= 0 && (cm.Off < floor || !strings.Contains(src[floor:cm.Off], "\n"))) {
			break
		}
		start = cm.Off
	}
	return start
}
