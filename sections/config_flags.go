package sections

import (
	"flag"
	"os"
	"slices"

	"github.com/gmr-go/gmr/internal/redact"
)

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
