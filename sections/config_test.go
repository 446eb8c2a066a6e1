package sections

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/gmr-go/gmr/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collectConfig(t testing.TB, c Config) *ConfigReport {
	t.Helper()
	return collectConfigWith(t, c, &redact.Redactor{})
}

// collectConfigWith collects c with red as the Reporter's redactor.
func collectConfigWith(t testing.TB, c Config, red *redact.Redactor) *ConfigReport {
	t.Helper()
	data, err := c.Collect(redact.NewContext(context.Background(), red))
	require.NoError(t, err)
	rep, ok := data.(*ConfigReport)
	require.True(t, ok, "Collect returned %T", data)
	return rep
}

// configValue collects c and returns the entries of the value named name.
func configValue(t testing.TB, c Config, name string) ConfigValue {
	t.Helper()
	for _, v := range collectConfig(t, c).Values {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no value %q", name)
	return ConfigValue{}
}

// entries returns the entries of v as "key = value" strings, with secrets
// marked by a trailing "!".
func entries(v ConfigValue) []string {
	out := make([]string, len(v.Entries))
	for i, e := range v.Entries {
		out[i] = e.Key + " = " + e.Value
		if e.Redacted {
			out[i] += " !"
		}
	}
	return out
}

func renderText(t testing.TB, rep *ConfigReport) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, rep.WriteText(&buf))
	return buf.String()
}

func TestConfigName(t *testing.T) {
	assert.Equal(t, "config", Config{}.Name())
}

func TestConfigFlags(t *testing.T) {
	fs := flag.NewFlagSet("shop", flag.ContinueOnError)
	fs.String("addr", ":8080", "listen address")
	fs.String("db-password", "", "database password")
	fs.String("api-token", "default-tok", "API token")
	fs.String("license", "lic-abc", "license key")
	fs.String("upstream", "", "upstream URL")
	fs.Bool("v", false, "verbose")
	fs.Bool("use-secret-manager", false, "a boolean flag with a secret name")
	require.NoError(t, fs.Parse([]string{"-db-password=hunter2", "-v", "-upstream=https://u:pw1234@up.example.com/x", "-use-secret-manager"}))

	rep := collectConfigWith(t, Config{Args: []string{}, FlagSets: []*flag.FlagSet{fs, nil, fs}}, &redact.Redactor{Flags: []string{"--license"}})
	assert.Empty(t, rep.CommandLine)
	require.Len(t, rep.FlagSets, 1, "nil and repeated flag sets are skipped")
	assert.Equal(t, ConfigFlagSet{Name: "shop", Library: "flag", Flags: []ConfigFlag{
		{Name: "addr", Value: ":8080", Default: ":8080"},
		{Name: "api-token", Value: "***", Default: "***", Redacted: true},
		{Name: "db-password", Value: "***", Default: "", Set: true, Redacted: true},
		{Name: "license", Value: "***", Default: "***", Redacted: true},
		{Name: "upstream", Value: "https://u:***@up.example.com/x", Default: "", Set: true, Redacted: true},
		{Name: "use-secret-manager", Value: "true", Default: "false", TypedValue: true, TypedDefault: false, Set: true},
		{Name: "v", Value: "true", Default: "false", TypedValue: true, TypedDefault: false, Set: true},
	}}, rep.FlagSets[0])

	text := renderText(t, rep)
	assert.Equal(t, `flags (shop):
  -addr = :8080
  -api-token = ***
  -db-password = *** (set; default "")
  -license = ***
  -upstream = https://u:***@up.example.com/x (set; default "")
  -use-secret-manager = true (set; default false)
  -v = true (set; default false)
`, text)
	for _, secret := range []string{"hunter2", "default-tok", "lic-abc", "pw1234"} {
		assert.NotContains(t, text, secret)
	}
}

func TestConfigExtraSecretKeys(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.String("card-pin", "1234", "")
	c := Config{FlagSets: []*flag.FlagSet{fs}, Values: map[string]any{"bank": map[string]string{"pin": "9876"}}}
	assert.Equal(t, "1234", collectConfig(t, c).FlagSets[0].Flags[0].Value)
	rep := collectConfigWith(t, c, &redact.Redactor{Extra: []string{"PIN"}})
	assert.Equal(t, "***", rep.FlagSets[0].Flags[0].Value)
	assert.Equal(t, []string{"bank.pin = *** !"}, entries(rep.Values[0]))
}

func TestConfigDefaultFlagSet(t *testing.T) {
	rep := collectConfig(t, Config{})
	require.Len(t, rep.FlagSets, 1)
	assert.Equal(t, flag.CommandLine.Name(), rep.FlagSets[0].Name)
	var names []string
	for _, f := range rep.FlagSets[0].Flags {
		names = append(names, f.Name)
	}
	assert.Contains(t, names, "test.run", "the test binary's flags are on flag.CommandLine")
	assert.Empty(t, rep.Values)
}

