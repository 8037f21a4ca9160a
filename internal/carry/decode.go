package carry

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// ErrCorrupt is wrapped by errors about input that is not a well-formed
// stream: bad magic, unknown version, truncation, lengths that do not fit.
var ErrCorrupt = errors.New("corrupt carry data")

// FitError says a stored value does not fit the variable it is loaded into,
// because the variable's type changed: "results[3].Name: stored string,
// want int".
type FitError struct {
	Path   string // where, starting with the variable name
	Stored string // type of the stored value
	Want   string // type of the variable part
	Detail string // optional, replaces "stored X, want Y"
}

func (e *FitError) Error() string {
	msg := e.Detail
	if msg == "" {
		msg = "stored " + e.Stored + ", want " + e.Want
	}
	if e.Path == "" {
		return msg
	}
	return e.Path + ": " + msg
}

const (
	maxSteps      = 1 << 10 // steps of a place inside an object
	maxTypeDepth  = 1 << 10 // types nested without a reference in between
	maxValueDepth = 1 << 12 // values nested inside one record
)

// stype is a type as the stream describes it.
type stype struct {
	kind   byte
	key    string
	str    string
	len    int // arrays
	elem   *stype
	mkey   *stype // maps
	fields []sfield

	fixed int   // encoded size when every value has the same size, else -1
	min   int64 // smallest encoded size
	bulk  bool  // numbers or bools, or arrays of them: little-endian memory image

	local     reflect.Type
	localErr  error
	resolving bool
	state     uint8 // for checking the type graph
}

type sfield struct {
	name     string
	embedded bool
	t        *stype
}

type dobj struct {
	isMap bool
	st    *stype // element type of arrays, the map type of maps
	n     int
	off   int64
	len   int64

	allocated bool
	queued    bool
	base      unsafe.Pointer
	lt        reflect.Type // local element type, or local map type
	mapv      reflect.Value

	// where it was first reached, for error paths
	fromObj   int
	fromRoot  string
	fromSteps []step
	siteIdx   int
	showIndex bool
}

type droot struct {
	name  string
	st    *stype
	obj   int
	idx   int
	steps []int
}

type fixKind uint8

const (
	fixPointer fixKind = iota
	fixSlice
	fixCopy
)

// fixup is a reference whose memory could not be placed when it was read,
// because only a pointer into a field of a struct of unknown type reached
// it so far.
type fixup struct {
	kind     fixKind
	dst      unsafe.Pointer
	obj, idx int
	steps    []int
	t        reflect.Type
	n, len   int
	fromObj  int
	fromRoot string
	from     []step
}

type decodeError struct{ err error }

type decoder struct {
	src      io.ReaderAt
	size     int64
	small    []byte
	smallOff int64
	smallEnd int64

	types []*stype
	objs  []dobj
	roots []droot

	names     map[string]reflect.Type
	fieldMaps map[fieldMapKey][]int
	work      []int
	fixups    []fixup
	copies    map[string]unsafe.Pointer

	// budget is how many bytes of local memory the input may still make
	// the decoder allocate, so that a short input cannot claim gigabytes.
	budget int64

	cur      int // object being decoded, -1 for none
	curRoot  string
	stack    []step
	depth    int
	elemStep bool
}

type fieldMapKey struct {
	st *stype
	lt reflect.Type
}

func (d *decoder) fail(err error) { panic(decodeError{err}) }

func (d *decoder) charge(n int64) {
	d.budget -= n
	if n < 0 || d.budget < 0 {
		d.corrupt("%d bytes of input cannot hold the values it claims", d.size)
	}
}

func (d *decoder) corrupt(format string, args ...any) {
	d.fail(fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...)))
}

func (d *decoder) misfit(st *stype, lt reflect.Type) {
	d.fail(&FitError{Path: d.path(), Stored: st.str, Want: lt.String()})
}

func (d *decoder) misfitDetail(detail string) {
	d.fail(&FitError{Path: d.path(), Detail: detail})
}

// catch turns the decoder's own panics into errors.
func catch(err *error) {
	if r := recover(); r != nil {
		de, ok := r.(decodeError)
		if !ok {
			panic(r)
		}
		*err = de.err
	}
}

// reader reads one record or the footer, with bounds checks.
type reader struct {
	d *decoder
	b []byte
	i int
}

func (r *reader) left() int { return len(r.b) - r.i }

func (r *reader) next(n int) []byte {
	if n < 0 || n > r.left() {
		r.d.corrupt("truncated data")
	}
	b := r.b[r.i : r.i+n]
	r.i += n
	return b
}

func (r *reader) byte() byte { return r.next(1)[0] }

func (r *reader) uvarint() uint64 {
	x, n := binary.Uvarint(r.b[r.i:])
	if n <= 0 {
		r.d.corrupt("bad number")
	}
	r.i += n
	return x
}

// count reads a number that must be at most max.
func (r *reader) count(max int) int {
	x := r.uvarint()
	if max < 0 || x > uint64(max) {
		r.d.corrupt("number %d out of range", x)
	}
	return int(x)
}

func (r *reader) str() string {
	n := r.count(r.left())
	return string(r.next(n))
}

