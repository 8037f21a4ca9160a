package store_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gopar/gopar/parallel/store"
	"gonum.org/v1/gonum/mat"
)

// tempDir stands in for the notebook's directory.
func tempDir() string {
	dir, err := os.MkdirTemp("", "store-example-")
	if err != nil {
		log.Fatal(err)
	}
	return dir
}

func Example() {
	dir := tempDir()
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "speedups.npy") // np.load("speedups.npy") reads it

	if err := store.Save(path, []float64{1, 1.94, 3.71, 6.8}); err != nil {
		log.Fatal(err)
	}
	var speedups []float64
	if err := store.Load(path, &speedups); err != nil {
		log.Fatal(err)
	}
	fmt.Println(speedups)
	// Output: [1 1.94 3.71 6.8]
}

func ExampleSave_npz() {
	dir := tempDir()
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sweep.npz")

	// In Python: run = np.load("sweep.npz"); run["workers"], run["seconds"]
	type sweep struct {
		Workers []int     `store:"workers"`
		Seconds []float64 `store:"seconds"`
		Grid    *mat.Dense
	}
	s := sweep{
		Workers: []int{1, 2, 4},
		Seconds: []float64{0.8, 0.41, 0.22},
		Grid:    mat.NewDense(2, 2, []float64{1, 2, 3, 4}),
	}
	if err := store.Save(path, s); err != nil {
		log.Fatal(err)
	}

	// Without the struct, each array comes back by its dtype and shape.
	var arrays map[string]any
	if err := store.Load(path, &arrays); err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"workers", "seconds", "Grid"} {
		fmt.Printf("%s: %T %v\n", name, arrays[name], arrays[name])
	}
	// Output:
	// workers: []int64 [1 2 4]
	// seconds: []float64 [0.8 0.41 0.22]
	// Grid: [][]float64 [[1 2] [3 4]]
}

func ExampleLoad_csv() {
	dir := tempDir()
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "runs.csv")

	type run struct {
		Workers int `store:"workers"`
		Speedup float64
	}
	runs := []run{{1, 1}, {2, 1.94}, {4, 3.71}}
	if err := store.Save(path, runs); err != nil {
		log.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fmt.Print(string(b))

	// Columns match fields by header name, in any order.
	type speedup struct{ Speedup float64 }
	var speedups []speedup
	if err := store.Load(path, &speedups); err != nil {
		log.Fatal(err)
	}
	fmt.Println(speedups)
	// Output:
	// workers,Speedup
	// 1,1
	// 2,1.94
	// 4,3.71
	// [{1} {1.94} {3.71}]
}

func ExampleLoad_misfit() {
	dir := tempDir()
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "grid.npy")

	if err := store.Save(path, [][]int64{{1, 2}, {3, 4}}); err != nil {
		log.Fatal(err)
	}
	var xs []int64
	err := store.Load(path, &xs)
	// The error names the file, then why: errors.Unwrap leaves the why.
	fmt.Println(errors.Unwrap(err))
	var grid [][]float32
	fmt.Println(errors.Unwrap(store.Load(path, &grid)))
	var rows [][]int64
	fmt.Println(store.Load(path, &rows), rows)
	// Output:
	// int64 array of shape (2, 2) does not fit []int64
	// int64 array of shape (2, 2) does not fit [][]float32
	// <nil> [[1 2] [3 4]]
}
