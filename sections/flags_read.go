package sections

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
)

// errFlagType is the cause of CheckFlags' error for a value of no flag
// library it knows.
var errFlagType = errors.New("not a flag set gmr can read: want a *flag.FlagSet, *pflag.FlagSet, *cobra.Command, *kingpin.Application, urfave/cli v3 *cli.Command or urfave/cli v2 *cli.Context")

// CheckFlags reports whether the config section can read the flags of set,
// and returns an error naming its type and the accepted ones if it cannot.
// It accepts a *flag.FlagSet, a *pflag.FlagSet (github.com/spf13/pflag),
// a *cobra.Command (github.com/spf13/cobra), a *kingpin.Application
// (github.com/alecthomas/kingpin/v2), an urfave/cli v3 *cli.Command and an
// urfave/cli v2 *cli.Context (github.com/urfave/cli), none of them nil.
//
// gmr imports none of these libraries, so that a program that uses one
// does not compile the others. It recognises them by the exported methods
// and fields they document, with reflection: a pflag FlagSet by its
// VisitAll(func(*Flag)) whose Flag has Name, Shorthand, Value, DefValue,
// NoOptDefVal and Changed; a cobra Command by Flags, PersistentFlags,
// Commands, Parent, CalledAs and CommandPath; a kingpin Application by
// Model; an urfave/cli v3 Command by its Flags, Commands, Lineage and Args; an
// urfave/cli v2 Context by its Command, App, Lineage and Value. A fork that
// keeps that shape is read as well.
func CheckFlags(set any) error {
	if set == nil {
		return errors.New("nil flag set")
	}
	v := reflect.ValueOf(set)
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return fmt.Errorf("nil %T", set)
	}
	if flagLibrary(v) == "" {
		return fmt.Errorf("%T: %w", set, errFlagType)
	}
	return nil
}

// flagLibrary returns the library whose shape v has, or "".
func flagLibrary(v reflect.Value) string {
	if _, ok := v.Interface().(*flag.FlagSet); ok {
		return "flag"
	}
	switch {
	case isCobraCommand(v):
		return "cobra"
	case isPflagSet(v):
		return "pflag"
	case isKingpinApp(v):
		return "kingpin"
	case isCliCommand(v):
		return "urfave/cli"
	case isCliContext(v):
		return "urfave/cli v2"
	}
	return ""
}

// readFlags reads the flags of set, a value CheckFlags accepts, as one or
// more flag sets: a cobra command shows the one that is running, an
// urfave/cli command it and its parents. A panic in the library's code, or
// a value CheckFlags rejects, becomes a flag set with an error.
func readFlags(set any, args []string) (out []flagSet) {
	name := fmt.Sprintf("%T", set)
	if err := CheckFlags(set); err != nil {
		return []flagSet{{name: name, err: err.Error()}}
	}
	defer func() {
		if p := recover(); p != nil {
			out = append(out, flagSet{name: name, err: "reading the flags: " + panicText(p)})
		}
	}()
	v := reflect.ValueOf(set)
	switch flagLibrary(v) {
	case "flag":
		return []flagSet{readStdFlags(set.(*flag.FlagSet))}
	case "cobra":
		return []flagSet{readCobra(v)}
	case "pflag":
		fs := flagSet{name: nameOf(v), library: "pflag"}
		readPflags(&fs, v)
		fs.sorted()
		return []flagSet{fs}
	case "kingpin":
		return readKingpin(v, args)
	case "urfave/cli":
		return readCliCommand(v, args)
	case "urfave/cli v2":
		return readCliContext(v, args)
	}
	return nil
}

// method returns m, a method value, if it takes in arguments and returns
// out results, or an invalid Value. Callers look methods up with
// MethodByName and a constant name: the linker then keeps only the
// methods of that name, where a name it cannot see would make it keep
// every exported method of every type in the program.
func method(m reflect.Value, in, out int) reflect.Value {
	if !m.IsValid() || m.Type().NumIn() != in || m.Type().NumOut() != out {
		return reflect.Value{}
	}
	return m
}

// nameOf returns v's Name(), or "".
func nameOf(v reflect.Value) string {
	if n, ok := v.Interface().(interface{ Name() string }); ok {
		s, _ := call(n.Name)
		return s
	}
	return ""
}

// fullName returns v's FullName(), as urfave/cli commands have, or its
// Name field.
func fullName(v reflect.Value) string {
	if n, ok := v.Interface().(interface{ FullName() string }); ok {
		if s, _ := call(n.FullName); s != "" {
			return s
		}
	}
	return stringField(v, "Name")
}

// field returns the field name of the struct v points to, or an invalid
// Value if there is none or an embedded pointer on the way is nil.
func field(v reflect.Value, name string) reflect.Value {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	sf, ok := v.Type().FieldByName(name)
	if !ok || !sf.IsExported() {
		return reflect.Value{}
	}
	f, err := v.FieldByIndexErr(sf.Index)
	if err != nil {
		return reflect.Value{}
	}
	return f
}

// fieldType returns the type of the field name of the struct type t (or
// that t points to), or nil.
func fieldType(t reflect.Type, name string) reflect.Type {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	sf, ok := t.FieldByName(name)
	if !ok || !sf.IsExported() {
		return nil
	}
	return sf.Type
}

// stringField returns the string field name of v, or "".
func stringField(v reflect.Value, name string) string {
	f := field(v, name)
	if !f.IsValid() || f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}

// inArgs reports whether args, before a "--", name a flag with one of
// names: -name, --name, -name=..., --name=..., --no-name, and for a
// one-letter name -n, -nVALUE and -xn (letters run together).
func inArgs(args []string, names ...string) bool {
	if len(args) > 0 {
		args = args[1:] // the program
	}
	for _, a := range args {
		if a == "--" {
			return false
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		body := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		body, _, _ = strings.Cut(body, "=")
		for _, n := range names {
			switch {
			case n == "":
			case body == n, body == "no-"+n:
				return true
			case len(n) == 1 && a[1] != '-' && body != "" && (body[0] == n[0] || isLetters(body) && strings.Contains(body, n)):
				return true
			}
		}
	}
	return false
}

// isLetters reports whether s is letters only, as a run of one-letter
// boolean flags (-xvf) is.
func isLetters(s string) bool {
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// envSource returns the first of vars set in the environment.
func envSource(vars []string) (string, bool) {
	for _, name := range vars {
		if _, ok := os.LookupEnv(name); ok && name != "" {
			return name, true
		}
	}
	return "", false
}

// comparable reports whether v can be compared with ==.
func comparable(v any) bool { return v != nil && reflect.ValueOf(v).Comparable() }