// open reads the header, trailer and footer of a stream of size bytes.
func (d *decoder) open() {
	if d.size < headerLen+trailerLen {
		d.corrupt("%d bytes is too short", d.size)
	}
	var h [headerLen]byte
	if _, err := d.src.ReadAt(h[:], 0); err != nil {
		d.fail(fmt.Errorf("read header: %w", err))
	}
	if string(h[:7]) != headerMagic {
		d.corrupt("not a carry stream (bad magic)")
	}
	if h[7] != formatVersion {
		d.fail(fmt.Errorf("%w: format version %d, this program reads version %d", ErrCorrupt, h[7], formatVersion))
	}
	var t [trailerLen]byte
	if _, err := d.src.ReadAt(t[:], d.size-trailerLen); err != nil {
		d.fail(fmt.Errorf("read trailer: %w", err))
	}
	if string(t[8:]) != trailerMagic {
		d.corrupt("truncated (no trailer)")
	}
	footerOff := int64(binary.LittleEndian.Uint64(t[:8]))
	if footerOff < headerLen || footerOff > d.size-trailerLen {
		d.corrupt("footer offset %d out of range", footerOff)
	}
	fb := make([]byte, d.size-trailerLen-footerOff)
	if _, err := d.src.ReadAt(fb, footerOff); err != nil {
		d.fail(fmt.Errorf("read footer: %w", err))
	}
	r := &reader{d: d, b: fb}
	d.readTypes(r)
	d.readObjects(r, footerOff)
	d.readRoots(r)
	d.smallEnd = int64(r.count(int(footerOff)))
	if d.smallEnd < headerLen {
		d.corrupt("small records end %d out of range", d.smallEnd)
	}
	if r.left() != 0 {
		d.corrupt("%d stray bytes after footer", r.left())
	}
}

func (d *decoder) readTypes(r *reader) {
	n := r.count(r.left())
	d.types = make([]*stype, n)
	refs := make([][]int, n)
	for i := range d.types {
		st := &stype{kind: r.byte()}
		if st.kind == 0 || st.kind >= kLast {
			d.corrupt("type %d has unknown kind %d", i, st.kind)
		}
		st.key = r.str()
		st.str = r.str()
		switch st.kind {
		case kArray:
			st.len = r.count(math.MaxInt)
			refs[i] = []int{r.count(n - 1)}
		case kSlice, kPointer:
			refs[i] = []int{r.count(n - 1)}
		case kMap:
			refs[i] = []int{r.count(n - 1), r.count(n - 1)}
		case kStruct:
			nf := r.count(r.left())
			st.fields = make([]sfield, nf)
			for j := range st.fields {
				st.fields[j].name = r.str()
				st.fields[j].embedded = r.byte() == 1
				refs[i] = append(refs[i], r.count(n-1))
			}
		}
		d.types[i] = st
	}
	for i, st := range d.types {
		switch st.kind {
		case kArray, kSlice, kPointer:
			st.elem = d.types[refs[i][0]]
		case kMap:
			st.mkey, st.elem = d.types[refs[i][0]], d.types[refs[i][1]]
		case kStruct:
			for j := range st.fields {
				st.fields[j].t = d.types[refs[i][j]]
			}
		}
	}
	for _, st := range d.types {
		d.measure(st, 0)
	}
}

// measure computes sizes and rejects types that contain themselves
// without a reference in between, which no Go type does.
func (d *decoder) measure(st *stype, depth int) {
	switch st.state {
	case 2:
		return
	case 1:
		d.corrupt("type %s contains itself", st.str)
	}
	if depth > maxTypeDepth {
		d.corrupt("types nested too deeply")
	}
	st.state = 1
	st.fixed = -1
	switch st.kind {
	case kArray:
		d.measure(st.elem, depth+1)
		st.bulk = st.elem.bulk
		st.min = satMul(st.elem.min, int64(st.len))
		if st.elem.fixed >= 0 {
			f := satMul(int64(st.elem.fixed), int64(st.len))
			if f > 1<<40 {
				d.corrupt("array type %s too large", st.str)
			}
			st.fixed = int(f)
		}
	case kStruct:
		st.fixed = 0
		for _, f := range st.fields {
			d.measure(f.t, depth+1)
			st.min = satAdd(st.min, f.t.min)
			if st.fixed >= 0 && f.t.fixed >= 0 {
				st.fixed += f.t.fixed
				if st.fixed > 1<<40 {
					d.corrupt("struct type %s too large", st.str)
				}
			} else {
				st.fixed = -1
			}
		}
	case kString, kSlice, kPointer, kMap, kInterface, kLocation, kFunc:
		st.min = 1
	case kTime:
		st.min = 17
	default:
		st.fixed = scalarSize(st.kind)
		st.bulk = true
	}
	if st.fixed >= 0 {
		st.min = int64(st.fixed)
	}
	st.state = 2
}

func satMul(a, b int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64/2 {
		return math.MaxInt64 / 2
	}
	return int64(lo)
}

func satAdd(a, b int64) int64 {
	if a+b > math.MaxInt64/2 || a+b < 0 {
		return math.MaxInt64 / 2
	}
	return a + b
}

func (d *decoder) readObjects(r *reader, footerOff int64) {
	n := r.count(r.left())
	d.objs = make([]dobj, n)
	for i := range d.objs {
		o := &d.objs[i]
		kind := r.byte()
		o.st = d.types[r.count(len(d.types)-1)]
		o.n = r.count(math.MaxInt)
		o.off = int64(r.count(int(footerOff)))
		o.len = int64(r.count(int(footerOff - o.off)))
		if o.off < headerLen {
			d.corrupt("object %d offset out of range", i)
		}
		var min int64
		switch kind {
		case objArray:
			min = o.st.min
			if o.n == 0 {
				d.corrupt("object %d is empty", i)
			}
			if o.st.bulk && satMul(int64(o.st.fixed), int64(o.n)) != o.len {
				d.corrupt("object %d: %d values of %s in %d bytes", i, o.n, o.st.str, o.len)
			}
		case objMap:
			o.isMap = true
			if o.st.kind != kMap {
				d.corrupt("object %d: map of type %s", i, o.st.str)
			}
			min = satAdd(o.st.mkey.min, o.st.elem.min)
			if min == 0 && o.n > 1 {
				d.corrupt("object %d: %d entries with empty keys", i, o.n)
			}
		default:
			d.corrupt("object %d has unknown kind %d", i, kind)
		}
		if satMul(min, int64(o.n)) > o.len {
			d.corrupt("object %d: %d values of %s cannot fit in %d bytes", i, o.n, o.st.str, o.len)
		}
		o.fromObj = -1
	}
}

