package formatters

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/internal/jsonfields"
	"github.com/gmr-go/gmr/internal/textfmt"
)

// maxDepth bounds the nesting the generic renderer follows, which also stops
// it on cyclic data.
const maxDepth = 24

// Bounds on what the generic renderer writes for one section's data, so that
// a section returning a huge value cannot make a huge report: at most
// maxEntries entries of one map or slice, maxStringBytes of one string, and
// about maxTextBytes in all.
const (
	maxEntries     = 1000
	maxStringBytes = 64 << 10
	maxTextBytes   = 1 << 20
)

// cutText cuts s to maxStringBytes, saying how long it was.
func cutText(s string) string {
	if len(s) <= maxStringBytes {
		return s
	}
	return textfmt.Cut(s, maxStringBytes) + fmt.Sprintf("... (%d bytes in all)", len(s))
}

// writeValue renders any value as indented "key = value" lines, in the
// spirit of oslo.reports' key/value views:
//
//	name = demo
//	limits:
//	  cpu = 2
//	items:
//	  - first
//	  - name = second
//	    size = 3
//
// Struct fields use their json tag names, so the text and JSON forms of a
// report use the same keys.
//
// An Object's members are written in their order.
func writeValue(buf *bytes.Buffer, v any) {
	w := valueWriter{buf: buf, limit: buf.Len() + maxTextBytes}
	rv := reflect.ValueOf(v)
	if s, ok := w.scalar(rv); ok {
		buf.WriteString(s)
		buf.WriteString("\n")
		return
	}
	w.composite(rv, "", 0)
	if w.full() {
		fmt.Fprintf(buf, "... (truncated: this section's data is over %s of text)\n", textfmt.Bytes(maxTextBytes))
	}
}

// valueWriter renders values generically.
type valueWriter struct {
	buf   *bytes.Buffer
	limit int // buf.Len() past which nothing more is written
}

// full reports whether the section's text has reached its bound.
func (w valueWriter) full() bool { return w.buf.Len() > w.limit }

// scalar is the package's scalar.
func (w valueWriter) scalar(rv reflect.Value) (string, bool) { return scalar(rv) }

// composite writes the entries of an Object, struct, map or slice, each
// line starting with indent.
func (w valueWriter) composite(rv reflect.Value, indent string, depth int) {
	rv = deref(rv)
	switch {
	case depth > maxDepth:
		w.line(indent, "... (nesting too deep)")
	case rv.IsValid() && rv.Type() == objectType:
		w.object(rv.Interface().(report.Object), indent, depth)
	case rv.Kind() == reflect.Struct:
		w.structValue(rv, indent, depth)
	case rv.Kind() == reflect.Map:
		w.mapValue(rv, indent, depth)
	case rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array:
		w.list(rv, indent, depth)
	default:
		s, _ := w.scalar(rv)
		w.line(indent, s)
	}
}

// line writes one line: indent, then s.
func (w valueWriter) line(indent, s string) {
	w.buf.WriteString(indent)
	w.buf.WriteString(s)
	w.buf.WriteString("\n")
}

// object writes an Object's members in their order.
func (w valueWriter) object(obj report.Object, indent string, depth int) {
	if len(obj) == 0 {
		w.line(indent, "(empty)")
	}
	for _, m := range obj {
		if w.full() {
			return
		}
		w.entry(indent, escape(m.Key), reflect.ValueOf(m.Value), depth)
	}
}

// structValue writes a struct's fields under their JSON names.
func (w valueWriter) structValue(rv reflect.Value, indent string, depth int) {
	n := 0
	for key, fv := range structFields(rv) {
		if w.full() {
			return
		}
		w.entry(indent, key, fv, depth)
		n++
	}
	if n == 0 {
		w.line(indent, "(empty)")
	}
}

// mapValue writes a map's entries in the order of their keys' text, at most
// maxEntries of them; a map more than ten times that size is sampled, since
// sorting it would cost too much.
func (w valueWriter) mapValue(rv reflect.Value, indent string, depth int) {
	if rv.Len() == 0 {
		w.line(indent, "(empty)")
		return
	}
	var keys []reflect.Value
	sampled := rv.Len() > 10*maxEntries
	if sampled {
		for it := rv.MapRange(); it.Next() && len(keys) < maxEntries; {
			keys = append(keys, it.Key())
		}
	} else {
		keys = rv.MapKeys()
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = keyString(k)
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })
	for n, i := range order {
		if w.full() {
			return
		}
		if n == maxEntries {
			w.line(indent, "... and "+textfmt.Commas(rv.Len()-n)+" more")
			break
		}
		w.entry(indent, names[i], rv.MapIndex(keys[i]), depth)
	}
	if sampled {
		w.line(indent, fmt.Sprintf("... and %s more (a map of %s entries: a sample is shown)",
			textfmt.Commas(rv.Len()-len(keys)), textfmt.Commas(rv.Len())))
	}
}