type dbConfig struct {
	Host     string            `json:"host"`
	Port     int               `json:"port,omitempty"`
	Password string            `json:"password"`
	Options  map[string]string `json:"options"`
	Timeout  time.Duration     `json:"timeout"`
	Hidden   string            `json:"-"`
	private  string
}

type Common struct {
	Region string `json:"region"`
}

type appConfig struct {
	Common
	Name    string     `json:"name"`
	DB      dbConfig   `json:"db"`
	Replica *dbConfig  `json:"replica"`
	License string     `json:"license" gmr:"secret"`
	Extra   string     `gmr:"secret"`
	Ratio   float64    `json:"ratio"`
	Tags    []string   `json:"tags"`
	Started time.Time  `json:"started"`
	URL     *url.URL   `json:"url"`
	Levels  [2]uint8   `json:"levels"`
	Blob    []byte     `json:"blob"`
	Mode    slog.Level `json:"mode"`
	Empty   struct{}   `json:"empty"`
}

func TestConfigStruct(t *testing.T) {
	u, err := url.Parse("postgres://app:pg-secret@db:5432/shop")
	require.NoError(t, err)
	cfg := &appConfig{
		Common: Common{Region: "eu-1"},
		Name:   "shop",
		DB: dbConfig{
			Host:     "localhost",
			Port:     5432,
			Password: "hunter2",
			Options:  map[string]string{"sslmode": "disable", "dsn": "host=x password=y", "app": "a"},
			Timeout:  3 * time.Second,
			Hidden:   "hidden-value",
			private:  "private-value",
		},
		License: "lic-123",
		Extra:   "extra-secret",
		Ratio:   0.5,
		Tags:    []string{"a", "b"},
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		URL:     u,
		Levels:  [2]uint8{'o', 'k'},
		Blob:    []byte("bytes"),
		Mode:    slog.LevelWarn,
	}
	v := configValue(t, Config{Values: map[string]any{"app": cfg}}, "app")
	assert.Equal(t, []string{
		"app.region = eu-1",
		"app.name = shop",
		"app.db.host = localhost",
		"app.db.port = 5432",
		"app.db.password = *** !",
		"app.db.options.app = a",
		"app.db.options.dsn = *** !",
		"app.db.options.sslmode = disable",
		"app.db.timeout = 3s",
		"app.replica = <nil>",
		"app.license = *** !",
		"app.Extra = *** !",
		"app.ratio = 0.5",
		"app.tags[0] = a",
		"app.tags[1] = b",
		"app.started = 2026-01-02T03:04:05Z",
		"app.url = postgres://app:***@db:5432/shop !",
		"app.levels = ok",
		"app.blob = bytes",
		"app.mode = WARN",
		"app.empty = {}",
	}, entries(v))
	assert.Zero(t, v.Omitted)
	b, err := json.Marshal(v)
	require.NoError(t, err)
	for _, hidden := range []string{"hunter2", "lic-123", "extra-secret", "pg-secret", "hidden-value", "private-value"} {
		assert.NotContains(t, string(b), hidden)
	}
}

func TestConfigEmptySecrets(t *testing.T) {
	type creds struct {
		Password string
		Token    *string
		Keys     []string
		Secret   any
		Auth     map[string]string
	}
	v := configValue(t, Config{Values: map[string]any{"c": creds{Keys: []string{}}}}, "c")
	assert.Equal(t, []string{
		`c.Password = `,
		`c.Token = <nil>`,
		`c.Keys = []`,
		`c.Secret = <nil>`,
		`c.Auth = {}`,
	}, entries(v), "empty secrets are shown as empty")
}

// secretUser hides its password from logs, and so from reports.
type secretUser struct {
	Name, Password string
}

func (u secretUser) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", u.Name), slog.Int("age", 42))
}

// maskedToken is a LogValuer with a pointer receiver.
type maskedToken struct{ Value string }

func (t *maskedToken) LogValue() slog.Value { return slog.StringValue("tok-" + t.Value[:2] + "...") }

// panickyValuer panics in LogValue.
type panickyValuer struct{}

func (panickyValuer) LogValue() slog.Value { panic("boom") }

// nestedValuer's LogValue returns another LogValuer.
type nestedValuer struct{ n int }

func (v nestedValuer) LogValue() slog.Value {
	if v.n == 0 {
		return slog.IntValue(42)
	}
	return slog.AnyValue(nestedValuer{v.n - 1})
}

