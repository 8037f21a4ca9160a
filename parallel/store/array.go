package store

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// array is what a .npy file holds and what an .npz file holds several
// of: numbers or booleans of one type, in row-major order, with zero to
// two dimensions (NumPy allows more; Go values this package reads and
// writes have at most two).
type array struct {
	elem  reflect.Type  // float64, int32, bool, ...: an unnamed basic type
	shape []int         // () for a scalar, (n,) or (rows, cols)
	data  reflect.Value // a []elem of product(shape) values
}

// String describes the array as errors show it.
func (a array) String() string {
	return a.elem.String() + " array of shape " + shapeString(a.shape)
}

func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, n := range shape {
		parts[i] = strconv.Itoa(n)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// basicTypes are the element types an array may have, by kind. int and
// uint are absent: NumPy has no type whose size depends on the machine,
// so they are stored as int64 and uint64.
var basicTypes = map[reflect.Kind]reflect.Type{
	reflect.Bool:       reflect.TypeFor[bool](),
	reflect.Int8:       reflect.TypeFor[int8](),
	reflect.Int16:      reflect.TypeFor[int16](),
	reflect.Int32:      reflect.TypeFor[int32](),
	reflect.Int64:      reflect.TypeFor[int64](),
	reflect.Int:        reflect.TypeFor[int64](),
	reflect.Uint8:      reflect.TypeFor[uint8](),
	reflect.Uint16:     reflect.TypeFor[uint16](),
	reflect.Uint32:     reflect.TypeFor[uint32](),
	reflect.Uint64:     reflect.TypeFor[uint64](),
	reflect.Uint:       reflect.TypeFor[uint64](),
	reflect.Float32:    reflect.TypeFor[float32](),
	reflect.Float64:    reflect.TypeFor[float64](),
	reflect.Complex64:  reflect.TypeFor[complex64](),
	reflect.Complex128: reflect.TypeFor[complex128](),
}

var (
	denseType  = reflect.TypeFor[mat.Dense]()
	matrixType = reflect.TypeFor[mat.Matrix]()
)

// errNotArray says why a value is no array, for the error that names its
// type and the format.
var errNotArray = errors.New("want a number, a bool, a slice of them, a [][]T of equal rows or a gonum matrix")

// toArray makes the array v holds: a scalar, a slice or Go array of
// scalars, a slice of equal rows, or a gonum matrix.
func toArray(v reflect.Value) (array, error) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.Type().Implements(matrixType) && !v.IsNil() {
			return matrixArray(v.Interface().(mat.Matrix)), nil
		}
		if v.IsNil() {
			return array{}, errors.New("nil")
		}
		v = v.Elem()
	}
	if v.Type() == denseType {
		d := v.Interface().(mat.Dense)
		return matrixArray(&d), nil
	}
	if elem, ok := basicTypes[v.Kind()]; ok {
		data := reflect.MakeSlice(reflect.SliceOf(elem), 1, 1)
		data.Index(0).Set(v.Convert(elem))
		return array{elem: elem, shape: []int{}, data: data}, nil
	}
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return array{}, errNotArray
	}
	if elem, ok := basicTypes[v.Type().Elem().Kind()]; ok {
		return array{elem: elem, shape: []int{v.Len()}, data: flatten(elem, v)}, nil
	}
	row := v.Type().Elem()
	if row.Kind() != reflect.Slice && row.Kind() != reflect.Array {
		return array{}, errNotArray
	}
	elem, ok := basicTypes[row.Elem().Kind()]
	if !ok {
		return array{}, errNotArray
	}
	rows := v.Len()
	if rows == 0 {
		// With no rows there is no row length: NumPy's np.array([]) too
		// is one-dimensional.
		return array{elem: elem, shape: []int{0}, data: reflect.MakeSlice(reflect.SliceOf(elem), 0, 0)}, nil
	}
	cols := v.Index(0).Len()
	data := reflect.MakeSlice(reflect.SliceOf(elem), 0, rows*cols)
	for i := range rows {
		r := v.Index(i)
		if r.Len() != cols {
			return array{}, fmt.Errorf("row %d has %d values, row 0 has %d: a NumPy array's rows are all as long", i, r.Len(), cols)
		}
		data = reflect.AppendSlice(data, flatten(elem, r))
	}
	return array{elem: elem, shape: []int{rows, cols}, data: data}, nil
}