// list writes a slice's or array's elements as "- " items, at most
// maxEntries of them.
func (w valueWriter) list(rv reflect.Value, indent string, depth int) {
	if rv.Len() == 0 {
		w.line(indent, "(empty)")
		return
	}
	for i := range rv.Len() {
		if w.full() {
			return
		}
		if i == maxEntries {
			w.line(indent, "... and "+textfmt.Commas(rv.Len()-i)+" more")
			break
		}
		ev := rv.Index(i)
		if s, ok := w.scalar(ev); ok {
			w.line(indent, "- "+s)
			continue
		}
		// Render the element with a deeper indent, then turn the first
		// line's indent into "- ".
		mark := w.buf.Len()
		w.composite(ev, indent+"  ", depth+1)
		b := w.buf.Bytes()[mark:]
		if len(b) >= len(indent)+2 {
			b[len(indent)] = '-'
		}
	}
}

func (w valueWriter) entry(indent, key string, v reflect.Value, depth int) {
	buf := w.buf
	buf.WriteString(indent)
	buf.WriteString(key)
	if s, ok := w.scalar(v); ok {
		buf.WriteString(" = ")
		buf.WriteString(s)
		buf.WriteString("\n")
		return
	}
	buf.WriteString(":\n")
	w.composite(v, indent+"  ", depth+1)
}

// structFields yields the fields of a struct under their JSON names, as
// encoding/json lays them out (jsonfields.All).
func structFields(rv reflect.Value) func(yield func(string, reflect.Value) bool) {
	return func(yield func(string, reflect.Value) bool) {
		for f := range jsonfields.All(rv, nil) {
			v := f.Value
			if f.TooDeep {
				v = reflect.ValueOf("(embedding too deep)")
			}
			if !yield(escape(f.Name), v) {
				return
			}
		}
	}
}

func deref(rv reflect.Value) reflect.Value {
	for i := 0; i < maxDepth && (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface); i++ {
		if rv.IsNil() {
			return rv
		}
		rv = rv.Elem()
	}
	return rv
}

var (
	objectType   = reflect.TypeFor[report.Object]()
	rawType      = reflect.TypeFor[json.RawMessage]()
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
	errorType    = reflect.TypeFor[error]()
	textType     = reflect.TypeFor[encoding.TextMarshaler]()
)

// scalar returns the text of a value that renders on one line: numbers,
// strings, booleans, times, durations, errors, TextMarshalers and nil, and
// empty composites. Composite values with content report false.
func scalar(rv reflect.Value) (string, bool) {
	if !rv.IsValid() {
		return "<nil>", true
	}
	if (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface || rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice) && rv.IsNil() {
		return "<nil>", true
	}
	switch rv.Type() {
	case rawType:
		return escape(cutText(string(rv.Bytes()))), true
	case timeType:
		t := rv.Interface().(time.Time)
		if t.IsZero() {
			return "-", true
		}
		return t.Format(time.RFC3339Nano), true
	case durationType:
		return time.Duration(rv.Int()).String(), true
	}
	if rv.CanInterface() {
		switch t := rv.Type(); {
		case t.Implements(errorType):
			return escape(rv.Interface().(error).Error()), true
		case t.Implements(textType):
			b, err := rv.Interface().(encoding.TextMarshaler).MarshalText()
			if err != nil {
				return escape("!error: " + err.Error()), true
			}
			return escape(string(b)), true
		}
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		d := deref(rv)
		if d.Kind() == reflect.Pointer || d.Kind() == reflect.Interface {
			return "<cycle>", true // deref gave up: pointers to pointers all the way
		}
		return scalar(d)
	case reflect.String:
		return escape(cutText(rv.String())), true
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10), true
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'g', -1, rv.Type().Bits()), true
	case reflect.Complex64, reflect.Complex128:
		return fmt.Sprint(rv.Complex()), true
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return escape(cutText(string(rv.Bytes()))), true
		}
		if rv.Len() == 0 {
			return "[]", true
		}
	case reflect.Array:
		if rv.Len() == 0 {
			return "[]", true
		}
	case reflect.Map:
		if rv.Len() == 0 {
			return "{}", true
		}
	case reflect.Struct:
		return "", false
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return "<" + rv.Type().String() + ">", true
	}
	return "", false
}

func keyString(k reflect.Value) string {
	if s, ok := scalar(k); ok {
		return s
	}
	return escape(fmt.Sprint(k))
}

// escape makes s safe to write to a terminal; see textfmt.Escape.
func escape(s string) string { return textfmt.Escape(s) }