func TestConfigLogValuer(t *testing.T) {
	type holder struct {
		Tok maskedToken
	}
	values := map[string]any{
		"owner":   secretUser{Name: "bob", Password: "hunter2"},
		"ptr":     &secretUser{Name: "ann", Password: "hunter3"},
		"holder":  &holder{Tok: maskedToken{Value: "abcdef"}},
		"panicky": panickyValuer{},
		"unaddr":  map[string]maskedToken{"t": {Value: "xyz123"}},
		"nested":  nestedValuer{n: 3},
		"group": slogValuer(slog.GroupValue(
			slog.String("user", "bob"),
			slog.String("password", "hunter4"),
			slog.Group("", slog.Int("inline", 1)),
			slog.Any("sub", map[string]int{"x": 1}),
			slog.Duration("d", time.Minute),
		)),
	}
	rep := collectConfig(t, Config{Values: values})
	got := map[string][]string{}
	for _, v := range rep.Values {
		got[v.Name] = entries(v)
	}
	assert.Equal(t, map[string][]string{
		"owner":   {"owner.name = bob", "owner.age = 42"},
		"ptr":     {"ptr.name = ann", "ptr.age = 42"},
		"holder":  {"holder.Tok = tok-ab..."},
		"panicky": {"panicky = <panic: boom>"},
		"unaddr":  {"unaddr.t = tok-xy..."},
		"nested":  {"nested = 42"},
		"group":   {"group.user = bob", "group.password = *** !", "group.inline = 1", "group.sub.x = 1", "group.d = 1m0s"},
	}, got)
	assert.NotContains(t, renderText(t, rep), "hunter")
}

type slogValuer slog.Value

func (v slogValuer) LogValue() slog.Value { return slog.Value(v) }

func TestConfigMap(t *testing.T) {
	v := configValue(t, Config{Values: map[string]any{"m": map[string]any{
		"b":       2,
		"a":       map[int]string{10: "ten", 2: "two"},
		"secrets": map[string]string{"x": "y"},
		"nil":     nil,
		"nilmap":  map[string]int(nil),
		"empty":   map[string]int{},
		"func":    func() {},
		"chan":    make(chan int),
		"niptr":   (*int)(nil),
		"unsafe":  unsafe.Pointer(nil),
		"cplx":    complex(1, 2),
		"err":     errors.New("it failed: see https://u:pw12345@h"),
		"esc":     "\x1b[31mred\x1b[0m",
	}}}, "m")
	assert.Equal(t, []string{
		"m.a.10 = ten",
		"m.a.2 = two",
		"m.b = 2",
		"m.chan = <chan int>",
		"m.cplx = (1+2i)",
		"m.empty = {}",
		"m.err = it failed: see https://u:***@h !",
		"m.esc = \x1b[31mred\x1b[0m",
		"m.func = <func()>",
		"m.nil = <nil>",
		"m.nilmap = {}",
		"m.niptr = <nil>",
		"m.secrets = *** !",
		"m.unsafe = <nil>",
	}, entries(v))
}

func TestConfigCycles(t *testing.T) {
	type node struct {
		Name string
		Next *node
	}
	a := &node{Name: "a"}
	a.Next = &node{Name: "b", Next: a}
	self := map[string]any{"k": 1}
	self["self"] = self
	list := []any{"x", nil}
	list[1] = list
	var iface any
	iface = &iface
	type selfEmbed struct {
		Name string
		*selfEmbed
	}
	se := &selfEmbed{Name: "se"}
	se.selfEmbed = se
	shared := &node{Name: "s"}
	values := map[string]any{
		"ring":   a,
		"map":    self,
		"list":   list,
		"iface":  iface,
		"shared": []*node{shared, shared}, // not a cycle: shown twice
		"embed":  se,
	}
	rep := collectConfig(t, Config{Values: values})
	got := map[string][]string{}
	for _, v := range rep.Values {
		got[v.Name] = entries(v)
	}
	assert.Equal(t, map[string][]string{
		"ring":   {"ring.Name = a", "ring.Next.Name = b", "ring.Next.Next = <cycle>"},
		"map":    {"map.k = 1", "map.self = <cycle>"},
		"list":   {"list[0] = x", "list[1] = <cycle>"},
		"iface":  {"iface = <cycle>"},
		"embed":  {"embed.Name = se", "embed = <cycle>"},
		"shared": {"shared[0].Name = s", "shared[0].Next = <nil>", "shared[1].Name = s", "shared[1].Next = <nil>"},
	}, got)
}

