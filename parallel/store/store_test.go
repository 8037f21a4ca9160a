package store

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

type celsius float64

type run struct {
	Times   []float64
	Workers []int `store:"workers"`
	Grid    [][]float32
	Ok      []bool
	Note    string `store:"-"`
	hidden  int
	Speedup float64
}

type row struct {
	Name    string
	Workers int `store:"workers"`
	Time    time.Duration
	Speedup float64
	Ok      bool
	When    time.Time
	Skipped string `store:"-"`
}

// roundTrip saves v to a file with extension ext and loads it back into a
// new value of v's type.
func roundTrip(t *testing.T, ext string, v any) any {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v"+ext)
	if err := Save(path, v); err != nil {
		t.Fatalf("Save(%T as %s): %v", v, ext, err)
	}
	got := reflect.New(reflect.TypeOf(v))
	if err := Load(path, got.Interface()); err != nil {
		t.Fatalf("Load(%s into %T): %v", ext, got.Interface(), err)
	}
	return got.Elem().Interface()
}

func TestRoundTrip(t *testing.T) {
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	dense := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, math.Inf(-1)})
	cases := []struct {
		name string
		exts []string
		v    any
	}{
		{"float64", []string{".npy", ".json", ".gob"}, []float64{1.5, -2, math.MaxFloat64, math.SmallestNonzeroFloat64}},
		{"float32", []string{".npy", ".json", ".gob"}, []float32{1.5, -2, math.MaxFloat32}},
		{"int64", []string{".npy", ".json", ".gob"}, []int64{math.MinInt64, 0, math.MaxInt64}},
		{"int32", []string{".npy", ".json", ".gob"}, []int32{math.MinInt32, 7}},
		{"int16", []string{".npy"}, []int16{math.MinInt16, 7}},
		{"int8", []string{".npy"}, []int8{-128, 127}},
		{"int", []string{".npy", ".json", ".gob"}, []int{-1, 0, 1 << 40}},
		{"uint", []string{".npy"}, []uint{0, math.MaxUint}},
		{"uint8", []string{".npy", ".json", ".gob"}, []uint8{0, 1, 255}},
		{"uint16", []string{".npy"}, []uint16{0, math.MaxUint16}},
		{"uint32", []string{".npy"}, []uint32{0, math.MaxUint32}},
		{"uint64", []string{".npy", ".gob"}, []uint64{0, math.MaxUint64}},
		{"bool", []string{".npy", ".json", ".gob"}, []bool{true, false, true}},
		{"complex64", []string{".npy", ".gob"}, []complex64{1 + 2i, -3i}},
		{"complex128", []string{".npy", ".gob"}, []complex128{1 + 2i, -3i}},
		{"named element", []string{".npy", ".json", ".gob"}, []celsius{-40, 100}},
		{"empty", []string{".npy"}, []float64{}},
		{"empty bools", []string{".npy"}, []bool{}},
		{"no rows", []string{".npy"}, [][]float64{}},
		{"scalar", []string{".npy", ".json", ".gob"}, 2.5},
		{"scalar int", []string{".npy"}, 42},
		{"rows", []string{".npy", ".json", ".gob", ".csv"}, [][]float64{{1, 2, 3}, {4, 5, 6}}},
		{"int rows", []string{".npy", ".json", ".gob", ".csv"}, [][]int32{{1, -2}, {3, 4}, {5, 6}}},
		{"bool rows", []string{".npy", ".csv"}, [][]bool{{true}, {false}}},
		{"empty rows", []string{".npy"}, [][]int8{{}, {}}},
		{"complex rows", []string{".npy", ".csv"}, [][]complex128{{1 + 1i, 2}}},
		{"string rows", []string{".csv", ".json", ".gob"}, [][]string{{"a", "b,c"}, {"\"q\"", "line\nbreak"}}},
		{"dense", []string{".npy", ".gob"}, dense},
		{"Go array", []string{".npy", ".json", ".gob"}, [3]float64{1, 2, 3}},
		{"Go array rows", []string{".npy", ".json", ".gob"}, [2][2]int64{{1, 2}, {3, 4}}},
		{"map", []string{".npz", ".json", ".gob"}, map[string][]float64{"a": {1, 2}, "b": {3}}},
		{"map of empty", []string{".npz", ".json"}, map[string][]float64{"a": {}}},
		{"struct", []string{".npz", ".gob"}, run{
			Times: []float64{1, 0.5}, Workers: []int{1, 2}, Grid: [][]float32{{1, 2}, {3, 4}},
			Ok: []bool{true, false}, Speedup: 2,
		}},
		{"struct rows", []string{".csv", ".json", ".gob"}, []row{
			{Name: "seq, plain", Workers: 1, Time: time.Second, Speedup: 1, Ok: true, When: when},
			{Name: "par \"8\"", Workers: 8, Time: 130 * time.Millisecond, Speedup: 7.7, When: when.Add(time.Hour)},
		}},
		{"struct pointer rows", []string{".csv", ".json", ".gob"}, []*row{{Name: "p", Workers: 3, When: when}}},
		{"no struct rows", []string{".csv", ".json"}, []row{}},
	}
	for _, c := range cases {
		for _, ext := range c.exts {
			t.Run(c.name+ext, func(t *testing.T) {
				got := roundTrip(t, ext, c.v)
				if !reflect.DeepEqual(got, c.v) {
					t.Errorf("loaded %#v\nsaved  %#v", got, c.v)
				}
			})
		}
	}
}

