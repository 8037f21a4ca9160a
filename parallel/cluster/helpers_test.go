package cluster

import (
	"strings"
	"time"
)

func square(x int) int { return x * x }

func identity(s string) string { return s }

// slowSquare takes about 20 ms of CPU.
func slowSquare(x int) int {
	end := time.Now().Add(20 * time.Millisecond)
	for time.Now().Before(end) {
	}
	return x * x
}

func panicsOnSeven(x int) int {
	if x == 7 {
		panic("seven")
	}
	return x
}

func words(line string, emit func(string, int)) {
	for _, w := range strings.Fields(line) {
		emit(w, 1)
	}
}

func sum(a, b int) int { return a + b }