func (d *decoder) readRoots(r *reader) {
	n := r.count(r.left())
	d.roots = make([]droot, n)
	for i := range d.roots {
		rt := &d.roots[i]
		rt.name = r.str()
		rt.st = d.types[r.count(len(d.types)-1)]
		rt.obj = r.count(len(d.objs) - 1)
		rt.idx = r.count(math.MaxInt)
		rt.steps = make([]int, r.count(maxSteps))
		for j := range rt.steps {
			rt.steps[j] = r.count(math.MaxInt)
		}
	}
}

// record returns the bytes of object i.
func (d *decoder) record(i int) *reader {
	o := &d.objs[i]
	if d.small == nil && d.smallEnd > headerLen {
		d.small = make([]byte, d.smallEnd-headerLen)
		if _, err := d.src.ReadAt(d.small, headerLen); err != nil {
			d.fail(fmt.Errorf("read records: %w", err))
		}
		d.smallOff = headerLen
	}
	if o.off >= d.smallOff && o.off+o.len <= d.smallEnd && d.small != nil {
		return &reader{d: d, b: d.small[o.off-d.smallOff : o.off-d.smallOff+o.len]}
	}
	b := make([]byte, o.len)
	if _, err := d.src.ReadAt(b, o.off); err != nil {
		d.fail(fmt.Errorf("read record: %w", err))
	}
	return &reader{d: d, b: b}
}

// target is a variable to load.
type target struct {
	name string
	typ  reflect.Type
	ptr  unsafe.Pointer
}

// decodeTargets loads the named roots of the stream into the targets.
func decodeTargets(src io.ReaderAt, size int64, targets []target) (err error) {
	d := &decoder{src: src, size: size, cur: -1, fieldMaps: map[fieldMapKey][]int{}, budget: 256<<20 + 32*size}
	defer catch(&err)
	d.open()
	return d.load(targets)
}

func (d *decoder) load(targets []target) error {
	var lts []reflect.Type
	for _, t := range targets {
		lts = append(lts, t.typ)
	}
	d.names = knownTypes(lts)
	byName := map[string]int{}
	for i, r := range d.roots {
		byName[r.name] = i
	}
	rootOf := make([]int, len(targets))
	for i, t := range targets {
		ri, ok := byName[t.name]
		if !ok {
			return fmt.Errorf("%w: %q", ErrNotStored, t.name)
		}
		rootOf[i] = ri
	}
	// Variables whose memory is a whole object are loaded in place, so
	// references to them from other variables land on them.
	var copies []int
	for i, t := range targets {
		r := &d.roots[rootOf[i]]
		o := &d.objs[r.obj]
		if !o.isMap && !o.allocated && r.idx == 0 && len(r.steps) == 0 && o.n == 1 {
			o.allocated, o.base, o.lt = true, t.ptr, t.typ
			o.fromRoot = t.name
			d.queue(r.obj)
			continue
		}
		copies = append(copies, i)
	}
	for _, i := range copies {
		t := targets[i]
		r := &d.roots[rootOf[i]]
		if d.objs[r.obj].isMap {
			d.corrupt("variable %s is a map object", t.name)
		}
		d.curRoot, d.cur, d.stack = t.name, -1, d.stack[:0]
		d.fixups = append(d.fixups, fixup{kind: fixCopy, dst: t.ptr, obj: r.obj, idx: r.idx, steps: r.steps, t: t.typ, n: 1, fromObj: -1, fromRoot: t.name})
	}
	d.drain()
	return nil
}

func (d *decoder) queue(i int) {
	o := &d.objs[i]
	if !o.queued {
		o.queued = true
		d.work = append(d.work, i)
	}
}

// drain decodes queued objects and places deferred references until none
// are left.
func (d *decoder) drain() {
	for {
		for len(d.work) > 0 {
			i := d.work[len(d.work)-1]
			d.work = d.work[:len(d.work)-1]
			d.decodeObject(i)
		}
		if len(d.fixups) == 0 {
			return
		}
		fs := d.fixups
		d.fixups = nil
		for _, f := range fs {
			d.cur, d.curRoot, d.stack = f.fromObj, f.fromRoot, append(d.stack[:0], f.from...)
			p, ok := d.address(f.obj, f.idx, f.steps, f.t, f.n, f.kind == fixSlice)
			if !ok {
				p = d.standalone(f)
			}
			switch f.kind {
			case fixPointer:
				*(*unsafe.Pointer)(f.dst) = p
			case fixSlice:
				*(*sliceHeader)(f.dst) = sliceHeader{data: p, len: f.len, cap: f.n}
			case fixCopy:
				dst := reflect.NewAt(f.t, f.dst).Elem()
				dst.Set(reflect.NewAt(f.t, p).Elem())
			}
		}
	}
}

func (d *decoder) decodeObject(i int) {
	o := &d.objs[i]
	d.cur, d.stack, d.depth = i, d.stack[:0], 0
	if o.isMap {
		d.decodeMap(i)
		return
	}
	lt := o.lt
	es := lt.Size()
	if o.st.bulk && sameRepr(o.st, lt) {
		dst := unsafe.Slice((*byte)(o.base), uintptr(o.n)*es)
		if o.off >= d.smallEnd {
			if _, err := d.src.ReadAt(dst, o.off); err != nil {
				d.fail(fmt.Errorf("read record: %w", err))
			}
		} else {
			copy(dst, d.record(i).next(int(o.len)))
		}
		if hasBools(o.st) {
			for _, b := range dst {
				if b > 1 {
					d.corrupt("bad bool")
				}
			}
		}
		return
	}
	r := d.record(i)
	show := o.showIndex
	for j := 0; j < o.n; j++ {
		if show {
			d.stack = append(d.stack[:0], step{kind: stepIndex, i: j - o.siteIdx})
		}
		d.value(r, o.st, lt, unsafe.Add(o.base, uintptr(j)*es))
	}
	if r.left() != 0 {
		d.corrupt("%d stray bytes in record %d", r.left(), i)
	}
}