func TestConfigBounds(t *testing.T) {
	type deep struct {
		D *deep `json:"d"`
	}
	root := &deep{}
	for n, i := root, 0; i < 20; i++ {
		n.D = &deep{}
		n = n.D
	}
	bigMap := make(map[int]int, 5000)
	for i := range 5000 {
		bigMap[i] = i
	}
	long := strings.Repeat("é", 2000) // 4000 bytes

	start := time.Now()
	rep := collectConfig(t, Config{Values: map[string]any{
		"huge":  make([]int, 1_000_000),
		"map":   bigMap,
		"deep":  root,
		"long":  long,
		"twice": [][]int{make([]int, 999), make([]int, 5)},
	}})
	assert.Less(t, time.Since(start), 5*time.Second)
	byName := map[string]ConfigValue{}
	for _, v := range rep.Values {
		byName[v.Name] = v
	}

	huge := byName["huge"]
	assert.Len(t, huge.Entries, configMaxEntries)
	assert.Equal(t, 1_000_000-configMaxEntries, huge.Omitted)
	assert.Equal(t, "huge[999] = 0", entries(huge)[999])

	m := byName["map"]
	assert.Len(t, m.Entries, configMaxEntries)
	assert.Equal(t, 5000-configMaxEntries, m.Omitted)
	assert.Equal(t, "map.0", m.Entries[0].Key, "the smallest keys are kept, in order")
	assert.Equal(t, "map.1", m.Entries[1].Key)
	assert.Equal(t, "map.10", m.Entries[2].Key)

	d := entries(byName["deep"])
	require.Len(t, d, 1)
	assert.Equal(t, "deep"+strings.Repeat(".d", configMaxDepth+1)+" = <too deep>", d[0])

	l := byName["long"].Entries
	require.Len(t, l, 1)
	assert.Equal(t, strings.Repeat("é", configMaxValue/2)+"... (4000 bytes)", l[0].Value)

	tw := byName["twice"]
	assert.Len(t, tw.Entries, configMaxEntries)
	assert.Equal(t, 4, tw.Omitted)

	text := renderText(t, rep)
	assert.Contains(t, text, "  ... 999,000 more not shown\n")
}

// badValue is a flag.Value whose String panics once armed.
type badValue struct{ armed bool }

func (v *badValue) String() string {
	if v.armed {
		panic("bad String")
	}
	return ""
}

func (*badValue) Set(string) error { return nil }

type badStringer int

func (badStringer) String() string { panic("bad Stringer") }

type failingMarshaler struct{}

func (failingMarshaler) MarshalText() ([]byte, error) { return nil, errors.New("no text") }

func TestConfigOddValues(t *testing.T) {
	fs := flag.NewFlagSet("odd", flag.ContinueOnError)
	bad := &badValue{}
	fs.Var(bad, "bad", "")
	bad.armed = true
	var unexportedEmbed struct {
		common
		*Common
	}
	var nilLogValuer *maskedToken
	values := map[string]any{
		"stringer":  badStringer(1),
		"marshaler": failingMarshaler{},
		"embed":     unexportedEmbed,
		"nilvaluer": nilLogValuer,
		"iface":     []any{func() {}, make(chan struct{}), nil, (*dbConfig)(nil)},
		"nilany":    nil,
	}
	var rep *ConfigReport
	require.NotPanics(t, func() { rep = collectConfig(t, Config{FlagSets: []*flag.FlagSet{fs}, Values: values}) })
	assert.Equal(t, "<panic: bad String>", rep.FlagSets[0].Flags[0].Value)
	got := map[string][]string{}
	for _, v := range rep.Values {
		got[v.Name] = entries(v)
	}
	assert.Equal(t, map[string][]string{
		"stringer":  {"stringer = <panic: bad Stringer>"},
		"marshaler": {"marshaler = <error: no text>"},
		"embed":     {"embed.Zone = "}, // a nil embedded *Common is left out, as in JSON
		"nilvaluer": {"nilvaluer = <nil>"},
		"iface":     {"iface[0] = <func()>", "iface[1] = <chan struct {}>", "iface[2] = <nil>", "iface[3] = <nil>"},
		"nilany":    {"nilany = <nil>"},
	}, got)
	require.NoError(t, rep.WriteText(io.Discard))
}

type common struct {
	Zone string
}

func TestConfigWriteText(t *testing.T) {
	rep := &ConfigReport{
		FlagSets: []ConfigFlagSet{{Name: "a\x1bb", Flags: nil}},
		Values: []ConfigValue{{
			Name: "db",
			Entries: []ConfigEntry{
				{Key: "db.host", Value: "localhost"},
				{Key: "db.password", Value: "***", Redacted: true},
				{Key: "db.literal", Value: "***"},
				{Key: "db.empty", Value: ""},
				{Key: "db.spaced", Value: " x "},
				{Key: "db.quoted", Value: `"q"`},
				{Key: "db.esc", Value: "\x1b]0;title\a\u009b"},
				{Key: "db.bad\nkey", Value: "\xff"},
				{Key: "db.unicode", Value: "héllo wörld"},
			},
			Omitted: 3,
		}},
	}
	assert.Equal(t, `flags ("a\x1bb"): none defined
db:
  db.host = localhost
  db.password = ***
  db.literal = "***"
  db.empty = ""
  db.spaced = " x "
  db.quoted = "\"q\""
  db.esc = "\x1b]0;title\a\u009b"
  "db.bad\nkey" = "\xff"
  db.unicode = héllo wörld
  ... 3 more not shown
`, renderText(t, rep))
	assert.Equal(t, "(no flags or values)\n", renderText(t, &ConfigReport{}))
	assert.Equal(t, "flags (shop):\n  -v = true (set; default false)\n", renderText(t, &ConfigReport{FlagSets: []ConfigFlagSet{
		{Name: "/usr/bin/shop"}, {Name: "shop", Flags: []ConfigFlag{{Name: "v", Value: "true", Default: "false", Set: true}}}, {Name: "other"},
	}}), "flag sets without flags are left out beside one with flags")
	assert.Equal(t, "flags (/usr/bin/shop): none defined\nflags (shop): none defined\n", renderText(t, &ConfigReport{FlagSets: []ConfigFlagSet{
		{Name: "/usr/bin/shop", Flags: []ConfigFlag{}}, {Name: "shop"},
	}}))
	assert.Equal(t, "command line: shop \"\" \"a b\" \"\\x1b]0;x\\a\" *** -v\n",
		renderText(t, &ConfigReport{CommandLine: []string{"shop", "", "a b", "\x1b]0;x\a", "***", "-v"}}))
}

