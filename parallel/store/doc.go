// Package store saves results to files and loads them back, in the format
// the file's extension names, so that a notebook's numbers can be kept,
// shared and opened elsewhere, in NumPy and pandas above all:
//
//	store.Save("speedups.npy", speedups)            // a []float64
//	store.Save("run.npz", map[string]any{"times": times, "grid": grid})
//	store.Save("rows.csv", rows)                    // a []Row, one column per field
//
// and in Python:
//
//	import numpy as np
//	speedups = np.load("speedups.npy")
//	run = np.load("run.npz"); run["times"], run["grid"]
//
// # Formats
//
//   - .npy: one NumPy array: a number or bool, a slice of them ([]float64,
//     []int32, []bool, []complex128, ...), a [][]T of equal rows or a gonum
//     matrix such as *mat.Dense. The array's dtype is the Go element type's
//     (int and uint are int64 and uint64) and its shape the value's: (n,)
//     for a slice, (rows, cols) for rows and matrices, () for a number.
//   - .npz: several named arrays, as numpy.savez writes them: a map with
//     string keys, or a struct whose exported fields are arrays, named by
//     the field or a `store:"name"` tag (`store:"-"` leaves one out).
//   - .csv: a slice of structs, with a header row of field names (or tags)
//     and a row per element; or rows of strings, numbers or bools
//     ([][]string, [][]float64, ...) with no header.
//   - .json and .gob: anything encoding/json and encoding/gob write.
//
// Load reads into a pointer to the same kinds of values. A .npy array
// loads into a slice for one dimension, a [][]T or *mat.Dense for two,
// and a number for none; into a *any it comes back as T, []T or [][]T by
// its dtype and shape. Elements convert when every value fits the target
// type exactly (int32 into []int64 or []float64, float32 into []float64);
// an array that does not fit, by shape or dtype, is an error naming the
// array and the target. An .npz file loads into a struct, each field from
// the array of its name, or into a map[string]any. A CSV file loads into a
// slice of structs by matching header names to fields; columns no field
// names are skipped, such as the index column pandas writes.
//
// # Whole files
//
// Save writes to a temporary file in the same directory and renames it
// into place, so a file is replaced whole or not at all: a save that fails
// halfway, or a program stopped in the middle of one, leaves the file that
// was there before. A value whose type the format cannot hold is an error
// naming the type and the format, and leaves the file as it was, as does
// an extension Save does not know.
package store
