// Package carry keeps Go values between the programs that run notebook
// cells: a cell's program saves the variables it set into a state
// directory, and a later cell's program, which declares the same variables
// with the same types, loads the ones it uses.
//
// Values keep their shape: numbers, strings, bools, arrays, slices, maps,
// structs (unexported fields included), pointers, interfaces, time.Time and
// *time.Location. Memory shared between the variables saved by one SaveAll
// (or EncodeVars) stays shared after loading: two slices over one array,
// two pointers to one struct, pointers into struct fields or array
// elements, cycles. Variables saved by different calls do not share memory.
//
// Loading matches struct fields by name, so a variable whose type gained
// or lost fields still loads: missing fields stay zero, dropped ones are
// skipped. A value whose kind changed fails with a *FitError naming the
// path, as in "results[3].Name: stored string, want int". Integers load
// into any integer type they fit, floats and complex numbers into either
// width, and any value into an interface its type implements.
//
// Channels, functions and values standing for outside resources cannot be
// kept (see Check); idle locks are kept as their zero value. A package's
// process-wide object (a default cache) is kept by name when registered
// (see RegisterGlobal). Values held by interfaces are rebuilt from their type's
// name, which the loading program must know (see Register); an error whose
// type it does not know is kept as its message, a *KeptError.
//
// The stream is little-endian with a magic header and a version; decoding
// bad input returns an error wrapping ErrCorrupt and never allocates more
// than the input justifies.
package carry

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"unsafe"
)

// ErrNotStored is wrapped by errors about a variable that has no stored
// value.
var ErrNotStored = errors.New("no stored value")

// NotKept names a variable that could not be saved, and why.
type NotKept struct {
	Name string
	Why  string // as in "main.Job.done: chan bool: channels cannot be kept"
}

// NotKeptError is returned by SaveAll when some variables could not be
// saved; the others were saved. The store no longer holds any value for
// the variables listed.
type NotKeptError struct {
	Vars []NotKept
}

func (e *NotKeptError) Error() string {
	var b strings.Builder
	b.WriteString("not kept: ")
	for i, v := range e.Vars {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s (%s)", v.Name, v.Why)
	}
	return b.String()
}

// VarError is the error about loading one variable.
type VarError struct {
	Name string
	Err  error
}

func (e *VarError) Error() string {
	var fe *FitError
	if errors.As(e.Err, &fe) {
		return fe.Error() // already starts with the variable name
	}
	return e.Name + ": " + e.Err.Error()
}

func (e *VarError) Unwrap() error { return e.Err }

// rootsOf turns named pointers into roots, sorted by name.
func rootsOf(vars map[string]any) ([]root, error) {
	roots := make([]root, 0, len(vars))
	for name, p := range vars {
		v := reflect.ValueOf(p)
		if v.Kind() != reflect.Pointer || v.IsNil() {
			return nil, fmt.Errorf("carry: %s: want a non-nil pointer to the variable, have %T", name, p)
		}
		roots = append(roots, root{name: name, typ: v.Type().Elem(), ptr: v.UnsafePointer()})
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i].name < roots[j].name })
	return roots, nil
}

// Encode writes the value ptr points to.
func Encode(w io.Writer, ptr any) error {
	return EncodeVars(w, map[string]any{"": ptr})
}

// Decode reads a value written by Encode into the variable ptr points to.
func Decode(r io.Reader, ptr any) error {
	return DecodeVars(r, map[string]any{"": ptr})
}

// EncodeVars writes several variables, given as name → pointer, into one
// stream; memory they share stays shared when they are decoded together.
// It fails if any of them cannot be kept.
func EncodeVars(w io.Writer, vars map[string]any) error {
	roots, err := rootsOf(vars)
	if err != nil {
		return err
	}
	for _, r := range roots {
		if ok, why := Check(r.typ); !ok {
			return fmt.Errorf("carry: %s", label(r.name, why))
		}
	}
	c := newCollector(roots, false)
	if err := c.collect(); err != nil {
		return fmt.Errorf("carry: %w", err)
	}
	if err := write(w, c, c.layout()); err != nil {
		return fmt.Errorf("carry: %w", err)
	}
	return nil
}