type configFailWriter struct{}

func (configFailWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestConfigWriteTextError(t *testing.T) {
	assert.EqualError(t, (&ConfigReport{}).WriteText(configFailWriter{}), "write config report: disk full")
	var buf bytes.Buffer
	require.NoError(t, (*ConfigReport)(nil).WriteText(&buf))
	assert.Equal(t, "(no config data)\n", buf.String())
}

func TestConfigCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data, err := Config{Values: map[string]any{"a": 1}}.Collect(ctx)
	require.ErrorIs(t, err, context.Canceled)
	rep, ok := data.(*ConfigReport)
	require.True(t, ok)
	assert.Empty(t, rep.Values)
}

func TestConfigConcurrentCollect(t *testing.T) {
	c := Config{
		FlagSets: []*flag.FlagSet{flag.NewFlagSet("x", flag.ContinueOnError)},
		Values:   map[string]any{"a": map[string]int{"x": 1}, "b": &dbConfig{Host: "h"}},
	}
	want := collectConfig(t, c)
	done := make(chan *ConfigReport)
	for range 4 {
		go func() {
			data, _ := c.Collect(context.Background())
			done <- data.(*ConfigReport)
		}()
	}
	for range 4 {
		assert.Equal(t, want, <-done)
	}
}

func TestConfigJSON(t *testing.T) {
	rep := collectConfig(t, Config{Args: []string{"x", "-token", "t"}, FlagSets: []*flag.FlagSet{flag.NewFlagSet("x", flag.ContinueOnError)}})
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.JSONEq(t, `{"command_line":["x","-token","***"],"flag_sets":[{"name":"x","library":"flag","flags":[],"omitted":0}],"values":[]}`, string(b))
}

// renderConfig renders the config section with a flag and a map entry named
// key holding value, as text and JSON.
func renderConfig(t *testing.T, key, value string) string {
	fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if key != "" && key[0] != '-' && !strings.Contains(key, "=") {
		fs.String(key, value, "")
		_ = fs.Set(key, value)
	}
	rep := collectConfig(t, Config{
		FlagSets: []*flag.FlagSet{fs},
		Values: map[string]any{
			"cfg":    map[string]string{key: value},
			"struct": struct{ V any }{V: map[string]any{key: []string{value}}},
		},
	})
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	return renderText(t, rep) + string(b)
}

// FuzzConfigSecret checks that the report does not depend on the value of
// a secret: for a key SecretKey calls secret, the rendered section is the
// same whatever the (non-empty) value, so the value cannot appear in it.
func FuzzConfigSecret(f *testing.F) {
	f.Add("DB_PASSWORD", "hunter2")
	f.Add("apiKey", "postgres://u:p@h/db")
	f.Add("x.auth.header", "Bearer abc")
	f.Add("session_id", "\x1b[31m")
	f.Add("host", "localhost")
	var w walker
	f.Fuzz(func(t *testing.T, key, value string) {
		if value == "" || !w.r.SecretKey(key) {
			return
		}
		got, other := renderConfig(t, key, value), renderConfig(t, key, value+"x")
		require.Equal(t, other, got, "the report shows something of the secret %q=%q", key, value)
		if len(value) >= 4 && !strings.Contains(other, value) {
			assert.NotContains(t, got, value)
		}
	})
}

