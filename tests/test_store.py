"""End-to-end tests: package store (no import line) writes .npy and .npz
files NumPy reads with the right dtype, shape and values, and reads the
files NumPy writes."""

import json
import tempfile
import unittest
from pathlib import Path

import numpy as np

from gopar_env import FIRST_CELL_TIMEOUT
from test_e2e import KernelCase


def go_string(path):
    """A Go string literal for a path."""
    return json.dumps(str(path))


class StoreTests(KernelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory(prefix="gopar-store-")
        cls.dir = Path(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        super().tearDownClass()

    def test_numpy_reads_what_a_cell_saves(self):
        d = self.dir / "from-go"
        self.run_ok(
            "dir := %s\n" % go_string(d)
            + "xs := []float64{1.5, -2, 1e300}\n"
            "func must(err error) {\n"
            "\tif err != nil {\n"
            "\t\tpanic(err)\n"
            "\t}\n"
            "}\n"
            'must(store.Save(dir+"/f64.npy", xs))\n'
            'must(store.Save(dir+"/i32.npy", []int32{-7, 0, 2147483647}))\n'
            'must(store.Save(dir+"/int.npy", []int{1 << 40, -1}))\n'
            'must(store.Save(dir+"/u8.npy", []uint8{0, 255}))\n'
            'must(store.Save(dir+"/bool.npy", []bool{true, false, true}))\n'
            'must(store.Save(dir+"/c128.npy", []complex128{1 + 2i, -3i}))\n'
            'must(store.Save(dir+"/f32rows.npy", [][]float32{{1, 2, 3}, {4, 5, 6}}))\n'
            'must(store.Save(dir+"/dense.npy", mat.NewDense(2, 2, []float64{1, 2, 3, 4})))\n'
            'must(store.Save(dir+"/empty.npy", []float64{}))\n'
            'must(store.Save(dir+"/scalar.npy", 2.5))\n'
            "type sweep struct {\n"
            '\tWorkers []int `store:"workers"`\n'
            "\tSeconds []float64\n"
            "\tGrid    [][]int64\n"
            "}\n"
            'must(store.Save(dir+"/sweep.npz", sweep{[]int{1, 2, 4}, []float64{0.8, 0.41, 0.22}, [][]int64{{1, 2}, {3, 4}}}))\n'
            'must(store.Save(dir+"/map.npz", map[string]any{"a": []bool{false}, "b": 3.25}))\n'
            'fmt.Println("saved")',
            timeout=FIRST_CELL_TIMEOUT,
        )
        cases = [
            ("f64.npy", "float64", (3,), [1.5, -2, 1e300]),
            ("i32.npy", "int32", (3,), [-7, 0, 2147483647]),
            ("int.npy", "int64", (2,), [1 << 40, -1]),
            ("u8.npy", "uint8", (2,), [0, 255]),
            ("bool.npy", "bool", (3,), [True, False, True]),
            ("c128.npy", "complex128", (2,), [1 + 2j, -3j]),
            ("f32rows.npy", "float32", (2, 3), [[1, 2, 3], [4, 5, 6]]),
            ("dense.npy", "float64", (2, 2), [[1, 2], [3, 4]]),
            ("empty.npy", "float64", (0,), []),
            ("scalar.npy", "float64", (), 2.5),
        ]
        for name, dtype, shape, values in cases:
            with self.subTest(name=name):
                a = np.load(d / name)
                self.assertEqual(a.dtype, np.dtype(dtype))
                self.assertEqual(a.shape, shape)
                self.assertEqual(a.tolist(), values)

        with np.load(d / "sweep.npz") as z:
            self.assertEqual(sorted(z.files), ["Grid", "Seconds", "workers"])
            self.assertEqual(z["workers"].dtype, np.dtype("int64"))
            self.assertEqual(z["workers"].tolist(), [1, 2, 4])
            self.assertEqual(z["Seconds"].tolist(), [0.8, 0.41, 0.22])
            self.assertEqual(z["Grid"].shape, (2, 2))
            self.assertEqual(z["Grid"].tolist(), [[1, 2], [3, 4]])
        with np.load(d / "map.npz") as z:
            self.assertEqual(z["a"].dtype, np.dtype("bool"))
            self.assertEqual(z["a"].tolist(), [False])
            self.assertEqual(z["b"].shape, ())
            self.assertEqual(float(z["b"]), 3.25)

    def test_a_cell_loads_what_numpy_saves(self):
        d = self.dir / "from-numpy"
        d.mkdir()
        np.save(d / "f64.npy", np.array([0.5, -1.25, 1e-300]))
        np.save(d / "i64.npy", np.array([-(2**62), 7], dtype=np.int64))
        np.save(d / "f32.npy", np.array([[1.5, 2], [3, 4], [5, 6.25]], dtype=np.float32))
        np.save(d / "fortran.npy", np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)))
        np.save(d / "bool.npy", np.array([True, False, False]))
        np.savez(
            d / "run.npz",
            times=np.array([1.0, 0.5]),
            workers=np.array([1, 2], dtype=np.int64),
            grid=np.array([[1, 2]], dtype=np.float32),
            ok=np.array([True]),
        )
        np.savez_compressed(d / "compressed.npz", xs=np.linspace(0, 1, 5))
        out = self.run_ok(
            "dir := %s\n" % go_string(d)
            + "var (\n"
            "\tf64   []float64\n"
            "\ti64   []int64\n"
            "\tf32   [][]float32\n"
            "\tm     mat.Dense\n"
            "\tflags []bool\n"
            "\twide  [][]float64\n"
            ")\n"
            "for _, err := range []error{\n"
            '\tstore.Load(dir+"/f64.npy", &f64),\n'
            '\tstore.Load(dir+"/i64.npy", &i64),\n'
            '\tstore.Load(dir+"/f32.npy", &f32),\n'
            '\tstore.Load(dir+"/fortran.npy", &m),\n'
            '\tstore.Load(dir+"/bool.npy", &flags),\n'
            '\tstore.Load(dir+"/f32.npy", &wide),\n'
            "} {\n"
            "\tif err != nil {\n"
            "\t\tpanic(err)\n"
            "\t}\n"
            "}\n"
            'fmt.Println("f64", f64)\n'
            'fmt.Println("i64", i64)\n'
            'fmt.Println("f32", f32)\n'
            'fmt.Println("fortran", m.RawMatrix().Data)\n'
            'fmt.Println("bool", flags)\n'
            'fmt.Println("wide", wide)\n'
            "type run struct {\n"
            '\tTimes   []float64 `store:"times"`\n'
            '\tWorkers []int     `store:"workers"`\n'
            '\tGrid    *mat.Dense `store:"grid"`\n'
            '\tOk      []bool    `store:"ok"`\n'
            "}\n"
            "var r run\n"
            'if err := store.Load(dir+"/run.npz", &r); err != nil {\n'
            "\tpanic(err)\n"
            "}\n"
            'fmt.Println("run", r.Times, r.Workers, r.Grid.RawMatrix().Data, r.Ok)\n'
            "var all map[string]any\n"
            'if err := store.Load(dir+"/compressed.npz", &all); err != nil {\n'
            "\tpanic(err)\n"
            "}\n"
            'fmt.Printf("compressed %T %v\\n", all["xs"], all["xs"])\n'
            'fmt.Println("misfit", store.Load(dir+"/f64.npy", &i64) != nil)',
            timeout=FIRST_CELL_TIMEOUT,
        )
        lines = out.stream_text("stdout").splitlines()
        self.assertEqual(
            lines,
            [
                "f64 [0.5 -1.25 1e-300]",
                "i64 [-4611686018427387904 7]",
                "f32 [[1.5 2] [3 4] [5 6.25]]",
                "fortran [0 1 2 3 4 5]",
                "bool [true false false]",
                "wide [[1.5 2] [3 4] [5 6.25]]",
                "run [1 0.5] [1 2] [1 2] [true]",
                "compressed []float64 [0 0.25 0.5 0.75 1]",
                "misfit true",
            ],
            out.describe(),
        )

    def test_a_misfit_is_an_error_naming_both(self):
        d = self.dir / "misfit"
        d.mkdir()
        np.save(d / "grid.npy", np.zeros((2, 3), dtype=np.int64))
        out = self.run_ok(
            "var xs []float64\n"
            "err := store.Load(%s, &xs)\n" % go_string(d / "grid.npy")
            + "fmt.Println(errors.Unwrap(err))",
            timeout=FIRST_CELL_TIMEOUT,
        )
        self.assertEqual(
            out.stream_text("stdout"),
            "int64 array of shape (2, 3) does not fit []float64\n",
            out.describe(),
        )
        # The error is a value like any other, kept for the next cell.
        out = self.run_ok("fmt.Println(err)")
        self.assertEqual(
            out.stream_text("stdout"),
            "store: cannot load %s (.npy) into *[]float64: int64 array of shape (2, 3) does not fit []float64\n"
            % (d / "grid.npy"),
            out.describe(),
        )


if __name__ == "__main__":
    unittest.main()
