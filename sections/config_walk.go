package sections

import (
	"encoding"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gmr-go/gmr/internal/jsonfields"
	"github.com/gmr-go/gmr/internal/redact"
	"github.com/gmr-go/gmr/internal/textfmt"
)

// collectValue flattens the value registered under name. A panic, which
// reflection on an unusual value might cause, ends the walk with an entry
// saying so rather than losing the section.
func collectValue(r redact.Redactor, name string, v any) (cv ConfigValue) {
	w := walker{r: r, entries: []ConfigEntry{}, hidden: []string{}, path: make(map[visit]bool)}
	defer func() {
		if p := recover(); p != nil {
			w.emit(name, panicText(p), false)
		}
		cv = ConfigValue{Name: name, Entries: w.entries, Omitted: w.omitted, Hidden: w.hidden}
	}()
	w.walk(name, reflect.ValueOf(v), 0, false)
	return
}

// A visit identifies a pointer, map or slice being walked, for finding
// cycles.
type visit struct {
	ptr uintptr
	typ reflect.Type
	len int
}

// walker flattens one registered value into entries.
type walker struct {
	r       redact.Redactor
	entries []ConfigEntry
	omitted int
	hidden  []string // keys of fields tagged json:"-"
	// path holds the pointers, maps and slices between the root and the
	// value being walked.
	path map[visit]bool
}

func (w *walker) full() bool { return len(w.entries) >= configMaxEntries }

func (w *walker) emit(key, value string, redacted bool) {
	w.entries = append(w.entries, ConfigEntry{Key: key, Value: value, Redacted: redacted})
}

// emitTyped emits a leaf of kind k whose text is value, which gives
// nothing away.
func (w *walker) emitTyped(key, value string, k scalarKind) {
	w.entries = append(w.entries, ConfigEntry{Key: key, Value: value, Typed: typedValue(k, value)})
}

// emitText emits a string leaf, redacted and truncated.
func (w *walker) emitText(key, s string) {
	s, redacted := redactText(w.r, s)
	w.emit(key, s, redacted)
}

// emitUserinfo emits a URL's user information as its user name, and
// ":***" after it if it has a password, however innocent key is.
func (w *walker) emitUserinfo(key string, u *url.Userinfo) {
	name, redacted := redactText(w.r, u.Username())
	if _, ok := u.Password(); ok {
		name, redacted = name+":"+redact.Mask, true
	}
	w.emit(key, name, redacted)
}

// walk flattens v, found at key, nested depth levels deep; secret reports
// whether a key above it is secret.
func (w *walker) walk(key string, v reflect.Value, depth int, secret bool) {
	if w.full() {
		w.omitted++
		return
	}
	secret = secret || w.r.SecretKey(key)
	if secret {
		if s, ok := emptyText(v); ok {
			w.emit(key, s, false)
		} else {
			w.emit(key, redact.Mask, true)
		}
		return
	}
	if !v.IsValid() {
		w.emit(key, "<nil>", false)
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if v.IsNil() {
			w.emit(key, nilText(v), false)
			return
		}
	}
	if v.Kind() == reflect.Interface {
		w.walk(key, v.Elem(), depth, secret)
		return
	}
	if depth > configMaxDepth {
		w.emit(key, "<too deep>", false)
		return
	}
	if w.leaf(key, v, depth) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		w.enter(key, v, 0, func() { w.walk(key, v.Elem(), depth, secret) })
	case reflect.Struct:
		w.walkStruct(key, v, depth)
	case reflect.Map:
		w.enter(key, v, v.Len(), func() { w.walkMap(key, v, depth) })
	case reflect.Slice:
		w.enter(key, v, v.Len(), func() { w.walkList(key, v, depth) })
	case reflect.Array:
		w.walkList(key, v, depth)
	case reflect.String:
		w.emitText(key, v.String())
	case reflect.Bool:
		w.emitTyped(key, strconv.FormatBool(v.Bool()), boolKind)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		w.emitTyped(key, strconv.FormatInt(v.Int(), 10), intKind)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		w.emitTyped(key, strconv.FormatUint(v.Uint(), 10), uintKind)
	case reflect.Float32, reflect.Float64:
		w.emitTyped(key, strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()), floatKind)
	case reflect.Complex64, reflect.Complex128:
		w.emit(key, strconv.FormatComplex(v.Complex(), 'g', -1, v.Type().Bits()), false)
	default: // Chan, Func, UnsafePointer
		w.emit(key, "<"+v.Type().String()+">", false)
	}
}

