package carry

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unsafe"
)

// root is one named variable being saved.
type root struct {
	name string
	typ  reflect.Type
	ptr  unsafe.Pointer
}

// regionKey identifies a piece of memory the way a reference sees it: n
// values of type elem starting at addr. A pointer is a region of one value,
// a slice the region of its capacity.
type regionKey struct {
	addr uintptr
	elem reflect.Type
	n    int
}

// node is a region or a map found while walking the values to save.
type node struct {
	key      regionKey
	base     unsafe.Pointer // keeps the memory alive and addressable
	mapv     reflect.Value  // map nodes only
	isMap    bool
	viaSlice bool // reached through a slice: element steps are shown as indexes
	root     int  // index of the root whose walk found it
	parent   int  // node it was found from; -1 for roots
	from     []step

	// Where the node lives in the stream, set by layout: element idx of
	// object obj, then steps (array indexes, struct field numbers).
	obj   int
	idx   int
	steps []int
}

type stepKind uint8

const (
	stepField stepKind = iota
	stepIndex
	stepKey
	stepIface
)

// step is one part of a path, for error messages.
type step struct {
	kind stepKind
	i    int
	name string
	key  reflect.Value
}

func (s step) String() string {
	switch s.kind {
	case stepField:
		return "." + s.name
	case stepIndex:
		return "[" + strconv.Itoa(s.i) + "]"
	case stepKey:
		return "[" + s.name + "]"
	case stepIface:
		return ".(" + s.name + ")"
	}
	return ""
}

func keyString(k reflect.Value) string {
	switch k.Kind() {
	case reflect.String:
		s := k.String()
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return strconv.Quote(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10)
	case reflect.Bool:
		return strconv.FormatBool(k.Bool())
	}
	return "…"
}

// walkError is a value that cannot be kept, found at path while saving
// the variable roots[root].
type walkError struct {
	root int
	path string
	why  string
}

func (e *walkError) Error() string {
	if e.path == "" {
		return e.why
	}
	return e.path + ": " + e.why
}

// collector is the first pass of encoding: it finds every piece of memory
// reachable from the roots, so that memory shared by several references is
// stored once and shared again when loaded.
type collector struct {
	roots     []root
	rootNode  []int
	nodes     []*node
	regionIdx map[regionKey]int
	mapIdx    map[unsafe.Pointer]int
	queue     []int

	cur   int    // node being walked
	stack []step // path inside the node being walked

	// sizing walks strings too, and skips what cannot be kept instead of
	// failing.
	sizing      bool
	stringBytes int64
	dynamic     []map[string]bool       // per root: named types held by interfaces
	dynSeen     []map[reflect.Type]bool // per root: types noteDynamic has walked

	// group links roots that reach common memory (a union-find forest over
	// root indexes), so that SaveAll can store unrelated variables apart.
	group []int
}

func newCollector(roots []root, sizing bool) *collector {
	c := &collector{
		roots:     roots,
		regionIdx: map[regionKey]int{},
		mapIdx:    map[unsafe.Pointer]int{},
		sizing:    sizing,
		dynamic:   make([]map[string]bool, len(roots)),
		dynSeen:   make([]map[reflect.Type]bool, len(roots)),
		group:     make([]int, len(roots)),
	}
	for i := range c.group {
		c.group[i] = i
	}
	return c
}

// groupOf returns the representative of root r's group.
func (c *collector) groupOf(r int) int {
	for c.group[r] != r {
		c.group[r] = c.group[c.group[r]]
		r = c.group[r]
	}
	return r
}

// join puts roots a and b in one group.
func (c *collector) join(a, b int) {
	a, b = c.groupOf(a), c.groupOf(b)
	if a == b {
		return
	}
	// The smaller index leads, so groups come out in root order.
	if b < a {
		a, b = b, a
	}
	c.group[b] = a
}

func (c *collector) collect() error {
	c.rootNode = make([]int, len(c.roots))
	for i, r := range c.roots {
		c.cur = -1
		c.stack = c.stack[:0]
		c.rootNode[i] = c.addRegion(r.ptr, r.typ, 1, false, i)
	}
	for len(c.queue) > 0 {
		n := c.queue[0]
		c.queue = c.queue[1:]
		if err := c.walkNode(n); err != nil {
			return err
		}
	}
	return nil
}