func TestRoundTripDense(t *testing.T) {
	dense := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, math.NaN()})
	got := roundTrip(t, ".npy", dense).(*mat.Dense)
	if !mat.Equal(got.Slice(0, 2, 0, 2), dense.Slice(0, 2, 0, 2)) || !math.IsNaN(got.At(2, 1)) || got.At(2, 0) != 5 {
		t.Errorf("loaded\n%v\nsaved\n%v", mat.Formatted(got), mat.Formatted(dense))
	}
	// A value mat.Dense loads in place.
	path := filepath.Join(t.TempDir(), "m.npy")
	if err := Save(path, [][]float64{{1, 2}, {3, 4}, {5, 6}}); err != nil {
		t.Fatal(err)
	}
	var m mat.Dense
	if err := Load(path, &m); err != nil {
		t.Fatal(err)
	}
	if r, c := m.Dims(); r != 3 || c != 2 || m.At(2, 1) != 6 {
		t.Errorf("loaded a %d×%d matrix %v", r, c, mat.Formatted(&m))
	}
}

// Loading into an interface gives the natural type for the dtype and
// shape, and a map[string]any gets one such value per array.
func TestLoadIntoAny(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		saved, want any
	}{
		{[]float64{1, 2}, []float64{1, 2}},
		{[]int{1, 2}, []int64{1, 2}},
		{[][]float32{{1}, {2}}, [][]float32{{1}, {2}}},
		{mat.NewDense(1, 2, []float64{3, 4}), [][]float64{{3, 4}}},
		{true, true},
		{uint16(7), uint16(7)},
		{[]bool{}, []bool{}},
	} {
		path := filepath.Join(dir, "a.npy")
		if err := Save(path, c.saved); err != nil {
			t.Fatal(err)
		}
		var got any
		if err := Load(path, &got); err != nil {
			t.Fatalf("Load %T into *any: %v", c.saved, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("saved %#v, loaded into any %#v, want %#v", c.saved, got, c.want)
		}
	}

	path := filepath.Join(dir, "run.npz")
	in := run{Times: []float64{1, 2}, Workers: []int{1, 2}, Grid: [][]float32{{1, 2}}, Ok: []bool{true}, Note: "not saved", Speedup: 1.5}
	if err := Save(path, in); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := Load(path, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Times": []float64{1, 2}, "workers": []int64{1, 2}, "Grid": [][]float32{{1, 2}},
		"Ok": []bool{true}, "Speedup": 1.5,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("loaded into a map %#v\nwant %#v", got, want)
	}
}

