package store

import (
	"fmt"
	"reflect"
)

// field is a struct field as a named array in an .npz file or a column
// of a CSV file.
type field struct {
	name  string
	index int
}

// fieldsOf returns the exported fields of the struct type t, named by
// their `store:"name"` tag or else their own name; `store:"-"` leaves a
// field out.
func fieldsOf(t reflect.Type) ([]field, error) {
	var fields []field
	seen := make(map[string]string)
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("store"); ok {
			if tag == "-" {
				continue
			}
			if tag != "" {
				name = tag
			}
		}
		if other, dup := seen[name]; dup {
			return nil, fmt.Errorf("fields %s and %s are both named %q", other, f.Name, name)
		}
		seen[name] = f.Name
		fields = append(fields, field{name: name, index: i})
	}
	return fields, nil
}