func label(name, why string) string {
	if name == "" {
		return why
	}
	return name + ": " + why
}

// DecodeVars reads the named variables, given as name → pointer, from a
// stream written by EncodeVars; a stream may hold more variables than are
// read. On error, the variables that could not be read are zero and the
// error joins one *VarError per variable.
func DecodeVars(r io.Reader, vars map[string]any) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("carry: read: %w", err)
	}
	targets, err := targetsOf(vars)
	if err != nil {
		return err
	}
	return decodeEach(bytes.NewReader(data), int64(len(data)), targets)
}

func targetsOf(vars map[string]any) ([]target, error) {
	roots, err := rootsOf(vars)
	if err != nil {
		return nil, err
	}
	ts := make([]target, len(roots))
	for i, r := range roots {
		ts[i] = target{name: r.name, typ: r.typ, ptr: r.ptr}
	}
	return ts, nil
}

// decodeEach decodes the targets together, so that shared memory stays
// shared, and if that fails, one by one, so that one variable that no
// longer fits does not cost the others.
func decodeEach(src io.ReaderAt, size int64, targets []target) error {
	err := decodeTargets(src, size, targets)
	if err == nil {
		return nil
	}
	if len(targets) == 1 {
		reflect.NewAt(targets[0].typ, targets[0].ptr).Elem().SetZero()
		return &VarError{Name: targets[0].name, Err: err}
	}
	for _, t := range targets {
		reflect.NewAt(t.typ, t.ptr).Elem().SetZero()
	}
	var errs []error
	for _, t := range targets {
		if err := decodeTargets(src, size, []target{t}); err != nil {
			reflect.NewAt(t.typ, t.ptr).Elem().SetZero()
			errs = append(errs, &VarError{Name: t.name, Err: err})
		}
	}
	return errors.Join(errs...)
}

// write encodes the roots of c, which reach the objects objs.
func write(w io.Writer, c *collector, objs []object) error {
	e := &encoder{
		c:     c,
		objs:  objs,
		types: map[reflect.Type]int{},
	}
	e.w = bufio.NewWriterSize(w, 64<<10)
	return e.encode()
}

// Save stores one variable under name in dir; ptr points to it.
func Save(dir, name string, ptr any) error {
	return SaveAll(dir, map[string]any{name: ptr})
}

// Load loads the variable stored under name in dir into the variable ptr
// points to.
func Load(dir, name string, ptr any) error {
	return LoadAll(dir, map[string]any{name: ptr})
}

// SaveAll stores variables, given as name → pointer, in the state
// directory dir, replacing earlier values of the same names and keeping
// the others. Memory shared between these variables stays shared when
// they are loaded together.
//
// Variables are stored in groups, one file each: variables that share
// memory, directly or through others, form one group, and a variable that
// shares nothing is a group of its own. Loading a variable reads only its
// group's file, so a small variable saved beside a large unrelated one
// loads without reading the large one. List reports each variable's Group.
//
// Variables that cannot be kept are left out and their earlier values
// dropped; SaveAll then returns a *NotKeptError after saving the rest.
// The values are written to new files renamed into place, and the index
// naming which file holds which variable is replaced the same way, so a
// process killed while saving leaves the earlier state as it was. One
// process at a time may save into a directory.
func SaveAll(dir string, vars map[string]any) error {
	roots, err := rootsOf(vars)
	if err != nil {
		return err
	}
	var notKept []NotKept
	keep := roots[:0:0]
	for _, r := range roots {
		if ok, why := Check(r.typ); !ok {
			notKept = append(notKept, NotKept{Name: r.name, Why: why})
			continue
		}
		keep = append(keep, r)
	}
	var c *collector
	for len(keep) > 0 {
		c = newCollector(keep, false)
		err := c.collect()
		if err == nil {
			break
		}
		var we *walkError
		if !errors.As(err, &we) {
			return fmt.Errorf("carry: save: %w", err)
		}
		notKept = append(notKept, NotKept{Name: keep[we.root].name, Why: strings.TrimPrefix(we.Error(), keep[we.root].name+": ")})
		keep = append(keep[:we.root:we.root], keep[we.root+1:]...)
		c = nil
	}
	idx, err := readIndex(dir)
	if err != nil {
		// An unreadable index would block every later save; start over.
		idx = nil
	}
	var parts []part
	if c != nil {
		parts = c.partition()
	}
	bundles := make([]string, 0, len(parts))
	dropBundles := func() {
		for _, b := range bundles {
			os.Remove(filepath.Join(dir, b))
		}
	}
	group := make([]string, len(keep))
	for _, p := range parts {
		b, err := writeBundle(dir, p.c, p.objs)
		if err != nil {
			dropBundles()
			return err
		}
		bundles = append(bundles, b)
		for _, r := range p.roots {
			group[r] = b
		}
	}
	entries := map[string]Var{}
	for _, v := range idx {
		entries[v.Name] = v
	}
	for _, n := range notKept {
		delete(entries, n.Name)
	}
	for i, r := range keep {
		v := Var{Name: r.name, Type: r.typ.String(), Size: sizeOf(r.typ, r.ptr), Group: group[i]}
		for k := range c.dynamic[i] {
			v.Dynamic = append(v.Dynamic, k)
		}
		sort.Strings(v.Dynamic)
		entries[r.name] = v
	}
	if err := writeIndex(dir, entries); err != nil {
		dropBundles()
		return err
	}
	removeUnused(dir, entries)
	if len(notKept) > 0 {
		return &NotKeptError{Vars: notKept}
	}
	return nil
}