func (c *collector) addRegion(p unsafe.Pointer, elem reflect.Type, n int, viaSlice bool, rootIdx int) int {
	k := regionKey{addr: uintptr(p), elem: elem, n: n}
	if i, ok := c.regionIdx[k]; ok {
		c.join(rootIdx, c.nodes[i].root)
		return i
	}
	i := len(c.nodes)
	c.nodes = append(c.nodes, &node{key: k, base: p, viaSlice: viaSlice, root: rootIdx, parent: c.cur, from: c.pathCopy()})
	c.regionIdx[k] = i
	c.queue = append(c.queue, i)
	return i
}

func (c *collector) addMap(m reflect.Value) {
	p := m.UnsafePointer()
	if i, ok := c.mapIdx[p]; ok {
		c.join(c.nodes[c.cur].root, c.nodes[i].root)
		return
	}
	// m may read the map from a temporary that is reused for the next
	// map entry: keep a Value of its own.
	mp := new(unsafe.Pointer)
	*mp = p
	m = reflect.NewAt(m.Type(), unsafe.Pointer(mp)).Elem()
	i := len(c.nodes)
	c.nodes = append(c.nodes, &node{mapv: m, base: p, isMap: true, root: c.nodes[c.cur].root, parent: c.cur, from: c.pathCopy()})
	c.mapIdx[p] = i
	c.queue = append(c.queue, i)
}

func (c *collector) pathCopy() []step {
	if len(c.stack) == 0 {
		return nil
	}
	return append([]step(nil), c.stack...)
}

func (c *collector) needsWalk(t reflect.Type) bool {
	ti := infoOf(t)
	return ti.hasRefs || ti.hasChecks || (c.sizing && ti.hasStrings)
}

func (c *collector) walkNode(i int) error {
	c.cur = i
	c.stack = c.stack[:0]
	nd := c.nodes[i]
	if nd.isMap {
		return c.walkMap(nd.mapv)
	}
	t := nd.key.elem
	if !c.needsWalk(t) {
		return nil
	}
	size := t.Size()
	via := nd.viaSlice
	for j := 0; j < nd.key.n; j++ {
		if via {
			c.stack = append(c.stack, step{kind: stepIndex, i: j})
		}
		if err := c.walk(t, unsafe.Add(nd.base, uintptr(j)*size)); err != nil {
			return err
		}
		if via {
			c.stack = c.stack[:len(c.stack)-1]
		}
	}
	return nil
}

func (c *collector) walkMap(m reflect.Value) error {
	t := m.Type()
	kt, vt := t.Key(), t.Elem()
	kw, vw := c.needsWalk(kt), c.needsWalk(vt)
	if !kw && !vw {
		return nil
	}
	k := reflect.New(kt).Elem()
	v := reflect.New(vt).Elem()
	it := m.MapRange()
	for it.Next() {
		k.SetIterKey(it)
		c.stack = append(c.stack[:0], step{kind: stepKey, key: k})
		if kw {
			if err := c.walk(kt, k.Addr().UnsafePointer()); err != nil {
				return err
			}
		}
		if vw {
			v.SetIterValue(it)
			if err := c.walk(vt, v.Addr().UnsafePointer()); err != nil {
				return err
			}
		}
	}
	c.stack = c.stack[:0]
	return nil
}

