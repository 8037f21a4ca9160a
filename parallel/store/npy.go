package store

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"reflect"
	"sort"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
	"codeberg.org/sbinet/npyio/npz"
	"gonum.org/v1/gonum/mat"
)

// writeNPY writes a as one .npy file.
func writeNPY(w io.Writer, a array) error {
	if a.data.Len() == 0 {
		return writeEmptyNPY(w, a)
	}
	return npy.Write(w, npyValue(a))
}

// writeEmptyNPY writes an array with no values, which npyio (v0.14.0)
// writes with the wrong shape: () for an empty slice, (n,) for n empty
// rows. With no data, a .npy file is its header: version 1.0, padded
// with spaces to a multiple of 64 bytes as NumPy pads it.
func writeEmptyNPY(w io.Writer, a array) error {
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descrOf(a.elem), shapeString(a.shape))
	pad := (64 - (10+len(header)+1)%64) % 64
	header += strings.Repeat(" ", pad) + "\n"
	b := append(npy.Magic[:], 1, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	_, err := w.Write(append(b, header...))
	return err
}

// descrOf returns the NumPy descr of the element type t: '<f8', '|b1'.
func descrOf(t reflect.Type) string {
	for code, dt := range dtypes {
		if dt == t {
			if t.Size() == 1 {
				return "|" + code
			}
			return "<" + code
		}
	}
	panic("store: no NumPy type for " + t.String())
}

// npyValue is the Go value npyio writes with a's type and shape.
func npyValue(a array) any {
	switch {
	case len(a.shape) == 0:
		return a.data.Index(0).Interface()
	case len(a.shape) == 1:
		return a.data.Interface()
	case a.elem.Kind() == reflect.Float64:
		// npyio writes a *mat.Dense without visiting each value first,
		// which makes it several times as fast as the rows below.
		return mat.NewDense(a.shape[0], a.shape[1], a.data.Interface().([]float64))
	}
	// npyio takes the shape from the value: rows of a Go array type
	// make every row as long, the zero-length ones included.
	rows, cols := a.shape[0], a.shape[1]
	out := reflect.MakeSlice(reflect.SliceOf(reflect.ArrayOf(cols, a.elem)), rows, rows)
	for i := range rows {
		reflect.Copy(out.Index(i), a.data.Slice(i*cols, (i+1)*cols))
	}
	return out.Interface()
}

// dtypes are the NumPy element types this package reads, by their code
// in a .npy header without the byte order.
var dtypes = map[string]reflect.Type{
	"b1":  reflect.TypeFor[bool](),
	"i1":  reflect.TypeFor[int8](),
	"i2":  reflect.TypeFor[int16](),
	"i4":  reflect.TypeFor[int32](),
	"i8":  reflect.TypeFor[int64](),
	"u1":  reflect.TypeFor[uint8](),
	"u2":  reflect.TypeFor[uint16](),
	"u4":  reflect.TypeFor[uint32](),
	"u8":  reflect.TypeFor[uint64](),
	"f4":  reflect.TypeFor[float32](),
	"f8":  reflect.TypeFor[float64](),
	"c8":  reflect.TypeFor[complex64](),
	"c16": reflect.TypeFor[complex128](),
}

// readNPY reads one .npy file of size bytes from r.
//
// The content is untrusted: npyio's reader indexes into the header
// without checking it and allocates what the header says, so the fixed
// prefix, the header's length, the element type and the data's size are
// checked here first, and a panic in npyio is returned as an error.
func readNPY(r io.Reader, size int64) (array, error) {
	br := bufio.NewReader(r)
	prefix, err := br.Peek(10)
	if err != nil || !bytes.Equal(prefix[:6], npy.Magic[:]) {
		return array{}, errors.New("not a NumPy .npy file")
	}
	var headerEnd int64
	switch prefix[6] {
	case 1:
		headerEnd = 10 + int64(binary.LittleEndian.Uint16(prefix[8:]))
	case 2:
		p, err := br.Peek(12)
		if err != nil {
			return array{}, errors.New("truncated .npy header")
		}
		headerEnd = 12 + int64(binary.LittleEndian.Uint32(p[8:]))
	default:
		return array{}, fmt.Errorf(".npy format version %d.%d is not supported", prefix[6], prefix[7])
	}
	if headerEnd > size {
		return array{}, fmt.Errorf("truncated .npy header: %d bytes of %d", size, headerEnd)
	}

	var rd *npy.Reader
	if err := guard(func() (err error) { rd, err = npy.NewReader(br); return err }); err != nil {
		return array{}, fmt.Errorf("bad .npy header: %w", err)
	}
	h := rd.Header.Descr
	elem, err := dtypeOf(h.Type)
	if err != nil {
		return array{}, err
	}
	if len(h.Shape) > 2 {
		return array{}, fmt.Errorf("the array has shape %s: only arrays of up to 2 dimensions load into Go values", shapeString(h.Shape))
	}
	itemSize := int64(elem.Size())
	n, ok := count(h.Shape, (size-headerEnd)/itemSize)
	if !ok || n*itemSize != size-headerEnd {
		return array{}, fmt.Errorf("%s array of shape %s takes %s bytes, the file has %d after its header",
			elem, shapeString(h.Shape), byteCount(h.Shape, itemSize), size-headerEnd)
	}

	ptr := reflect.New(reflect.SliceOf(elem))
	if err := guard(func() error { return rd.Read(ptr.Interface()) }); err != nil {
		return array{}, fmt.Errorf("read .npy data: %w", err)
	}
	a := array{elem: elem, shape: h.Shape, data: ptr.Elem()}
	if a.shape == nil {
		a.shape = []int{}
	}
	if int64(a.data.Len()) != n {
		return array{}, fmt.Errorf("read %d values of %d", a.data.Len(), n)
	}
	if h.Fortran && len(a.shape) == 2 {
		a.data = transpose(a.data, a.shape[1], a.shape[0])
	}
	return a, nil
}

