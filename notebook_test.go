package main

import (
	"testing"

	"github.com/gopar/gopar/internal/cell"
)

func TestOutputsFollowEngineUpdates(t *testing.T) {
	var o outputs
	o.Stream("stdout", "a")
	o.Stream("stdout", "b")
	o.Display(cell.Display{Data: cell.MIMEBundle{"text/plain": "1"}, DisplayID: "bar"})
	o.Display(cell.Display{Data: cell.MIMEBundle{"text/plain": "x"}})
	o.Display(cell.Display{Data: cell.MIMEBundle{"text/plain": "2"}, DisplayID: "bar", Update: true})
	// An update of a display another cell showed is shown here.
	o.Display(cell.Display{Data: cell.MIMEBundle{"text/plain": "3"}, DisplayID: "old", Update: true})
	list := o.list()
	var got []string
	for _, item := range list {
		if item["output_type"] == "stream" {
			got = append(got, "stream:"+item["text"].(string))
			continue
		}
		got = append(got, item["output_type"].(string)+":"+item["data"].(cell.MIMEBundle)["text/plain"].(string))
	}
	want := []string{"stream:ab", "display_data:2", "display_data:x", "display_data:3"}
	if len(got) != len(want) {
		t.Fatalf("outputs = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("outputs = %q, want %q", got, want)
		}
	}
	o.ClearOutput(true)
	if len(o.list()) != 4 {
		t.Errorf("clear with wait cleared before new output")
	}
	o.Stream("stdout", "new")
	if l := o.list(); len(l) != 1 || l[0]["text"] != "new" {
		t.Errorf("after clear with wait and new output: %v", l)
	}
	o.ClearOutput(false)
	if l := o.list(); l == nil || len(l) != 0 {
		t.Errorf("after clear: %#v, want an empty list", l)
	}
}