// Elements convert when every value of the file's type fits the target's.
func TestLoadConverts(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		saved, into any
		ok          bool
	}{
		{[]int32{1, -2}, []int64{1, -2}, true},
		{[]int32{1, -2}, []float64{1, -2}, true},
		{[]int32{1, -2}, []int{1, -2}, true},
		{[]int64{1}, []int{1}, true},
		{[]uint32{1}, []int64{1}, true},
		{[]uint32{1}, []float64{1}, true},
		{[]uint8{1}, []float32{1}, true},
		{[]float32{0.5}, []float64{0.5}, true},
		{[]float32{0.5}, []complex64{0.5}, true},
		{[]float64{0.5}, []complex128{0.5}, true},
		{[][]int16{{1}}, [][]float64{{1}}, true},
		{[][]float32{{1, 2}}, mat.NewDense(1, 2, []float64{1, 2}), true},
		{[]int64{1}, []float64{}, false},
		{[]int64{1}, []int32{}, false},
		{[]uint64{1}, []int64{}, false},
		{[]int8{1}, []uint8{}, false},
		{[]float64{1}, []float32{}, false},
		{[]float64{1}, []int64{}, false},
		{[]complex64{1}, []float64{}, false},
		{[]bool{true}, []uint8{}, false},
		{[]uint8{1}, []bool{}, false},
		{[][]int64{{1}}, mat.NewDense(1, 1, nil), false},
	}
	for _, c := range cases {
		path := filepath.Join(dir, "c.npy")
		if err := Save(path, c.saved); err != nil {
			t.Fatal(err)
		}
		got := reflect.New(reflect.TypeOf(c.into))
		err := Load(path, got.Interface())
		switch {
		case c.ok && err != nil:
			t.Errorf("Load %T into %T: %v", c.saved, c.into, err)
		case c.ok && !reflect.DeepEqual(got.Elem().Interface(), c.into):
			t.Errorf("Load %T into %T = %v, want %v", c.saved, c.into, got.Elem().Interface(), c.into)
		case !c.ok && err == nil:
			t.Errorf("Load %T into %T succeeded with %v, want an error", c.saved, c.into, got.Elem().Interface())
		case !c.ok && !strings.Contains(err.Error(), "does not fit "+got.Type().Elem().String()):
			t.Errorf("Load %T into %T: error %q does not name the target", c.saved, c.into, err)
		}
	}
}

func TestSaveErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		file string
		v    any
		want string
	}{
		{"a.npy", map[int]string{1: "a"}, "store: cannot save map[int]string as .npy: "},
		{"a.npy", []string{"a"}, "cannot save []string as .npy"},
		{"a.npy", [][]float64{{1, 2}, {3}}, "cannot save [][]float64 as .npy: row 1 has 1 values, row 0 has 2"},
		{"a.npy", (*[]float64)(nil), "cannot save *[]float64 as .npy: nil"},
		{"a.npy", [][][]float64{{{1}}}, "cannot save [][][]float64 as .npy"},
		{"a.npz", []float64{1}, "cannot save []float64 as .npz"},
		{"a.npz", map[string]any{"a": []float64{1}, "b": "text"}, `cannot save map[string]interface {} as .npz: "b" (string)`},
		{"a.npz", struct{ A, B []float64 }{B: nil}, ""},
		{"a.npz", struct {
			A []float64 `store:"x"`
			B []float64 `store:"x"`
		}{}, `fields A and B are both named "x"`},
		{"a.csv", []float64{1}, "cannot save []float64 as .csv"},
		{"a.csv", []struct{ A []int }{{}}, "cannot save []struct { A []int } as .csv: field A of type []int"},
		{"a.json", func() {}, "cannot save func() as .json"},
		{"a.json", []float64{math.NaN()}, "cannot save []float64 as .json"},
		{"a.gob", make(chan int), "cannot save chan int as .gob"},
		{"a.txt", []float64{1}, `unknown extension ".txt" in ` + filepath.Join(dir, "a.txt") + "; the formats are .csv, .gob, .json, .npy, .npz"},
		{"a", []float64{1}, "has no extension"},
		{"a.npy", nil, "cannot save nil as .npy"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.file)
		err := Save(path, c.v)
		if c.want == "" {
			if err != nil {
				t.Errorf("Save(%s, %T): %v", c.file, c.v, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Save(%s, %T) = %v, want an error containing %q", c.file, c.v, err, c.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, v any) string {
		path := filepath.Join(dir, name)
		if err := Save(path, v); err != nil {
			t.Fatal(err)
		}
		return path
	}
	vec := write("vec.npy", []float64{1, 2, 3})
	grid := write("grid.npy", [][]int64{{1, 2}, {3, 4}})
	npz := write("run.npz", map[string]any{"Times": []float64{1}})
	csvFile := write("rows.csv", []row{{Name: "a"}})
	notNPZ, notNPY := filepath.Join(dir, "vec.npz"), filepath.Join(dir, "run.npy")
	copyFile(t, vec, notNPZ)
	copyFile(t, npz, notNPY)
	var (
		f64      []float64
		rows     [][]int64
		m        map[int]string
		s        run
		dense    mat.Dense
		scalar   float64
		csvRows  []struct{ Missing int }
		csvFloat [][]float64
	)
	cases := []struct {
		path string
		into any
		want string
	}{
		{vec, &rows, "store: cannot load " + vec + " (.npy) into *[][]int64: float64 array of shape (3,) does not fit [][]int64"},
		{vec, &dense, "float64 array of shape (3,) does not fit *mat.Dense"},
		{vec, &scalar, "float64 array of shape (3,) does not fit float64"},
		{grid, &f64, "int64 array of shape (2, 2) does not fit []float64"},
		{vec, &m, "cannot load " + vec + " (.npy) into *map[int]string"},
		{vec, f64, "want a non-nil pointer"},
		{vec, nil, "want a non-nil pointer"},
		{npz, &s, `no array "workers" for field Workers; the file has Times`},
		{npz, &m, "cannot load " + npz + " (.npz) into *map[int]string"},
		{notNPZ, &s, "load " + notNPZ + ": not an .npz archive"},
		{notNPY, &f64, "load " + notNPY + ": not a NumPy .npy file"},
		{filepath.Join(dir, "none.npy"), &f64, "no such file"},
		{csvFile, &csvRows, `no column "Missing" for field Missing; the header is Name,workers,Time,Speedup,Ok,When`},
		{csvFile, &csvFloat, "line 1, column 1: strconv.ParseFloat"},
		{filepath.Join(dir, "x.yaml"), &f64, `unknown extension ".yaml"`},
	}
	for _, c := range cases {
		err := Load(c.path, c.into)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%s, %T) = %v, want an error containing %q", filepath.Base(c.path), c.into, err, c.want)
		}
	}
	if s.Times != nil || f64 != nil {
		t.Errorf("failed loads changed their targets: %v, %v", s.Times, f64)
	}
}