// guard runs f, returning a panic in it as an error.
func guard(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed: %v", p)
		}
	}()
	return f()
}

// dtypeOf returns the Go type of a header's descr, such as '<f8'.
func dtypeOf(descr string) (reflect.Type, error) {
	code, ok := strings.CutPrefix(descr, "'")
	code, ok2 := strings.CutSuffix(code, "'")
	if ok && ok2 && code != "" && strings.ContainsRune("<>|=", rune(code[0])) {
		if t, ok := dtypes[code[1:]]; ok {
			return t, nil
		}
	}
	return nil, fmt.Errorf("NumPy dtype %s is not supported: only booleans, integers, floats and complex numbers load into Go values", descr)
}

// count returns the number of values of shape, when it is at most limit.
func count(shape []int, limit int64) (int64, bool) {
	n := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 {
			return 0, false
		}
		n = lo
	}
	if limit < 0 || n > uint64(limit) {
		return 0, false
	}
	return int64(n), true
}

// byteCount is the size of an array of shape for errors, where it may
// be too large for an int64.
func byteCount(shape []int, itemSize int64) string {
	if n, ok := count(shape, 1<<62/itemSize); ok {
		return fmt.Sprint(n * itemSize)
	}
	return "more than 2^62"
}

// transpose returns the rows×cols row-major data in column-major order:
// a Fortran-ordered cols×rows array in C order.
func transpose(data reflect.Value, rows, cols int) reflect.Value {
	out := reflect.MakeSlice(data.Type(), data.Len(), data.Len())
	for i := range rows {
		for j := range cols {
			out.Index(j*rows + i).Set(data.Index(i*cols + j))
		}
	}
	return out
}

// writeNPZ writes named arrays as an .npz archive, in the given order,
// as numpy.savez does: entries NAME.npy, stored uncompressed. (npyio's
// npz.Writer would write each through npy.Write, which empty arrays
// must avoid.)
func writeNPZ(w io.Writer, names []string, arrays []array) error {
	zw := zip.NewWriter(w)
	for i, name := range names {
		ew, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
		if err != nil {
			return err
		}
		if err := writeNPY(ew, arrays[i]); err != nil {
			return fmt.Errorf("array %q: %w", name, err)
		}
	}
	return zw.Close()
}

// npzArchive reads the arrays of an .npz archive as they are asked for.
type npzArchive struct {
	rd    *npz.Reader
	names []string          // sorted
	keys  map[string]string // name -> entry in the archive
}

func openNPZ(r io.ReaderAt, size int64) (*npzArchive, error) {
	rd, err := npz.NewReader(r, size)
	if err != nil {
		return nil, errors.New("not an .npz archive (a zip file of .npy files)")
	}
	z := &npzArchive{rd: rd, keys: make(map[string]string)}
	for _, key := range rd.Keys() {
		name := strings.TrimSuffix(key, ".npy")
		if _, dup := z.keys[name]; dup {
			continue // the first, as numpy.load reads it
		}
		z.keys[name] = key
		z.names = append(z.names, name)
	}
	sort.Strings(z.names)
	return z, nil
}

// array reads the array named name; ok is false when there is none.
func (z *npzArchive) array(name string) (a array, ok bool, err error) {
	key, ok := z.keys[name]
	if !ok {
		return array{}, false, nil
	}
	rc, err := z.rd.Open(key)
	if err != nil {
		return array{}, true, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return array{}, true, fmt.Errorf("array %q: %w", name, err)
	}
	a, err = readNPY(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return array{}, true, fmt.Errorf("array %q: %w", name, err)
	}
	return a, true, nil
}
