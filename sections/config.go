package sections

import (
	"bytes"
	"context"
	"encoding"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gmr-go/gmr/internal/redact"
	"github.com/gmr-go/gmr/internal/textfmt"
)

// Bounds on what the config section shows of one registered value.
const (
	// configMaxDepth is how deep into nested structs, maps and slices the
	// section looks.
	configMaxDepth = 10
	// configMaxEntries is the most entries shown for one value; the rest
	// are counted in ConfigValue.Omitted.
	configMaxEntries = 1000
	// configMaxValue is the most bytes of one entry's value shown.
	configMaxValue = 1 << 10
	// configMaxScan is the most bytes of a string that are redacted; the
	// rest is never shown. It leaves room after configMaxValue for the
	// redaction rules to see where a secret ends.
	configMaxScan = 16 << 10
	// configMaxKey is the most bytes of a map key shown.
	configMaxKey = 256
	// configMaxMapScan is the most keys of one map looked at.
	configMaxMapScan = 100_000
)

// Config is the "config" section: the program's command line, its flags
// and the configuration values registered with it, with secrets masked. Its
// zero value shows os.Args and flag.CommandLine.
//
// A flag or value is secret when its name is secret by the redaction rules
// (a word such as password, secret, token, key or auth, in any case and
// separator style: DB_PASSWORD, dbPassword and api-key are all secret), when
// a flag is listed in gmr.WithSecretFlags, or when a struct field is tagged
// `gmr:"secret"`. A secret is still listed, so that the operator knows it is
// there, but its value is shown as "***" unless it is empty or is a
// boolean flag's "true" or "false", which gives nothing away. Everything
// under a secret key is masked, and a key is judged whole: in
// "auth.enabled" the word "auth" makes the entry secret. Values under other
// keys are searched for secrets of a recognisable form, which are masked in
// place: the password of a URL (postgres://user:***@host/db), Bearer and
// Basic credentials, PEM private keys, tokens of well-known formats
// (ghp_..., xoxb-..., JWTs) and secret key=value pairs inside a string.
//
// The command line is shown argument by argument, with the value of every
// secret flag masked however it is written: -db-password=x, --db-password=x,
// -db-password x and --db-password x all show the flag and "***". A flag is
// secret on the command line when its name is, or when it is listed in
// gmr.WithSecretFlags; a flag defined as boolean in every flag set takes no
// argument, so the argument after it is left alone. Flags the flag sets do
// not define are judged by name alone.
//
// Registered values are walked with reflection and flattened to entries with
// dotted keys ("db.host", "servers[0].port"): struct fields under their json
// tag names (unexported fields are skipped), map entries in order of their
// keys, slice elements by index. A value whose type implements
// slog.LogValuer is shown as its LogValue, so types that hide their secrets
// from logs hide them from reports too. Times, durations and URLs are shown
// as text, as are values of other types that implement error,
// encoding.TextMarshaler or fmt.Stringer, unless they are structs with
// exported fields, which are walked field by field so that the redaction
// rules see each field. Pointer cycles show as "<cycle>"; one value shows at
// most 10 levels of nesting, 1,000 entries and 1 KiB per entry, and counts
// what it leaves out. Method calls that panic show as "<panic: ...>".
//
// Collect reads flags and values while the program may be changing them.
// flag.FlagSet is not synchronised, so a flag set must not be modified
// (flag.Parse, FlagSet.Set) while a report is being made; values are read
// without locks, so a report shows them as they were at some moment during
// the collection, as any diagnostic reading live configuration does.
// Collect takes microseconds for a typical configuration and is safe for
// concurrent use.
type Config struct {
	// Args is the command line to show, program name first. Optional: nil
	// means os.Args; an empty, non-nil slice shows none.
	Args []string
	// FlagSets are the flag sets to show. Optional: empty means
	// flag.CommandLine alone. Nil entries and repeats are skipped.
	FlagSets []*flag.FlagSet
	// Values are the configuration values to show, by name: structs, maps,
	// slices, scalars, or pointers to them. Optional. The name is the first
	// part of each entry's key.
	Values map[string]any
}

