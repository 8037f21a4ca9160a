package store

import (
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/gopar/gopar/internal/atomicfile"
)

// A format writes and reads values as the files of one extension.
type format struct {
	// save writes v to w; its errors say why v's type does not fit.
	save func(w io.Writer, v reflect.Value) error
	// load reads a file of size bytes into dst, a settable value.
	load func(r io.ReaderAt, size int64, dst reflect.Value) error
}

var formats = map[string]format{
	".npy":  {saveNPY, loadNPY},
	".npz":  {saveNPZ, loadNPZ},
	".json": {saveJSON, loadJSON},
	".csv":  {saveCSV, loadCSV},
	".gob":  {saveGob, loadGob},
}

// extensions returns the file extensions Save and Load know, sorted.
func extensions() []string {
	exts := make([]string, 0, len(formats))
	for ext := range formats {
		exts = append(exts, ext)
	}
	slices.Sort(exts)
	return exts
}

func formatOf(path string) (string, format, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if f, ok := formats[ext]; ok {
		return ext, f, nil
	}
	known := strings.Join(extensions(), ", ")
	if ext == "" {
		return "", format{}, fmt.Errorf("%s has no extension to choose a format by; the formats are %s", path, known)
	}
	return "", format{}, fmt.Errorf("unknown extension %q in %s; the formats are %s", ext, path, known)
}

// Save writes v to path in the format its extension names. The file is
// replaced whole or not at all: when Save fails, a file that was at path
// is still there as it was.
func Save(path string, v any) error {
	ext, f, err := formatOf(path)
	if err != nil {
		return fmt.Errorf("store: cannot save: %w", err)
	}
	if v == nil {
		return fmt.Errorf("store: cannot save nil as %s", ext)
	}
	var typeErr error
	err = atomicfile.WriteFunc(path, 0o644, func(w io.Writer) error {
		if err := f.save(w, reflect.ValueOf(v)); err != nil {
			typeErr = err
			return err
		}
		return nil
	})
	switch {
	case typeErr != nil:
		return fmt.Errorf("store: cannot save %s as %s: %w", typeName(v), ext, typeErr)
	case err != nil:
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// Load reads the file at path, in the format its extension names, into
// the value v points to.
func Load(path string, v any) error {
	ext, f, err := formatOf(path)
	if err != nil {
		return fmt.Errorf("store: cannot load: %w", err)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("store: cannot load %s into %s: want a non-nil pointer", path, typeName(v))
	}
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := f.load(file, info.Size(), rv.Elem()); err != nil {
		var m *misfit
		if errors.As(err, &m) || errors.Is(err, errNotArray) || errors.Is(err, errNotTable) || errors.Is(err, errNotArrays) {
			return fmt.Errorf("store: cannot load %s (%s) into %s: %w", path, ext, typeName(v), err)
		}
		return fmt.Errorf("store: load %s: %w", path, err)
	}
	return nil
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

func saveNPY(w io.Writer, v reflect.Value) error {
	a, err := toArray(v)
	if err != nil {
		return err
	}
	return writeNPY(w, a)
}

func loadNPY(r io.ReaderAt, size int64, dst reflect.Value) error {
	if err := checkArrayTarget(dst.Type()); err != nil {
		return err
	}
	a, err := readNPY(io.NewSectionReader(r, 0, size), size)
	if err != nil {
		return err
	}
	return assign(dst, a)
}

// checkArrayTarget rejects a type no array can be loaded into before
// the file is read.
func checkArrayTarget(t reflect.Type) error {
	if t == denseType || t == reflect.PointerTo(denseType) || t.Kind() == reflect.Interface {
		return nil
	}
	for range 3 {
		if _, ok := basicTypes[t.Kind()]; ok {
			return nil
		}
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			break
		}
		t = t.Elem()
	}
	return errNotArray
}

var errNotArrays = errors.New("want a map[string]any or a struct of arrays (numbers, bools, slices of them, [][]T or gonum matrices)")

func saveNPZ(w io.Writer, v reflect.Value) error {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return errors.New("nil")
		}
		v = v.Elem()
	}
	var (
		names  []string
		values []reflect.Value
	)
	switch {
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
		for _, k := range v.MapKeys() {
			names = append(names, k.String())
		}
		slices.Sort(names)
		for _, name := range names {
			values = append(values, v.MapIndex(reflect.ValueOf(name).Convert(v.Type().Key())))
		}
	case v.Kind() == reflect.Struct:
		fields, err := fieldsOf(v.Type())
		if err != nil {
			return err
		}
		for _, f := range fields {
			names = append(names, f.name)
			values = append(values, v.Field(f.index))
		}
	default:
		return errNotArrays
	}
	arrays := make([]array, len(values))
	for i, name := range names {
		if name == "" {
			return errors.New("an array with an empty name")
		}
		a, err := toArray(values[i])
		if err != nil {
			t := values[i].Type()
			if values[i].Kind() == reflect.Interface && !values[i].IsNil() {
				t = values[i].Elem().Type()
			}
			return fmt.Errorf("%q (%s): %w", name, t, err)
		}
		arrays[i] = a
	}
	return writeNPZ(w, names, arrays)
}

