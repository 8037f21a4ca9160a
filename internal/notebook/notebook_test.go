package notebook

import (
	"sync"
	"testing"
)

type fake struct{ id string }

func (fake) UpdateHTML(id, html string) {}
func (f fake) UniqueID() string         { return f.id }

func TestAttach(t *testing.T) {
	if nb := Current(); nb != nil {
		t.Fatalf("a notebook is attached before any Attach: %v", nb)
	}
	a, b := fake{"a"}, fake{"b"}
	if prev := Attach(a); prev != nil {
		t.Errorf("first Attach replaced %v", prev)
	}
	if nb := Current(); nb != a {
		t.Errorf("Current() = %v, want %v", nb, a)
	}
	if prev := Attach(b); prev != a {
		t.Errorf("Attach(b) replaced %v, want %v", prev, a)
	}
	if prev := Attach(nil); prev != b {
		t.Errorf("Attach(nil) replaced %v, want %v", prev, b)
	}
	if nb := Current(); nb != nil {
		t.Errorf("Current() = %v after Attach(nil)", nb)
	}
}

// TestConcurrentUse is for the race detector: libraries read the notebook
// from their own goroutines.
func TestConcurrentUse(t *testing.T) {
	defer Attach(nil)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 100 {
				if i%2 == 0 {
					Attach(fake{"x"})
				} else if nb := Current(); nb != nil {
					_ = nb.UniqueID()
				}
			}
		})
	}
	wg.Wait()
}
