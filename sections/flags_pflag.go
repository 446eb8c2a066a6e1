package sections

import (
	"reflect"
	"strings"
)

// pflagFields are the exported fields of pflag's Flag that are read.
var pflagFields = []string{"Name", "Shorthand", "Value", "DefValue", "NoOptDefVal", "Changed"}

// isPflagSet reports whether v has the shape of a *pflag.FlagSet: a
// method VisitAll(func(*Flag)) whose Flag has pflagFields.
func isPflagSet(v reflect.Value) bool {
	m := method(v.MethodByName("VisitAll"), 1, 0)
	if !m.IsValid() {
		return false
	}
	fn := m.Type().In(0)
	if fn.Kind() != reflect.Func || fn.NumIn() != 1 || fn.NumOut() != 0 || fn.In(0).Kind() != reflect.Pointer {
		return false
	}
	for _, name := range pflagFields {
		if fieldType(fn.In(0), name) == nil {
			return false
		}
	}
	return true
}

// readPflags adds the flags of v, a pflag-shaped flag set, to fs. A flag
// Changed is set, as the flag package's Visit would say; one not Changed
// whose value differs from its default was changed in code.
func readPflags(fs *flagSet, v reflect.Value) {
	m := method(v.MethodByName("VisitAll"), 1, 0)
	visit := reflect.MakeFunc(m.Type().In(0), func(in []reflect.Value) []reflect.Value {
		if r := pflagRecord(in[0]); fs.library != "cobra" || r.name != "help" {
			fs.add(r) // but not the help flag cobra adds to every command
		}
		return nil
	})
	m.Call([]reflect.Value{visit})
}

// pflagRecord reads one *pflag.Flag.
func pflagRecord(f reflect.Value) flagRecord {
	r := flagRecord{name: stringField(f, "Name"), short: stringField(f, "Shorthand"), def: stringField(f, "DefValue"), value: "<nil>"}
	if c := field(f, "Changed"); c.IsValid() && c.Kind() == reflect.Bool {
		r.set = c.Bool()
	}
	// A flag with a value for when it is given alone (--verbose) takes no
	// argument after it.
	r.boolean = stringField(f, "NoOptDefVal") != ""
	if val := field(f, "Value"); val.IsValid() && val.CanInterface() {
		if sv, ok := val.Interface().(interface{ String() string }); ok {
			r.value = flagValue(sv)
		}
		if tv, ok := val.Interface().(interface{ Type() string }); ok {
			t, _ := call(tv.Type)
			r.kind = pflagKind(t)
		}
	}
	if changedInCode(r) {
		r.source = "code"
	}
	return r
}

// pflagKind returns the JSON type of a pflag value of type t, its Type().
func pflagKind(t string) scalarKind {
	switch t {
	case "bool":
		return boolKind
	case "int", "int8", "int16", "int32", "int64", "count":
		return intKind
	case "uint", "uint8", "uint16", "uint32", "uint64":
		return uintKind
	case "float32", "float64":
		return floatKind
	case "duration":
		return durationKind
	}
	return textKind
}

// cobraCommand is what the cobra Command's methods with plain types give.
type cobraCommand interface {
	CalledAs() string
	CommandPath() string
}

// isCobraCommand reports whether v has the shape of a *cobra.Command.
func isCobraCommand(v reflect.Value) bool {
	if _, ok := v.Interface().(cobraCommand); !ok {
		return false
	}
	for _, m := range []reflect.Value{v.MethodByName("Flags"), v.MethodByName("PersistentFlags"), v.MethodByName("Parent")} {
		if !method(m, 0, 1).IsValid() {
			return false
		}
	}
	cmds := method(v.MethodByName("Commands"), 0, 1)
	if !cmds.IsValid() || cmds.Type().Out(0) != reflect.SliceOf(v.Type()) || method(v.MethodByName("Parent"), 0, 1).Type().Out(0) != v.Type() {
		return false
	}
	return isPflagSet(reflect.Zero(method(v.MethodByName("Flags"), 0, 1).Type().Out(0)))
}

// readCobra reads the flags of the cobra command that is running, found
// from v down: the deepest command cobra says was called (CalledAs), or v
// itself before Execute has chosen one. The set holds the command's own
// flags and the persistent flags of its parents, as cobra merges them when
// it parses.
func readCobra(v reflect.Value) flagSet {
	cmd := runningCobra(v, 0)
	if !cmd.IsValid() {
		cmd = v
	}
	c := cmd.Interface().(cobraCommand)
	fs := flagSet{name: c.CommandPath(), library: "cobra"}
	readPflags(&fs, method(cmd.MethodByName("Flags"), 0, 1).Call(nil)[0])
	// Before Execute has parsed, the persistent flags are not yet merged
	// into Flags; after, this adds nothing new.
	for p := cmd; p.IsValid() && !p.IsNil(); p = method(p.MethodByName("Parent"), 0, 1).Call(nil)[0] {
		readPflags(&fs, method(p.MethodByName("PersistentFlags"), 0, 1).Call(nil)[0])
	}
	fs.sorted()
	return fs
}

// runningCobra returns the deepest command under v, v included, that
// cobra says was called, or an invalid Value. It looks at most 16
// levels deep.
func runningCobra(v reflect.Value, depth int) reflect.Value {
	if depth > 16 || v.IsNil() {
		return reflect.Value{}
	}
	subs := method(v.MethodByName("Commands"), 0, 1).Call(nil)[0]
	for i := range subs.Len() {
		if found := runningCobra(subs.Index(i), depth+1); found.IsValid() {
			return found
		}
	}
	if strings.TrimSpace(v.Interface().(cobraCommand).CalledAs()) != "" {
		return v
	}
	return reflect.Value{}
}