func loadNPZ(r io.ReaderAt, size int64, dst reflect.Value) error {
	t := dst.Type()
	switch {
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		if err := checkArrayTarget(t.Elem()); err != nil {
			return errNotArrays
		}
		z, err := openNPZ(r, size)
		if err != nil {
			return err
		}
		// Filled aside, so that a failure leaves dst as it was.
		loaded := reflect.MakeMapWithSize(t, len(z.names))
		for _, name := range z.names {
			a, _, err := z.array(name)
			if err != nil {
				return err
			}
			v := reflect.New(t.Elem()).Elem()
			if err := assign(v, a); err != nil {
				return fmt.Errorf("array %q: %w", name, err)
			}
			loaded.SetMapIndex(reflect.ValueOf(name).Convert(t.Key()), v)
		}
		if dst.IsNil() {
			dst.Set(loaded)
			return nil
		}
		for it := loaded.MapRange(); it.Next(); {
			dst.SetMapIndex(it.Key(), it.Value())
		}
		return nil
	case t.Kind() == reflect.Struct:
		fields, err := fieldsOf(t)
		if err != nil {
			return err
		}
		for _, f := range fields {
			if err := checkArrayTarget(t.Field(f.index).Type); err != nil {
				return fmt.Errorf("field %s (%s): %w", t.Field(f.index).Name, t.Field(f.index).Type, err)
			}
		}
		z, err := openNPZ(r, size)
		if err != nil {
			return err
		}
		loaded := reflect.New(t).Elem()
		loaded.Set(dst)
		for _, f := range fields {
			a, ok, err := z.array(f.name)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("no array %q for field %s; the file has %s", f.name, t.Field(f.index).Name, strings.Join(z.names, ", "))
			}
			if err := assign(loaded.Field(f.index), a); err != nil {
				return fmt.Errorf("array %q for field %s: %w", f.name, t.Field(f.index).Name, err)
			}
		}
		dst.Set(loaded)
		return nil
	}
	return errNotArrays
}

func saveJSON(w io.Writer, v reflect.Value) error {
	b, err := json.MarshalIndent(v.Interface(), "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func loadJSON(r io.ReaderAt, size int64, dst reflect.Value) error {
	b, err := io.ReadAll(io.NewSectionReader(r, 0, size))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst.Addr().Interface())
}

func saveCSV(w io.Writer, v reflect.Value) error {
	return writeCSV(w, v)
}

func loadCSV(r io.ReaderAt, size int64, dst reflect.Value) error {
	return readCSV(io.NewSectionReader(r, 0, size), dst)
}

func saveGob(w io.Writer, v reflect.Value) error {
	return gob.NewEncoder(w).Encode(v.Interface())
}

func loadGob(r io.ReaderAt, size int64, dst reflect.Value) error {
	return gob.NewDecoder(io.NewSectionReader(r, 0, size)).Decode(dst.Addr().Interface())
}