// ConfigReport is the data of the config section. It implements
// TextWriter.
type ConfigReport struct {
	// CommandLine is the command line, program name first, with the values
	// of secret flags and the secrets inside other arguments masked.
	CommandLine []string `json:"command_line"`
	// FlagSets are the flag sets, in the order of Config.FlagSets.
	FlagSets []ConfigFlagSet `json:"flag_sets"`
	// Values are the registered values, in order of name.
	Values []ConfigValue `json:"values"`
}

// ConfigFlagSet is one flag set.
type ConfigFlagSet struct {
	// Name is the flag set's name; that of flag.CommandLine is the program
	// name, os.Args[0].
	Name string `json:"name"`
	// Flags are the defined flags, in lexical order.
	Flags []ConfigFlag `json:"flags"`
}

// ConfigFlag is one flag.
type ConfigFlag struct {
	// Name is the flag's name, without a leading "-".
	Name string `json:"name"`
	// Value and Default are the flag's current and default values as
	// text, or "***" for a secret that is not empty.
	Value   string `json:"value"`
	Default string `json:"default"`
	// Set reports whether the flag was set on the command line (or with
	// FlagSet.Set).
	Set bool `json:"set"`
	// Redacted reports whether Value or Default was masked, whole or in
	// part.
	Redacted bool `json:"redacted"`
}

// ConfigValue is one registered value, flattened.
type ConfigValue struct {
	// Name is the name the value was registered under.
	Name string `json:"name"`
	// Entries are the value's leaves, in a stable order: struct fields in
	// declaration order, map entries in order of key, slice elements in
	// order of index.
	Entries []ConfigEntry `json:"entries"`
	// Omitted counts the entries left out because of the bounds on size;
	// when a large map or slice is cut short, each of its elements left
	// out counts as one.
	Omitted int `json:"omitted"`
}

// ConfigEntry is one leaf of a registered value.
type ConfigEntry struct {
	// Key is the dotted path to the leaf, starting with the value's name:
	// "db.host", "servers[0].port", "limits.by_user.alice".
	Key string `json:"key"`
	// Value is the leaf as text: "***" for a secret that is not empty,
	// "<nil>" for a nil pointer or interface, "[]" and "{}" for empty
	// slices and maps and structs without exported fields, "<cycle>",
	// "<too deep>", and a truncated text ending "... (N bytes)".
	Value string `json:"value"`
	// Redacted reports whether Value was masked, whole or in part.
	Redacted bool `json:"redacted"`
}

// Name returns "config".
func (Config) Name() string { return "config" }

// Collect returns a *ConfigReport. If ctx is done before it has finished, it
// returns what it has with ctx.Err().
func (c Config) Collect(ctx context.Context) (any, error) {
	r := *redact.FromContext(ctx)
	rep := &ConfigReport{CommandLine: []string{}, FlagSets: []ConfigFlagSet{}, Values: []ConfigValue{}}
	secretFlags := make(map[string]bool, len(r.Flags))
	for _, name := range r.Flags {
		secretFlags[strings.TrimLeft(name, "-")] = true
	}
	flagSets := c.flagSets()
	rep.CommandLine = commandLine(c.Args, r, secretFlags, flagSets)
	for _, fs := range flagSets {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.FlagSets = append(rep.FlagSets, collectFlags(fs, r, secretFlags))
	}
	names := make([]string, 0, len(c.Values))
	for name := range c.Values {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Values = append(rep.Values, collectValue(r, name, c.Values[name]))
	}
	return rep, nil
}

// collectValue flattens the value registered under name. A panic, which
// reflection on an unusual value might cause, ends the walk with an entry
// saying so rather than losing the section.
func collectValue(r redact.Redactor, name string, v any) (cv ConfigValue) {
	w := walker{r: r, entries: []ConfigEntry{}, path: make(map[visit]bool)}
	defer func() {
		if p := recover(); p != nil {
			w.emit(name, panicText(p), false)
		}
		cv = ConfigValue{Name: name, Entries: w.entries, Omitted: w.omitted}
	}()
	w.walk(name, reflect.ValueOf(v), 0, false)
	return
}