func hasBools(st *stype) bool {
	for st.kind == kArray {
		st = st.elem
	}
	return st.kind == kBool
}

// sameRepr reports whether values of stream type st have the memory image
// of local type lt.
func sameRepr(st *stype, lt reflect.Type) bool {
	if !nativeLittleEndian {
		return false
	}
	if st.kind == kArray {
		return lt.Kind() == reflect.Array && lt.Len() == st.len && sameRepr(st.elem, lt.Elem())
	}
	lk := streamKind(lt)
	switch st.kind {
	case kInt, kInt64:
		return (lk == kInt || lk == kInt64) && lt.Size() == 8
	case kUint, kUint64, kUintptr:
		return (lk == kUint || lk == kUint64 || lk == kUintptr) && lt.Size() == 8
	}
	return st.kind == lk && st.bulk
}

func (d *decoder) decodeMap(i int) {
	o := &d.objs[i]
	r := d.record(i)
	mt := o.lt
	kt, vt := mt.Key(), mt.Elem()
	for j := 0; j < o.n; j++ {
		k := reflect.New(kt)
		d.stack = append(d.stack[:0], step{kind: stepKey, name: "key"})
		d.value(r, o.st.mkey, kt, k.UnsafePointer())
		d.stack = append(d.stack[:0], step{kind: stepKey, key: k.Elem()})
		v := reflect.New(vt)
		d.value(r, o.st.elem, vt, v.UnsafePointer())
		o.mapv.SetMapIndex(k.Elem(), v.Elem())
	}
	if r.left() != 0 {
		d.corrupt("%d stray bytes in map record %d", r.left(), i)
	}
}

func (d *decoder) path() string {
	var b strings.Builder
	var parts [][]step
	name := d.curRoot
	for i, hops := d.cur, 0; i >= 0 && hops <= len(d.objs); i, hops = d.objs[i].fromObj, hops+1 {
		parts = append(parts, d.objs[i].fromSteps)
		name = d.objs[i].fromRoot
	}
	b.WriteString(name)
	for i := len(parts) - 1; i >= 0; i-- {
		writeSteps(&b, parts[i])
	}
	writeSteps(&b, d.stack)
	return strings.TrimPrefix(b.String(), ".")
}

func (d *decoder) push(s step) { d.stack = append(d.stack, s) }
func (d *decoder) pop()        { d.stack = d.stack[:len(d.stack)-1] }

