package sections

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// kingpinBuiltins are the flags kingpin adds to every application, which
// tell nothing of its configuration.
var kingpinBuiltins = []string{"help", "help-long", "help-man", "completion-bash", "completion-script-bash", "completion-script-zsh"}

// isKingpinApp reports whether v has the shape of a *kingpin.Application:
// a method Model() returning a pointer to a struct with Name, Flags and
// Commands.
func isKingpinApp(v reflect.Value) bool {
	m := method(v.MethodByName("Model"), 0, 1)
	if !m.IsValid() || m.Type().Out(0).Kind() != reflect.Pointer {
		return false
	}
	model := m.Type().Out(0)
	flags := fieldType(model, "Flags")
	return fieldType(model, "Name") != nil && fieldType(model, "Commands") != nil &&
		flags != nil && flags.Kind() == reflect.Slice && fieldType(flags.Elem(), "Default") != nil && fieldType(flags.Elem(), "Envar") != nil
}

// readKingpin reads the flags of a kingpin application: its own, and
// those of the command the command line chose, and of that command's
// parents. kingpin's Application does not keep the parsed command, so the
// command chosen is the deepest whose words (FullCommand) all appear, in
// order, among the arguments.
//
// kingpin cannot tell whether a flag was set. A flag named in the
// arguments is taken as set on the command line; else one whose Envar is
// in the environment as set from it; else one whose value differs from
// its default as changed in code.
func readKingpin(v reflect.Value, args []string) []flagSet {
	model := method(v.MethodByName("Model"), 0, 1).Call(nil)[0]
	app := stringField(model, "Name")
	out := []flagSet{kingpinFlags(app, "kingpin", field(model, "Flags"), args)}
	for _, cmd := range kingpinChosen(field(model, "Commands"), args) {
		out = append(out, kingpinFlags(app+" "+stringField(cmd, "FullCommand"), "kingpin", field(cmd, "Flags"), args))
	}
	return out
}

// kingpinChosen returns the command among cmds that args chose and its
// parents, root first.
func kingpinChosen(cmds reflect.Value, args []string) []reflect.Value {
	var chosen []reflect.Value
	for depth := 0; depth < 16 && cmds.IsValid() && cmds.Kind() == reflect.Slice; depth++ {
		var next reflect.Value
		for i := range cmds.Len() {
			c := cmds.Index(i)
			if words := strings.Fields(stringField(c, "FullCommand")); len(words) > 0 && inOrder(args, words) {
				next = c
				break
			}
		}
		if !next.IsValid() {
			break
		}
		chosen = append(chosen, next)
		cmds = field(next, "Commands")
	}
	return chosen
}

// inOrder reports whether words all appear in args after the program, in
// order.
func inOrder(args, words []string) bool {
	if len(args) > 0 {
		args = args[1:]
	}
	for _, a := range args {
		if len(words) > 0 && a == words[0] {
			words = words[1:]
		}
	}
	return len(words) == 0
}

// kingpinFlags reads flags, a []*kingpin.FlagModel.
func kingpinFlags(name, library string, flags reflect.Value, args []string) flagSet {
	fs := flagSet{name: name, library: library}
	if !flags.IsValid() || flags.Kind() != reflect.Slice {
		return fs
	}
	for i := range flags.Len() {
		f := flags.Index(i)
		r := flagRecord{name: stringField(f, "Name"), value: "<nil>"}
		if slices.Contains(kingpinBuiltins, r.name) {
			continue
		}
		if s := field(f, "Short"); s.IsValid() && s.Kind() == reflect.Int32 && s.Int() != 0 {
			r.short = string(rune(s.Int()))
		}
		if d := field(f, "Default"); d.IsValid() && d.Kind() == reflect.Slice && d.Type().Elem().Kind() == reflect.String {
			defs := make([]string, min(d.Len(), configMaxEntries))
			for j := range defs {
				defs[j] = d.Index(j).String()
			}
			r.def = strings.Join(defs, ",")
			if len(defs) > 1 {
				r.def = fmt.Sprint(defs)
			}
		}
		if val := field(f, "Value"); val.IsValid() && val.CanInterface() && !val.IsNil() {
			if sv, ok := val.Interface().(interface{ String() string }); ok {
				r.value = flagValue(sv)
			}
			r.boolean = isBoolValue(val.Interface())
			r.kind = flagKind(val.Interface())
		}
		if d := field(f, "Default"); r.boolean && d.IsValid() && d.Len() == 0 {
			r.def = "false"
		}
		hasDefault := r.def != ""
		envVar := stringField(f, "Envar")
		if envVar != "" {
			r.envVars = []string{envVar}
		}
		switch {
		case inArgs(args, r.name, r.short):
			r.set = true
		case envVar != "" && envSet(envVar):
			r.set, r.source, r.envVar = true, "environment", envVar
		case changedInCode(r) && hasDefault:
			// Without a default, the zero value's text is not known.
			r.source = "code"
		}
		fs.add(r)
	}
	fs.sorted()
	return fs
}

func envSet(name string) bool { _, ok := envSource([]string{name}); return ok }