// enter calls walk with v marked as being walked, or emits "<cycle>" if it
// already is.
func (w *walker) enter(key string, v reflect.Value, n int, walk func()) {
	id := visit{ptr: v.Pointer(), typ: v.Type(), len: n}
	if w.path[id] {
		w.emit(key, "<cycle>", false)
		return
	}
	w.path[id] = true
	walk()
	delete(w.path, id)
}

// leaf emits v as text and reports true if its type has a text form: a
// LogValuer, a time, duration, URL or URL user information, or an error,
// TextMarshaler or Stringer that is not a struct with exported fields.
func (w *walker) leaf(key string, v reflect.Value, depth int) bool {
	if !v.CanInterface() {
		return false
	}
	t := v.Type()
	if v.Kind() != reflect.Pointer && !t.Implements(jsonfields.LogValuerType) && reflect.PointerTo(t).Implements(jsonfields.LogValuerType) {
		// LogValue has a pointer receiver: call it on v's address, or on
		// a copy's if v has none, so that the type's redaction applies.
		if v.CanAddr() {
			v = v.Addr()
		} else {
			p := reflect.New(t)
			p.Elem().Set(v)
			v = p
		}
		t = v.Type()
	}
	if t.Implements(jsonfields.LogValuerType) {
		sv, err := call(func() slog.Value { return v.Interface().(slog.LogValuer).LogValue() })
		if err != "" {
			w.emit(key, err, false)
		} else {
			w.walkSlog(key, sv, depth+1)
		}
		return true
	}
	switch t {
	case jsonfields.TimeType:
		w.emit(key, v.Interface().(time.Time).Format(time.RFC3339Nano), false)
		return true
	case jsonfields.DurationType:
		w.emitTyped(key, time.Duration(v.Int()).String(), durationKind)
		return true
	case jsonfields.URLType:
		u := v.Interface().(url.URL)
		w.emitText(key, u.String())
		return true
	case jsonfields.UserinfoType:
		u := v.Interface().(url.Userinfo)
		w.emitUserinfo(key, &u)
		return true
	}
	if t.Kind() == reflect.Pointer {
		switch t.Elem() {
		case jsonfields.URLType:
			w.emitText(key, v.Interface().(*url.URL).String())
			return true
		case jsonfields.UserinfoType:
			w.emitUserinfo(key, v.Interface().(*url.Userinfo))
			return true
		}
	}
	if hasExportedFields(t) {
		return false
	}
	var s, err string
	switch {
	case t.Implements(jsonfields.ErrorType):
		s, err = call(func() string { return v.Interface().(error).Error() })
	case t.Implements(jsonfields.TextType):
		s, err = call(func() string {
			b, e := v.Interface().(encoding.TextMarshaler).MarshalText()
			if e != nil {
				return "<error: " + e.Error() + ">"
			}
			return string(b)
		})
	case t.Implements(jsonfields.StringerType):
		s, err = call(func() string { return v.Interface().(fmt.Stringer).String() })
	default:
		return false
	}
	if err != "" {
		w.emit(key, err, false)
	} else {
		w.emitText(key, s)
	}
	return true
}

// call returns f(), or a note if f panics.
func call[T any](f func() T) (v T, panicked string) {
	defer func() {
		if p := recover(); p != nil {
			panicked = panicText(p)
		}
	}()
	return f(), ""
}

// hasExportedFields reports whether t, or the struct t points to, has
// exported fields.
func hasExportedFields(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			return true
		}
	}
	return false
}

