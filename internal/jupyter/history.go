package jupyter

import (
	"sync"
	"unicode/utf8"
)

// currentSession is the session number of the running kernel in history
// replies. History lives in memory only, so there is never an earlier
// session to look up.
const currentSession = 1

// history keeps the inputs (and text/plain results) of the cells of this
// kernel session, numbered by execution count, and answers
// history_request the way ipykernel does.
type history struct {
	mu      sync.Mutex
	entries []historyEntry // in increasing line order
}

type historyEntry struct {
	line   int
	input  string
	output *string // text/plain of the execute_result, nil when none
}

// add records one executed cell.
func (h *history) add(line int, input string, output *string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, historyEntry{line: line, input: input, output: output})
}

// item renders an entry as the protocol's 3-element list:
// [session, line, input] or [session, line, [input, output]].
func (e historyEntry) item(withOutput bool) []any {
	if !withOutput {
		return []any{currentSession, e.line, e.input}
	}
	var out any // JSON null when there is no output
	if e.output != nil {
		out = *e.output
	}
	return []any{currentSession, e.line, []any{e.input, out}}
}

func items(entries []historyEntry, withOutput bool) [][]any {
	out := make([][]any, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.item(withOutput))
	}
	return out
}

// tail returns the last n entries, oldest first.
func (h *history) tail(n int, withOutput bool) [][]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n <= 0 {
		return [][]any{}
	}
	start := max(len(h.entries)-n, 0)
	return items(h.entries[start:], withOutput)
}

// lines returns the entries of a session whose line number is in
// [start, stop). As in IPython, session 0 or below counts back from the
// current session, a negative start or stop counts back from the line
// after the last, and stop 0 means to the end.
func (h *history) lines(session, start, stop int, withOutput bool) [][]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	if session <= 0 {
		session += currentSession
	}
	if session != currentSession {
		return [][]any{}
	}
	end := 1 // one past the last line number
	if len(h.entries) > 0 {
		end = h.entries[len(h.entries)-1].line + 1
	}
	if start < 0 {
		start += end
	}
	switch {
	case stop == 0 || stop > end:
		stop = end
	case stop < 0:
		stop += end
	}
	var sel []historyEntry
	for _, e := range h.entries {
		if e.line >= start && e.line < stop {
			sel = append(sel, e)
		}
	}
	return items(sel, withOutput)
}

// search returns the entries whose input matches the glob pattern (* and
// ?), oldest first. With unique, only the latest of equal inputs is kept;
// with n > 0, only the last n matches.
func (h *history) search(pattern string, unique bool, n int, withOutput bool) [][]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var sel []historyEntry
	seen := map[string]bool{}
	for i := len(h.entries) - 1; i >= 0; i-- {
		e := h.entries[i]
		if !globMatch(pattern, e.input) {
			continue
		}
		if unique {
			if seen[e.input] {
				continue
			}
			seen[e.input] = true
		}
		sel = append(sel, e)
		if n > 0 && len(sel) == n {
			break
		}
	}
	for i, j := 0, len(sel)-1; i < j; i, j = i+1, j-1 {
		sel[i], sel[j] = sel[j], sel[i]
	}
	return items(sel, withOutput)
}

// globMatch reports whether s as a whole matches pattern, where * matches
// any run of characters (newlines included) and ? any one character; every
// other character matches itself. This is SQLite GLOB, which IPython's
// history search uses, without character classes.
func globMatch(pattern, s string) bool {
	// Iterative matching with one backtrack point: the last star seen.
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			pc, pw := utf8.DecodeRuneInString(pattern[p:])
			_, sw := utf8.DecodeRuneInString(s[i:])
			switch {
			case pc == '*':
				starP, starI = p, i
				p += pw
				continue
			case pc == '?' || pattern[p:p+pw] == s[i:i+sw]:
				p += pw
				i += sw
				continue
			}
		}
		if starP < 0 {
			return false
		}
		_, sw := utf8.DecodeRuneInString(s[starI:])
		starI += sw
		i = starI
		p = starP + 1
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
