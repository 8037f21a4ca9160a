package carry

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"time"
	"unsafe"
)

// Stream layout (version 1):
//
//	header   "GOPARCV" version
//	records  one per object: the values of an allocation, or a map's entries;
//	         large blocks of numbers come last
//	footer   types, objects (kind, type, count, offset, length), roots
//	         (name, type, object, place), end of the small records
//	trailer  footer offset (8 bytes, little-endian) "GOPAREND"
//
// Values inside a record refer to other records by object number and place,
// so a reader decodes only what the variables it loads reach; a pointer to
// a registered global names it instead (see RegisterGlobal).
const (
	headerMagic        = "GOPARCV"
	formatVersion      = 1
	headerLen          = 8
	trailerMagic       = "GOPAREND"
	trailerLen         = 16
	bigRecord          = 32 << 10 // bulk records at least this long are written last, raw
	objArray      byte = 0
	objMap        byte = 1
)

type encoder struct {
	c    *collector
	objs []object
	w    *bufio.Writer
	off  int64
	buf  []byte

	types   map[reflect.Type]int
	typeSeq []reflect.Type

	objOff, objLen []int64
	smallEnd       int64
}

func (e *encoder) encode() error {
	e.buf = append(e.buf[:0], headerMagic...)
	e.buf = append(e.buf, formatVersion)
	if err := e.flush(); err != nil {
		return err
	}
	e.objOff = make([]int64, len(e.objs))
	e.objLen = make([]int64, len(e.objs))
	var late []int
	for i := range e.objs {
		if e.isBig(i) {
			late = append(late, i)
			continue
		}
		if err := e.record(i); err != nil {
			return err
		}
	}
	e.smallEnd = e.off
	for _, i := range late {
		if err := e.record(i); err != nil {
			return err
		}
	}
	footer := e.off
	e.footer()
	e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(footer))
	e.buf = append(e.buf, trailerMagic...)
	if err := e.flush(); err != nil {
		return err
	}
	return e.w.Flush()
}

func (e *encoder) isBig(i int) bool {
	o := &e.objs[i]
	return !o.isMap && infoOf(o.elem).bulk && uintptr(o.n)*o.elem.Size() >= bigRecord
}