func (w *walker) walkStruct(key string, v reflect.Value, depth int) {
	before := len(w.entries) + w.omitted
	w.walkFields(key, v, depth)
	if len(w.entries)+w.omitted == before {
		w.emit(key, "{}", false)
	}
}

// walkFields walks the fields of struct v as encoding/json lays them out
// (see jsonfields.All): under their json names, with the fields of embedded
// structs flattened into v's, and an embedded struct tagged gmr:"secret"
// masked whole under its type's name. A field is secret by its tag or by
// either of its names: a field DBPassword tagged json:"pw" is as secret as
// its Go name says. Embedded pointers that lead back to a struct being
// walked show as "<cycle>".
func (w *walker) walkFields(key string, v reflect.Value, depth int) {
	w.noteHidden(key, v.Type(), 0)
	var seen map[fieldID]bool
	for f := range jsonfields.All(v, w.r.SecretKey) {
		if f.TooDeep {
			w.emit(key, "<too deep>", false)
			return
		}
		if id, ok := identify(f.Value); ok {
			if seen[id] {
				// Only a cycle of embedded pointers yields a field twice.
				w.emit(key, "<cycle>", false)
				return
			}
			if seen == nil {
				seen = make(map[fieldID]bool)
			}
			seen[id] = true
		}
		if w.full() {
			w.omitted++
			continue
		}
		w.walk(key+"."+f.Name, f.Value, depth+1, f.Secret || w.r.SecretKey(f.GoName))
	}
}

// noteHidden adds to w.hidden the keys of the exported fields of struct
// type t, found at key, that are tagged json:"-", and those of the structs
// t embeds, up to configMaxHidden in all.
func (w *walker) noteHidden(key string, t reflect.Type, depth int) {
	if depth > jsonfields.MaxEmbedding {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get("json") == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				w.noteHidden(key, et, depth+1)
				continue
			}
		}
		if f.IsExported() && f.Tag.Get("json") == "-" && len(w.hidden) < configMaxHidden {
			w.hidden = append(w.hidden, key+"."+f.Name)
		}
	}
}

// A fieldID identifies a struct field in memory, for finding cycles of
// embedded pointers.
type fieldID struct {
	addr uintptr
	typ  reflect.Type
}

// identify returns the identity of the field v, if it has one: an address
// of its own, which a field of zero size does not.
func identify(v reflect.Value) (fieldID, bool) {
	if !v.CanAddr() || v.Type().Size() == 0 {
		return fieldID{}, false
	}
	return fieldID{addr: v.UnsafeAddr(), typ: v.Type()}, true
}

func (w *walker) walkMap(key string, v reflect.Value, depth int) {
	if v.Len() == 0 {
		w.emit(key, "{}", false)
		return
	}
	keys, skipped := w.smallestKeys(v, configMaxEntries-len(w.entries))
	w.omitted += skipped
	for i, k := range keys {
		if w.full() {
			w.omitted += len(keys) - i
			return
		}
		w.walk(key+"."+k.text, v.MapIndex(k.key), depth+1, k.secret)
	}
}

type mapKey struct {
	key  reflect.Value
	text string
	// secret reports whether the key's full text is secret: its shown
	// text may have been cut short before the word that makes it so.
	secret bool
}

// smallestKeys returns the first n keys of map v in order of their text,
// and the number of keys it leaves out. It takes O(len log n) time, so that
// a huge map costs no more than it must.
func (w *walker) smallestKeys(v reflect.Value, n int) ([]mapKey, int) {
	n = max(n, 1)
	keys := make([]mapKey, 0, min(v.Len(), 2*n))
	byText := func(a, b mapKey) int { return strings.Compare(a.text, b.text) }
	seen := 0
	for it := v.MapRange(); it.Next(); seen++ {
		if seen == configMaxMapScan {
			// A map this big is shown by a sample: the smallest keys of
			// the first configMaxMapScan met, which bounds the work.
			break
		}
		k := it.Key()
		text, secret := w.keyText(k)
		keys = append(keys, mapKey{key: k, text: text, secret: secret})
		if len(keys) == 2*n {
			slices.SortFunc(keys, byText)
			keys = keys[:n]
		}
	}
	slices.SortFunc(keys, byText)
	keys = keys[:min(n, len(keys))]
	return keys, v.Len() - len(keys)
}