func TestConfigCommandLine(t *testing.T) {
	fs := flag.NewFlagSet("shop", flag.ContinueOnError)
	fs.String("db-password", "", "")
	fs.String("license", "", "")
	fs.Bool("auth", false, "a boolean: takes no argument")
	fs.Bool("token", false, "boolean here...")
	other := flag.NewFlagSet("other", flag.ContinueOnError)
	other.String("token", "", "...but a string here, so it takes one")
	args := []string{
		"/usr/bin/shop",
		"-db-password=pw-equals",
		"--db-password", "pw-separate",
		"-db-password", "-pw-dash",
		"-license", "lic-marked",
		"-auth", "serve",
		"-token", "tok-mixed",
		"-session-key=undefined-flag",
		"-dsn", "postgres://u:pw-url@h/db",
		"-addr", ":8080",
		"-keyboard-layout=us",
		"--", "-monkey-count", "3",
	}
	c := Config{Args: args, FlagSets: []*flag.FlagSet{fs, other}}
	rep := collectConfigWith(t, c, &redact.Redactor{Flags: []string{"-license"}})
	assert.Equal(t, []string{
		"/usr/bin/shop",
		"-db-password=***",
		"--db-password", "***",
		"-db-password", "***",
		"-license", "***",
		"-auth", "serve",
		"-token", "***",
		"-session-key=***",
		"-dsn", "***",
		"-addr", ":8080",
		"-keyboard-layout=us",
		"--", "-monkey-count", "3",
	}, rep.CommandLine)
	assert.Equal(t, "-db-password=pw-equals", args[1], "Args is not modified")

	text := renderText(t, rep)
	assert.Contains(t, text, "command line: /usr/bin/shop -db-password=*** --db-password *** -db-password *** -license *** -auth serve -token ***")
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	for _, secret := range []string{"pw-", "lic-marked", "tok-mixed", "undefined-flag"} {
		assert.NotContains(t, text, secret)
		assert.NotContains(t, string(b), secret)
	}

	// ExtraSecretKeys apply to the command line too.
	c = Config{Args: []string{"shop", "-card-pin", "1234"}, FlagSets: []*flag.FlagSet{fs}}
	assert.Equal(t, []string{"shop", "-card-pin", "***"}, collectConfigWith(t, c, &redact.Redactor{Extra: []string{"pin"}}).CommandLine)
}

func TestConfigCommandLineDefault(t *testing.T) {
	rep := collectConfig(t, Config{})
	assert.Equal(t, os.Args, rep.CommandLine, "the test binary's command line has no secrets")
}

func TestConfigCommandLineBounds(t *testing.T) {
	long := strings.Repeat("x", 40<<10)
	rep := collectConfig(t, Config{Args: []string{"shop", long, "-token=" + long, "-token", long}, FlagSets: []*flag.FlagSet{}})
	require.Len(t, rep.CommandLine, 5)
	assert.Equal(t, strings.Repeat("x", configMaxValue)+"... (40960 bytes)", rep.CommandLine[1])
	assert.Equal(t, []string{"-token=***", "-token", "***"}, rep.CommandLine[2:], "a masked argument's length is not shown")
}

// TestConfigLongSecretLength checks that a long value with a secret inside
// does not tell the secret's length when it is cut short.
func TestConfigLongSecretLength(t *testing.T) {
	pad := strings.Repeat("x", 2000)
	texts := map[string]string{}
	for _, pw := range []string{"p", strings.Repeat("p", 500)} {
		v := "postgres://u:" + pw + "@h/db " + pad
		rep := collectConfig(t, Config{Args: []string{"shop", v}, FlagSets: []*flag.FlagSet{}, Values: map[string]any{"v": v}})
		text := renderText(t, rep)
		assert.Contains(t, text, "... (2022 bytes)")
		texts[pw] = text
	}
	assert.Equal(t, texts["p"], texts[strings.Repeat("p", 500)])
}

type secretBool string

func (b *secretBool) String() string     { return string(*b) }
func (b *secretBool) Set(s string) error { *b = secretBool(s); return nil }
func (*secretBool) IsBoolFlag() bool     { return true }

func TestConfigSecretBoolFlag(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Bool("auth", true, "")
	odd := secretBool("s3cret")
	fs.Var(&odd, "token", "a boolean flag whose value is not true or false")
	rep := collectConfig(t, Config{Args: []string{}, FlagSets: []*flag.FlagSet{fs}})
	assert.Equal(t, []ConfigFlag{
		{Name: "auth", Value: "true", Default: "true", TypedValue: true, TypedDefault: true},
		{Name: "token", Value: "***", Default: "***", Redacted: true},
	}, rep.FlagSets[0].Flags)
}