// A save that fails partway leaves the file that was there, and no
// temporary files.
func TestFailedSaveKeepsOldFile(t *testing.T) {
	for _, c := range []struct {
		file      string
		good, bad any
	}{
		// The third array is not one: two were written already.
		{"run.npz", map[string]any{"a": []float64{1}}, map[string]any{
			"a": make([]float64, 100000), "b": make([]int32, 100000), "c": map[int]int{},
		}},
		// The last row's field fails to format, after the others were written.
		{"rows.csv", []textRow{{"ok"}}, append(make([]textRow, 100000), textRow{"fail"})},
		{"v.gob", []float64{1}, []any{1, func() {}}},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, c.file)
		if err := Save(path, c.good); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(path)
		if err := Save(path, c.bad); err == nil {
			t.Errorf("Save(%s, %T) succeeded, want an error", c.file, c.bad)
		}
		after, err := os.ReadFile(path)
		if err != nil || string(after) != string(before) {
			t.Errorf("after a failed save %s holds %d bytes (%v), before it %d", c.file, len(after), err, len(before))
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("files left beside %s: %v", c.file, entries)
		}
		got := reflect.New(reflect.TypeOf(c.good))
		if err := Load(path, got.Interface()); err != nil || !reflect.DeepEqual(got.Elem().Interface(), c.good) {
			t.Errorf("after a failed save, Load(%s) = %v, %v; want %v", c.file, got.Elem().Interface(), err, c.good)
		}
	}
}

// textRow's field fails to format as text when it says "fail".
type textRow struct{ Value failing }

type failing string

func (f failing) MarshalText() ([]byte, error) {
	if f == "fail" {
		return nil, os.ErrInvalid
	}
	return []byte(f), nil
}

func (f *failing) UnmarshalText(b []byte) error {
	*f = failing(b)
	return nil
}

// A CSV file with columns in another order, and more of them, loads by
// header name, as pandas writes it.
func TestLoadCSVByHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pandas.csv")
	content := ",Speedup,workers,Name,extra,Ok,Time,When\n" +
		"0,1.9,2,two,x,True,1.5s,2024-01-02T03:04:05Z\n" +
		"1, 3.5 ,4,\"four, quoted\",y,false,250ms,2024-01-02T03:04:05Z\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []row
	if err := Load(path, &got); err == nil {
		t.Fatalf("loaded %v; Time is a Duration, a number of nanoseconds in CSV, and 1.5s is none: want an error", got)
	}
	type pandasRow struct {
		Name    string
		Workers int `store:"workers"`
		Speedup float64
		Ok      bool
		When    time.Time
	}
	var rows []pandasRow
	if err := Load(path, &rows); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	want := []pandasRow{{"two", 2, 1.9, true, when}, {"four, quoted", 4, 3.5, false, when}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("loaded %+v\nwant   %+v", rows, want)
	}
}