// flatten returns the values of the slice or Go array v as a []elem,
// without copying when v is one already.
func flatten(elem reflect.Type, v reflect.Value) reflect.Value {
	if v.Kind() == reflect.Slice && v.Type().Elem() == elem {
		return v
	}
	out := reflect.MakeSlice(reflect.SliceOf(elem), v.Len(), v.Len())
	for i := range v.Len() {
		out.Index(i).Set(v.Index(i).Convert(elem))
	}
	return out
}

func matrixArray(m mat.Matrix) array {
	rows, cols := m.Dims()
	data := make([]float64, 0, rows*cols)
	for i := range rows {
		for j := range cols {
			data = append(data, m.At(i, j))
		}
	}
	return array{elem: basicTypes[reflect.Float64], shape: []int{rows, cols}, data: reflect.ValueOf(data)}
}

// misfit is the error of an array that a Go type cannot hold. It keeps
// descriptions, not the array, so that a cell's err variable can be
// carried to the next cell, and holds no data alive.
type misfit struct {
	array, target string
}

func newMisfit(a array, target reflect.Type) *misfit {
	return &misfit{a.String(), target.String()}
}

func (e *misfit) Error() string {
	return fmt.Sprintf("%s does not fit %s", e.array, e.target)
}

// assign stores a in dst, a settable value: a scalar, a slice, a [][]T, a
// mat.Dense (or a pointer to one) or an interface, which gets the natural
// Go value for the array's type and shape.
func assign(dst reflect.Value, a array) error {
	t := dst.Type()
	switch {
	case t == denseType:
		return assignDense(dst, a)
	case t.Kind() == reflect.Pointer && t.Elem() == denseType:
		if dst.IsNil() {
			dst.Set(reflect.New(denseType))
		}
		return assignDense(dst.Elem(), a)
	case t.Kind() == reflect.Interface:
		v := reflect.New(natural(a)).Elem()
		if err := assign(v, a); err != nil {
			return err
		}
		if !v.Type().AssignableTo(t) {
			return newMisfit(a, t)
		}
		dst.Set(v)
		return nil
	}
	if fits(a.elem, t) {
		if len(a.shape) != 0 {
			return newMisfit(a, t)
		}
		setElem(dst, a.data.Index(0))
		return nil
	}
	if t.Kind() == reflect.Array {
		return assignArray(dst, a)
	}
	if t.Kind() != reflect.Slice {
		return newMisfit(a, t)
	}
	if fits(a.elem, t.Elem()) {
		if len(a.shape) != 1 {
			return newMisfit(a, t)
		}
		dst.Set(convertSlice(a.data, t))
		return nil
	}
	row := t.Elem()
	if row.Kind() != reflect.Slice || !fits(a.elem, row.Elem()) {
		return newMisfit(a, t)
	}
	switch {
	case len(a.shape) == 1 && a.shape[0] == 0:
		dst.Set(reflect.MakeSlice(t, 0, 0))
		return nil
	case len(a.shape) != 2:
		return newMisfit(a, t)
	}
	rows, cols := a.shape[0], a.shape[1]
	flat := convertSlice(a.data, reflect.SliceOf(row.Elem()))
	out := reflect.MakeSlice(t, rows, rows)
	for i := range rows {
		// Full slice expressions: appending to one row must not
		// overwrite the next.
		out.Index(i).Set(flat.Slice3(i*cols, (i+1)*cols, (i+1)*cols).Convert(row))
	}
	dst.Set(out)
	return nil
}

// assignArray stores a in dst, a Go array ([n]T or [rows][cols]T) of
// a's shape.
func assignArray(dst reflect.Value, a array) error {
	t := dst.Type()
	shape := []int{t.Len()}
	elem := t.Elem()
	if elem.Kind() == reflect.Array {
		shape = append(shape, elem.Len())
		elem = elem.Elem()
	}
	if !fits(a.elem, elem) || !slices.Equal(shape, a.shape) {
		return newMisfit(a, t)
	}
	out := reflect.New(t).Elem()
	for i := range a.data.Len() {
		var e reflect.Value
		if len(shape) == 1 {
			e = out.Index(i)
		} else {
			e = out.Index(i / shape[1]).Index(i % shape[1])
		}
		setElem(e, a.data.Index(i))
	}
	dst.Set(out)
	return nil
}