// TestConfigTypedJSON checks that JSON writes config values with their
// types: numbers and booleans as such, durations in float milliseconds,
// and masked values as "***" whatever their type.
func TestConfigTypedJSON(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Int("workers", 8, "")
	fs.Duration("timeout", 1500*time.Millisecond, "")
	fs.Float64("ratio", 0.5, "")
	fs.Uint64("big", 1<<63, "")
	fs.String("name", "svc", "")
	fs.Int("api-key", 1234, "")
	require.NoError(t, fs.Set("workers", "64"))
	rep := collectConfig(t, Config{Args: []string{}, FlagSets: []*flag.FlagSet{fs}, Values: map[string]any{"app": struct {
		Workers  int           `json:"workers"`
		Debug    bool          `json:"debug"`
		Ratio    float32       `json:"ratio"`
		Wait     time.Duration `json:"wait"`
		Max      uint64        `json:"max"`
		Host     string        `json:"host"`
		Password int           `json:"password"`
		NaN      float64       `json:"nan"`
		Started  time.Time     `json:"started"`
	}{64, true, 0.25, 90 * time.Second, 1 << 63, "localhost", 4242, math.NaN(), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}})
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.JSONEq(t, `{"command_line":[],"flag_sets":[{"name":"x","library":"flag","omitted":0,"flags":[
		{"name":"api-key","value":"***","default":"***","set":false,"redacted":true},
		{"name":"big","value":9223372036854775808,"default":9223372036854775808,"set":false,"redacted":false},
		{"name":"name","value":"svc","default":"svc","set":false,"redacted":false},
		{"name":"ratio","value":0.5,"default":0.5,"set":false,"redacted":false},
		{"name":"timeout","value":1500,"default":1500,"set":false,"redacted":false},
		{"name":"workers","value":64,"default":8,"set":true,"redacted":false}]}],
	"values":[{"name":"app","entries":[
		{"key":"app.workers","value":64,"redacted":false},
		{"key":"app.debug","value":true,"redacted":false},
		{"key":"app.ratio","value":0.25,"redacted":false},
		{"key":"app.wait","value":90000,"redacted":false},
		{"key":"app.max","value":9223372036854775808,"redacted":false},
		{"key":"app.host","value":"localhost","redacted":false},
		{"key":"app.password","value":"***","redacted":true},
		{"key":"app.nan","value":"NaN","redacted":false},
		{"key":"app.started","value":"2026-01-02T03:04:05Z","redacted":false}],"omitted":0,"hidden":[]}]}`, string(b))
	assert.NotContains(t, string(b), "4242")
	assert.NotContains(t, string(b), "1234")
	// The text is as it was: durations as Go writes them.
	text := renderText(t, rep)
	assert.Contains(t, text, "app.wait = 1m30s")
	assert.Contains(t, text, "-timeout = 1.5s")
}

// TestConfigLongSecretKey checks that a map key is judged whole: a key
// whose secret word comes after the part of it that is shown is secret.
func TestConfigLongSecretKey(t *testing.T) {
	key := strings.Repeat("x", configMaxKey+10) + "_password"
	v := configValue(t, Config{Values: map[string]any{"m": map[string]string{key: "hunter2"}}}, "m")
	require.Len(t, v.Entries, 1)
	assert.Equal(t, "m."+strings.Repeat("x", configMaxKey)+"...", v.Entries[0].Key)
	assert.Equal(t, "***", v.Entries[0].Value)
}

type embeddedCreds struct {
	User     string `json:"user"`
	Password string `json:"pw_value"`
	Value    string `json:"value"`
}

type withSecretEmbed struct {
	embeddedCreds `gmr:"secret"`
	Region        string `json:"region"`
}

func TestConfigSecretEmbeddedStruct(t *testing.T) {
	data, err := Config{Values: map[string]any{"c": withSecretEmbed{
		embeddedCreds: embeddedCreds{User: "bob", Password: "hunter2-embedded", Value: "also-secret-canary"},
		Region:        "eu",
	}}}.Collect(context.Background())
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, data.(*ConfigReport).WriteText(&buf))
	out := buf.String()
	assert.NotContains(t, out, "hunter2-embedded")
	assert.NotContains(t, out, "also-secret-canary")
	assert.NotContains(t, out, "bob", "the whole embedded struct is masked")
	assert.Contains(t, out, "c.embeddedCreds = ***")
	assert.Contains(t, out, "c.region = eu")
}

func TestConfigHugeByteSlice(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 64<<20)
	data, err := Config{Values: map[string]any{"blob": map[string]any{"data": big}}}.Collect(context.Background())
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, data.(*ConfigReport).WriteText(&buf))
	assert.Less(t, buf.Len(), 64<<10, "a huge []byte is shown cut")
}

func TestConfigHugeMapIsSampled(t *testing.T) {
	m := make(map[string]int, 300_000)
	for i := range 300_000 {
		m[fmt.Sprintf("key%07d", i)] = i
	}
	data, err := Config{Values: map[string]any{"m": m}}.Collect(context.Background())
	require.NoError(t, err)
	rep := data.(*ConfigReport)
	require.Len(t, rep.Values, 1)
	v := rep.Values[0]
	assert.NotEmpty(t, v.Entries)
	assert.Equal(t, 300_000, len(v.Entries)+v.Omitted, "every key is either shown or counted as omitted")
}

