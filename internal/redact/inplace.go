package redact

import (
	"reflect"

	"github.com/google/pprof/profile"
)

// InPlace masks, in v itself, every string it can set: each is replaced by
// what Value returns for it, and the value of a map entry whose key is
// secret is replaced by Mask. It follows pointers, structs, slices, arrays
// and maps of strings to MaxDepth, and leaves unexported fields alone.
//
// It is for the typed data of gmr's built-in sections, whose field names
// are a published schema and are not judged as keys: those sections mask
// their key=value data (flags, variables, build settings) as they collect
// it, and InPlace catches the secrets that remain inside strings. v must be
// data no one else holds, as a built-in section's fresh result is.
func (r *Redactor) InPlace(v any) {
	m := r.matcher()
	r.inPlace(m, reflect.ValueOf(v), 0)
}

func (r *Redactor) inPlace(m matcher, rv reflect.Value, depth int) {
	if depth > MaxDepth || !rv.IsValid() {
		return
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			r.inPlace(m, rv.Elem(), depth+1)
		}
	case reflect.String:
		if rv.CanSet() {
			if s := rv.String(); s != "" {
				rv.SetString(r.Value(s))
			}
		}
	case reflect.Struct:
		t := rv.Type()
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				r.inPlace(m, rv.Field(i), depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range rv.Len() {
			r.inPlace(m, rv.Index(i), depth+1)
		}
	case reflect.Map:
		r.inPlaceMap(m, rv, depth)
	}
}

// inPlaceMap masks a map whose keys are strings: label sets and the like.
func (r *Redactor) inPlaceMap(m matcher, rv reflect.Value, depth int) {
	t := rv.Type()
	if t.Key().Kind() != reflect.String {
		return
	}
	strValues := t.Elem().Kind() == reflect.String
	for _, k := range rv.MapKeys() {
		v := rv.MapIndex(k)
		key := k.String()
		switch {
		case strValues && m.secret(key) && v.String() != "":
			rv.SetMapIndex(k, reflect.ValueOf(Mask).Convert(t.Elem()))
		case strValues:
			rv.SetMapIndex(k, reflect.ValueOf(r.Value(v.String())).Convert(t.Elem()))
		default:
			// A map's values cannot be set in place: mask a copy and
			// store it back.
			c := reflect.New(t.Elem()).Elem()
			c.Set(v)
			r.inPlace(m, c, depth+1)
			rv.SetMapIndex(k, c)
		}
		if mk := r.Value(key); mk != key {
			nv := rv.MapIndex(k)
			rv.SetMapIndex(k, reflect.Value{})
			rv.SetMapIndex(reflect.ValueOf(mk).Convert(t.Key()), nv)
		}
	}
}

// Profile masks the labels in p, in place, as a label set is masked: the
// values of a secret key become Mask, every other value is masked as Value
// masks it, and so is every key, of string and numeric labels alike (the
// values of numeric labels are numbers).
func (r *Redactor) Profile(p *profile.Profile) {
	if p == nil {
		return
	}
	m := r.matcher()
	for _, s := range p.Sample {
		if len(s.Label) > 0 {
			labels := make(map[string][]string, len(s.Label))
			for k, vs := range s.Label {
				secret := m.secret(k)
				masked := make([]string, len(vs))
				for i, v := range vs {
					switch {
					case secret && v != "":
						masked[i] = Mask
					default:
						masked[i] = r.Value(v)
					}
				}
				mk := r.Value(k) // a key is text the program wrote, too
				labels[mk] = append(labels[mk], masked...)
			}
			s.Label = labels
		}
		if len(s.NumLabel) > 0 {
			nums := make(map[string][]int64, len(s.NumLabel))
			units := make(map[string][]string, len(s.NumUnit))
			for k, vs := range s.NumLabel {
				mk := r.Value(k)
				nums[mk] = append(nums[mk], vs...)
				if u, ok := s.NumUnit[k]; ok {
					units[mk] = append(units[mk], u...)
				}
			}
			s.NumLabel, s.NumUnit = nums, units
		}
	}
}