func assignDense(dst reflect.Value, a array) error {
	empty := a.data.Len() == 0 && len(a.shape) > 0
	if (len(a.shape) != 2 && !empty) || !fits(a.elem, basicTypes[reflect.Float64]) {
		return newMisfit(a, reflect.PointerTo(denseType))
	}
	if empty {
		// gonum has no empty matrices but the zero Dense.
		dst.Set(reflect.Zero(denseType))
		return nil
	}
	data := convertSlice(a.data, reflect.TypeFor[[]float64]()).Interface().([]float64)
	dst.Set(reflect.ValueOf(*mat.NewDense(a.shape[0], a.shape[1], data)))
	return nil
}

// natural is the Go type an array loads as into an interface: T, []T or
// [][]T by its number of dimensions.
func natural(a array) reflect.Type {
	t := a.elem
	for range a.shape {
		t = reflect.SliceOf(t)
	}
	return t
}

// convertSlice returns the []elem data as a slice of type t, whose
// elements data's fit, sharing data's memory when the types allow.
func convertSlice(data reflect.Value, t reflect.Type) reflect.Value {
	if data.Type().ConvertibleTo(t) {
		return data.Convert(t)
	}
	out := reflect.MakeSlice(t, data.Len(), data.Len())
	for i := range data.Len() {
		setElem(out.Index(i), data.Index(i))
	}
	return out
}

// setElem sets dst to the basic value src, whose type fits dst's.
func setElem(dst, src reflect.Value) {
	if kindClass(dst.Kind()) == 'c' && kindClass(src.Kind()) != 'c' {
		// Go converts no real number to a complex one.
		var re float64
		switch kindClass(src.Kind()) {
		case 'i':
			re = float64(src.Int())
		case 'u':
			re = float64(src.Uint())
		default:
			re = src.Float()
		}
		dst.SetComplex(complex(re, 0))
		return
	}
	dst.Set(src.Convert(dst.Type()))
}

// fits reports whether every value of the basic type from is a value of
// type to, so that loading converts without loss: int32 into int64 or
// float64, float32 into float64, but not int64 into float64.
func fits(from, to reflect.Type) bool {
	fk, tk := from.Kind(), to.Kind()
	if _, ok := basicTypes[tk]; !ok {
		return false
	}
	if fk == reflect.Bool || tk == reflect.Bool {
		return fk == tk
	}
	fb, tb := from.Bits(), bitsOf(to)
	switch kindClass(fk) {
	case 'i':
		switch kindClass(tk) {
		case 'i':
			return tb >= fb
		case 'f':
			return fb < mantissa(tb)
		case 'c':
			return fb < mantissa(tb/2)
		}
	case 'u':
		switch kindClass(tk) {
		case 'u':
			return tb >= fb
		case 'i':
			return tb > fb
		case 'f':
			return fb <= mantissa(tb)
		case 'c':
			return fb <= mantissa(tb/2)
		}
	case 'f':
		switch kindClass(tk) {
		case 'f':
			return tb >= fb
		case 'c':
			return tb/2 >= fb
		}
	case 'c':
		return kindClass(tk) == 'c' && tb >= fb
	}
	return false
}

// bitsOf is reflect.Type.Bits, with int and uint as 64 bits: the sizes
// the arrays store them as.
func bitsOf(t reflect.Type) int {
	if t.Kind() == reflect.Int || t.Kind() == reflect.Uint {
		return 64
	}
	return t.Bits()
}

// mantissa is how many bits of an integer a float of the size holds
// exactly, the implicit one included.
func mantissa(bits int) int {
	switch bits {
	case 32:
		return 24
	case 64:
		return 53
	}
	return 0
}

func kindClass(k reflect.Kind) byte {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return 'i'
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return 'u'
	case reflect.Float32, reflect.Float64:
		return 'f'
	case reflect.Complex64, reflect.Complex128:
		return 'c'
	}
	return 0
}
