package sections

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoNullLists collects every built-in section for real, in each of its
// modes, and checks that no list or object of their data is written as
// null: an empty one is [] or {}, so that jq's .[] and length work on it.
// It walks the JSON beside the Go type, so that a field written by a
// custom MarshalJSON (null for no limit, by design) is not taken for one.
func TestNoNullLists(t *testing.T) {
	for _, sec := range []report.Section{
		Package{}, &Config{}, Environment{},
		Goroutines{}, Goroutines{DetailMax: -1}, Goroutines{LeakProfile: true}, Goroutines{MaxGroups: 1, MaxBytes: 1},
		Threads{}, Process{}, Heap{},
	} {
		data, err := sec.Collect(context.Background())
		require.NoError(t, err, "%s", sec.Name())
		b, err := json.Marshal(data)
		require.NoError(t, err)
		var v any
		require.NoError(t, json.Unmarshal(b, &v))
		nulls := nullLists(v, reflect.TypeOf(data), sec.Name())
		assert.Empty(t, nulls, "%T: lists and objects written as null, not [] or {}", sec)
	}
}

// nullLists returns the paths in v, the JSON of a value of type typ, of
// the nulls whose Go type is a slice or a map.
func nullLists(v any, typ reflect.Type, path string) []string {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ.Implements(reflect.TypeFor[json.Marshaler]()) || reflect.PointerTo(typ).Implements(reflect.TypeFor[json.Marshaler]()) {
		return nil
	}
	var out []string
	switch typ.Kind() {
	case reflect.Slice, reflect.Map:
		if v == nil {
			return []string{path}
		}
	}
	switch v := v.(type) {
	case map[string]any:
		switch typ.Kind() {
		case reflect.Map:
			for k, x := range v {
				out = append(out, nullLists(x, typ.Elem(), path+"/"+k)...)
			}
		case reflect.Struct:
			for k, x := range v {
				if ft, ok := jsonField(typ, k); ok {
					out = append(out, nullLists(x, ft, path+"/"+k)...)
				}
			}
		}
	case []any:
		if typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array {
			for _, x := range v {
				out = append(out, nullLists(x, typ.Elem(), path+"[]")...)
			}
		}
	}
	return out
}

// jsonField returns the type of struct typ's field (or promoted field of
// an embedded struct) that JSON names name.
func jsonField(typ reflect.Type, name string) (reflect.Type, bool) {
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if f.Anonymous && tag == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if t, ok := jsonField(ft, name); ok {
					return t, true
				}
			}
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == name {
			return f.Type, true
		}
	}
	return nil, false
}
