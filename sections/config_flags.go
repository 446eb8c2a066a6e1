package sections

import (
	"flag"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gmr-go/gmr/internal/redact"
)

// flagSets returns the flag sets to show: c.FlagSets without nil entries
// and repeats, or flag.CommandLine if there are none.
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

// flagSecrets judges flags by name: a flag is secret when
// gmr.WithSecretFlags lists it, or when the redaction rules call its name
// secret.
type flagSecrets struct {
	r      redact.Redactor
	listed map[string]bool // without leading dashes
}

func newFlagSecrets(r redact.Redactor) flagSecrets {
	listed := make(map[string]bool, len(r.Flags))
	for _, name := range r.Flags {
		listed[strings.TrimLeft(name, "-")] = true
	}
	return flagSecrets{r: r, listed: listed}
}

func (s flagSecrets) secret(name string) bool { return s.listed[name] || s.r.SecretKey(name) }

// isBoolFlag reports whether f is a boolean flag, one that takes no
// argument (-v, not -v true). A flag whose IsBoolFlag panics is not.
func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	if !ok {
		return false
	}
	isBool, _ := call(b.IsBoolFlag)
	return isBool
}

// boolFlags returns the names of the flags that every flag set of
// flagSets that defines them defines as boolean.
func boolFlags(flagSets []*flag.FlagSet) map[string]bool {
	out := make(map[string]bool)
	for _, fs := range flagSets {
		fs.VisitAll(func(f *flag.Flag) {
			if prev, seen := out[f.Name]; !seen || prev {
				out[f.Name] = isBoolFlag(f)
			}
		})
	}
	return out
}

// commandLine returns args, or os.Args if args is nil, with secrets masked
// and each argument bounded to configMaxValue bytes. A flag is secret by
// secrets, unless every flag set that defines it defines it as boolean: it
// then takes no argument, and the one after it is left alone.
func commandLine(args []string, secrets flagSecrets, flagSets []*flag.FlagSet) []string {
	if args == nil {
		args = os.Args
	}
	boolean := boolFlags(flagSets)
	isSecret := func(name string) bool { return secrets.secret(name) && !boolean[name] }
	// As in redactText, only the first configMaxScan bytes of an argument
	// are looked at, and at most configMaxValue bytes shown.
	scan := make([]string, len(args))
	for i, a := range args {
		scan[i] = a[:min(len(a), configMaxScan)]
	}
	out := secrets.r.Args(scan, isSecret)
	for i, a := range out {
		if len(a) <= configMaxValue && a != scan[i] {
			continue // masked: its length is not shown
		}
		out[i] = boundText(args[i], scan[i], a)
	}
	return out
}

// collectFlags lists the flags of fs. A secret flag's value and default
// are masked, unless it is a boolean flag showing "true" or "false", which
// gives nothing away (-use-secret-manager).
func collectFlags(fs *flag.FlagSet, secrets flagSecrets) ConfigFlagSet {
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	out := ConfigFlagSet{Name: fs.Name(), Flags: []ConfigFlag{}}
	fs.VisitAll(func(f *flag.Flag) {
		cf := ConfigFlag{Name: f.Name, Value: flagValue(f.Value), Default: f.DefValue, Set: set[f.Name]}
		plainBool := isBoolFlag(f) && isBoolText(cf.Value) && isBoolText(cf.Default)
		if secrets.secret(f.Name) && !plainBool {
			for _, s := range []*string{&cf.Value, &cf.Default} {
				if *s != "" {
					*s, cf.Redacted = redact.Mask, true
				}
			}
		} else {
			var rv, rd bool
			cf.Value, rv = redactText(secrets.r, cf.Value)
			cf.Default, rd = redactText(secrets.r, cf.Default)
			cf.Redacted = rv || rd
			if !cf.Redacted {
				k := flagKind(f.Value)
				cf.TypedValue, cf.TypedDefault = typedValue(k, cf.Value), typedValue(k, cf.Default)
			}
		}
		out.Flags = append(out.Flags, cf)
	})
	return out
}

// flagKind returns the JSON type of v's values, from what its Get returns
// if it is a flag.Getter, as the flag package's own flags are.
func flagKind(v flag.Value) scalarKind {
	g, ok := v.(flag.Getter)
	if !ok {
		return textKind
	}
	got, panicked := call(g.Get)
	if panicked != "" {
		return textKind
	}
	switch got.(type) {
	case bool:
		return boolKind
	case int, int8, int16, int32, int64:
		return intKind
	case uint, uint8, uint16, uint32, uint64:
		return uintKind
	case float32, float64:
		return floatKind
	case time.Duration:
		return durationKind
	}
	return textKind
}

func isBoolText(s string) bool { return s == "true" || s == "false" }

// flagValue returns v.String(), or a note if v is nil or String panics.
func flagValue(v flag.Value) string {
	if v == nil {
		return "<nil>"
	}
	s, panicked := call(v.String)
	if panicked != "" {
		return panicked
	}
	return s
}
