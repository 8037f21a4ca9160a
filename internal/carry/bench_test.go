package carry

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

const bigFloats = 100 << 20 / 8 // 100 MB of float64

func bigSlice() []float64 {
	s := make([]float64, bigFloats)
	for i := range s {
		s[i] = float64(i) * 0.5
	}
	return s
}

func BenchmarkSave100MB(b *testing.B) {
	dir := b.TempDir()
	s := bigSlice()
	b.SetBytes(bigFloats * 8)
	b.ResetTimer()
	for b.Loop() {
		if err := Save(dir, "s", &s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad100MB(b *testing.B) {
	dir := b.TempDir()
	s := bigSlice()
	if err := Save(dir, "s", &s); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(bigFloats * 8)
	b.ResetTimer()
	for b.Loop() {
		var out []float64
		if err := Load(dir, "s", &out); err != nil {
			b.Fatal(err)
		}
		if len(out) != bigFloats || out[bigFloats-1] != s[bigFloats-1] {
			b.Fatal("wrong value")
		}
	}
}

type benchRecord struct {
	ID     int
	Name   string
	Tags   []string
	Pos    point
	When   time.Time
	Scores [4]float32
	Parent *benchRecord
	Meta   map[string]int
}

func benchRecords(n int) []benchRecord {
	rs := make([]benchRecord, n)
	for i := range rs {
		rs[i] = benchRecord{
			ID:     i,
			Name:   fmt.Sprintf("record-%d", i),
			Tags:   []string{"a", "bb"},
			Pos:    point{float64(i), -float64(i)},
			When:   time.Unix(int64(i), 0).UTC(),
			Scores: [4]float32{1, 2, 3, 4},
			Meta:   map[string]int{"k": i},
		}
		if i > 0 {
			rs[i].Parent = &rs[i-1]
		}
	}
	return rs
}

func BenchmarkEncodeStructs(b *testing.B) {
	rs := benchRecords(20000)
	var buf bytes.Buffer
	if err := Encode(&buf, &rs); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := Encode(&buf, &rs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(rs)), "ns/record")
}

func BenchmarkDecodeStructs(b *testing.B) {
	rs := benchRecords(20000)
	var buf bytes.Buffer
	if err := Encode(&buf, &rs); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		var out []benchRecord
		if err := Decode(bytes.NewReader(data), &out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(rs)), "ns/record")
}

// BenchmarkGobEncodeStructs is a point of comparison: encoding/gob on the
// same records without the Parent pointers, which gob cannot share.
func BenchmarkGobEncodeStructs(b *testing.B) {
	rs := benchRecords(20000)
	for i := range rs {
		rs[i].Parent = nil
	}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := gob.NewEncoder(&buf).Encode(rs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(rs)), "ns/record")
}

// BenchmarkLoad100MBFreshProcess measures Load as a cell's program does it:
// once, in a new process, where the first touches of fresh memory cost
// more than the copy. The time reported is measured inside the child.
func BenchmarkLoad100MBFreshProcess(b *testing.B) {
	dir := b.TempDir()
	s := bigSlice()
	if err := Save(dir, "s", &s); err != nil {
		b.Fatal(err)
	}
	s = nil
	b.SetBytes(bigFloats * 8)
	var total time.Duration
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLoad$")
		cmd.Env = append(os.Environ(), "CARRY_HELPER_DIR="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		var ns int64
		if _, err := fmt.Sscanf(string(out), "load took %d", &ns); err != nil {
			b.Fatalf("child said %q", out)
		}
		total += time.Duration(ns)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/load")
}

// TestHelperLoad is the child of BenchmarkLoad100MBFreshProcess.
func TestHelperLoad(t *testing.T) {
	dir := os.Getenv("CARRY_HELPER_DIR")
	if dir == "" {
		t.Skip("only run by BenchmarkLoad100MBFreshProcess")
	}
	start := time.Now()
	var s []float64
	if err := Load(dir, "s", &s); err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if len(s) != bigFloats || s[bigFloats-1] != float64(bigFloats-1)*0.5 {
		t.Fatal("wrong value")
	}
	fmt.Printf("load took %d\n", d.Nanoseconds())
	os.Exit(0)
}