// keyText returns a map key as text, with the secrets inside it masked and
// at most configMaxKey bytes of it, and whether the whole key is secret.
func (w *walker) keyText(k reflect.Value) (text string, secret bool) {
	var s string
	if k.Kind() == reflect.String {
		s = k.String()
	} else {
		s, _ = call(func() string { return fmt.Sprint(k) })
	}
	secret = w.r.SecretKey(s)
	s, _ = redactText(w.r, s)
	if len(s) > configMaxKey {
		s = textfmt.Cut(s, configMaxKey) + "..."
	}
	return s, secret
}

func (w *walker) walkList(key string, v reflect.Value, depth int) {
	if v.Type().Elem().Kind() == reflect.Uint8 {
		// []byte and [N]byte are text. Only what redactText looks at is
		// copied, so that a huge buffer costs no huge copy.
		n := min(v.Len(), configMaxScan+1)
		if v.Kind() == reflect.Slice {
			w.emitText(key, string(v.Bytes()[:n]))
			return
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(v.Index(i).Uint())
		}
		w.emitText(key, string(b))
		return
	}
	if v.Len() == 0 {
		w.emit(key, "[]", false)
		return
	}
	for i := range v.Len() {
		if w.full() {
			w.omitted += v.Len() - i
			return
		}
		w.walk(key+"["+strconv.Itoa(i)+"]", v.Index(i), depth+1, false)
	}
}

// walkSlog flattens a slog.Value: a LogValuer's LogValue.
func (w *walker) walkSlog(key string, sv slog.Value, depth int) {
	if w.full() {
		w.omitted++
		return
	}
	if w.r.SecretKey(key) {
		w.walk(key, reflect.ValueOf(sv.Any()), depth, true)
		return
	}
	if depth > configMaxDepth {
		w.emit(key, "<too deep>", false)
		return
	}
	sv, err := call(sv.Resolve)
	if err != "" {
		w.emit(key, err, false)
		return
	}
	switch sv.Kind() {
	case slog.KindGroup:
		attrs := sv.Group()
		if len(attrs) == 0 {
			w.emit(key, "{}", false)
		}
		w.walkAttrs(key, attrs, depth)
	case slog.KindString:
		w.emitText(key, sv.String())
	case slog.KindAny:
		w.walk(key, reflect.ValueOf(sv.Any()), depth, false)
	case slog.KindTime:
		w.emit(key, sv.Time().Format(time.RFC3339Nano), false)
	default:
		w.emit(key, sv.String(), false)
	}
}

func (w *walker) walkAttrs(key string, attrs []slog.Attr, depth int) {
	for i, a := range attrs {
		if w.full() {
			w.omitted += len(attrs) - i
			return
		}
		if a.Key == "" && a.Value.Kind() == slog.KindGroup {
			w.walkAttrs(key, a.Value.Group(), depth) // inline, as slog does
			continue
		}
		w.walkSlog(key+"."+a.Key, a.Value, depth+1)
	}
}

// emptyText returns the text of v if it is empty: a nil pointer, interface,
// map or slice, an empty string, map or slice, or a pointer to one. Empty
// secrets are shown, since they reveal nothing but their absence.
func emptyText(v reflect.Value) (string, bool) {
	for range configMaxDepth {
		if !v.IsValid() {
			return "<nil>", true
		}
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return "<nil>", true
			}
			v = v.Elem()
			continue
		case reflect.String:
			if v.Len() == 0 {
				return "", true
			}
		case reflect.Map, reflect.Slice:
			if v.Len() == 0 {
				return nilText(v), true
			}
		}
		return "", false
	}
	return "", false
}

// nilText is the text of a nil or empty value of v's kind.
func nilText(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Map:
		return "{}"
	case reflect.Slice:
		return "[]"
	}
	return "<nil>"
}