func (c Config) flagSets() []*flag.FlagSet {
	if len(c.FlagSets) == 0 {
		return []*flag.FlagSet{flag.CommandLine}
	}
	var out []*flag.FlagSet
	for _, fs := range c.FlagSets {
		if fs != nil && !slices.Contains(out, fs) {
			out = append(out, fs)
		}
	}
	return out
}

// commandLine returns args, or os.Args if args is nil, with secrets masked
// and each argument bounded to configMaxValue bytes. A flag is secret if
// secretFlags lists it or r calls its name secret, unless every flag set
// that defines it defines it as boolean.
func commandLine(args []string, r redact.Redactor, secretFlags map[string]bool, flagSets []*flag.FlagSet) []string {
	if args == nil {
		args = os.Args
	}
	boolFlag := make(map[string]bool)
	for _, fs := range flagSets {
		fs.VisitAll(func(f *flag.Flag) {
			b, ok := f.Value.(interface{ IsBoolFlag() bool })
			isBool, _ := call(func() bool { return ok && b.IsBoolFlag() })
			if prev, seen := boolFlag[f.Name]; !seen || prev {
				boolFlag[f.Name] = isBool
			}
		})
	}
	isSecret := func(name string) bool {
		return (secretFlags[name] || r.SecretKey(name)) && !boolFlag[name]
	}
	// As in redactText, only the first configMaxScan bytes of an argument
	// are looked at, and at most configMaxValue bytes shown.
	scan := make([]string, len(args))
	for i, a := range args {
		scan[i] = a[:min(len(a), configMaxScan)]
	}
	out := r.Args(scan, isSecret)
	for i, a := range out {
		if len(a) <= configMaxValue && a != scan[i] {
			continue // masked: its length is not shown
		}
		out[i] = boundText(args[i], scan[i], a)
	}
	return out
}

// collectFlags lists the flags of fs.
func collectFlags(fs *flag.FlagSet, r redact.Redactor, secretFlags map[string]bool) ConfigFlagSet {
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	out := ConfigFlagSet{Name: fs.Name(), Flags: []ConfigFlag{}}
	fs.VisitAll(func(f *flag.Flag) {
		cf := ConfigFlag{Name: f.Name, Value: flagValue(f.Value), Default: f.DefValue, Set: set[f.Name]}
		if (secretFlags[f.Name] || r.SecretKey(f.Name)) && !plainBool(f, cf) {
			for _, s := range []*string{&cf.Value, &cf.Default} {
				if *s != "" {
					*s, cf.Redacted = redact.Mask, true
				}
			}
		} else {
			var rv, rd bool
			cf.Value, rv = redactText(r, cf.Value)
			cf.Default, rd = redactText(r, cf.Default)
			cf.Redacted = rv || rd
		}
		out.Flags = append(out.Flags, cf)
	})
	return out
}

// plainBool reports whether f is a boolean flag whose value and default are
// "true" or "false": a secret flag's state that gives nothing away, such as
// -use-secret-manager.
func plainBool(f *flag.Flag, cf ConfigFlag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	if !ok {
		return false
	}
	isBool, _ := call(b.IsBoolFlag)
	return isBool && isBoolText(cf.Value) && isBoolText(cf.Default)
}

func isBoolText(s string) bool { return s == "true" || s == "false" }

// flagValue returns v.String(), or a note if v is nil or String panics.
func flagValue(v flag.Value) (s string) {
	if v == nil {
		return "<nil>"
	}
	defer func() {
		if p := recover(); p != nil {
			s = panicText(p)
		}
	}()
	return v.String()
}

// redactText masks the secrets inside s and bounds it to configMaxValue
// bytes. Only the first configMaxScan bytes of s are looked at; the rest is
// never shown. It reports whether anything was masked.
func redactText(r redact.Redactor, s string) (string, bool) {
	scan := s[:min(len(s), configMaxScan)]
	out := r.Value(scan)
	return boundText(s, scan, out), out != scan
}

