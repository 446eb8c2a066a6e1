package sections

import (
	"fmt"
	"reflect"
	"strconv"
)

// cliFlag is what gmr reads of an urfave/cli flag: cli.Flag's Names and
// IsSet, in v2 and v3.
type cliFlag interface {
	Names() []string
	IsSet() bool
}

// cliFlagType is the type of cliFlag.
var cliFlagType = reflect.TypeFor[cliFlag]()

// isCliFlags reports whether t is a slice of flags urfave/cli's way.
func isCliFlags(t reflect.Type) bool {
	return t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Interface && t.Elem().Implements(cliFlagType)
}

// isCliCommand reports whether v has the shape of an urfave/cli v3
// *cli.Command: fields Flags ([]cli.Flag) and Commands, and a method
// Lineage returning the command and its parents.
func isCliCommand(v reflect.Value) bool {
	lineage := method(v.MethodByName("Lineage"), 0, 1)
	return isCliFlags(fieldType(v.Type(), "Flags")) && fieldType(v.Type(), "Commands") == reflect.SliceOf(v.Type()) &&
		lineage.IsValid() && lineage.Type().Out(0) == reflect.SliceOf(v.Type())
}

// isCliContext reports whether v has the shape of an urfave/cli v2
// *cli.Context: fields Command and App holding Flags, and methods Lineage
// and Value(name).
func isCliContext(v reflect.Value) bool {
	lineage := method(v.MethodByName("Lineage"), 0, 1)
	cmd, app := fieldType(v.Type(), "Command"), fieldType(v.Type(), "App")
	_, hasValue := v.Interface().(cliContext)
	return hasValue && cmd != nil && app != nil && isCliFlags(fieldType(cmd, "Flags")) && isCliFlags(fieldType(app, "Flags")) &&
		lineage.IsValid() && lineage.Type().Out(0) == reflect.SliceOf(v.Type())
}

// readCliCommand reads an urfave/cli v3 command: the command that is
// running, found from v down (the deepest one whose arguments have been
// parsed), and its parents, one
// flag set each, root first. A flag's value is its Get and its default its
// Value field; IsSet tells whether it was set, and where from: the
// command line if the arguments name it, else the environment if one of
// its variables is set, else a file.
func readCliCommand(v reflect.Value, args []string) []flagSet {
	cmd := runningCli(v, 0)
	if !cmd.IsValid() {
		cmd = v
	}
	lineage := method(cmd.MethodByName("Lineage"), 0, 1).Call(nil)[0]
	var out []flagSet
	for i := min(lineage.Len(), 16) - 1; i >= 0; i-- {
		c := lineage.Index(i)
		fs := flagSet{name: fullName(c), library: "urfave/cli"}
		flags := field(c, "Flags")
		for j := range flags.Len() {
			if f, ok := flags.Index(j).Interface().(cliFlag); ok && f != nil {
				if r, ok := cliRecord(f, args, nil); ok {
					fs.add(r)
				}
			}
		}
		fs.sorted()
		out = append(out, fs)
	}
	return out
}

// runningCli returns the deepest command under v whose arguments have
// been parsed (Args is not nil), which v3 does as it runs a command, or an
// invalid Value.
func runningCli(v reflect.Value, depth int) reflect.Value {
	if depth > 16 || v.IsNil() {
		return reflect.Value{}
	}
	subs := field(v, "Commands")
	for i := range subs.Len() {
		if found := runningCli(subs.Index(i), depth+1); found.IsValid() {
			return found
		}
	}
	if args := method(v.MethodByName("Args"), 0, 1); depth > 0 && args.IsValid() {
		if a := args.Call(nil)[0]; a.Kind() == reflect.Interface && !a.IsNil() {
			return v
		}
	}
	return reflect.Value{}
}

// readCliContext reads an urfave/cli v2 context: the flags of its command
// and of each parent command, one flag set each, root first. A flag's
// value is what the context's Value returns, its default its
// GetDefaultText.
func readCliContext(v reflect.Value, args []string) []flagSet {
	lineage := method(v.MethodByName("Lineage"), 0, 1).Call(nil)[0]
	var out []flagSet
	for i := min(lineage.Len(), 16) - 1; i >= 0; i-- {
		ctx := lineage.Index(i)
		if ctx.IsNil() {
			continue
		}
		owner := field(ctx, "Command")
		if !owner.IsValid() || owner.IsNil() {
			owner = field(ctx, "App")
		}
		if !owner.IsValid() || owner.IsNil() {
			continue
		}
		fs := flagSet{name: fullName(owner), library: "urfave/cli"}
		valuer, _ := ctx.Interface().(cliContext)
		flags := field(owner, "Flags")
		for j := range flags.Len() {
			if f, ok := flags.Index(j).Interface().(cliFlag); ok && f != nil {
				if r, ok := cliRecord(f, args, valuer); ok {
					fs.add(r)
				}
			}
		}
		fs.sorted()
		out = append(out, fs)
	}
	return out
}

// cliContext is what gmr reads of an urfave/cli v2 *cli.Context: a flag's
// value, and whether it was set on the command line or from the
// environment or a file (a v2 flag's own IsSet tells only the latter).
type cliContext interface {
	Value(name string) any
	IsSet(name string) bool
}

// cliRecord reads one urfave/cli flag; valuer, for v2, gives its value
// and whether it was set. It reports false for the help flag urfave/cli
// adds.
func cliRecord(f cliFlag, args []string, valuer cliContext) (flagRecord, bool) {
	names, _ := call(f.Names)
	if len(names) == 0 || names[0] == "help" {
		return flagRecord{}, false
	}
	r := flagRecord{name: names[0]}
	for _, n := range names[1:] {
		if len(n) == 1 && r.short == "" {
			r.short = n
		} else if n != "" {
			r.aliases = append(r.aliases, n)
		}
	}
	var got any
	if valuer != nil {
		got, _ = call(func() any { return valuer.Value(r.name) })
	} else if g, ok := f.(interface{ Get() any }); ok {
		got, _ = call(g.Get)
	}
	r.value, r.kind = cliText(got), kindOf(got)
	r.def = cliDefault(f, valuer != nil)
	r.boolean = isBoolValue(f) || r.kind == boolKind
	set, _ := call(f.IsSet)
	if valuer != nil {
		set, _ = call(func() bool { return valuer.IsSet(r.name) })
	}
	if e, ok := f.(interface{ GetEnvVars() []string }); ok {
		r.envVars, _ = call(e.GetEnvVars)
	}
	switch {
	case set && inArgs(args, names...):
		r.set = true
	case set:
		r.set = true
		r.source = "file"
		if name, ok := envSource(r.envVars); ok {
			r.source, r.envVar = "environment", name
		}
	case changedInCode(r):
		r.source = "code"
	}
	return r, true
}

// cliDefault returns the default of an urfave/cli flag: in v3 its Value
// field, which holds the default; in v2 its GetDefaultText, since v2
// writes a value from the environment over Value.
func cliDefault(f cliFlag, v2 bool) string {
	if d, ok := f.(interface{ GetDefaultText() string }); ok && v2 {
		s, _ := call(d.GetDefaultText)
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
		return s
	}
	if val := field(reflect.ValueOf(f), "Value"); val.IsValid() && val.CanInterface() {
		return cliText(val.Interface())
	}
	return ""
}

// cliText is the text of an urfave/cli flag's value.
func cliText(v any) string {
	if v == nil {
		return ""
	}
	s, panicked := call(func() string { return fmt.Sprint(v) })
	if panicked != "" {
		return panicked
	}
	return s
}
