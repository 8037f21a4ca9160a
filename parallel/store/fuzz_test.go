package store

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// FuzzLoad loads arbitrary bytes as .npy and .npz files into every kind
// of target: Load must return an error or a value, never panic or
// allocate what a header claims without the data to back it. An array
// that loads saves again and loads back the same.
func FuzzLoad(f *testing.F) {
	dir := f.TempDir()
	for _, v := range []any{
		[]float64{1, 2.5}, []int32{-1}, [][]float32{{1, 2}, {3, 4}}, []bool{true}, []complex128{1i},
		uint8(3), []int64{}, [][]int8{{}, {}}, mat.NewDense(1, 2, []float64{1, 2}),
	} {
		path := filepath.Join(dir, "seed.npy")
		if err := Save(path, v); err != nil {
			f.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		f.Add(b, false)
	}
	for _, v := range []any{
		map[string]any{"a": []float64{1}, "b": [][]int64{{1, 2}}},
		run{Times: []float64{1}, Workers: []int{1}, Grid: [][]float32{{1}}, Ok: []bool{false}},
	} {
		path := filepath.Join(dir, "seed.npz")
		if err := Save(path, v); err != nil {
			f.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		f.Add(b, true)
	}
	f.Add(npyFile("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", make([]byte, 24)), false)
	f.Add(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }", nil), false)
	f.Add(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", nil), false)
	f.Add(npyFile("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)), false)
	f.Add(npyFile("{'shape': (1,), 'fortran_order': False, 'descr': '<f8', }", make([]byte, 8)), false)
	f.Add([]byte("\x93NUMPY\x02\x00\xff\xff\xff\xff{"), false)

	f.Fuzz(func(t *testing.T, data []byte, isNPZ bool) {
		name := "f.npy"
		if isNPZ {
			name = "f.npz"
		}
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		targets := []any{
			new(any), new([]float64), new([][]float64), new(mat.Dense), new(*mat.Dense), new([]int64),
			new([][]int32), new([]bool), new(float64), new([3]float64), new([2][2]int64),
			new(map[string]any), new(run),
		}
		var loaded any
		for _, target := range targets {
			if err := Load(path, target); err == nil && loaded == nil {
				loaded = reflect.ValueOf(target).Elem().Interface()
			}
		}
		if loaded == nil {
			return
		}
		// Saving is deterministic, so what loads back saves as the same
		// bytes (a comparison NaN does not spoil).
		dir := t.TempDir()
		first, second := filepath.Join(dir, "1"+name), filepath.Join(dir, "2"+name)
		if err := Save(first, loaded); err != nil {
			t.Fatalf("loaded %#v, which does not save: %v", loaded, err)
		}
		back := reflect.New(reflect.TypeOf(loaded))
		if err := Load(first, back.Interface()); err != nil {
			t.Fatalf("loaded %#v, saved it, and loading that fails: %v", loaded, err)
		}
		if err := Save(second, back.Elem().Interface()); err != nil {
			t.Fatal(err)
		}
		b1, _ := os.ReadFile(first)
		b2, _ := os.ReadFile(second)
		if !bytes.Equal(b1, b2) {
			t.Fatalf("loaded %#v, saved it, and loaded back %#v", loaded, back.Elem().Interface())
		}
	})
}
