package sections

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/gmr-go/gmr/internal/jsonfields"
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
	// configMaxFlagSets is the most flag sets shown; a cobra command or
	// an urfave/cli command counts as one for each command it shows.
	configMaxFlagSets = 64
	// configMaxHidden is the most hidden fields named for one value.
	configMaxHidden = 100
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
// Flags come from the standard flag package (FlagSets) and from pflag,
// cobra, kingpin and urfave/cli (Flags), all shown alike and masked by the
// same rules: name, value, default, whether the flag was set, and where
// its value came from when the library can tell. For the flag package and
// pflag, set means set on the command line (FlagSet.Visit, Flag.Changed);
// kingpin and urfave/cli also read the environment (and urfave/cli files),
// and a value from there says which variable. A flag that was not set but
// whose value differs from its default was changed by the program itself
// (a config file loaded into the flag's variable, say), and says so
// rather than pass for a command-line flag. A cobra command shows the
// flags of the command that is running, its parents' persistent flags
// included; an urfave/cli command shows the running command and each
// parent.
//
// Registered values are walked with reflection and flattened to entries with
// dotted keys ("db.host", "servers[0].port"): struct fields as encoding/json
// lays them out (under their json tag names, the fields of embedded structs
// flattened, and unexported fields, fields tagged json:"-", nil embedded
// pointers and empty omitempty or omitzero fields left out), map entries in
// order of their keys, slice elements by index. A struct field is secret by
// its Go name as well as by its json name: DBPassword tagged json:"pw" is
// masked. A value whose type implements slog.LogValuer is shown as its
// LogValue, so types that hide their secrets from logs hide them from
// reports too. Times, durations and URLs are shown as text, and URL user
// information (url.Userinfo) as its user name with any password masked,
// under whatever key; so are values of other types that implement error,
// encoding.TextMarshaler or fmt.Stringer, unless they are structs with
// exported fields, which are walked field by field so that the redaction
// rules see each field. The fields tagged json:"-" are not shown but named
// in ConfigValue.Hidden, so that the reader knows they exist. Pointer cycles show as "<cycle>"; one value shows at
// most 10 levels of nesting, 1,000 entries and 1 KiB per entry, and counts
// what it leaves out. Method calls that panic show as "<panic: ...>".
//
// Collect reads flags and values while the program may be changing them.
// flag.FlagSet is not synchronised, nor are the other libraries' flag
// sets, so a flag set must not be modified (flag.Parse, FlagSet.Set,
// cobra's Execute parsing) while a report is being made; values are read
// without locks, so a report shows them as they were at some moment during
// the collection, as any diagnostic reading live configuration does.
// Collect stops nothing: it reads the flags and values in memory, calling
// their String, Error, MarshalText and LogValue methods, within the bounds
// above. It is safe for concurrent use.
type Config struct {
	// Args is the command line to show, program name first. Optional: nil
	// means os.Args; an empty, non-nil slice shows none.
	Args []string
	// FlagSets are the flag sets to show. Optional: empty, with Flags
	// empty too, means flag.CommandLine alone. Nil entries and repeats are
	// skipped.
	FlagSets []*flag.FlagSet
	// Flags are flag sets of other flag libraries to show after FlagSets,
	// each of a type CheckFlags accepts: a *pflag.FlagSet, a
	// *cobra.Command, a *kingpin.Application, an urfave/cli v3
	// *cli.Command, an urfave/cli v2 *cli.Context, or a *flag.FlagSet.
	// Optional. They are read by reflection on the libraries' exported
	// fields and methods, so that gmr imports none of them (see
	// CheckFlags). An entry of any other type shows as a flag set with an
	// error.
	Flags []any
	// Values are the configuration values to show, by name: structs, maps,
	// slices, scalars, or pointers to them. Optional. The name is the first
	// part of each entry's key.
	Values map[string]any
}

// ConfigReport is the data of the config section. It implements
// report.TextWriter.
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
	// name, os.Args[0]. A cobra or urfave/cli command's is its path from
	// the root command ("shop serve"), a kingpin command's the
	// application's name and the command's.
	Name string `json:"name"`
	// Library is the flag library the set belongs to: "flag", "pflag",
	// "cobra", "kingpin" or "urfave/cli".
	Library string `json:"library"`
	// Flags are the defined flags, in lexical order.
	Flags []ConfigFlag `json:"flags"`
	// Omitted counts the flags left out because of the bound on their
	// number.
	Omitted int `json:"omitted"`
	// Error says why the flags could not be read, or not all of them: a
	// value of a type CheckFlags rejects, or a panic of the library's
	// code. Empty if they were.
	Error string `json:"error,omitempty"`
}

