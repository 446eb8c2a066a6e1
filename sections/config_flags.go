package sections

import (
	"context"
	"flag"
	"slices"
	"strings"
	"time"

	"github.com/gmr-go/gmr/internal/redact"
	"github.com/gmr-go/gmr/internal/textfmt"
)

// flagSet is one flag set as read from its library, before masking.
type flagSet struct {
	name, library string
	flags         []flagRecord
	omitted       int
	err           string
}

// flagRecord is one flag as read from its library, before masking.
type flagRecord struct {
	name  string
	short string // a one-letter name, or ""
	// aliases are the flag's other names, short excepted (urfave/cli's
	// Aliases).
	aliases []string
	value   string
	def     string
	// boolean is set for a flag that takes no argument (-v, not -v true).
	boolean bool
	kind    scalarKind
	set     bool
	source  string // see ConfigFlag.Source
	// envVar is the environment variable the value came from, when source
	// is "environment" (ConfigFlag.EnvVar).
	envVar string
	// envVars are the environment variables the flag reads, whether set or
	// not and wherever its value came from: they judge its secrecy.
	envVars []string
}

// names returns every name f answers to on the command line: its name,
// its one-letter name and its aliases.
func (f *flagRecord) names() []string {
	names := []string{f.name}
	if f.short != "" {
		names = append(names, f.short)
	}
	return append(names, f.aliases...)
}

// add appends f, or counts it as omitted past the bound on flags.
func (fs *flagSet) add(f flagRecord) {
	if len(fs.flags) >= configMaxEntries {
		fs.omitted++
		return
	}
	if len(f.name) > configMaxKey {
		f.name = textfmt.Cut(f.name, configMaxKey) + "..."
	}
	fs.flags = append(fs.flags, f)
}

// sorted sorts the flags by name and drops repeated names, keeping the
// first.
func (fs *flagSet) sorted() {
	slices.SortStableFunc(fs.flags, func(a, b flagRecord) int { return strings.Compare(a.name, b.name) })
	fs.flags = slices.CompactFunc(fs.flags, func(a, b flagRecord) bool { return a.name == b.name })
}

// readFlagSets reads the flag sets to show: c.FlagSets without nil entries
// and repeats, then c.Flags, or flag.CommandLine if both are empty. It
// stops at configMaxFlagSets sets, and when ctx is done.
func (c Config) readFlagSets(ctx context.Context, args []string) []flagSet {
	var std []*flag.FlagSet
	for _, fs := range c.FlagSets {
		if fs != nil && !slices.Contains(std, fs) {
			std = append(std, fs)
		}
	}
	if len(std) == 0 && len(c.Flags) == 0 {
		std = []*flag.FlagSet{flag.CommandLine}
	}
	var out []flagSet
	for _, fs := range std {
		out = append(out, readStdFlags(fs))
	}
	var seen []any
	for _, set := range c.Flags {
		if ctx.Err() != nil || len(out) >= configMaxFlagSets {
			break
		}
		if fs, ok := set.(*flag.FlagSet); ok && slices.Contains(std, fs) {
			continue
		}
		if comparable(set) && slices.Contains(seen, set) {
			continue
		}
		seen = append(seen, set)
		out = append(out, readFlags(set, args)...)
	}
	return out[:min(len(out), configMaxFlagSets)]
}

