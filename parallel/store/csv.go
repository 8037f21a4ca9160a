package store

import (
	"encoding"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

var (
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

var errNotTable = errors.New("want a slice of structs, [][]string, or a [][]T of numbers or bools")

// writeCSV writes v, a slice of structs (a header row of field names,
// then a row per element) or a slice of rows of strings, numbers or
// bools (no header).
func writeCSV(w io.Writer, v reflect.Value) error {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return errors.New("nil")
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return errNotTable
	}
	cw := csv.NewWriter(w)
	elem := v.Type().Elem()
	switch {
	case structType(elem) != nil:
		st := structType(elem)
		fields, err := fieldsOf(st)
		if err != nil {
			return err
		}
		record := make([]string, len(fields))
		for i, f := range fields {
			record[i] = f.name
			if !cellType(st.Field(f.index).Type) {
				return fmt.Errorf("field %s of type %s is not a column of text, numbers or bools", st.Field(f.index).Name, st.Field(f.index).Type)
			}
		}
		if err := cw.Write(record); err != nil {
			return err
		}
		for i := range v.Len() {
			row := v.Index(i)
			if row.Kind() == reflect.Pointer {
				if row.IsNil() {
					return fmt.Errorf("element %d is nil", i)
				}
				row = row.Elem()
			}
			for j, f := range fields {
				s, err := formatCell(row.Field(f.index))
				if err != nil {
					return fmt.Errorf("element %d, field %s: %w", i, st.Field(f.index).Name, err)
				}
				record[j] = s
			}
			if err := cw.Write(record); err != nil {
				return err
			}
		}
	case (elem.Kind() == reflect.Slice || elem.Kind() == reflect.Array) && cellType(elem.Elem()):
		for i := range v.Len() {
			row := v.Index(i)
			record := make([]string, row.Len())
			for j := range record {
				s, err := formatCell(row.Index(j))
				if err != nil {
					return fmt.Errorf("row %d, column %d: %w", i, j, err)
				}
				record[j] = s
			}
			if err := cw.Write(record); err != nil {
				return err
			}
		}
	default:
		return errNotTable
	}
	cw.Flush()
	return cw.Error()
}

// structType returns the struct type t is, or points to, or nil.
func structType(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct && !t.Implements(textMarshalerType) && !reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return t
	}
	return nil
}

// cellType reports whether values of t are written as one CSV field.
func cellType(t reflect.Type) bool {
	if t.Implements(textMarshalerType) && reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	}
	return false
}

func formatCell(v reflect.Value) (string, error) {
	if v.Type().Implements(textMarshalerType) {
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		return string(b), err
	}
	switch kindClass(v.Kind()) {
	case 'i':
		return strconv.FormatInt(v.Int(), 10), nil
	case 'u':
		return strconv.FormatUint(v.Uint(), 10), nil
	case 'f':
		return strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()), nil
	case 'c':
		return strconv.FormatComplex(v.Complex(), 'g', -1, v.Type().Bits()), nil
	}
	switch v.Kind() {
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), nil
	}
	return "", fmt.Errorf("%s is not a CSV field", v.Type())
}

// parseCell sets v, of a type cellType accepts, from a CSV field.
func parseCell(v reflect.Value, s string) error {
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(s))
	}
	t := v.Type()
	switch kindClass(v.Kind()) {
	case 'i':
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, bitsOf(t))
		v.SetInt(n)
		return err
	case 'u':
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, bitsOf(t))
		v.SetUint(n)
		return err
	case 'f':
		f, err := strconv.ParseFloat(strings.TrimSpace(s), t.Bits())
		v.SetFloat(f)
		return err
	case 'c':
		c, err := strconv.ParseComplex(strings.TrimSpace(s), t.Bits())
		v.SetComplex(c)
		return err
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
		return nil
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		v.SetBool(b)
		return err
	}
	return fmt.Errorf("%s is not a CSV field", t)
}

// readCSV reads CSV into dst: a slice of structs, matching columns to
// fields by the header row's names, or a slice of rows.
func readCSV(r io.Reader, dst reflect.Value) error {
	t := dst.Type()
	if t.Kind() != reflect.Slice {
		return errNotTable
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	elem := t.Elem()
	out := reflect.MakeSlice(t, 0, 0)
	switch {
	case structType(elem) != nil:
		st := structType(elem)
		columns, err := columnsOf(cr, st)
		if err != nil {
			return err
		}
		for {
			record, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			row := reflect.New(st)
			for _, c := range columns {
				if err := parseCell(row.Elem().Field(c.index), record[c.column]); err != nil {
					line, col := cr.FieldPos(c.column)
					return fmt.Errorf("line %d, column %d (%s): %w", line, col, c.name, err)
				}
			}
			if elem.Kind() == reflect.Pointer {
				out = reflect.Append(out, row)
			} else {
				out = reflect.Append(out, row.Elem())
			}
		}
	case elem.Kind() == reflect.Slice && cellType(elem.Elem()):
		for {
			record, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			row := reflect.MakeSlice(elem, len(record), len(record))
			for j, s := range record {
				if err := parseCell(row.Index(j), s); err != nil {
					line, col := cr.FieldPos(j)
					return fmt.Errorf("line %d, column %d: %w", line, col, err)
				}
			}
			out = reflect.Append(out, row)
		}
	default:
		return errNotTable
	}
	dst.Set(out)
	return nil
}

type column struct {
	field
	column int
}

// columnsOf reads the header row and returns where each field of st is.
// Columns no field names are skipped (such as the index pandas writes);
// a field no column names is an error.
func columnsOf(cr *csv.Reader, st reflect.Type) ([]column, error) {
	fields, err := fieldsOf(st)
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		if !cellType(st.Field(f.index).Type) {
			return nil, fmt.Errorf("field %s of type %s is not a column of text, numbers or bools", st.Field(f.index).Name, st.Field(f.index).Type)
		}
	}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	at := make(map[string]int)
	for i, name := range header {
		if _, dup := at[name]; !dup {
			at[name] = i
		}
	}
	var columns []column
	for _, f := range fields {
		i, ok := at[f.name]
		if !ok {
			return nil, fmt.Errorf("no column %q for field %s; the header is %s", f.name, st.Field(f.index).Name, strings.Join(header, ","))
		}
		columns = append(columns, column{f, i})
	}
	return columns, nil
}
