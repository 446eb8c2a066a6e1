package redact

import (
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/internal/jsonfields"
	"github.com/gmr-go/gmr/internal/textfmt"
)

// Bounds on the tree Data builds from one section's data, so that no value,
// however large or however shared its parts, costs more than a bounded
// amount of time and memory to mask and render.
const (
	// MaxValues is the most values (scalars and containers) in one tree.
	MaxValues = 50_000
	// MaxBytes is the most bytes of strings and keys in one tree.
	MaxBytes = 1 << 20
	// MaxEntries is the most entries shown of one map, slice or array.
	MaxEntries = 1000
	// MaxDepth is the deepest nesting followed, which also stops cycles.
	MaxDepth = 24
	// MaxString is the most bytes shown of one string.
	MaxString = 64 << 10
	// MaxJSON is the most bytes a MarshalJSON method may return.
	MaxJSON = 4 << 20
)

// Data returns v as a tree of report.Object, []any, string, bool, nil,
// json.Number, time.Time, time.Duration and json.RawMessage values, with its
// secrets masked, and a note saying what was cut to keep the tree within
// its bounds ("" when nothing was). It never modifies v and never panics.
//
// Structs become Objects with their fields under their JSON names, as
// encoding/json lays them out (json tags, omitempty, omitzero, embedded
// structs flattened). A field is secret when its JSON name or its Go name is
// a secret key, or it is tagged gmr:"secret"; a map entry is secret when its
// key is. A secret's value is replaced by Mask whatever its type (an empty
// one stays empty) and is not read further. Every string, map key and error
// text is masked as Value masks it. slog.LogValuer values show their
// LogValue; *url.URL and url.Userinfo values show no password; json.Marshaler
// output is masked as JSON masks it; other TextMarshalers and errors become
// their text.
//
// The work stops at the context's deadline, at MaxValues values or MaxBytes
// bytes of text, whichever comes first; containers show at most MaxEntries
// entries (a map with more than ten times as many shows a sample, since
// sorting it would cost too much), and nesting stops at MaxDepth.
func (r *Redactor) Data(ctx context.Context, v any) (tree any, note string) {
	w := &dataWalker{r: r, m: r.matcher(), ctx: ctx}
	defer func() {
		if p := recover(); p != nil {
			tree, note = nil, fmt.Sprintf("data not shown: rendering it panicked: %s", r.Value(safeSprint(p)))
		}
	}()
	tree = w.value(reflect.ValueOf(v), 0)
	return tree, w.notes()
}

type dataWalker struct {
	r      *Redactor
	m      matcher
	ctx    context.Context
	values int
	bytes  int
	note   string // why the walk stopped; "" while it goes on

	// cutHere is set when the value just asked for was not produced
	// because the walk stopped: its container leaves it out rather than
	// show a null that was never there.
	cutHere bool

	// What was cut without stopping the walk, for the note.
	longLists, sampledMaps, deep, longStrings int
}

// notes says what the walk cut, "" when nothing.
func (w *dataWalker) notes() string {
	var notes []string
	if w.note != "" {
		notes = append(notes, w.note)
	}
	if w.longLists > 0 {
		notes = append(notes, fmt.Sprintf("cut at %s entries in %s of its lists and maps", textfmt.Commas(MaxEntries), textfmt.Plural(w.longLists, "case")))
	}
	if w.sampledMaps > 0 {
		notes = append(notes, fmt.Sprintf("cut at a sample of %s entries in %s of over %s entries, too big to sort", textfmt.Commas(MaxEntries), textfmt.Plural(w.sampledMaps, "map"), textfmt.Commas(10*MaxEntries)))
	}
	if w.deep > 0 {
		notes = append(notes, fmt.Sprintf("cut at %d levels of nesting in %s", MaxDepth, textfmt.Plural(w.deep, "place")))
	}
	if w.longStrings > 0 {
		notes = append(notes, fmt.Sprintf("%s cut at %s", textfmt.Plural(w.longStrings, "string"), textfmt.Bytes(MaxString)))
	}
	return strings.Join(notes, "; ")
}

// stopped reports whether the walk has reached a bound, counting one more
// value.
func (w *dataWalker) stopped() bool {
	if w.note != "" {
		w.cutHere = true
		return true
	}
	w.values++
	switch {
	case w.values > MaxValues:
		w.note = fmt.Sprintf("cut at %s values, the bound for one section's data", textfmt.Commas(MaxValues))
	case w.bytes > MaxBytes:
		w.note = fmt.Sprintf("cut at %s of text, the bound for one section's data", textfmt.Bytes(MaxBytes))
	case w.values%256 == 0 && w.ctx.Err() != nil:
		w.note = fmt.Sprintf("cut at %s values: the report's deadline passed", textfmt.Commas(w.values))
	}
	w.cutHere = w.note != ""
	return w.cutHere
}

// dropped reports, once, whether the value just asked for was cut.
func (w *dataWalker) dropped() bool {
	cut := w.cutHere
	w.cutHere = false
	return cut
}

func (w *dataWalker) text(s string) string { return w.textOf(s, len(s)) }