// readStdFlags reads a flag set of the standard flag package. A flag is
// set if it was set on the command line (flag.FlagSet.Visit); one that was
// not but whose value differs from its default was changed in code.
func readStdFlags(fs *flag.FlagSet) flagSet {
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	out := flagSet{name: fs.Name(), library: "flag"}
	fs.VisitAll(func(f *flag.Flag) {
		r := flagRecord{name: f.Name, value: flagValue(f.Value), def: f.DefValue, boolean: isBoolFlag(f), kind: flagKind(f.Value), set: set[f.Name]}
		if changedInCode(r) {
			r.source = "code"
		}
		out.add(r)
	})
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

// secretFlag reports whether f is a secret flag: by any of its names
// (its name, one-letter name or an alias), or by an environment variable
// it reads (--db from $DB_PASSWORD), which the environment section masks
// too, wherever its value came from. Every reader and every use of a flag
// (its value, its default, the command line) is judged here.
func (s flagSecrets) secretFlag(f *flagRecord) bool {
	for _, n := range f.names() {
		if n != "" && s.secret(n) {
			return true
		}
	}
	for _, e := range f.envVars {
		if e != "" && s.r.SecretKey(e) {
			return true
		}
	}
	return f.envVar != "" && s.r.SecretKey(f.envVar)
}

// isBoolFlag reports whether f is a boolean flag, one that takes no
// argument (-v, not -v true). A flag whose IsBoolFlag panics is not.
func isBoolFlag(f *flag.Flag) bool { return isBoolValue(f.Value) }

// isBoolValue reports whether v has an IsBoolFlag method that reports
// true, as the boolean flags of the flag package and kingpin do.
func isBoolValue(v any) bool {
	b, ok := v.(interface{ IsBoolFlag() bool })
	if !ok {
		return false
	}
	isBool, _ := call(b.IsBoolFlag)
	return isBool
}

// commandLine returns args with secrets masked and each argument bounded
// to configMaxValue bytes. A flag is secret by secrets, or when it is any
// name of a secret flag (its one-letter name, an alias), unless every
// flag set that defines it defines it as boolean: it then takes no
// argument, and the one after it is left alone.
func commandLine(args []string, secrets flagSecrets, sets []flagSet) []string {
	boolean := make(map[string]bool)
	long := make(map[string]string)      // a one-letter name to the name
	secretFlags := make(map[string]bool) // every name of a secret flag
	for _, fs := range sets {
		for i := range fs.flags {
			f := &fs.flags[i]
			secret := secrets.secretFlag(f)
			for j, n := range f.names() {
				if n == "" {
					continue
				}
				if prev, seen := boolean[n]; !seen || prev {
					boolean[n] = f.boolean
				}
				if j > 0 && len(n) == 1 {
					long[n] = f.name
				}
				if secret {
					secretFlags[n] = true
				}
			}
		}
	}
	secretName := func(name string) bool {
		return secretFlags[name] || secrets.secret(name) || long[name] != "" && secrets.secret(long[name])
	}
	isSecret := func(name string) bool { return secretName(name) && !boolean[name] }
	// As in redactText, only the first configMaxScan bytes of an argument
	// are looked at, and at most configMaxValue bytes shown.
	scan := make([]string, len(args))
	for i, a := range args {
		scan[i] = a[:min(len(a), configMaxScan)]
	}
	out := secrets.r.Args(scan, isSecret)
	maskShortGroups(out, scan, long, boolean, secretName)
	for i, a := range out {
		if len(a) <= configMaxValue && a != scan[i] {
			continue // masked: its length is not shown
		}
		out[i] = boundText(args[i], scan[i], a)
	}
	return out
}

// maskShortGroups masks, in place, the secrets that the POSIX-style
// libraries (pflag, cobra, kingpin) let one-letter flags carry in a group,
// which redact.Args reads as one flag name: "-phunter2" (-p with its value
// attached), "-vphunter2" and "-vp hunter2" (-v a boolean). In a
// single-dash argument of one-letter flags, each known boolean is passed;
// the first that takes a value ends the group, and when it is secret its
// value, the rest of the argument or the next argument, is masked. args
// are the arguments as given (scanned), out what Args made of them.
func maskShortGroups(out, args []string, long map[string]string, boolean map[string]bool, secret func(string) bool) {
	for i, a := range args {
		if out[i] != a || len(a) < 3 || a[0] != '-' || a[1] == '-' || strings.Contains(a, "=") {
			continue // masked already, not a group, or -p=value, which Args reads
		}
		for j, c := range a[1:] {
			name := string(c)
			if long[name] == "" {
				break // not a one-letter flag: not a group gmr can read
			}
			if boolean[name] {
				continue
			}
			if secret(name) {
				if rest := a[1+j+len(name):]; rest != "" {
					out[i] = a[:1+j+len(name)] + redact.Mask
				} else if i+1 < len(out) {
					out[i+1] = redact.Mask
				}
			}
			break
		}
	}
}

// collectFlags masks the flags of fs. A secret flag's value and default
// are masked, unless it is a boolean flag showing "true" or "false", which
// gives nothing away (-use-secret-manager).
func collectFlags(fs flagSet, secrets flagSecrets) ConfigFlagSet {
	out := ConfigFlagSet{Name: fs.name, Library: fs.library, Flags: []ConfigFlag{}, Omitted: fs.omitted, Error: fs.err}
	out.Name, _ = redactText(secrets.r, out.Name)
	for _, f := range fs.flags {
		cf := ConfigFlag{Name: f.name, Value: f.value, Default: f.def, Set: f.set, Source: f.source, EnvVar: f.envVar}
		plainBool := f.boolean && isBoolText(cf.Value) && isBoolText(cf.Default)
		if secrets.secretFlag(&f) && !plainBool {
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
				cf.TypedValue, cf.TypedDefault = typedValue(f.kind, cf.Value), typedValue(f.kind, cf.Default)
			}
		}
		out.Flags = append(out.Flags, cf)
	}
	return out
}

// flagKind returns the JSON type of v's values, from what its Get returns
// if it is a flag.Getter, as the flag package's own flags are, or if it
// has a Get method returning any, as kingpin's do.
func flagKind(v any) scalarKind {
	g, ok := v.(interface{ Get() any })
	if !ok {
		return textKind
	}
	got, panicked := call(g.Get)
	if panicked != "" {
		return textKind
	}
	return kindOf(got)
}

// kindOf returns the JSON type of a flag's value v.
func kindOf(v any) scalarKind {
	switch v.(type) {
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

// changedInCode reports whether r was not set but its value differs from
// its default: the program changed it. A value that could not be read is
// not judged.
func changedInCode(r flagRecord) bool {
	return !r.set && r.value != r.def && !strings.HasPrefix(r.value, "<panic: ")
}

func isBoolText(s string) bool { return s == "true" || s == "false" }

// flagValue returns v.String(), or a note if v is nil or String panics.
func flagValue(v interface{ String() string }) string {
	if v == nil {
		return "<nil>"
	}
	s, panicked := call(v.String)
	if panicked != "" {
		return panicked
	}
	return s
}