// value decodes a value of stream type st into the local value of type lt
// at p.
func (d *decoder) value(r *reader, st *stype, lt reflect.Type, p unsafe.Pointer) {
	d.depth++
	if d.depth > maxValueDepth {
		d.corrupt("values nested too deeply")
	}
	defer func() { d.depth-- }()
	if lt.Kind() == reflect.Interface && st.kind != kInterface {
		// The variable became an interface: keep the value in it.
		dt := d.localOf(st)
		if !dt.Implements(lt) {
			d.misfit(st, lt)
		}
		if st.min > int64(r.left()) {
			d.corrupt("truncated data")
		}
		d.charge(int64(dt.Size()))
		v := reflect.New(dt)
		d.value(r, st, dt, v.UnsafePointer())
		reflect.NewAt(lt, p).Elem().Set(v.Elem())
		return
	}
	switch st.kind {
	case kBool:
		if lt.Kind() != reflect.Bool {
			d.misfit(st, lt)
		}
		b := r.byte()
		if b > 1 {
			d.corrupt("bad bool %d", b)
		}
		*(*bool)(p) = b == 1
	case kInt8, kInt16, kInt32, kInt64, kInt, kUint8, kUint16, kUint32, kUint64, kUint, kUintptr:
		d.integer(r, st, lt, p)
	case kFloat32, kFloat64:
		var f float64
		if st.kind == kFloat32 {
			f = float64(math.Float32frombits(binary.LittleEndian.Uint32(r.next(4))))
		} else {
			f = math.Float64frombits(binary.LittleEndian.Uint64(r.next(8)))
		}
		switch lt.Kind() {
		case reflect.Float32:
			*(*float32)(p) = float32(f)
		case reflect.Float64:
			*(*float64)(p) = f
		default:
			d.misfit(st, lt)
		}
	case kComplex64, kComplex128:
		var c complex128
		if st.kind == kComplex64 {
			b := r.next(8)
			c = complex(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))),
				float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4:]))))
		} else {
			b := r.next(16)
			c = complex(math.Float64frombits(binary.LittleEndian.Uint64(b)),
				math.Float64frombits(binary.LittleEndian.Uint64(b[8:])))
		}
		switch lt.Kind() {
		case reflect.Complex64:
			*(*complex64)(p) = complex64(c)
		case reflect.Complex128:
			*(*complex128)(p) = c
		default:
			d.misfit(st, lt)
		}
	case kString:
		if lt.Kind() != reflect.String {
			d.misfit(st, lt)
		}
		*(*string)(p) = r.str()
	case kArray:
		if lt.Kind() != reflect.Array {
			d.misfit(st, lt)
		}
		if lt.Len() != st.len {
			d.misfitDetail(fmt.Sprintf("stored %s, want %s (length changed)", st.str, lt))
		}
		if st.bulk && sameRepr(st, lt) {
			b := r.next(st.fixed)
			if hasBools(st) {
				for _, x := range b {
					if x > 1 {
						d.corrupt("bad bool %d", x)
					}
				}
			}
			copy(unsafe.Slice((*byte)(p), lt.Size()), b)
			return
		}
		if st.fixed == 0 {
			return
		}
		et := lt.Elem()
		es := et.Size()
		for j := 0; j < st.len; j++ {
			d.push(step{kind: stepIndex, i: j})
			d.value(r, st.elem, et, unsafe.Add(p, uintptr(j)*es))
			d.pop()
		}
	case kStruct:
		if lt.Kind() != reflect.Struct || lt == timeType() {
			d.misfit(st, lt)
		}
		fm := d.fieldMap(st, lt)
		lf := infoOf(lt).fields
		for j, f := range st.fields {
			if fm[j] < 0 {
				d.skip(r, f.t)
				continue
			}
			l := &lf[fm[j]]
			d.push(step{kind: stepField, name: f.name})
			d.value(r, f.t, l.typ, unsafe.Add(p, l.off))
			d.pop()
		}
	case kTime:
		if lt != timeType() {
			d.misfit(st, lt)
		}
		*(*time.Time)(p) = d.time(r)
	case kLocation:
		if lt != locationType() {
			d.misfit(st, lt)
		}
		if r.byte() == tagNil {
			*(**time.Location)(p) = nil
			return
		}
		offset := int32(binary.LittleEndian.Uint32(r.next(4)))
		*(**time.Location)(p) = location(r.str(), int(offset), time.Now())
	case kPointer:
		if lt.Kind() != reflect.Pointer || lt == locationType() {
			d.misfit(st, lt)
		}
		switch r.byte() {
		case tagNil:
			*(*unsafe.Pointer)(p) = nil
		case tagRef:
			obj, idx, steps := d.place(r)
			q, ok := d.address(obj, idx, steps, lt.Elem(), 1, false)
			if !ok {
				d.defer_(fixup{kind: fixPointer, dst: p, obj: obj, idx: idx, steps: steps, t: lt.Elem(), n: 1})
				return
			}
			*(*unsafe.Pointer)(p) = q
		case tagGlobal:
			*(*unsafe.Pointer)(p) = d.global(r.str(), lt)
		default:
			d.corrupt("bad pointer tag")
		}
	case kSlice:
		if lt.Kind() != reflect.Slice {
			d.misfit(st, lt)
		}
		switch r.byte() {
		case tagNil:
			*(*sliceHeader)(p) = sliceHeader{}
		case tagEmpty:
			reflect.NewAt(lt, p).Elem().Set(reflect.MakeSlice(lt, 0, 0))
		case tagRef:
			obj, idx, steps := d.place(r)
			n := r.count(math.MaxInt)
			c := r.count(math.MaxInt)
			if n > c || c == 0 {
				d.corrupt("slice length %d, capacity %d", n, c)
			}
			q, ok := d.address(obj, idx, steps, lt.Elem(), c, true)
			if !ok {
				d.defer_(fixup{kind: fixSlice, dst: p, obj: obj, idx: idx, steps: steps, t: lt.Elem(), n: c, len: n})
				return
			}
			*(*sliceHeader)(p) = sliceHeader{data: q, len: n, cap: c}
		default:
			d.corrupt("bad slice tag")
		}
	case kMap:
		if lt.Kind() != reflect.Map {
			d.misfit(st, lt)
		}
		switch r.byte() {
		case tagNil:
			reflect.NewAt(lt, p).Elem().SetZero()
		case tagRef:
			d.mapRef(r.count(len(d.objs)-1), st, lt, p)
		default:
			d.corrupt("bad map tag")
		}
	case kFunc:
		if lt.Kind() != reflect.Func {
			d.misfit(st, lt)
		}
		if r.byte() != tagNil {
			d.corrupt("bad func tag")
		}
		*(*unsafe.Pointer)(p) = nil
	case kInterface:
		if lt.Kind() != reflect.Interface {
			d.misfit(st, lt)
		}
		switch tag := r.byte(); tag {
		case tagNil:
			reflect.NewAt(lt, p).Elem().SetZero()
		case tagRef, tagError:
			var msg string
			if tag == tagError {
				msg = r.str()
			}
			dst := d.types[r.count(len(d.types)-1)]
			if dst.kind == kInterface {
				d.corrupt("interface holding interface type %s", dst.str)
			}
			if _, err := d.local(dst); err != nil && tag == tagError && keptErrorType.Implements(lt) {
				d.skip(r, dst)
				reflect.NewAt(lt, p).Elem().Set(reflect.ValueOf(&KeptError{Type: dst.str, Msg: msg}))
				break
			}
			dt := d.localOf(dst)
			if !dt.Implements(lt) {
				d.misfitDetail(fmt.Sprintf("stored %s, which does not implement %s", dt, lt))
			}
			if dst.min > int64(r.left()) {
				d.corrupt("truncated data")
			}
			d.charge(int64(dt.Size()))
			v := reflect.New(dt)
			d.push(step{kind: stepIface, name: dt.String()})
			d.value(r, dst, dt, v.UnsafePointer())
			d.pop()
			reflect.NewAt(lt, p).Elem().Set(v.Elem())
		default:
			d.corrupt("bad interface tag")
		}
	default:
		d.corrupt("bad type kind %d", st.kind)
	}
}

// global returns where the loading program's global called name lives,
// for a pointer of type lt.
func (d *decoder) global(name string, lt reflect.Type) unsafe.Pointer {
	g, ok := globalNamed(name)
	if !ok {
		d.fail(&FitError{Path: d.path(), Detail: "global " + name + " is not known here (its package registers it)"})
	}
	if g.Type() != lt {
		d.misfitDetail(fmt.Sprintf("stored a pointer to global %s (%s), want %s", name, g.Type(), lt))
	}
	return g.UnsafePointer()
}

