package assist

import (
	"go/token"

	"github.com/gopar/gopar/internal/cellsrc"
)

// The code under the cursor is usually unfinished. To analyse it, a part of
// the cell is cut at a statement boundary and the brackets still open there
// are closed again. levels tracks, token by token, which brackets are open,
// which of them are statement blocks, and where the current statement of
// each block began.

type levelKind int

const (
	levelParen levelKind = iota
	levelBracket
	levelBlock    // a block of statements: function body, if/for/switch body, {...}
	levelLiteral  // a composite literal
	levelTypeBody // struct{...} or interface{...}
)

type level struct {
	kind      levelKind
	stmtStart int         // for blocks: where the current statement starts
	pending   token.Token // IF, FOR, SWITCH, SELECT or FUNC whose '{' is still to come
	typeBody  bool        // struct or interface seen, its '{' is still to come
}

type levels struct {
	toks  []cellsrc.Token
	root  level
	stack []level
}

func newLevels(toks []cellsrc.Token, start int) *levels {
	return &levels{toks: toks, root: level{kind: levelBlock, stmtStart: start}}
}

func (l *levels) top() *level {
	if len(l.stack) == 0 {
		return &l.root
	}
	return &l.stack[len(l.stack)-1]
}

// step feeds the token at index i.
func (l *levels) step(i int) {
	t := l.toks[i]
	top := l.top()
	switch t.Tok {
	case token.LPAREN:
		l.stack = append(l.stack, level{kind: levelParen})
	case token.LBRACK:
		l.stack = append(l.stack, level{kind: levelBracket})
	case token.LBRACE:
		kind := l.braceKind(i)
		l.stack = append(l.stack, level{kind: kind, stmtStart: t.End})
	case token.RPAREN, token.RBRACK, token.RBRACE:
		if len(l.stack) > 0 {
			l.stack = l.stack[:len(l.stack)-1]
		}
	case token.SEMICOLON:
		if top.kind == levelBlock {
			top.pending, top.typeBody = token.ILLEGAL, false
			top.stmtStart = t.End
		}
	case token.COLON:
		if top.kind == levelBlock && top.pending == token.ILLEGAL {
			top.stmtStart = t.End // after case x:, default: or a label
		}
	case token.IF, token.FOR, token.SWITCH, token.SELECT:
		if top.kind == levelBlock {
			top.pending = t.Tok
		}
	case token.FUNC:
		// func after ']' or 'chan' is a function type inside a slice, map
		// or channel type: no body follows.
		if i > 0 && (l.toks[i-1].Tok == token.RBRACK || l.toks[i-1].Tok == token.CHAN) {
			break
		}
		if top.pending == token.ILLEGAL {
			top.pending = token.FUNC
		}
	case token.STRUCT, token.INTERFACE:
		top.typeBody = true
	}
}

// braceKind classifies the '{' at index i and updates the pending state of
// the enclosing level.
func (l *levels) braceKind(i int) levelKind {
	top := l.top()
	switch {
	case top.typeBody:
		top.typeBody = false
		return levelTypeBody
	case top.pending == token.FUNC:
		top.pending = token.ILLEGAL
		return levelBlock
	case top.pending != token.ILLEGAL:
		if l.literalInHeader(i) {
			return levelLiteral
		}
		top.pending = token.ILLEGAL
		return levelBlock
	case top.kind == levelBlock:
		if i == 0 {
			return levelBlock
		}
		switch l.toks[i-1].Tok {
		case token.SEMICOLON, token.LBRACE, token.COLON, token.ELSE:
			return levelBlock
		}
		if l.toks[i-1].Off < top.stmtStart {
			return levelBlock
		}
	}
	return levelLiteral
}

// literalInHeader reports whether the '{' at index i, met in the header of
// an if/for/switch, opens a composite literal such as []int{1, 2} or
// map[string]int{} rather than the statement's body. A bare type name
// cannot start a literal there, so only types ending in [...]T count.
func (l *levels) literalInHeader(i int) bool {
	toks := l.toks
	j := i - 1
	if j < 0 || toks[j].Tok != token.IDENT {
		return false
	}
	j--
	if j >= 1 && toks[j].Tok == token.PERIOD && toks[j-1].Tok == token.IDENT {
		j -= 2
	}
	if j < 0 || toks[j].Tok != token.RBRACK {
		return false
	}
	k := cellsrc.MatchBackward(toks, j)
	if k <= 0 {
		return k == 0
	}
	switch toks[k-1].Tok {
	case token.MAP:
		return true
	case token.IDENT, token.RPAREN, token.RBRACK, token.RBRACE, token.STRING,
		token.INT, token.FLOAT, token.CHAR, token.IMAG:
		return false // an index expression: a[i]
	}
	return true
}

// innermost returns the index in stack of the innermost statement block,
// or -1 for the root.
func (l *levels) innermost() int {
	for k := len(l.stack) - 1; k >= 0; k-- {
		if l.stack[k].kind == levelBlock {
			return k
		}
	}
	return -1
}

// cut describes a part of a cellsrc.Part cut at a statement boundary: keep the
// text [cellsrc.Part start, keep), put the probe there, then write closers.
type cut struct {
	keep    int
	closers string
	root    bool // the probe sits at the top level of the cellsrc.Part
}

// cutAt scans the tokens of ch that start before off and returns the cut
// at the start of the statement containing off.
func cutAt(toks []cellsrc.Token, ch cellsrc.Part, off int) cut {
	l := newLevels(toks, ch.Start)
	for i, t := range toks {
		if t.Off < ch.Start {
			continue
		}
		// The semicolon Go adds at the end of the source has no width
		// and sits at the end of the last chunk.
		if t.End > off || (t.Off >= ch.End && t.End > t.Off) {
			break
		}
		l.step(i)
	}
	k := l.innermost()
	if k < 0 {
		return cut{keep: l.root.stmtStart, root: true}
	}
	c := cut{keep: l.stack[k].stmtStart}
	for j := k; j >= 0; j-- {
		switch l.stack[j].kind {
		case levelParen:
			c.closers += ")"
		case levelBracket:
			c.closers += "]"
		case levelBlock:
			c.closers += "\n}"
		default:
			c.closers += "}"
		}
	}
	return c
}

// stmtEnd returns the end of the statement containing off: the offset
// after its terminating semicolon, the offset of the '}' closing its block,
// or the end of the chunk.
func stmtEnd(toks []cellsrc.Token, ch cellsrc.Part, off int) int {
	l := newLevels(toks, ch.Start)
	target := -2
	for i, t := range toks {
		if t.Off < ch.Start {
			continue
		}
		if t.Off >= ch.End {
			break
		}
		if target == -2 && t.Off >= off {
			target = l.innermost()
		}
		if target != -2 {
			if t.Tok == token.RBRACE && len(l.stack) == target+1 && target >= 0 {
				return t.Off
			}
			l.step(i)
			if len(l.stack) == target+1 && (t.Tok == token.SEMICOLON ||
				(t.Tok == token.COLON && l.top().pending == token.ILLEGAL && l.top().kind == levelBlock)) {
				return t.End
			}
			if len(l.stack) < target+1 {
				return t.Off
			}
			continue
		}
		l.step(i)
	}
	return ch.End
}