func (e *encoder) flush() error {
	if len(e.buf) == 0 {
		return nil
	}
	n, err := e.w.Write(e.buf)
	e.off += int64(n)
	e.buf = e.buf[:0]
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

func (e *encoder) record(i int) error {
	o := &e.objs[i]
	start := e.off
	if o.isMap {
		if err := e.mapRecord(e.c.nodes[o.node].mapv); err != nil {
			return err
		}
	} else if ti := infoOf(o.elem); ti.bulk {
		raw := unsafe.Slice((*byte)(o.base), uintptr(o.n)*o.elem.Size())
		n, err := e.w.Write(raw)
		e.off += int64(n)
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
	} else {
		es := o.elem.Size()
		for j := 0; j < o.n; j++ {
			e.value(o.elem, unsafe.Add(o.base, uintptr(j)*es))
			if len(e.buf) >= 64<<10 {
				if err := e.flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := e.flush(); err != nil {
		return err
	}
	e.objOff[i] = start
	e.objLen[i] = e.off - start
	return nil
}

func (e *encoder) mapRecord(m reflect.Value) error {
	t := m.Type()
	k := reflect.New(t.Key()).Elem()
	v := reflect.New(t.Elem()).Elem()
	kp, vp := k.Addr().UnsafePointer(), v.Addr().UnsafePointer()
	it := m.MapRange()
	for it.Next() {
		k.SetIterKey(it)
		v.SetIterValue(it)
		e.value(t.Key(), kp)
		e.value(t.Elem(), vp)
		if len(e.buf) >= 64<<10 {
			if err := e.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *encoder) uvarint(x uint64) { e.buf = binary.AppendUvarint(e.buf, x) }

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

// value appends the value of type t at p.
func (e *encoder) value(t reflect.Type, p unsafe.Pointer) {
	ti := infoOf(t)
	if ti.bulk {
		e.buf = append(e.buf, unsafe.Slice((*byte)(p), t.Size())...)
		return
	}
	le := binary.LittleEndian
	switch ti.kind {
	case kBool:
		b := byte(0)
		if *(*bool)(p) {
			b = 1
		}
		e.buf = append(e.buf, b)
	case kInt8, kUint8:
		e.buf = append(e.buf, *(*byte)(p))
	case kInt16, kUint16:
		e.buf = le.AppendUint16(e.buf, *(*uint16)(p))
	case kInt32, kUint32:
		e.buf = le.AppendUint32(e.buf, *(*uint32)(p))
	case kInt64, kUint64:
		e.buf = le.AppendUint64(e.buf, *(*uint64)(p))
	case kInt:
		e.buf = le.AppendUint64(e.buf, uint64(*(*int)(p)))
	case kUint:
		e.buf = le.AppendUint64(e.buf, uint64(*(*uint)(p)))
	case kUintptr:
		e.buf = le.AppendUint64(e.buf, uint64(*(*uintptr)(p)))
	case kFloat32:
		e.buf = le.AppendUint32(e.buf, math.Float32bits(*(*float32)(p)))
	case kFloat64:
		e.buf = le.AppendUint64(e.buf, math.Float64bits(*(*float64)(p)))
	case kComplex64:
		c := *(*complex64)(p)
		e.buf = le.AppendUint32(e.buf, math.Float32bits(real(c)))
		e.buf = le.AppendUint32(e.buf, math.Float32bits(imag(c)))
	case kComplex128:
		c := *(*complex128)(p)
		e.buf = le.AppendUint64(e.buf, math.Float64bits(real(c)))
		e.buf = le.AppendUint64(e.buf, math.Float64bits(imag(c)))
	case kString:
		e.str(*(*string)(p))
	case kArray:
		et := t.Elem()
		es := et.Size()
		for j := 0; j < t.Len(); j++ {
			e.value(et, unsafe.Add(p, uintptr(j)*es))
		}
	case kStruct:
		for _, f := range ti.fields {
			e.value(f.typ, unsafe.Add(p, f.off))
		}
	case kTime:
		tm := *(*time.Time)(p)
		name, offset := tm.Zone()
		if tm.Location() == time.Local {
			name = "Local"
		} else if tm.Location() != time.UTC {
			name = tm.Location().String()
		} else {
			name = "UTC"
		}
		e.buf = le.AppendUint64(e.buf, uint64(tm.Unix()))
		e.buf = le.AppendUint32(e.buf, uint32(tm.Nanosecond()))
		e.buf = le.AppendUint32(e.buf, uint32(int32(offset)))
		e.str(name)
	case kLocation:
		loc := *(**time.Location)(p)
		if loc == nil {
			e.buf = append(e.buf, tagNil)
			return
		}
		_, offset := time.Now().In(loc).Zone()
		e.buf = append(e.buf, tagRef)
		e.buf = le.AppendUint32(e.buf, uint32(int32(offset)))
		e.str(loc.String())
	case kPointer:
		q := *(*unsafe.Pointer)(p)
		if q == nil {
			e.buf = append(e.buf, tagNil)
			return
		}
		if name := globalAt(q, t.Elem()); name != "" {
			e.buf = append(e.buf, tagGlobal)
			e.str(name)
			return
		}
		e.buf = append(e.buf, tagRef)
		e.ref(regionKey{addr: uintptr(q), elem: t.Elem(), n: 1})
	case kSlice:
		h := (*sliceHeader)(p)
		switch {
		case h.data == nil:
			e.buf = append(e.buf, tagNil)
		case h.cap == 0:
			e.buf = append(e.buf, tagEmpty)
		default:
			e.buf = append(e.buf, tagRef)
			e.ref(regionKey{addr: uintptr(h.data), elem: t.Elem(), n: h.cap})
			e.uvarint(uint64(h.len))
			e.uvarint(uint64(h.cap))
		}
	case kMap:
		m := reflect.NewAt(t, p).Elem()
		if m.IsNil() {
			e.buf = append(e.buf, tagNil)
			return
		}
		i, ok := e.c.mapIdx[m.UnsafePointer()]
		if !ok {
			panic("carry: map missed by the first pass")
		}
		e.buf = append(e.buf, tagRef)
		e.uvarint(uint64(e.c.nodes[i].obj))
	case kFunc:
		// Only nil funcs are saved (see Check).
		e.buf = append(e.buf, tagNil)
	case kInterface:
		v := reflect.NewAt(t, p).Elem()
		if v.IsNil() {
			e.buf = append(e.buf, tagNil)
			return
		}
		d := v.Elem()
		dt := d.Type()
		if dt.Implements(errorType) {
			// Most errors have types a loading program cannot rebuild
			// (unexported, or from a package it does not import); their
			// message lets it keep them as a KeptError.
			e.buf = append(e.buf, tagError)
			e.str(errorText(d))
		} else {
			e.buf = append(e.buf, tagRef)
		}
		e.uvarint(uint64(e.typeID(dt)))
		switch dt.Kind() {
		case reflect.Pointer, reflect.Map:
			w := d.UnsafePointer()
			e.value(dt, unsafe.Pointer(&w))
		default:
			tmp := reflect.New(dt)
			tmp.Elem().Set(d)
			e.value(dt, tmp.UnsafePointer())
		}
	default:
		panic("carry: unexpected kind " + t.String())
	}
}

// ref appends where the region k lives: object, element, steps.
func (e *encoder) ref(k regionKey) {
	i, ok := e.c.regionIdx[k]
	if !ok {
		panic("carry: reference missed by the first pass")
	}
	nd := e.c.nodes[i]
	e.uvarint(uint64(nd.obj))
	e.uvarint(uint64(nd.idx))
	e.uvarint(uint64(len(nd.steps)))
	for _, s := range nd.steps {
		e.uvarint(uint64(s))
	}
}

func (e *encoder) typeID(t reflect.Type) int {
	if id, ok := e.types[t]; ok {
		return id
	}
	id := len(e.typeSeq)
	e.types[t] = id
	e.typeSeq = append(e.typeSeq, t)
	return id
}

func (e *encoder) footer() {
	for i := range e.objs {
		if e.objs[i].isMap {
			e.typeID(e.c.nodes[e.objs[i].node].mapv.Type())
		} else {
			e.typeID(e.objs[i].elem)
		}
	}
	for _, r := range e.c.roots {
		e.typeID(r.typ)
	}
	// Types are written in id order; describing one may add others.
	var tbuf []byte
	saved := e.buf
	e.buf = nil
	for i := 0; i < len(e.typeSeq); i++ {
		e.typeEntry(e.typeSeq[i])
	}
	tbuf, e.buf = e.buf, saved
	e.uvarint(uint64(len(e.typeSeq)))
	e.buf = append(e.buf, tbuf...)

	e.uvarint(uint64(len(e.objs)))
	for i := range e.objs {
		o := &e.objs[i]
		if o.isMap {
			m := e.c.nodes[o.node].mapv
			e.buf = append(e.buf, objMap)
			e.uvarint(uint64(e.typeID(m.Type())))
			e.uvarint(uint64(m.Len()))
		} else {
			e.buf = append(e.buf, objArray)
			e.uvarint(uint64(e.typeID(o.elem)))
			e.uvarint(uint64(o.n))
		}
		e.uvarint(uint64(e.objOff[i]))
		e.uvarint(uint64(e.objLen[i]))
	}
	e.uvarint(uint64(len(e.c.roots)))
	for i, r := range e.c.roots {
		e.str(r.name)
		e.uvarint(uint64(e.typeID(r.typ)))
		nd := e.c.nodes[e.c.rootNode[i]]
		e.uvarint(uint64(nd.obj))
		e.uvarint(uint64(nd.idx))
		e.uvarint(uint64(len(nd.steps)))
		for _, s := range nd.steps {
			e.uvarint(uint64(s))
		}
	}
	e.uvarint(uint64(e.smallEnd))
}

func (e *encoder) typeEntry(t reflect.Type) {
	k := streamKind(t)
	e.buf = append(e.buf, k)
	e.str(typeKey(t))
	e.str(t.String())
	switch k {
	case kArray:
		e.uvarint(uint64(t.Len()))
		e.uvarint(uint64(e.typeID(t.Elem())))
	case kSlice, kPointer:
		e.uvarint(uint64(e.typeID(t.Elem())))
	case kMap:
		e.uvarint(uint64(e.typeID(t.Key())))
		e.uvarint(uint64(e.typeID(t.Elem())))
	case kStruct:
		fields := infoOf(t).fields
		if isGlobalType(t) {
			// Only ever pointed to, as a global, never stored: its
			// name is all a loading program needs, and its fields may
			// be of kinds no stream describes.
			fields = nil
		}
		e.uvarint(uint64(len(fields)))
		for _, f := range fields {
			e.str(f.name)
			if f.embedded {
				e.buf = append(e.buf, 1)
			} else {
				e.buf = append(e.buf, 0)
			}
			e.uvarint(uint64(e.typeID(f.typ)))
		}
	}
}

var errorType = reflect.TypeFor[error]()

// errorText is v's Error(), or a placeholder when Error panics (a nil
// pointer whose method does not expect one, say).
func errorText(v reflect.Value) (msg string) {
	defer func() {
		if recover() != nil {
			msg = fmt.Sprintf("(%s whose Error method panicked)", v.Type())
		}
	}()
	return v.Interface().(error).Error()
}