func (d *decoder) integer(r *reader, st *stype, lt reflect.Type, p unsafe.Pointer) {
	b := r.next(scalarSize(st.kind))
	var u uint64
	for j := len(b) - 1; j >= 0; j-- {
		u = u<<8 | uint64(b[j])
	}
	neg := false
	if isSigned(st.kind) {
		shift := 64 - 8*uint(len(b))
		v := int64(u<<shift) >> shift
		u = uint64(v)
		neg = v < 0
	}
	var size uintptr
	switch lt.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		size = lt.Size()
		bitsN := 8 * uint(size)
		v := int64(u)
		if !neg && u > math.MaxInt64 || int64(v<<(64-bitsN))>>(64-bitsN) != v {
			d.overflow(st, lt, u, neg)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		size = lt.Size()
		if neg || (size < 8 && u>>(8*size) != 0) {
			d.overflow(st, lt, u, neg)
		}
	default:
		d.misfit(st, lt)
	}
	switch size {
	case 1:
		*(*uint8)(p) = uint8(u)
	case 2:
		*(*uint16)(p) = uint16(u)
	case 4:
		*(*uint32)(p) = uint32(u)
	case 8:
		*(*uint64)(p) = u
	}
}

func (d *decoder) overflow(st *stype, lt reflect.Type, u uint64, neg bool) {
	s := strconv.FormatUint(u, 10)
	if neg {
		s = strconv.FormatInt(int64(u), 10)
	}
	d.misfitDetail(fmt.Sprintf("stored %s %s does not fit in %s", st.str, s, lt))
}

func (d *decoder) time(r *reader) time.Time {
	b := r.next(16)
	sec := int64(binary.LittleEndian.Uint64(b))
	nsec := int64(binary.LittleEndian.Uint32(b[8:]))
	offset := int(int32(binary.LittleEndian.Uint32(b[12:])))
	name := r.str()
	if nsec >= 1e9 {
		d.corrupt("bad time nanoseconds %d", nsec)
	}
	t := time.Unix(sec, nsec)
	return t.In(location(name, offset, t))
}

// location finds the location called name whose offset at t is offset,
// falling back to a fixed zone of that name.
func location(name string, offset int, t time.Time) *time.Location {
	switch name {
	case "UTC", "":
		if offset == 0 {
			return time.UTC
		}
	case "Local":
		if _, off := t.In(time.Local).Zone(); off == offset {
			return time.Local
		}
	default:
		if loc, err := time.LoadLocation(name); err == nil {
			if _, off := t.In(loc).Zone(); off == offset {
				return loc
			}
		}
	}
	return time.FixedZone(name, offset)
}

// place reads an object number, element index and steps.
func (d *decoder) place(r *reader) (obj, idx int, steps []int) {
	obj = r.count(len(d.objs) - 1)
	idx = r.count(math.MaxInt)
	n := r.count(maxSteps)
	if n > 0 {
		steps = make([]int, n)
		for j := range steps {
			steps[j] = r.count(math.MaxInt)
		}
	}
	return obj, idx, steps
}

func (d *decoder) defer_(f fixup) {
	f.fromObj, f.fromRoot, f.from = d.cur, d.curRoot, append([]step(nil), d.stack...)
	d.fixups = append(d.fixups, f)
}

// address returns where n values of local type t live at the given place
// of object obj, allocating the object if it is the first reference to it.
// It returns false when the place cannot be found in local memory (yet).
func (d *decoder) address(obj, idx int, steps []int, t reflect.Type, n int, viaSlice bool) (unsafe.Pointer, bool) {
	o := &d.objs[obj]
	if o.isMap {
		d.corrupt("reference into map object %d", obj)
	}
	// Check the place against the stream type.
	sts := make([]*stype, 0, len(steps)+1)
	st := o.st
	sts = append(sts, st)
	avail := o.n - idx
	if idx >= o.n {
		d.corrupt("element %d of object %d with %d", idx, obj, o.n)
	}
	for _, s := range steps {
		switch st.kind {
		case kArray:
			if s >= st.len {
				d.corrupt("index %d of %s", s, st.str)
			}
			avail = st.len - s
			st = st.elem
		case kStruct:
			if s >= len(st.fields) {
				d.corrupt("field %d of %s", s, st.str)
			}
			avail = 1
			st = st.fields[s].t
		default:
			d.corrupt("step into %s", st.str)
		}
		sts = append(sts, st)
	}
	if n > avail {
		d.corrupt("%d values at a place holding %d", n, avail)
	}
	if !o.allocated {
		lt, ok := d.guessLocal(sts, steps, t)
		if !ok {
			return nil, false
		}
		d.allocate(obj, lt)
		o.fromObj, o.fromRoot, o.fromSteps, o.siteIdx = d.cur, d.curRoot, append([]step(nil), d.stack...), idx
		o.showIndex = viaSlice || o.n > 1
	}
	return d.resolve(o, idx, steps, t, n)
}

// guessLocal builds the local type of an object's elements from a
// reference to a place inside one: t at the end of steps.
func (d *decoder) guessLocal(sts []*stype, steps []int, t reflect.Type) (reflect.Type, bool) {
	lt := t
	for j := len(steps) - 1; j >= 0; j-- {
		st := sts[j]
		switch st.kind {
		case kArray:
			if lt.Size() != 0 && uint64(st.len) > uint64(math.MaxInt32)/uint64(lt.Size()) {
				return nil, false
			}
			lt = reflect.ArrayOf(st.len, lt)
		case kStruct:
			l, err := d.local(st)
			if err != nil {
				return nil, false
			}
			lt = l
		}
	}
	return lt, true
}