func writeBundle(dir string, c *collector, objs []object) (string, error) {
	f, err := os.CreateTemp(dir, "b-*.tmp")
	if err != nil {
		return "", fmt.Errorf("carry: save: %w", err)
	}
	tmp := f.Name()
	err = write(f, c, objs)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("carry: save: %w", err)
	}
	name := strings.TrimSuffix(filepath.Base(tmp), ".tmp") + ".carry"
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("carry: save: %w", err)
	}
	return name, nil
}

// LoadAll loads variables, given as name → pointer, from the state
// directory dir. It reads only the files of the groups these variables
// belong to; variables of one group are decoded together, so memory they
// shared is shared again. Every variable that loads is set
// even if others fail; those that fail are zero, and the error joins one
// *VarError per failed variable (wrapping ErrNotStored, ErrCorrupt or a
// *FitError).
func LoadAll(dir string, vars map[string]any) error {
	targets, err := targetsOf(vars)
	if err != nil {
		return err
	}
	idx, err := readIndex(dir)
	if err != nil {
		return fmt.Errorf("carry: load: %w", err)
	}
	where := map[string]string{}
	for _, v := range idx {
		where[v.Name] = v.Group
	}
	byFile := map[string][]target{}
	var files []string
	var errs []error
	for _, t := range targets {
		f, ok := where[t.name]
		if !ok {
			reflect.NewAt(t.typ, t.ptr).Elem().SetZero()
			errs = append(errs, &VarError{Name: t.name, Err: ErrNotStored})
			continue
		}
		if byFile[f] == nil {
			files = append(files, f)
		}
		byFile[f] = append(byFile[f], t)
	}
	for _, name := range files {
		if err := loadFile(filepath.Join(dir, name), byFile[name]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func loadFile(path string, targets []target) error {
	fail := func(err error) error {
		var errs []error
		for _, t := range targets {
			reflect.NewAt(t.typ, t.ptr).Elem().SetZero()
			errs = append(errs, &VarError{Name: t.name, Err: err})
		}
		return errors.Join(errs...)
	}
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	return decodeEach(f, st.Size(), targets)
}

// Remove forgets the named variables stored in dir.
func Remove(dir string, names ...string) error {
	idx, err := readIndex(dir)
	if err != nil {
		return fmt.Errorf("carry: remove: %w", err)
	}
	entries := map[string]Var{}
	for _, v := range idx {
		entries[v.Name] = v
	}
	for _, n := range names {
		delete(entries, n)
	}
	if err := writeIndex(dir, entries); err != nil {
		return err
	}
	removeUnused(dir, entries)
	return nil
}

// Var describes a stored variable.
type Var struct {
	Name string
	Type string // the variable's type, as reflect prints it ("[]main.Point")
	Size int64  // approximate bytes in memory (see Size)
	// Dynamic lists the named types of values held in the variable's
	// interfaces, as import path and name ("main.Circle",
	// "math/big.Int"): a program loading the variable must Register them.
	Dynamic []string
	// Group names the file holding the variable. Variables saved by one
	// SaveAll share a Group exactly when they share memory, directly or
	// through others in the group. Loading a variable reads only its
	// group's file; loading the whole group together keeps the sharing.
	Group string
}

// List returns the variables stored in dir, sorted by name; none when dir
// holds no index.
func List(dir string) ([]Var, error) {
	idx, err := readIndex(dir)
	if err != nil {
		return nil, fmt.Errorf("carry: list: %w", err)
	}
	return idx, nil
}

// Size returns the approximate number of bytes the value ptr points to
// occupies in memory, counting memory reached through pointers, slices,
// maps and interfaces once, and string contents.
func Size(ptr any) int64 {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return 0
	}
	return sizeOf(v.Type().Elem(), v.UnsafePointer())
}

func sizeOf(t reflect.Type, p unsafe.Pointer) int64 {
	c := newCollector([]root{{typ: t, ptr: p}}, true)
	if err := c.collect(); err != nil {
		return int64(t.Size())
	}
	total := c.stringBytes
	for _, o := range c.layout() {
		if o.isMap {
			m := c.nodes[o.node].mapv
			mt := m.Type()
			total += 48 + int64(m.Len())*int64(mt.Key().Size()+mt.Elem().Size()+1)
			continue
		}
		total += int64(o.n) * int64(o.elem.Size())
	}
	return total
}

const (
	indexName    = "index.carry"
	indexMagic   = "GOPARIDX"
	indexVersion = 1
)

func readIndex(dir string) ([]Var, error) {
	data, err := os.ReadFile(filepath.Join(dir, indexName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseIndex(data)
}

func parseIndex(data []byte) (vars []Var, err error) {
	d := &decoder{}
	defer catch(&err)
	if len(data) < len(indexMagic)+1 || string(data[:len(indexMagic)]) != indexMagic {
		d.corrupt("index: bad magic")
	}
	if data[len(indexMagic)] != indexVersion {
		d.corrupt("index: version %d", data[len(indexMagic)])
	}
	r := &reader{d: d, b: data, i: len(indexMagic) + 1}
	n := r.count(r.left())
	for i := 0; i < n; i++ {
		v := Var{Name: r.str(), Group: r.str(), Type: r.str(), Size: int64(r.uvarint())}
		nd := r.count(r.left())
		for j := 0; j < nd; j++ {
			v.Dynamic = append(v.Dynamic, r.str())
		}
		if !validBundle(v.Group) {
			d.corrupt("index: bad file name %q", v.Group)
		}
		vars = append(vars, v)
	}
	if r.left() != 0 {
		d.corrupt("index: stray bytes")
	}
	return vars, nil
}

func validBundle(name string) bool {
	return strings.HasPrefix(name, "b-") && strings.HasSuffix(name, ".carry") &&
		filepath.Base(name) == name
}

func writeIndex(dir string, entries map[string]Var) error {
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	buf := append([]byte(indexMagic), indexVersion)
	str := func(s string) {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	buf = binary.AppendUvarint(buf, uint64(len(names)))
	for _, n := range names {
		v := entries[n]
		str(v.Name)
		str(v.Group)
		str(v.Type)
		buf = binary.AppendUvarint(buf, uint64(max(v.Size, 0)))
		buf = binary.AppendUvarint(buf, uint64(len(v.Dynamic)))
		for _, d := range v.Dynamic {
			str(d)
		}
	}
	f, err := os.CreateTemp(dir, "index-*.tmp")
	if err != nil {
		return fmt.Errorf("carry: write index: %w", err)
	}
	_, err = f.Write(buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, indexName))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("carry: write index: %w", err)
	}
	return nil
}

// removeUnused deletes value files no index entry refers to.
func removeUnused(dir string, entries map[string]Var) {
	used := map[string]bool{}
	for _, v := range entries {
		used[v.Group] = true
	}
	files, _ := filepath.Glob(filepath.Join(dir, "b-*.carry"))
	for _, f := range files {
		if !used[filepath.Base(f)] {
			os.Remove(f)
		}
	}
}
