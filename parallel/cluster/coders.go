package cluster

import (
	"bytes"
	"fmt"
	"reflect"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"
)

// A codec encodes and decodes values of one Go type with the coder Beam
// infers for it, so that what travels is what a typed PCollection of
// that type would carry.
type codec struct {
	t   reflect.Type
	enc beam.ElementEncoder
	dec beam.ElementDecoder
	// deterministic: equal values encode to equal bytes, which a key of
	// MapReduce needs.
	deterministic bool
}

var codecs sync.Map // reflect.Type -> *codec

// codecFor returns the codec of t, or an error naming t when Beam cannot
// encode it.
func codecFor(t reflect.Type) (c *codec, err error) {
	if c, ok := codecs.Load(t); ok {
		return c.(*codec), nil
	}
	defer func() {
		if v := recover(); v != nil {
			c, err = nil, fmt.Errorf("type %v cannot be encoded by Beam: %v", t, v)
		}
	}()
	switch t.Kind() {
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		// Beam's inference takes these for function types and fails
		// later, in worse words.
		return nil, fmt.Errorf("type %v cannot be encoded by Beam: a %v cannot travel to a worker", t, t.Kind())
	case reflect.Interface:
		return nil, fmt.Errorf("type %v cannot be encoded by Beam: an interface type says nothing of the value it holds; use a concrete type", t)
	}
	bc := beam.NewCoder(typex.New(t))
	c = &codec{t: t, enc: beam.NewElementEncoder(t), dec: beam.NewElementDecoder(t), deterministic: bc.IsDeterministic()}
	codecs.Store(t, c)
	return c, nil
}

func (c *codec) encode(v reflect.Value) ([]byte, error) {
	var b bytes.Buffer
	if err := c.enc.Encode(v.Interface(), &b); err != nil {
		return nil, fmt.Errorf("encode %v: %w", c.t, err)
	}
	return b.Bytes(), nil
}

func (c *codec) decode(b []byte) (reflect.Value, error) {
	v, err := c.dec.Decode(bytes.NewReader(b))
	if err != nil {
		return reflect.Value{}, fmt.Errorf("decode %v: %w", c.t, err)
	}
	if v == nil {
		return reflect.Zero(c.t), nil
	}
	rv := reflect.ValueOf(v)
	if rv.Type() != c.t {
		rv = rv.Convert(c.t)
	}
	return rv, nil
}