func (d *decoder) allocate(obj int, lt reflect.Type) {
	o := &d.objs[obj]
	if o.st.min == 0 && lt.Size() > 0 && o.n > 1<<16 {
		d.misfitDetail(fmt.Sprintf("%d stored empty values of %s cannot be loaded as %s", o.n, o.st.str, lt))
	}
	if lt.Size() > 0 && uint64(o.n) > uint64(math.MaxInt64/2)/uint64(lt.Size()) {
		d.corrupt("object %d too large", obj)
	}
	d.charge(int64(o.n) * int64(lt.Size()))
	if o.n == 1 {
		o.base = reflect.New(lt).UnsafePointer()
	} else {
		o.base = reflect.MakeSlice(reflect.SliceOf(lt), o.n, o.n).UnsafePointer()
		if size := uintptr(o.n) * lt.Size(); size >= 8<<20 {
			adviseHuge(o.base, size)
		}
	}
	o.allocated, o.lt = true, lt
	d.queue(obj)
}

// resolve finds the place in the local memory of an allocated object.
func (d *decoder) resolve(o *dobj, idx int, steps []int, t reflect.Type, n int) (unsafe.Pointer, bool) {
	lt := o.lt
	p := unsafe.Add(o.base, uintptr(idx)*lt.Size())
	st := o.st
	avail := o.n - idx
	for _, s := range steps {
		switch st.kind {
		case kArray:
			if lt.Kind() != reflect.Array || lt.Len() <= s {
				return nil, false
			}
			avail = lt.Len() - s
			p = unsafe.Add(p, uintptr(s)*lt.Elem().Size())
			lt, st = lt.Elem(), st.elem
		case kStruct:
			if lt.Kind() != reflect.Struct {
				return nil, false
			}
			fm := d.fieldMap(st, lt)
			if fm[s] < 0 {
				return nil, false
			}
			f := infoOf(lt).fields[fm[s]]
			avail = 1
			p = unsafe.Add(p, f.off)
			lt, st = f.typ, st.fields[s].t
		}
	}
	if !sameMemory(lt, t) || n > avail {
		return nil, false
	}
	return p, true
}

// standalone decodes the values at a place into new memory of their own,
// for references into objects that are not otherwise loaded.
func (d *decoder) standalone(f fixup) unsafe.Pointer {
	key := fmt.Sprint(f.obj, f.idx, f.steps, f.t, f.n)
	if p, ok := d.copies[key]; ok {
		return p
	}
	o := &d.objs[f.obj]
	r := d.record(f.obj)
	st := o.st
	if st.fixed >= 0 {
		r.next(int(satMul(int64(st.fixed), int64(f.idx))))
	} else {
		for j := 0; j < f.idx; j++ {
			d.skip(r, st)
		}
	}
	for _, s := range f.steps {
		switch st.kind {
		case kArray:
			for j := 0; j < s; j++ {
				d.skip(r, st.elem)
			}
			st = st.elem
		case kStruct:
			for j := 0; j < s; j++ {
				d.skip(r, st.fields[j].t)
			}
			st = st.fields[s].t
		}
	}
	if st.min == 0 && f.t.Size() > 0 && f.n > 1<<16 {
		d.misfitDetail(fmt.Sprintf("%d stored empty values of %s cannot be loaded as %s", f.n, st.str, f.t))
	}
	if f.t.Size() > 0 && uint64(f.n) > uint64(math.MaxInt64/2)/uint64(f.t.Size()) {
		d.corrupt("object %d too large", f.obj)
	}
	d.charge(int64(f.n) * int64(f.t.Size()))
	var base unsafe.Pointer
	if f.n == 1 {
		base = reflect.New(f.t).UnsafePointer()
	} else {
		base = reflect.MakeSlice(reflect.SliceOf(f.t), f.n, f.n).UnsafePointer()
	}
	if d.copies == nil {
		d.copies = map[string]unsafe.Pointer{}
	}
	d.copies[key] = base
	saved := d.depth
	d.depth = 0
	for j := 0; j < f.n; j++ {
		d.value(r, st, f.t, unsafe.Add(base, uintptr(j)*f.t.Size()))
	}
	d.depth = saved
	return base
}

func (d *decoder) mapRef(obj int, st *stype, lt reflect.Type, p unsafe.Pointer) {
	o := &d.objs[obj]
	if !o.isMap {
		d.corrupt("map reference to object %d", obj)
	}
	if o.st.kind != kMap {
		d.corrupt("map reference to object %d of type %s", obj, o.st.str)
	}
	dst := reflect.NewAt(lt, p).Elem()
	if o.allocated {
		if o.lt == lt {
			dst.Set(o.mapv)
		} else if o.lt.ConvertibleTo(lt) {
			dst.Set(o.mapv.Convert(lt))
		} else {
			d.misfit(st, lt)
		}
		return
	}
	if !lt.Key().Comparable() {
		d.misfit(st, lt)
	}
	d.charge(int64(o.n) * int64(lt.Key().Size()+lt.Elem().Size()+8))
	o.mapv = reflect.MakeMapWithSize(lt, o.n)
	o.allocated, o.lt = true, lt
	o.fromObj, o.fromRoot, o.fromSteps = d.cur, d.curRoot, append([]step(nil), d.stack...)
	dst.Set(o.mapv)
	d.queue(obj)
}

// fieldMap maps each field of stream struct st to the index of the local
// field of the same name in lt, or -1.
func (d *decoder) fieldMap(st *stype, lt reflect.Type) []int {
	k := fieldMapKey{st, lt}
	if m, ok := d.fieldMaps[k]; ok {
		return m
	}
	lf := infoOf(lt).fields
	m := make([]int, len(st.fields))
	for j, f := range st.fields {
		m[j] = -1
		if f.name == "_" {
			continue
		}
		for i := range lf {
			if lf[i].name == f.name {
				m[j] = i
				break
			}
		}
	}
	d.fieldMaps[k] = m
	return m
}