// NumPy writes two-dimensional arrays in Fortran order when asked; they
// load as the same rows.
func TestLoadFortranOrder(t *testing.T) {
	// np.asfortranarray(np.array([[1, 2, 3], [4, 5, 6]], dtype='<i4'))
	header := "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }"
	data := []byte{1, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0}
	path := filepath.Join(t.TempDir(), "f.npy")
	if err := os.WriteFile(path, npyFile(header, data), 0o644); err != nil {
		t.Fatal(err)
	}
	var rows [][]int32
	if err := Load(path, &rows); err != nil {
		t.Fatal(err)
	}
	if want := [][]int32{{1, 2, 3}, {4, 5, 6}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("loaded %v, want %v", rows, want)
	}
	var m mat.Dense
	if err := Load(path, &m); err != nil {
		t.Fatal(err)
	}
	if m.At(0, 2) != 3 || m.At(1, 0) != 4 {
		t.Errorf("loaded matrix %v", mat.Formatted(&m))
	}
}

// Rows loaded from one array do not share capacity: appending to one
// leaves the next as it was.
func TestLoadedRowsAreSeparate(t *testing.T) {
	got := roundTrip(t, ".npy", [][]float64{{1, 2}, {3, 4}}).([][]float64)
	_ = append(got[0], 99)
	if got[1][0] != 3 {
		t.Errorf("appending to row 0 changed row 1: %v", got)
	}
}

func TestLoadMergesIntoMap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.npz")
	if err := Save(path, map[string][]int{"a": {1}}); err != nil {
		t.Fatal(err)
	}
	m := map[string]any{"kept": "yes"}
	if err := Load(path, &m); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"kept": "yes", "a": []int64{1}}; !reflect.DeepEqual(m, want) {
		t.Errorf("loaded %v, want %v", m, want)
	}
}

// npyFile makes a version 1.0 .npy file with header and data.
func npyFile(header string, data []byte) []byte {
	pad := 64 - (10+len(header)+1)%64
	h := header + strings.Repeat(" ", pad) + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	return append(append(b, h...), data...)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err == nil {
		err = os.WriteFile(to, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Headers as NumPy writes them, and as it does not.
func TestLoadHeaders(t *testing.T) {
	le := []byte{1, 0, 0, 0, 2, 0, 0, 0}
	cases := []struct {
		header string
		data   []byte
		into   any
		want   any    // the loaded value, or
		err    string // the error it contains
	}{
		{"{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", le, new([]int32), []int32{1, 2}, ""},
		{"{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", []byte{0, 0, 0, 1, 0, 0, 0, 2}, new([]int32), []int32{1, 2}, ""},
		{"{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1), }", []byte{7, 8}, new([][]uint8), [][]uint8{{7}, {8}}, ""},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (), }", []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x3f}, new(float64), 1.5, ""},
		{"{'descr': '<i4', 'fortran_order': False, 'shape': (2, 0), }", nil, new([][]int32), [][]int32{{}, {}}, ""},
		{"{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", le, new([2]int64), [2]int64{1, 2}, ""},
		{"{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", make([]byte, 12), new(any), nil, "NumPy dtype '<U3' is not supported"},
		{"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", make([]byte, 8), new(any), nil, "is not supported"},
		{"{'descr': '<i4', 'fortran_order': False, 'shape': (1, 1, 2), }", le, new(any), nil, "shape (1, 1, 2): only arrays of up to 2 dimensions"},
		{"{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", le, new([]int32), nil, "int32 array of shape (3,) takes 12 bytes, the file has 8 after its header"},
		{"{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", le, new([]int32), nil, "takes 4 bytes, the file has 8"},
		{"{'descr': '<i4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", le, new([]int32), nil, "takes more than 2^62 bytes"},
		{"{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", make([]byte, 12), new([2]int32), nil, "does not fit [2]int32"},
		{"{'descr': '<i4', 'fortran_order': 0, 'shape': (2,), }", le, new([]int32), nil, "bad .npy header"},
	}
	path := filepath.Join(t.TempDir(), "h.npy")
	for _, c := range cases {
		if err := os.WriteFile(path, npyFile(c.header, c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		err := Load(path, c.into)
		got := reflect.ValueOf(c.into).Elem().Interface()
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.header, err)
		case c.err == "" && !reflect.DeepEqual(got, c.want):
			t.Errorf("%s: loaded %#v, want %#v", c.header, got, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want one containing %q", c.header, err, c.err)
		}
	}
}