// boundText bounds out, the redacted form of scan, the start of s, to
// configMaxValue bytes. A text cut short ends with its length; when
// secrets were masked, that is the length with each secret counted as
// its mask, so that it tells nothing of their lengths.
func boundText(s, scan, out string) string {
	if len(s) == len(scan) && len(out) <= configMaxValue {
		return out
	}
	n := len(s)
	if out != scan {
		n = len(out) + len(s) - len(scan)
	}
	return textfmt.Cut(out, configMaxValue) + fmt.Sprintf("... (%d bytes)", n)
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
	// path holds the pointers, maps and slices between the root and the
	// value being walked.
	path map[visit]bool
}

var (
	logValuerType = reflect.TypeFor[slog.LogValuer]()
	errorIface    = reflect.TypeFor[error]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	stringerType  = reflect.TypeFor[fmt.Stringer]()
	timeTyp       = reflect.TypeFor[time.Time]()
	durationTyp   = reflect.TypeFor[time.Duration]()
	urlType       = reflect.TypeFor[url.URL]()
)

func (w *walker) full() bool { return len(w.entries) >= configMaxEntries }

func (w *walker) emit(key, value string, redacted bool) {
	w.entries = append(w.entries, ConfigEntry{Key: key, Value: value, Redacted: redacted})
}