// textOf is text for s, the first bytes of a text of total bytes.
// The text is masked before it is cut, over a window past the cut, so
// that a secret the cut would split (a URL's password before its '@', a
// token's prefix) is still recognised and masked.
func (w *dataWalker) textOf(s string, total int) string {
	if total <= MaxString {
		w.bytes += len(s)
		return w.r.Value(s)
	}
	w.longStrings++
	masked := w.r.Value(textfmt.Cut(s, MaxString+cutWindow))
	s = textfmt.Cut(masked, MaxString) + fmt.Sprintf("... (%d bytes in all)", total)
	w.bytes += len(s)
	return s
}

// cutWindow is how far past a cut a long string is masked.
const cutWindow = 4 << 10

func (w *dataWalker) value(rv reflect.Value, depth int) any {
	if w.stopped() {
		return nil
	}
	if depth > MaxDepth {
		w.deep++
		return "... (nesting too deep)"
	}
	if !rv.IsValid() {
		return nil
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		if rv.IsNil() {
			return nil
		}
	}
	if v, ok := w.special(rv, depth); ok {
		return v
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		return w.value(rv.Elem(), depth+1)
	case reflect.String:
		return w.text(rv.String())
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(rv.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return json.Number(strconv.FormatUint(rv.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.FormatFloat(f, 'g', -1, 64) // JSON has no NaN: show it as text
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, rv.Type().Bits()))
	case reflect.Complex64, reflect.Complex128:
		return fmt.Sprint(rv.Complex())
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 && rv.Kind() == reflect.Slice {
			b := rv.Bytes()
			return w.textOf(string(b[:min(len(b), MaxString+cutWindow)]), len(b))
		}
		return w.list(rv, depth)
	case reflect.Map:
		return w.mapValue(rv, depth)
	case reflect.Struct:
		return w.structValue(rv, depth)
	default: // chan, func, unsafe pointer
		return "<" + rv.Type().String() + ">"
	}
}

// special handles the types that show something other than their fields.
func (w *dataWalker) special(rv reflect.Value, depth int) (any, bool) {
	t := rv.Type()
	if !rv.CanInterface() {
		return nil, false // reached through an unexported embedded struct
	}
	switch t {
	case jsonfields.TimeType, jsonfields.DurationType:
		return rv.Interface(), true
	case jsonfields.RawType:
		return w.json(rv.Bytes()), true
	case jsonfields.URLType:
		u := rv.Interface().(url.URL)
		return w.text(u.String()), true
	case jsonfields.UserinfoType:
		u := rv.Interface().(url.Userinfo)
		return w.userinfo(&u), true
	}
	if t.Kind() == reflect.Pointer {
		switch t.Elem() {
		case jsonfields.URLType:
			return w.text(rv.Interface().(*url.URL).String()), true
		case jsonfields.UserinfoType:
			return w.userinfo(rv.Interface().(*url.Userinfo)), true
		}
	}
	switch {
	case t.Implements(jsonfields.LogValuerType):
		var sv slog.Value
		if p := catch(func() { sv = rv.Interface().(slog.LogValuer).LogValue().Resolve() }); p != "" {
			return w.text("!LogValue panicked: " + p), true
		}
		return w.slog(sv, depth), true
	case t.Implements(jsonfields.MarshalerType):
		var b []byte
		var err error
		if p := catch(func() { b, err = rv.Interface().(json.Marshaler).MarshalJSON() }); p != "" {
			return w.text("!MarshalJSON panicked: " + p), true
		}
		if err != nil {
			return w.text("!MarshalJSON: " + err.Error()), true
		}
		return w.json(b), true
	case t.Implements(jsonfields.TextType):
		var b []byte
		var err error
		if p := catch(func() { b, err = rv.Interface().(encoding.TextMarshaler).MarshalText() }); p != "" {
			return w.text("!MarshalText panicked: " + p), true
		}
		if err != nil {
			return w.text("!MarshalText: " + err.Error()), true
		}
		return w.text(string(b)), true
	case t.Implements(jsonfields.ErrorType):
		var s string
		if p := catch(func() { s = rv.Interface().(error).Error() }); p != "" {
			s = "!Error panicked: " + p
		}
		return w.text(s), true
	}
	return nil, false
}

func (w *dataWalker) userinfo(u *url.Userinfo) string {
	if _, ok := u.Password(); ok {
		return w.text(u.Username() + ":" + Mask)
	}
	return w.text(u.Username())
}

// json masks what a MarshalJSON method returned.
func (w *dataWalker) json(b []byte) any {
	if len(b) > MaxJSON {
		return fmt.Sprintf("!MarshalJSON returned %d bytes, over the %s bound", len(b), textfmt.Bytes(MaxJSON))
	}
	w.bytes += len(b)
	out, err := w.r.JSON(b)
	if err != nil {
		return w.text("!" + err.Error())
	}
	return json.RawMessage(out)
}

func (w *dataWalker) list(rv reflect.Value, depth int) any {
	n := rv.Len()
	out := make([]any, 0, min(n, MaxEntries+1))
	for i := range min(n, MaxEntries) {
		if w.note != "" {
			return out
		}
		v := w.value(rv.Index(i), depth+1)
		if w.dropped() {
			return out
		}
		out = append(out, v)
	}
	if n > MaxEntries {
		w.longLists++
		out = append(out, fmt.Sprintf("... and %s more", textfmt.Commas(n-MaxEntries)))
	}
	return out
}

func (w *dataWalker) mapValue(rv reflect.Value, depth int) any {
	n := rv.Len()
	type entry struct {
		key string
		k   reflect.Value
	}
	var entries []entry
	sampled := n > 10*MaxEntries
	for it := rv.MapRange(); it.Next(); {
		if sampled && len(entries) == MaxEntries {
			break // too big to sort: show the first entries met
		}
		entries = append(entries, entry{keyText(it.Key()), it.Key()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	obj := make(report.Object, 0, min(len(entries), MaxEntries)+1)
	for i, e := range entries {
		if w.note != "" {
			return obj
		}
		if i == MaxEntries {
			break
		}
		m := w.member(e.key, rv.MapIndex(e.k), depth, false)
		if w.dropped() {
			return obj
		}
		obj = append(obj, m)
	}
	switch {
	case sampled:
		w.sampledMaps++
		obj = append(obj, report.Member{Key: "...", Value: fmt.Sprintf("and %s more: a map of %s entries, sampled", textfmt.Commas(n-MaxEntries), textfmt.Commas(n))})
	case n > MaxEntries:
		w.longLists++
		obj = append(obj, report.Member{Key: "...", Value: fmt.Sprintf("and %s more", textfmt.Commas(n-MaxEntries))})
	}
	return obj
}

// member returns one member of an Object, masked whole when its key (or
// its Go field name, or its gmr tag) says it is secret.
func (w *dataWalker) member(key string, v reflect.Value, depth int, secret bool) report.Member {
	if secret || w.m.secret(key) {
		return report.Member{Key: w.text(key), Value: maskedValue(v)}
	}
	return report.Member{Key: w.text(key), Value: w.value(v, depth+1)}
}

// maskedValue is what a secret shows: Mask, or its emptiness.
func maskedValue(v reflect.Value) any {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && !v.IsNil() {
		v = v.Elem()
	}
	if !v.IsValid() || v.IsZero() {
		if v.IsValid() && v.Kind() == reflect.String {
			return ""
		}
		return nil
	}
	return Mask
}

func (w *dataWalker) structValue(rv reflect.Value, depth int) any {
	obj := report.Object{}
	w.fields(rv, depth, &obj)
	return obj
}

func (w *dataWalker) fields(rv reflect.Value, depth int, obj *report.Object) {
	for f := range jsonfields.All(rv, w.m.secret) {
		if w.note != "" {
			return
		}
		if f.TooDeep {
			*obj = append(*obj, report.Member{Key: f.Name, Value: "(embedding too deep)"})
			continue
		}
		m := w.member(f.Name, f.Value, depth, f.Secret || w.m.secret(f.GoName))
		if w.dropped() {
			return
		}
		*obj = append(*obj, m)
	}
}

// slog renders a resolved slog.Value.
func (w *dataWalker) slog(sv slog.Value, depth int) any {
	// A group counts as a value and a level, as a struct does, so that
	// LogValuers that form a cycle or share their parts are bounded too.
	if depth > MaxDepth {
		w.deep++
		return "... (nesting too deep)"
	}
	switch sv.Kind() {
	case slog.KindGroup:
		if w.stopped() {
			return nil
		}
		obj := report.Object{}
		for _, a := range sv.Group() {
			if w.note != "" || len(obj) == MaxEntries {
				break
			}
			if w.m.secret(a.Key) {
				obj = append(obj, report.Member{Key: w.text(a.Key), Value: Mask})
				continue
			}
			v := w.slog(a.Value.Resolve(), depth+1)
			if w.dropped() {
				break
			}
			obj = append(obj, report.Member{Key: w.text(a.Key), Value: v})
		}
		return obj
	case slog.KindAny:
		v := sv.Any()
		if _, ok := v.(slog.LogValuer); ok {
			return w.text(fmt.Sprintf("%T", v)) // LogValue resolved to itself: do not loop
		}
		return w.value(reflect.ValueOf(v), depth+1)
	case slog.KindString:
		if w.stopped() {
			return nil
		}
		return w.text(sv.String())
	default:
		return w.value(reflect.ValueOf(sv.Any()), depth+1)
	}
}

// keyText is a map key as text.
func keyText(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return k.String()
	}
	var s string
	if p := catch(func() { s = fmt.Sprint(k.Interface()) }); p != "" {
		return "!key: " + p
	}
	return s
}

// catch calls f and returns the text of its panic, or "".
func catch(f func()) (p string) {
	defer func() {
		if v := recover(); v != nil {
			p = safeSprint(v)
		}
	}()
	f()
	return ""
}

// safeSprint formats v, even when its String or Error method panics.
func safeSprint(v any) (s string) {
	defer func() {
		if recover() != nil {
			s = fmt.Sprintf("(%T whose String or Error method panicked)", v)
		}
	}()
	return fmt.Sprint(v)
}