// walk visits the value of type t at p, adding what it references.
func (c *collector) walk(t reflect.Type, p unsafe.Pointer) error {
	ti := infoOf(t)
	if !ti.hasRefs && !ti.hasChecks && !(c.sizing && ti.hasStrings) {
		return nil
	}
	if ti.busy != "" {
		if !c.sizing && !allZero(p, t.Size()) {
			return &walkError{root: c.nodes[c.cur].root, path: c.pathString(), why: t.String() + ": " + ti.busy}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Func:
		if !c.sizing && *(*unsafe.Pointer)(p) != nil {
			return &walkError{root: c.nodes[c.cur].root, path: c.pathString(), why: t.String() + ": functions cannot be kept"}
		}
	case reflect.String:
		c.stringBytes += int64(len(*(*string)(p)))
	case reflect.Array:
		et := t.Elem()
		es := et.Size()
		for j := 0; j < t.Len(); j++ {
			c.stack = append(c.stack, step{kind: stepIndex, i: j})
			if err := c.walk(et, unsafe.Add(p, uintptr(j)*es)); err != nil {
				return err
			}
			c.stack = c.stack[:len(c.stack)-1]
		}
	case reflect.Struct:
		for _, f := range ti.fields {
			if !c.needsWalk(f.typ) {
				continue
			}
			c.stack = append(c.stack, step{kind: stepField, name: f.name})
			if err := c.walk(f.typ, unsafe.Add(p, f.off)); err != nil {
				return err
			}
			c.stack = c.stack[:len(c.stack)-1]
		}
	case reflect.Pointer:
		if t == locationType() {
			return nil
		}
		q := *(*unsafe.Pointer)(p)
		if q == nil {
			return nil
		}
		if isGlobalType(t.Elem()) {
			if globalAt(q, t.Elem()) != "" || c.sizing {
				return nil // kept by name; not this variable's memory
			}
			return &walkError{root: c.nodes[c.cur].root, path: c.pathString(),
				why: t.String() + ": only the registered global " + t.Elem().String() + " can be kept"}
		}
		if c.sizing {
			if ok, _ := Check(t); !ok {
				return nil
			}
		}
		c.addRegion(q, t.Elem(), 1, false, c.nodes[c.cur].root)
	case reflect.Slice:
		h := (*sliceHeader)(p)
		if h.cap == 0 {
			return nil
		}
		if c.sizing {
			if ok, _ := Check(t); !ok {
				return nil
			}
		}
		c.addRegion(h.data, t.Elem(), h.cap, true, c.nodes[c.cur].root)
	case reflect.Map:
		m := reflect.NewAt(t, p).Elem()
		if m.IsNil() {
			return nil
		}
		if c.sizing {
			if ok, _ := Check(t); !ok {
				return nil
			}
		}
		c.addMap(m)
	case reflect.Interface:
		v := reflect.NewAt(t, p).Elem()
		if v.IsNil() {
			return nil
		}
		e := v.Elem()
		et := e.Type()
		if ok, why := Check(et); !ok {
			if c.sizing {
				return nil
			}
			return &walkError{root: c.nodes[c.cur].root, path: c.pathString(), why: why}
		}
		if et.Kind() == reflect.Func && !e.IsNil() && !c.sizing {
			return &walkError{root: c.nodes[c.cur].root, path: c.pathString(), why: et.String() + ": functions cannot be kept"}
		}
		c.noteDynamic(et)
		c.stack = append(c.stack, step{kind: stepIface, name: et.String()})
		var err error
		switch et.Kind() {
		case reflect.Pointer, reflect.Map:
			w := e.UnsafePointer()
			err = c.walk(et, unsafe.Pointer(&w))
		default:
			if c.needsWalk(et) {
				tmp := reflect.New(et)
				tmp.Elem().Set(e)
				err = c.walk(et, tmp.UnsafePointer())
			}
		}
		c.stack = c.stack[:len(c.stack)-1]
		return err
	}
	return nil
}

// allZero reports whether the n bytes at p are all zero.
func allZero(p unsafe.Pointer, n uintptr) bool {
	for _, b := range unsafe.Slice((*byte)(p), n) {
		if b != 0 {
			return false
		}
	}
	return true
}

// noteDynamic records the named types a loading program must register to
// rebuild a value of dynamic type t. It runs for every value held in an
// interface, so a type already walked for the root costs one lookup.
func (c *collector) noteDynamic(t reflect.Type) {
	r := c.nodes[c.cur].root
	if c.dynamic[r] == nil {
		c.dynamic[r] = map[string]bool{}
		c.dynSeen[r] = map[reflect.Type]bool{}
	}
	if c.dynSeen[r][t] {
		return
	}
	out := c.dynamic[r]
	walkTypes(t, c.dynSeen[r], func(t reflect.Type) bool {
		// A type with a package path is what the loader registers; a
		// name alone (int, a struct literal) it rebuilds from its parts.
		if k := typeKey(t); k != "" && t.PkgPath() != "" {
			out[k] = true
			return false
		}
		return true
	})
}

// pathString renders the path of the value being walked, starting with the
// variable name.
func (c *collector) pathString() string {
	var parts [][]step
	for n := c.cur; n >= 0; n = c.nodes[n].parent {
		parts = append(parts, c.nodes[n].from)
		if c.nodes[n].parent < 0 {
			break
		}
	}
	var b strings.Builder
	if c.cur >= 0 {
		b.WriteString(c.roots[c.nodes[c.cur].root].name)
	}
	for i := len(parts) - 1; i >= 0; i-- {
		writeSteps(&b, parts[i])
	}
	writeSteps(&b, c.stack)
	return strings.TrimPrefix(b.String(), ".")
}

func writeSteps(b *strings.Builder, steps []step) {
	for _, s := range steps {
		if s.kind == stepKey && s.key.IsValid() {
			s.name = keyString(s.key)
		}
		b.WriteString(s.String())
	}
}

// object is one record of the stream: n consecutive values of type elem
// (an allocation, or the part of one that is referenced), or a map.
type object struct {
	base  unsafe.Pointer
	elem  reflect.Type
	n     int
	node  int // for maps, the map node
	isMap bool
	home  int // root living at element 0 of this object, or -1
}

// layout groups overlapping regions into objects and tells every region
// where it lives inside its object.
func (c *collector) layout() []object {
	objs := make([]object, 0, len(c.nodes))
	homeOf := map[int]int{}
	for r, n := range c.rootNode {
		if _, ok := homeOf[n]; !ok {
			homeOf[n] = r
		}
	}
	regions := make([]int, 0, len(c.nodes))
	for i := range c.nodes {
		nd := c.nodes[i]
		if nd.isMap {
			nd.obj = len(objs)
			objs = append(objs, object{base: nd.base, node: i, isMap: true, home: -1})
			continue
		}
		if nd.key.elem.Size() == 0 {
			// Zero-size values may share addresses with anything.
			c.single(&objs, i, homeOf)
			continue
		}
		regions = append(regions, i)
	}
	sort.Slice(regions, func(a, b int) bool {
		ka, kb := c.nodes[regions[a]].key, c.nodes[regions[b]].key
		if ka.addr != kb.addr {
			return ka.addr < kb.addr
		}
		return size(ka) > size(kb)
	})
	for start := 0; start < len(regions); {
		end := start + 1
		hi := c.nodes[regions[start]].key.addr + size(c.nodes[regions[start]].key)
		for end < len(regions) && c.nodes[regions[end]].key.addr < hi {
			hi = max(hi, c.nodes[regions[end]].key.addr+size(c.nodes[regions[end]].key))
			end++
		}
		c.cluster(&objs, regions[start:end], hi, homeOf)
		start = end
	}
	return objs
}

func size(k regionKey) uintptr { return uintptr(k.n) * k.elem.Size() }

// part is what one bundle holds: a group of roots that share memory with
// each other and with no other root, and the objects they reach.
type part struct {
	c     *collector // the group's roots; nodes and indexes are shared
	objs  []object   // numbered from zero within the part
	roots []int      // indexes into the full collector's roots
}

// partition lays out the collected memory and splits it into parts, in
// the order of their first roots. Roots are in one part when they reach a
// common region or map, or regions that overlap in memory (two slices
// over one array, a pointer into an element), transitively.
func (c *collector) partition() []part {
	objs := c.layout()
	// Regions laid out in one object overlap in memory.
	owner := make([]int, len(objs))
	for i := range owner {
		owner[i] = -1
	}
	for _, nd := range c.nodes {
		if owner[nd.obj] < 0 {
			owner[nd.obj] = nd.root
		} else {
			c.join(owner[nd.obj], nd.root)
		}
	}
	partOf := make(map[int]int) // group representative → part index
	localRoot := make([]int, len(c.roots))
	var parts []part
	for r := range c.roots {
		g := c.groupOf(r)
		k, ok := partOf[g]
		if !ok {
			k = len(parts)
			partOf[g] = k
			parts = append(parts, part{c: &collector{
				nodes:     c.nodes,
				regionIdx: c.regionIdx,
				mapIdx:    c.mapIdx,
			}})
		}
		p := &parts[k]
		localRoot[r] = len(p.roots)
		p.roots = append(p.roots, r)
		p.c.roots = append(p.c.roots, c.roots[r])
		p.c.rootNode = append(p.c.rootNode, c.rootNode[r])
	}
	if len(parts) == 1 {
		parts[0].objs = objs
		return parts
	}
	local := make([]int, len(objs))
	for i, o := range objs {
		p := &parts[partOf[c.groupOf(owner[i])]]
		if o.home >= 0 {
			o.home = localRoot[o.home]
		}
		local[i] = len(p.objs)
		p.objs = append(p.objs, o)
	}
	for _, nd := range c.nodes {
		nd.obj = local[nd.obj]
	}
	return parts
}

func (c *collector) single(objs *[]object, i int, homeOf map[int]int) {
	nd := c.nodes[i]
	home := -1
	if r, ok := homeOf[i]; ok {
		home = r
	}
	nd.obj, nd.idx, nd.steps = len(*objs), 0, nil
	*objs = append(*objs, object{base: nd.base, elem: nd.key.elem, n: nd.key.n, home: home})
}

// cluster lays out regions that overlap in memory, all within [lo, hi).
func (c *collector) cluster(objs *[]object, members []int, hi uintptr, homeOf map[int]int) {
	if len(members) == 1 {
		c.single(objs, members[0], homeOf)
		return
	}
	lo := c.nodes[members[0]].key.addr
	type candidate struct {
		base unsafe.Pointer
		elem reflect.Type
		n    int
		home int
	}
	var cands []candidate
	// A region covering the whole cluster can hold the others; roots first,
	// so a variable is loaded in place, then the widest element type.
	var covering []int
	for _, m := range members {
		k := c.nodes[m].key
		if k.addr == lo && k.addr+size(k) == hi {
			covering = append(covering, m)
		}
	}
	sort.SliceStable(covering, func(a, b int) bool {
		_, ra := homeOf[covering[a]]
		_, rb := homeOf[covering[b]]
		if ra != rb {
			return ra
		}
		return c.nodes[covering[a]].key.elem.Size() > c.nodes[covering[b]].key.elem.Size()
	})
	for _, m := range covering {
		home := -1
		if r, ok := homeOf[m]; ok {
			home = r
		}
		k := c.nodes[m].key
		cands = append(cands, candidate{c.nodes[m].base, k.elem, k.n, home})
	}
	// Otherwise an array of one of the element types spanning the cluster,
	// as for two slices over different windows of one array.
	seen := map[reflect.Type]bool{}
	for _, m := range members {
		k := c.nodes[m].key
		es := k.elem.Size()
		if seen[k.elem] || (hi-lo)%es != 0 {
			continue
		}
		seen[k.elem] = true
		base := unsafe.Add(c.nodes[m].base, -int(k.addr-lo))
		cands = append(cands, candidate{base, k.elem, int((hi - lo) / es), -1})
	}
	for _, cand := range cands {
		places := make([]place, len(members))
		ok := true
		for j, m := range members {
			places[j], ok = locate(c.nodes[m].key, uintptr(cand.base), cand.elem, cand.n)
			if !ok {
				break
			}
		}
		if !ok {
			continue
		}
		obj := len(*objs)
		*objs = append(*objs, object{base: cand.base, elem: cand.elem, n: cand.n, home: cand.home})
		for j, m := range members {
			nd := c.nodes[m]
			nd.obj, nd.idx, nd.steps = obj, places[j].idx, places[j].steps
		}
		return
	}
	// Overlaps only unsafe code makes: keep each region on its own; they
	// no longer share memory once loaded.
	for _, m := range members {
		c.single(objs, m, homeOf)
	}
}

type place struct {
	idx   int
	steps []int
}

// locate finds region k inside n values of type elem at base.
func locate(k regionKey, base uintptr, elem reflect.Type, n int) (place, bool) {
	es := elem.Size()
	if k.addr < base || es == 0 {
		return place{}, false
	}
	off := k.addr - base
	idx := off / es
	if idx >= uintptr(n) {
		return place{}, false
	}
	steps, ok := locateIn(elem, off%es, k.elem, k.n, n-int(idx), nil)
	return place{idx: int(idx), steps: steps}, ok
}

// locateIn finds want (count values of it) at offset off inside a value of
// type t, of which avail consecutive ones are there.
func locateIn(t reflect.Type, off uintptr, want reflect.Type, count, avail int, steps []int) ([]int, bool) {
	if off == 0 && sameMemory(t, want) {
		return steps, count <= avail
	}
	if t == timeType() {
		return nil, false
	}
	switch t.Kind() {
	case reflect.Array:
		et := t.Elem()
		es := et.Size()
		if es == 0 {
			return nil, false
		}
		j := off / es
		if j >= uintptr(t.Len()) {
			return nil, false
		}
		return locateIn(et, off%es, want, count, t.Len()-int(j), append(steps, int(j)))
	case reflect.Struct:
		for i, f := range infoOf(t).fields {
			if off >= f.off && off < f.off+f.typ.Size() {
				if s, ok := locateIn(f.typ, off-f.off, want, count, 1, append(steps, i)); ok {
					return s, true
				}
			}
		}
	}
	return nil, false
}