// emitText emits a string leaf, redacted and truncated.
func (w *walker) emitText(key, s string) {
	s, redacted := redactText(w.r, s)
	w.emit(key, s, redacted)
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
		w.emit(key, strconv.FormatBool(v.Bool()), false)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		w.emit(key, strconv.FormatInt(v.Int(), 10), false)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		w.emit(key, strconv.FormatUint(v.Uint(), 10), false)
	case reflect.Float32, reflect.Float64:
		w.emit(key, strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()), false)
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
// LogValuer, a time, duration or URL, or an error, TextMarshaler or
// Stringer that is not a struct with exported fields.
func (w *walker) leaf(key string, v reflect.Value, depth int) bool {
	if !v.CanInterface() {
		return false
	}
	t := v.Type()
	if v.Kind() != reflect.Pointer && !t.Implements(logValuerType) && reflect.PointerTo(t).Implements(logValuerType) {
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
	if t.Implements(logValuerType) {
		sv, err := call(func() slog.Value { return v.Interface().(slog.LogValuer).LogValue() })
		if err != "" {
			w.emit(key, err, false)
		} else {
			w.walkSlog(key, sv, depth+1)
		}
		return true
	}
	switch t {
	case timeTyp:
		w.emit(key, v.Interface().(time.Time).Format(time.RFC3339Nano), false)
		return true
	case durationTyp:
		w.emit(key, time.Duration(v.Int()).String(), false)
		return true
	case urlType:
		u := v.Interface().(url.URL)
		w.emitText(key, u.String())
		return true
	}
	if t.Kind() == reflect.Pointer && t.Elem() == urlType {
		w.emitText(key, v.Interface().(*url.URL).String())
		return true
	}
	if hasExportedFields(t) {
		return false
	}
	var s, err string
	switch {
	case t.Implements(errorIface):
		s, err = call(func() string { return v.Interface().(error).Error() })
	case t.Implements(textMarshaler):
		s, err = call(func() string {
			b, e := v.Interface().(encoding.TextMarshaler).MarshalText()
			if e != nil {
				return "<error: " + e.Error() + ">"
			}
			return string(b)
		})
	case t.Implements(stringerType):
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

// walkFields walks the exported fields of struct v, flattening embedded
// structs as encoding/json does.
func (w *walker) walkFields(key string, v reflect.Value, depth int) {
	t := v.Type()
	for i := range t.NumField() {
		if w.full() {
			w.omitted += t.NumField() - i
			return
		}
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && f.Tag.Get("json") == "-" {
			continue
		}
		fv := v.Field(i)
		// Both names are judged: a field DBPassword tagged json:"pw" is
		// as secret as its Go name says.
		secret := slices.Contains(strings.Split(f.Tag.Get("gmr"), ","), "secret") || w.r.SecretKey(f.Name)
		if f.Anonymous && name == "" && secret {
			// A secret embedded struct is masked whole, under its type's
			// name, rather than flattened.
			w.walk(key+"."+f.Name, fv, depth+1, true)
			continue
		}
		if f.Anonymous && name == "" {
			switch {
			case fv.Kind() == reflect.Struct:
				w.walkEmbedded(key, fv, depth+1)
				continue
			case fv.Kind() == reflect.Pointer && !fv.IsNil() && fv.Type().Elem().Kind() == reflect.Struct:
				w.enter(key, fv, 0, func() { w.walkEmbedded(key, fv.Elem(), depth+1) })
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		w.walk(key+"."+name, fv, depth+1, secret)
	}
}

// walkEmbedded walks the fields of an embedded struct as if they were v's
// own, as encoding/json does.
func (w *walker) walkEmbedded(key string, v reflect.Value, depth int) {
	if depth > configMaxDepth {
		w.emit(key, "<too deep>", false)
		return
	}
	w.walkFields(key, v, depth)
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

// WriteText writes the report as indented lines:
//
//	command line: /usr/bin/shop -db-password *** -v "two words"
//	flags (/usr/bin/shop):
//	  -addr = :8080
//	  -db-password = *** (set)
//	  -v = true (set; default false)
//	db:
//	  db.host = localhost
//	  db.password = ***
//
// A value that is empty, has spaces at its ends or characters that are not
// printable is quoted, with Go escapes ("\x1b[31m"), as is an argument of
// the command line that is empty or has spaces.
func (r *ConfigReport) WriteText(w io.Writer) error {
	var buf bytes.Buffer
	if len(r.CommandLine) > 0 {
		buf.WriteString("command line:")
		for _, a := range r.CommandLine {
			buf.WriteString(" " + argText(a))
		}
		buf.WriteString("\n")
	}
	for _, fs := range r.FlagSets {
		buf.WriteString("flags")
		if fs.Name != "" {
			buf.WriteString(" (" + configText(fs.Name, false) + ")")
		}
		buf.WriteString(":\n")
		if len(fs.Flags) == 0 {
			buf.WriteString("  (none)\n")
		}
		for _, f := range fs.Flags {
			fmt.Fprintf(&buf, "  -%s = %s", configText(f.Name, false), configText(f.Value, f.Redacted))
			var notes []string
			if f.Set {
				notes = append(notes, "set")
			}
			if f.Default != f.Value {
				notes = append(notes, "default "+configText(f.Default, f.Redacted))
			}
			if len(notes) > 0 {
				buf.WriteString(" (" + strings.Join(notes, "; ") + ")")
			}
			buf.WriteString("\n")
		}
	}
	for _, v := range r.Values {
		buf.WriteString(configText(v.Name, false) + ":\n")
		for _, e := range v.Entries {
			fmt.Fprintf(&buf, "  %s = %s\n", configText(e.Key, false), configText(e.Value, e.Redacted))
		}
		if v.Omitted > 0 {
			fmt.Fprintf(&buf, "  ... %s more not shown\n", textfmt.Commas(v.Omitted))
		}
	}
	if len(r.CommandLine) == 0 && len(r.FlagSets) == 0 && len(r.Values) == 0 {
		buf.WriteString("(no flags or values)\n")
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// configText returns s as it is if it is plain text, and quoted with Go
// escapes otherwise: if it is empty, has spaces at its ends, starts with a
// quote, has characters that are not printable, or is "***" but was not
// masked.
func configText(s string, redacted bool) string {
	if s == redact.Mask {
		if redacted {
			return s
		}
		return strconv.Quote(s)
	}
	plain := s != "" && s[0] != '"' && s[0] != ' ' && s[len(s)-1] != ' '
	for _, r := range s {
		if !plain {
			break
		}
		plain = r != utf8.RuneError && (r == ' ' || unicode.IsPrint(r))
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}

// argText returns an argument of the command line as configText does, and
// quoted if it has spaces, so that the arguments can be told apart.
func argText(s string) string {
	if strings.ContainsRune(s, ' ') {
		return strconv.Quote(s)
	}
	return configText(s, true)
}

// panicText describes a recovered panic, in at most about configMaxValue
// bytes.
func panicText(p any) string {
	s := fmt.Sprintf("%v", p)
	if len(s) > configMaxValue {
		s = textfmt.Cut(s, configMaxValue) + "..."
	}
	return "<panic: " + s + ">"
}