// ConfigFlag is one flag.
type ConfigFlag struct {
	// Name is the flag's name, without a leading "-".
	Name string `json:"name"`
	// Value and Default are the flag's current and default values as
	// text, or "***" for a secret that is not empty.
	Value   string `json:"-"`
	Default string `json:"-"`
	// TypedValue and TypedDefault are Value and Default as JSON writes
	// them, for a flag whose flag.Getter returns a boolean, an integer, a
	// float or a time.Duration: a bool, int64, uint64, float64 or Millis
	// parsed from the text. They are nil for any other flag, for a value
	// that does not parse and when Redacted is set; JSON then writes the
	// text. They are parsed from the masked text, so never hold a secret.
	TypedValue   any `json:"value"`
	TypedDefault any `json:"default"`
	// Set reports whether the flag was given to the program: on the
	// command line (for the flag package and pflag, also with
	// FlagSet.Set), or, where the library reads them, from the environment
	// or a file. A flag whose value the program changed in code is not
	// set.
	Set bool `json:"set"`
	// Source says where a value came from when that is not the command
	// line (a flag set there) or the default (a flag not set):
	// "environment" (the variable EnvVar), "file" (a file source of
	// urfave/cli), or "code" for a flag that was not set but whose value
	// differs from its default, changed by the program itself (a value
	// loaded from a config file into the flag's variable, say). Empty
	// otherwise.
	Source string `json:"source,omitempty"`
	// EnvVar is the environment variable the value came from, when Source
	// is "environment".
	EnvVar string `json:"env_var,omitempty"`
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
	// Hidden are the keys of the struct fields that are tagged json:"-"
	// and so not shown ("nats.users"), so that the reader knows they
	// exist; at most 100.
	Hidden []string `json:"hidden"`
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
	Value string `json:"-"`
	// Typed is Value as JSON writes it, for a boolean, an integer, a float
	// or a time.Duration: a bool, int64, uint64, float64 or Millis (float
	// milliseconds in JSON). It is nil for a text leaf, a secret and every
	// marker above; JSON then writes Value, a string. It is parsed from the
	// text, so never holds more than Value shows.
	Typed any `json:"value"`
	// Redacted reports whether Value was masked, whole or in part.
	Redacted bool `json:"redacted"`
}

// MarshalJSON writes the entry with its value typed: Typed, or Value when
// Typed is nil or the entry was masked.
func (e ConfigEntry) MarshalJSON() ([]byte, error) {
	return jsonfields.Marshal(struct {
		Key      string `json:"key"`
		Value    any    `json:"value"`
		Redacted bool   `json:"redacted"`
	}{e.Key, jsonValue(e.Typed, e.Value, e.Redacted), e.Redacted})
}

// MarshalJSON writes the flag with its values typed.
func (f ConfigFlag) MarshalJSON() ([]byte, error) {
	return jsonfields.Marshal(struct {
		Name     string `json:"name"`
		Value    any    `json:"value"`
		Default  any    `json:"default"`
		Set      bool   `json:"set"`
		Source   string `json:"source,omitempty"`
		EnvVar   string `json:"env_var,omitempty"`
		Redacted bool   `json:"redacted"`
	}{f.Name, jsonValue(f.TypedValue, f.Value, f.Redacted), jsonValue(f.TypedDefault, f.Default, f.Redacted), f.Set, f.Source, f.EnvVar, f.Redacted})
}

// jsonValue returns typed, or text when typed is nil or redacted is set.
func jsonValue(typed any, text string, redacted bool) any {
	if typed == nil || redacted {
		return text
	}
	return typed
}

// scalarKind is the JSON type a config leaf's text is parsed as.
type scalarKind uint8

const (
	textKind scalarKind = iota
	boolKind
	intKind
	uintKind
	floatKind
	durationKind
)

// typedValue parses text, a leaf of kind k as the config section writes
// it, into the value JSON writes, or returns nil to write the text.
func typedValue(k scalarKind, text string) any {
	switch k {
	case boolKind:
		if b, err := strconv.ParseBool(text); err == nil {
			return b
		}
	case intKind:
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return i
		}
	case uintKind:
		if u, err := strconv.ParseUint(text, 10, 64); err == nil {
			return u
		}
	case floatKind:
		if f, err := strconv.ParseFloat(text, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	case durationKind:
		if d, err := time.ParseDuration(text); err == nil {
			return Millis(d)
		}
	}
	return nil
}

// Name returns "config".
func (Config) Name() string { return "config" }

// Collect returns a *ConfigReport. If ctx is done before it has finished, it
// returns what it has with ctx.Err().
func (c Config) Collect(ctx context.Context) (any, error) {
	r := *redact.FromContext(ctx)
	rep := &ConfigReport{CommandLine: []string{}, FlagSets: []ConfigFlagSet{}, Values: []ConfigValue{}}
	secrets := newFlagSecrets(r)
	args := c.Args
	if args == nil {
		args = os.Args
	}
	sets := c.readFlagSets(ctx, args)
	rep.CommandLine = commandLine(args, secrets, sets)
	for _, fs := range sets {
		rep.FlagSets = append(rep.FlagSets, collectFlags(fs, secrets))
	}
	if err := ctx.Err(); err != nil {
		return rep, err
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

// panicText describes a recovered panic, in at most about configMaxValue
// bytes.
func panicText(p any) string {
	s := fmt.Sprintf("%v", p)
	if len(s) > configMaxValue {
		s = textfmt.Cut(s, configMaxValue) + "..."
	}
	return "<panic: " + s + ">"
}
