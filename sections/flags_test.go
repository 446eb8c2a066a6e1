package sections

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/gmr-go/gmr/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeValue, fakeFlag and fakeFlagSet have the shape of pflag's Value,
// Flag and FlagSet, which the config section reads by reflection. The
// real pflag, cobra, kingpin and urfave/cli are tested in the nested
// module testdata/flaglibs (gmr/flaglibs_test.go).
type fakeValue struct {
	s, typ string
	panics bool
}

func (v *fakeValue) String() string {
	if v.panics {
		panic("String exploded")
	}
	return v.s
}
func (v *fakeValue) Set(s string) error { v.s = s; return nil }
func (v *fakeValue) Type() string       { return v.typ }

type fakeFlag struct {
	Name, Shorthand, Usage string
	Value                  *fakeValue
	DefValue, NoOptDefVal  string
	Changed                bool
}

type fakeFlagSet struct {
	name   string
	flags  []*fakeFlag
	panics bool
}

func (fs *fakeFlagSet) Name() string { return fs.name }

func (fs *fakeFlagSet) VisitAll(fn func(*fakeFlag)) {
	for _, f := range fs.flags {
		fn(f)
	}
	if fs.panics {
		panic("VisitAll exploded")
	}
}

func TestCheckFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  any
		want string // "" for accepted
	}{
		{"flag", flag.NewFlagSet("x", flag.ContinueOnError), ""},
		{"pflag-shaped", &fakeFlagSet{}, ""},
		{"nil", nil, "nil flag set"},
		{"nil pointer", (*fakeFlagSet)(nil), "nil *sections.fakeFlagSet"},
		{"struct", struct{}{}, "struct {}: not a flag set gmr can read: want a *flag.FlagSet, *pflag.FlagSet, *cobra.Command, *kingpin.Application, urfave/cli v3 *cli.Command or urfave/cli v2 *cli.Context"},
		{"flag set by value", fakeFlagSet{}, "sections.fakeFlagSet: not a flag set"},
		{"string", "-v", "string: not a flag set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckFlags(tc.set)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestConfigStdFlagSources checks where a standard flag's value came
// from: set means set on the command line; a value changed without being
// set is "code", not a command-line flag.
func TestConfigStdFlagSources(t *testing.T) {
	fs := flag.NewFlagSet("shop", flag.ContinueOnError)
	fs.Int("port", 8080, "")
	workers := fs.Int("workers", 4, "")
	fs.String("addr", ":80", "")
	require.NoError(t, fs.Parse([]string{"-port", "9090"}))
	*workers = 8 // a config file read into the flag's variable, say

	rep := collectConfig(t, Config{Args: []string{}, FlagSets: []*flag.FlagSet{fs}})
	require.Len(t, rep.FlagSets, 1)
	got := map[string]ConfigFlag{}
	for _, f := range rep.FlagSets[0].Flags {
		got[f.Name] = f
	}
	assert.True(t, got["port"].Set)
	assert.Empty(t, got["port"].Source)
	assert.False(t, got["workers"].Set)
	assert.Equal(t, "code", got["workers"].Source)
	assert.False(t, got["addr"].Set)
	assert.Empty(t, got["addr"].Source)

	text := renderText(t, rep)
	assert.Contains(t, text, "  -port = 9090 (set; default 8080)\n")
	assert.Contains(t, text, "  -workers = 8 (changed in code; default 4)\n")
	assert.Contains(t, text, "  -addr = :80\n")

	b, err := json.Marshal(rep.FlagSets[0].Flags)
	require.NoError(t, err)
	assert.JSONEq(t, `[
		{"name":"addr","value":":80","default":":80","set":false,"redacted":false},
		{"name":"port","value":9090,"default":8080,"set":true,"redacted":false},
		{"name":"workers","value":8,"default":4,"set":false,"source":"code","redacted":false}]`, string(b))
}

func TestConfigPflagShaped(t *testing.T) {
	fs := &fakeFlagSet{name: "shop", flags: []*fakeFlag{
		{Name: "verbose", Shorthand: "v", Value: &fakeValue{s: "true", typ: "bool"}, DefValue: "false", NoOptDefVal: "true", Changed: true},
		{Name: "port", Value: &fakeValue{s: "9090", typ: "int"}, DefValue: "8080", Changed: true},
		{Name: "db-password", Shorthand: "p", Value: &fakeValue{s: "hunter2", typ: "string"}, DefValue: "", Changed: true},
		{Name: "workers", Value: &fakeValue{s: "8", typ: "int"}, DefValue: "4"},
		{Name: "broken", Value: &fakeValue{typ: "string", panics: true}},
		{Name: "upstream", Value: &fakeValue{s: "https://u:pw1234@up.example.com/x", typ: "string"}, Changed: true},
	}}
	rep := collectConfig(t, Config{Args: []string{"shop", "-v", "-p", "hunter2", "--port", "9090"}, Flags: []any{fs}})
	assert.Equal(t, []string{"shop", "-v", "-p", "***", "--port", "9090"}, rep.CommandLine, "a one-letter name of a secret flag is secret")
	// flag.CommandLine is shown only when no flag set is given.
	require.Len(t, rep.FlagSets, 1)
	set := rep.FlagSets[0]
	assert.Equal(t, "pflag", set.Library)
	assert.Equal(t, "shop", set.Name)
	assert.Equal(t, []ConfigFlag{
		{Name: "broken", Value: "<panic: String exploded>", Default: ""},
		{Name: "db-password", Value: "***", Default: "", Set: true, Redacted: true},
		{Name: "port", Value: "9090", Default: "8080", TypedValue: int64(9090), TypedDefault: int64(8080), Set: true},
		{Name: "upstream", Value: "https://u:***@up.example.com/x", Default: "", Set: true, Redacted: true},
		{Name: "verbose", Value: "true", Default: "false", TypedValue: true, TypedDefault: false, Set: true},
		{Name: "workers", Value: "8", Default: "4", TypedValue: int64(8), TypedDefault: int64(4), Source: "code"},
	}, set.Flags)
	text := renderText(t, rep)
	assert.Contains(t, text, "flags (shop; pflag):\n  --broken = <panic: String exploded> (default \"\")\n")
	assert.NotContains(t, text, "hunter2")
	assert.NotContains(t, text, "pw1234")
}

// TestConfigShortFlagGroups checks the POSIX forms the pflag-style
// libraries accept for one-letter flags: a value attached (-phunter2) and
// a group with booleans first (-vphunter2, -vp hunter2).
func TestConfigShortFlagGroups(t *testing.T) {
	fs := &fakeFlagSet{name: "shop", flags: []*fakeFlag{
		{Name: "verbose", Shorthand: "v", Value: &fakeValue{s: "true", typ: "bool"}, DefValue: "false", NoOptDefVal: "true", Changed: true},
		{Name: "db-password", Shorthand: "p", Value: &fakeValue{s: "hunter2", typ: "string"}, Changed: true},
		{Name: "conn", Shorthand: "c", Value: &fakeValue{s: "s3cr3t-conn", typ: "string"}, Changed: true},
		{Name: "name", Shorthand: "n", Value: &fakeValue{s: "shop", typ: "string"}, Changed: true},
	}}
	tests := []struct{ args, want []string }{
		{[]string{"shop", "-phunter2"}, []string{"shop", "-p***"}},
		{[]string{"shop", "-vphunter2"}, []string{"shop", "-vp***"}},
		{[]string{"shop", "-vp", "hunter2"}, []string{"shop", "-vp", "***"}},
		{[]string{"shop", "-vnshop", "-v"}, []string{"shop", "-vnshop", "-v"}},
		{[]string{"shop", "-c", "s3cr3t-conn"}, []string{"shop", "-c", "***"}},
		{[]string{"shop", "--conn", "s3cr3t-conn"}, []string{"shop", "--conn", "***"}},
		{[]string{"shop", "-xphunter2"}, []string{"shop", "-xphunter2"}}, // -x unknown: not a group gmr can read
	}
	for _, tt := range tests {
		rep := collectConfigWith(t, Config{Args: tt.args, Flags: []any{fs}}, &redact.Redactor{Flags: []string{"c"}})
		assert.Equal(t, tt.want, rep.CommandLine, "%q", tt.args)
	}
	rep := collectConfigWith(t, Config{Args: []string{"shop"}, Flags: []any{fs}}, &redact.Redactor{Flags: []string{"c"}})
	for _, f := range rep.FlagSets[0].Flags {
		if f.Name == "conn" {
			assert.Equal(t, "***", f.Value, "a one-letter name in WithSecretFlags makes the flag secret")
		}
	}
}

// TestConfigFlagSecretByEnvVar checks that a flag whose value may come
// from a secret-named environment variable is masked, as the environment
// section masks that variable.
func TestConfigFlagSecretByEnvVar(t *testing.T) {
	secrets := newFlagSecrets(redact.Redactor{})
	f := flagRecord{name: "db", value: "hunter2hunter2", envVar: "DB_PASSWORD", set: true, source: "environment"}
	assert.True(t, secrets.secretFlag(&f))
	got := collectFlags(flagSet{name: "shop", flags: []flagRecord{f}}, secrets)
	require.Len(t, got.Flags, 1)
	assert.Equal(t, "***", got.Flags[0].Value)
	assert.True(t, got.Flags[0].Redacted)
	assert.False(t, secrets.secretFlag(&flagRecord{name: "db", envVar: "DB_HOST"}))
}

// TestConfigFlagSecretNames checks that every name of a secret flag, its
// aliases too, is masked on the command line, and that a flag reading a
// secret-named environment variable is secret when its value came from
// the command line, its source still the command line.
func TestConfigFlagSecretNames(t *testing.T) {
	secrets := newFlagSecrets(redact.Redactor{Flags: []string{"token"}})
	sets := []flagSet{{name: "shop", flags: []flagRecord{
		{name: "db-password", short: "w", aliases: []string{"dbp", "x"}, value: "hunter2", set: true},
		{name: "db", aliases: []string{"db-password-old"}, value: "hunter2", set: true}, // secret by an alias
		{name: "auth", aliases: []string{"token"}, value: "hunter2", set: true},         // an alias in WithSecretFlags
		{name: "database", envVars: []string{"DB_PASSWORD"}, value: "hunter2", set: true},
		{name: "use-password", aliases: []string{"up"}, boolean: true, value: "true", def: "false", set: true},
		{name: "user", aliases: []string{"u2"}, envVars: []string{"DB_USER"}, value: "bob", set: true},
	}}}
	tests := []struct{ args, want []string }{
		{[]string{"shop", "--dbp", "hunter2"}, []string{"shop", "--dbp", "***"}},
		{[]string{"shop", "--dbp=hunter2"}, []string{"shop", "--dbp=***"}},
		{[]string{"shop", "-dbp", "hunter2"}, []string{"shop", "-dbp", "***"}},
		{[]string{"shop", "-w", "hunter2", "-x", "hunter2"}, []string{"shop", "-w", "***", "-x", "***"}},
		{[]string{"shop", "--db", "hunter2", "--db-password-old=hunter2"}, []string{"shop", "--db", "***", "--db-password-old=***"}},
		{[]string{"shop", "--auth", "hunter2"}, []string{"shop", "--auth", "***"}},
		{[]string{"shop", "--database", "hunter2", "--database=hunter2"}, []string{"shop", "--database", "***", "--database=***"}},
		{[]string{"shop", "--up", "run"}, []string{"shop", "--up", "run"}}, // a boolean alias takes no value
		{[]string{"shop", "--u2", "bob", "--user=bob"}, []string{"shop", "--u2", "bob", "--user=bob"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, commandLine(tt.args, secrets, sets), "%q", tt.args)
	}
	got := collectFlags(sets[0], secrets)
	for _, f := range got.Flags {
		switch f.Name {
		case "user":
			assert.Equal(t, "bob", f.Value)
		case "use-password":
			assert.Equal(t, "true", f.Value, "a boolean flag's true gives nothing away")
		default:
			assert.Equal(t, "***", f.Value, "--%s", f.Name)
			assert.True(t, f.Redacted, "--%s", f.Name)
			assert.Empty(t, f.Source, "--%s was set on the command line", f.Name)
			assert.Empty(t, f.EnvVar, "--%s", f.Name)
		}
	}
}

// TestConfigFlagsFail checks that a flag set that cannot be read, or whose
// library panics, becomes an error in its flag set while the rest
// renders.
func TestConfigFlagsFail(t *testing.T) {
	good := flag.NewFlagSet("good", flag.ContinueOnError)
	good.Int("port", 1, "")
	exploding := &fakeFlagSet{name: "half", panics: true, flags: []*fakeFlag{{Name: "a", Value: &fakeValue{s: "1", typ: "int"}, DefValue: "1"}}}
	rep := collectConfig(t, Config{Args: []string{}, FlagSets: []*flag.FlagSet{good}, Flags: []any{42, exploding}})
	require.Len(t, rep.FlagSets, 3)
	assert.Equal(t, "good", rep.FlagSets[0].Name)
	assert.Equal(t, "int", rep.FlagSets[1].Name)
	assert.Contains(t, rep.FlagSets[1].Error, "int: not a flag set gmr can read")
	assert.Equal(t, "*sections.fakeFlagSet", rep.FlagSets[2].Name)
	assert.Equal(t, "reading the flags: <panic: VisitAll exploded>", rep.FlagSets[2].Error)
	text := renderText(t, rep)
	assert.Contains(t, text, "flags (good):\n  -port = 1\n")
	assert.Contains(t, text, "flags (int):\n  error: int: not a flag set gmr can read")
	assert.Contains(t, text, "flags (*sections.fakeFlagSet):\n  error: reading the flags: <panic: VisitAll exploded>\n")
}

// TestConfigFlagsBounded checks the bound on the flags of one set.
func TestConfigFlagsBounded(t *testing.T) {
	fs := &fakeFlagSet{name: "many"}
	for i := range configMaxEntries + 500 {
		fs.flags = append(fs.flags, &fakeFlag{Name: fmt.Sprintf("f%05d", i), Value: &fakeValue{s: "x", typ: "string"}, DefValue: "x", Changed: i == 0})
	}
	fs.flags = append(fs.flags, &fakeFlag{Name: strings.Repeat("n", 10_000), Value: &fakeValue{s: strings.Repeat("v", 100_000), typ: "string"}})
	rep := collectConfig(t, Config{Args: []string{}, Flags: []any{fs}})
	require.Len(t, rep.FlagSets, 1)
	assert.Len(t, rep.FlagSets[0].Flags, configMaxEntries)
	assert.Equal(t, 501, rep.FlagSets[0].Omitted)
	assert.Contains(t, renderText(t, rep), "  ... 501 more not shown\n")

	long := &fakeFlagSet{name: "long", flags: fs.flags[len(fs.flags)-1:]}
	rep = collectConfig(t, Config{Args: []string{}, Flags: []any{long}})
	f := rep.FlagSets[0].Flags[0]
	assert.LessOrEqual(t, len(f.Name), configMaxKey+3)
	assert.LessOrEqual(t, len(f.Value), configMaxValue+32)
}

// TestConfigUntouchedFlagSet checks that a flag set none of whose flags
// was set is one line in the text when another one has a set flag, and
// whole in JSON.
func TestConfigUntouchedFlagSet(t *testing.T) {
	std := flag.NewFlagSet("/usr/bin/shop", flag.ContinueOnError)
	std.Bool("alsologtostderr", false, "")
	std.Int("v", 0, "")
	own := &fakeFlagSet{name: "shop serve", flags: []*fakeFlag{{Name: "port", Value: &fakeValue{s: "9090", typ: "int"}, DefValue: "8080", Changed: true}}}
	rep := collectConfig(t, Config{Args: []string{}, FlagSets: []*flag.FlagSet{std}, Flags: []any{own}})
	text := renderText(t, rep)
	assert.Equal(t, "flags (/usr/bin/shop): 2 defined, all at their defaults\nflags (shop serve; pflag):\n  --port = 9090 (set; default 8080)\n", text)
	assert.Len(t, rep.FlagSets[0].Flags, 2, "JSON keeps every flag")

	// Alone, an untouched flag set is shown whole.
	rep = collectConfig(t, Config{Args: []string{}, FlagSets: []*flag.FlagSet{std}})
	assert.Equal(t, "flags (/usr/bin/shop):\n  -alsologtostderr = false\n  -v = 0\n", renderText(t, rep))
}

// TestConfigHiddenFields checks that fields tagged json:"-" are named as
// hidden, those of embedded structs too, and never shown.
func TestConfigHiddenFields(t *testing.T) {
	type Directory struct {
		Users    []string `json:"-"`
		Accounts string   `json:"-"`
	}
	type Options struct {
		Directory
		Port   int    `json:"port"`
		Token  string `json:"-"`
		secret string // unexported: not a field JSON could show
	}
	rep := collectConfig(t, Config{Args: []string{}, FlagSets: []*flag.FlagSet{flag.NewFlagSet("x", flag.ContinueOnError)}, Values: map[string]any{
		"nats": &Options{Directory: Directory{Users: []string{"alice"}, Accounts: "acct-hunter2"}, Port: 4222, Token: "tok-hunter2", secret: "s-hunter2"},
	}})
	require.Len(t, rep.Values, 1)
	assert.Equal(t, []string{"nats.Users", "nats.Accounts", "nats.Token"}, rep.Values[0].Hidden)
	assert.Equal(t, []ConfigEntry{{Key: "nats.port", Value: "4222", Typed: int64(4222)}}, rep.Values[0].Entries)
	text := renderText(t, rep)
	assert.Contains(t, text, "nats:\n  nats.port = 4222\n  hidden from JSON (json:\"-\"), not shown: nats.Users, nats.Accounts, nats.Token\n")
	assert.NotContains(t, text, "hunter2")
	b, err := json.Marshal(rep.Values[0])
	require.NoError(t, err)
	assert.NotContains(t, string(b), "hunter2")
	assert.Contains(t, string(b), `"hidden":["nats.Users","nats.Accounts","nats.Token"]`)
}

// BenchmarkConfigPflag1000 measures the config section reading a
// pflag-shaped flag set of 1,000 flags by reflection: what a report of a
// large cobra program pays.
func BenchmarkConfigPflag1000(b *testing.B) {
	fs := &fakeFlagSet{name: "big"}
	for i := range 1000 {
		fs.flags = append(fs.flags, &fakeFlag{Name: fmt.Sprintf("flag-%04d", i), Value: &fakeValue{s: "value", typ: "string"}, DefValue: "value"})
	}
	c := Config{Args: []string{}, Flags: []any{fs}}
	for b.Loop() {
		collectConfig(b, c)
	}
}

// BenchmarkConfigStd1000 is BenchmarkConfigPflag1000 for the flag
// package, read without reflection, for comparison.
func BenchmarkConfigStd1000(b *testing.B) {
	fs := flag.NewFlagSet("big", flag.ContinueOnError)
	for i := range 1000 {
		fs.String(fmt.Sprintf("flag-%04d", i), "value", "")
	}
	c := Config{Args: []string{}, FlagSets: []*flag.FlagSet{fs}}
	for b.Loop() {
		collectConfig(b, c)
	}
}