// skip reads past a value of stream type st.
func (d *decoder) skip(r *reader, st *stype) {
	if st.fixed >= 0 {
		r.next(st.fixed)
		return
	}
	d.depth++
	if d.depth > maxValueDepth {
		d.corrupt("values nested too deeply")
	}
	defer func() { d.depth-- }()
	switch st.kind {
	case kString:
		r.str()
	case kArray:
		for j := 0; j < st.len; j++ {
			d.skip(r, st.elem)
		}
	case kStruct:
		for _, f := range st.fields {
			d.skip(r, f.t)
		}
	case kTime:
		r.next(16)
		r.str()
	case kLocation:
		if r.byte() != tagNil {
			r.next(4)
			r.str()
		}
	case kPointer:
		switch r.byte() {
		case tagNil:
		case tagGlobal:
			r.str()
		default:
			d.place(r)
		}
	case kSlice:
		if r.byte() == tagRef {
			d.place(r)
			r.uvarint()
			r.uvarint()
		}
	case kMap:
		if r.byte() != tagNil {
			r.uvarint()
		}
	case kFunc:
		r.byte()
	case kInterface:
		if tag := r.byte(); tag != tagNil {
			if tag == tagError {
				r.str()
			}
			dst := d.types[r.count(len(d.types)-1)]
			if dst.kind == kInterface {
				d.corrupt("interface holding interface type %s", dst.str)
			}
			d.skip(r, dst)
		}
	default:
		d.corrupt("bad type kind %d", st.kind)
	}
}

// localOf is local for values that must be built: it fails the decode.
func (d *decoder) localOf(st *stype) reflect.Type {
	t, err := d.local(st)
	if err != nil {
		d.fail(&FitError{Path: d.path(), Detail: err.Error()})
	}
	return t
}

// local finds or builds the local type for a stream type.
func (d *decoder) local(st *stype) (reflect.Type, error) {
	if st.local != nil || st.localErr != nil {
		return st.local, st.localErr
	}
	if st.resolving {
		return nil, fmt.Errorf("type %s refers to itself without a name", st.str)
	}
	st.resolving = true
	t, err := d.build(st)
	st.resolving = false
	if err == nil && streamKind(t) != st.kind {
		t, err = nil, fmt.Errorf("type %s is a %s here, not a %s", st.key, t.Kind(), st.str)
	}
	st.local, st.localErr = t, err
	return t, err
}

func (d *decoder) build(st *stype) (reflect.Type, error) {
	switch st.kind {
	case kTime:
		return timeType(), nil
	case kLocation:
		return locationType(), nil
	}
	if st.key != "" {
		if t, ok := d.names[st.key]; ok {
			return t, nil
		}
		if t := predeclared(st.key); t != nil {
			return t, nil
		}
		return nil, fmt.Errorf("type %s is not known here (carry.Register it)", st.key)
	}
	elem := func(e *stype) (reflect.Type, error) { return d.local(e) }
	switch st.kind {
	case kArray:
		e, err := elem(st.elem)
		if err != nil {
			return nil, err
		}
		if e.Size() != 0 && uint64(st.len) > uint64(math.MaxInt32)/uint64(e.Size()) {
			return nil, fmt.Errorf("array type %s too large", st.str)
		}
		return reflect.ArrayOf(st.len, e), nil
	case kSlice:
		e, err := elem(st.elem)
		if err != nil {
			return nil, err
		}
		return reflect.SliceOf(e), nil
	case kPointer:
		e, err := elem(st.elem)
		if err != nil {
			return nil, err
		}
		return reflect.PointerTo(e), nil
	case kMap:
		k, err := elem(st.mkey)
		if err != nil {
			return nil, err
		}
		if !k.Comparable() {
			return nil, fmt.Errorf("map key type %s is not comparable", k)
		}
		e, err := elem(st.elem)
		if err != nil {
			return nil, err
		}
		return reflect.MapOf(k, e), nil
	case kStruct:
		fields := make([]reflect.StructField, len(st.fields))
		for j, f := range st.fields {
			ft, err := elem(f.t)
			if err != nil {
				return nil, err
			}
			if !token(f.name) || !('A' <= f.name[0] && f.name[0] <= 'Z') || f.embedded {
				return nil, fmt.Errorf("struct type %s cannot be rebuilt here (unexported or embedded fields): give it a name and carry.Register it", st.str)
			}
			fields[j] = reflect.StructField{Name: f.name, Type: ft}
		}
		return structOf(fields)
	case kInterface:
		if st.str == "interface {}" {
			return reflect.TypeFor[any](), nil
		}
		return nil, fmt.Errorf("interface type %s is not known here", st.str)
	}
	return nil, fmt.Errorf("type %s is not known here", st.str)
}

func structOf(fields []reflect.StructField) (t reflect.Type, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot build struct type: %v", r)
		}
	}()
	return reflect.StructOf(fields), nil
}

func token(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func predeclared(name string) reflect.Type {
	switch name {
	case "bool":
		return reflect.TypeFor[bool]()
	case "int":
		return reflect.TypeFor[int]()
	case "int8":
		return reflect.TypeFor[int8]()
	case "int16":
		return reflect.TypeFor[int16]()
	case "int32":
		return reflect.TypeFor[int32]()
	case "int64":
		return reflect.TypeFor[int64]()
	case "uint":
		return reflect.TypeFor[uint]()
	case "uint8":
		return reflect.TypeFor[uint8]()
	case "uint16":
		return reflect.TypeFor[uint16]()
	case "uint32":
		return reflect.TypeFor[uint32]()
	case "uint64":
		return reflect.TypeFor[uint64]()
	case "uintptr":
		return reflect.TypeFor[uintptr]()
	case "float32":
		return reflect.TypeFor[float32]()
	case "float64":
		return reflect.TypeFor[float64]()
	case "complex64":
		return reflect.TypeFor[complex64]()
	case "complex128":
		return reflect.TypeFor[complex128]()
	case "string":
		return reflect.TypeFor[string]()
	case "error":
		return reflect.TypeFor[error]()
	}
	return nil
}
