package parallel

import "sync/atomic"

// tokenBudget is the process-wide count of extra goroutines running items.
// The goroutine that makes a call always runs items itself without a token;
// every other worker holds a token while it runs. With GOMAXPROCS-1 tokens,
// a top-level call gets all cores, and a call made from inside an item (whose
// goroutine already holds a token or is the outer caller) finds the tokens
// taken and runs its items itself, so nesting never multiplies the number of
// busy goroutines. Tokens are only ever tried, never waited for, so nesting
// cannot deadlock.
type tokenBudget struct {
	inUse atomic.Int64
}

var budget tokenBudget

// tryAcquire takes a token if fewer than capacity are in use.
func (b *tokenBudget) tryAcquire(capacity int) bool {
	for {
		n := b.inUse.Load()
		if n >= int64(capacity) {
			return false
		}
		if b.inUse.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (b *tokenBudget) release() { b.inUse.Add(-1) }

// tokenCapacity is the number of tokens for the current GOMAXPROCS: one
// core is the caller's.
func tokenCapacity() int { return maxProcs() - 1 }
