// Package jsonfields lists the fields of a Go struct as encoding/json lays
// them out, for the walkers in gmr that show any value under the names its
// JSON form uses: the text formatter's generic rendering, the masking pass
// and the config section; and it marshals JSON the one way gmr writes it.
package jsonfields

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// MaxEmbedding is how deep embedded structs are flattened.
const MaxEmbedding = 24

// A Field is one field of a struct value.
type Field struct {
	// Name is the field's JSON name: its json tag's name, or its Go name.
	Name string
	// GoName is the field's Go name, which gmr also judges for secrets.
	GoName string
	// Value is the field's value.
	Value reflect.Value
	// Secret is set when the field is tagged gmr:"secret". An embedded
	// struct so tagged, or whose type's name is secret, is yielded whole,
	// under its type's name, rather than flattened (see All).
	Secret bool
	// TooDeep is set on a placeholder field yielded in place of embedded
	// structs nested deeper than MaxEmbedding.
	TooDeep bool
}

// All yields the fields of the struct v in order, as encoding/json does:
// exported fields under their json tag names; fields tagged json:"-"
// skipped, and those tagged omitempty or omitzero when zero; the fields of
// embedded structs (and of non-nil embedded pointers to structs) flattened
// into v's, unless they have a json name of their own. Unlike encoding/json
// it does not drop fields whose names collide.
//
// An embedded struct that is tagged gmr:"secret", or whose type's name
// secret reports secret (an embedded Credentials, say), is not flattened:
// it is yielded whole, with Secret set, so that a caller masks it whole.
// secret may be nil.
func All(v reflect.Value, secret func(name string) bool) func(yield func(Field) bool) {
	return func(yield func(Field) bool) { walk(v, secret, yield, 0) }
}

func walk(v reflect.Value, isSecret func(string) bool, yield func(Field) bool, depth int) bool {
	if depth > MaxEmbedding {
		return yield(Field{Name: "...", TooDeep: true})
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" {
			continue
		}
		secret := slices.Contains(strings.Split(f.Tag.Get("gmr"), ","), "secret")
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			ev := fv
			if ev.Kind() == reflect.Pointer {
				if ev.IsNil() {
					continue
				}
				ev = ev.Elem()
			}
			if ev.Kind() == reflect.Struct {
				if secret || isSecret != nil && isSecret(f.Name) {
					if !yield(Field{Name: f.Name, GoName: f.Name, Value: fv, Secret: true}) {
						return false
					}
					continue
				}
				if !walk(ev, isSecret, yield, depth+1) {
					return false
				}
				continue
			}
			if !f.IsExported() {
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		if (strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")) && fv.IsZero() {
			continue
		}
		if !yield(Field{Name: name, GoName: f.Name, Value: fv, Secret: secret}) {
			return false
		}
	}
	return true
}

// Marshal is json.Marshal without HTML escaping, so that "<nil>" and
// "a & b" read as they are, and without the encoder's trailing newline.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