type jsonLayout struct {
	Common
	*Hidden
	DBPassword string        `json:"pw"`
	Port       int           `json:"port,omitempty"`
	Timeout    time.Duration `json:"timeout,omitzero"`
	Retries    int           `json:"retries,omitempty"`
	Skipped    string        `json:"-"`
}

type Hidden struct {
	Zone string `json:"zone"`
}

// TestConfigFieldsAsJSON checks that struct fields are laid out as
// encoding/json lays them out, and judged for secrets by both names.
func TestConfigFieldsAsJSON(t *testing.T) {
	v := configValue(t, Config{Values: map[string]any{"app": jsonLayout{
		Common:     Common{Region: "eu-1"},
		DBPassword: "hunter2-pw",
		Retries:    3,
		Skipped:    "skipped",
	}}}, "app")
	assert.Equal(t, []string{
		"app.region = eu-1", // embedded, flattened; the nil *Hidden left out
		"app.pw = *** !",    // secret by its Go name, DBPassword
		"app.retries = 3",   // port and timeout are empty and omitted
	}, entries(v))
	assert.True(t, v.Entries[1].Redacted)
}

func TestConfigUserinfo(t *testing.T) {
	tests := []struct {
		name  string
		value any
		want  string
	}{
		{name: "pointer with password", value: url.UserPassword("app", "hunter2-ui"), want: "app:***"},
		{name: "value with password", value: *url.UserPassword("app", "hunter2-ui"), want: "app:***"},
		{name: "pointer without password", value: url.User("app"), want: "app"},
		{name: "value without password", value: *url.User("app"), want: "app"},
		{name: "nil pointer", value: (*url.Userinfo)(nil), want: "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := configValue(t, Config{Values: map[string]any{"conn": map[string]any{"peer": tt.value}}}, "conn")
			require.Len(t, v.Entries, 1)
			assert.Equal(t, "conn.peer", v.Entries[0].Key, "an innocent key")
			assert.Equal(t, tt.want, v.Entries[0].Value)
			assert.Equal(t, strings.Contains(tt.want, redact.Mask), v.Entries[0].Redacted)
		})
	}
}

type selfEmbedding struct {
	Name  string
	Empty struct{}
	Also  struct{} // same address and type as Empty: no false cycle
	*selfEmbedding
}

// TestConfigEmbeddedCycle checks that a cycle of embedded pointers ends at
// the first repeat, and that zero-size fields are not taken for one.
func TestConfigEmbeddedCycle(t *testing.T) {
	se := &selfEmbedding{Name: "se"}
	se.selfEmbedding = se
	v := configValue(t, Config{Values: map[string]any{"se": se}}, "se")
	assert.Equal(t, []string{"se.Name = se", "se.Empty = {}", "se.Also = {}", "se = <cycle>"}, entries(v))
}

// AuthSettings is embedded by serviceConfig: its type's name is secret.
type AuthSettings struct {
	User  string
	Realm string
}

type serviceConfig struct {
	AuthSettings
	Host string `json:"host"`
}

func TestConfigSecretEmbeddedByTypeName(t *testing.T) {
	rep := collectConfig(t, Config{Args: []string{}, Values: map[string]any{"svc": serviceConfig{AuthSettings{"app", "corp"}, "db"}}})
	assert.Equal(t, []string{"svc.AuthSettings = *** !", "svc.host = db"}, entries(rep.Values[0]),
		"an embedded struct whose type's name is secret is masked whole, not flattened")
}

// TestConfigEmptyFlagSetLeftOut collects a service's own flag set beside
// an empty one, as WithFlagSet gives beside a flag.CommandLine with no
// flags: the text shows the service's alone, and JSON both.
func TestConfigEmptyFlagSetLeftOut(t *testing.T) {
	empty := flag.NewFlagSet("/usr/bin/shop", flag.ContinueOnError)
	own := flag.NewFlagSet("shop", flag.ContinueOnError)
	own.String("addr", ":8080", "listen address")
	require.NoError(t, own.Parse([]string{"-addr", ":9090"}))
	rep := collectConfig(t, Config{Args: []string{"/usr/bin/shop", "-addr", ":9090"}, FlagSets: []*flag.FlagSet{empty, own}})
	require.Len(t, rep.FlagSets, 2, "JSON keeps the empty flag set")
	assert.Empty(t, rep.FlagSets[0].Flags)
	assert.Equal(t, "command line: /usr/bin/shop -addr :9090\nflags (shop):\n  -addr = :9090 (set; default :8080)\n", renderText(t, rep))

	rep = collectConfig(t, Config{Args: []string{"/usr/bin/shop"}, FlagSets: []*flag.FlagSet{empty}})
	assert.Equal(t, "command line: /usr/bin/shop\nflags (/usr/bin/shop): none defined\n", renderText(t, rep))
}
