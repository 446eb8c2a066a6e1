//go:build unix

package gmr_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/sections"
)

// flagLibsDir is the nested test module whose programs use the flag
// libraries gmr reads without importing: pflag with cobra, viper, kingpin
// and urfave/cli v2 and v3.
const flagLibsDir = "../testdata/flaglibs"

// flagLibModules are the modules of those libraries.
var flagLibModules = []string{
	"github.com/spf13/pflag", "github.com/spf13/cobra", "github.com/spf13/viper",
	"github.com/alecthomas/kingpin", "gopkg.in/alecthomas/kingpin", "github.com/urfave/cli",
}

// flagLibsCmd returns a go command run in the nested module, which may
// fetch the modules it requires through GOPROXY.
func flagLibsCmd(args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = flagLibsDir
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"), "GOWORK=off")
	return cmd
}

var (
	flagLibsOnce sync.Once
	flagLibsBins string // the directory of the built programs
	flagLibsSkip string // why they cannot be built here
	flagLibsErr  error
)

// flagLibsPrograms downloads the nested module's requirements and builds
// its programs, once. The test is skipped, saying why, when the modules
// cannot be downloaded (no module proxy and an empty module cache); a
// program that does not build fails it.
func flagLibsPrograms(t *testing.T) string {
	t.Helper()
	flagLibsOnce.Do(func() {
		if out, err := flagLibsCmd("mod", "download").CombinedOutput(); err != nil {
			flagLibsSkip = "cannot download the modules of testdata/flaglibs (GOPROXY=" + os.Getenv("GOPROXY") + "): " + strings.TrimSpace(string(out))
			return
		}
		dir, err := os.MkdirTemp("", "gmr-flaglibs-")
		if err != nil {
			flagLibsErr = err
			return
		}
		flagLibsBins = dir
		out, err := flagLibsCmd("build", "-o", dir+"/", "./pflagshop", "./cobrashop", "./kingpinshop", "./clishop", "./cliv2shop").CombinedOutput()
		if err != nil {
			flagLibsErr = errors.New("build testdata/flaglibs: " + err.Error() + "\n" + string(out))
		}
	})
	if flagLibsSkip != "" {
		t.Skip(flagLibsSkip)
	}
	require.NoError(t, flagLibsErr)
	return flagLibsBins
}

// The secrets the programs are given, on the command line and in viper's
// file. None may appear in a report.
var flagLibSecrets = []string{"CMDSECRET1", "DSNSECRET2", "VIPERSECRET3", "VIPERSECRET4", "REPLICASECRET5"}

// wantFlag is a flag as the JSON report shows it.
type wantFlag struct {
	Value    any    `json:"value"`
	Default  any    `json:"default"`
	Set      bool   `json:"set"`
	Source   string `json:"source"`
	EnvVar   string `json:"env_var"`
	Redacted bool   `json:"redacted"`
}

// configJSON is the config section of a JSON report.
type configJSON struct {
	CommandLine []string `json:"command_line"`
	FlagSets    []struct {
		Name    string `json:"name"`
		Library string `json:"library"`
		Flags   []struct {
			Name string `json:"name"`
			wantFlag
		} `json:"flags"`
		Error string `json:"error"`
	} `json:"flag_sets"`
	Values []struct {
		Name    string `json:"name"`
		Entries []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"entries"`
		Hidden []string `json:"hidden"`
	} `json:"values"`
}

// flagSets returns the flag sets of library, by name, with their flags by
// name.
func (c *configJSON) flagSets(library string) map[string]map[string]wantFlag {
	out := make(map[string]map[string]wantFlag)
	for _, fs := range c.FlagSets {
		if fs.Library != library {
			continue
		}
		flags := make(map[string]wantFlag)
		for _, f := range fs.Flags {
			flags[f.Name] = f.wantFlag
		}
		out[fs.Name] = flags
	}
	return out
}

// flagLibReports starts bin with args and env four times, signals it once
// each time, and returns its text report (from stderr) and its JSON report
// (from GMR_DIR). Those and its jsonl and jsonl-sections reports are
// checked for the secrets.
func flagLibReports(t *testing.T, bin string, env []string, args ...string) (text string, js []byte) {
	t.Helper()
	c := startProgram(t, bin, env, args...)
	c.signal(t)
	waitFor(t, 30*time.Second, "text report", func() bool { return strings.Contains(c.stderr.String(), formatters.Footer) })
	text = c.stderr.String()
	c.stop(t)
	for _, format := range []string{"json", "jsonl", "jsonl-sections"} {
		dir := t.TempDir()
		c := startProgram(t, bin, append([]string{"GMR_DIR=" + dir, "GMR_FORMAT=" + format}, env...), args...)
		c.signal(t)
		waitFor(t, 30*time.Second, format+" report", func() bool { return len(reportFiles(t, dir)) == 1 })
		doc, err := os.ReadFile(filepath.Join(dir, reportFiles(t, dir)[0]))
		require.NoError(t, err)
		c.stop(t)
		for _, s := range flagLibSecrets {
			assert.NotContains(t, string(doc), s, "a secret in the %s report", format)
		}
		if format == "json" {
			validateReport(t, "", doc)
			js = doc
		}
	}
	for _, s := range flagLibSecrets {
		assert.NotContains(t, text, s, "a secret in the text report")
	}
	return text, js
}

// configOf returns the config section of a JSON report.
func configOf(t *testing.T, js []byte) *configJSON {
	t.Helper()
	var rep struct {
		Sections []struct {
			Name string          `json:"name"`
			Data json.RawMessage `json:"data"`
		} `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(js, &rep))
	for _, s := range rep.Sections {
		if s.Name == "config" {
			var c configJSON
			require.NoError(t, json.Unmarshal(s.Data, &c))
			return &c
		}
	}
	t.Fatalf("no config section in %.2000s", js)
	return nil
}

// TestFlagLibraries runs a program for each flag library, with a secret
// flag (--db-password), a DSN with a password and a flag from the
// environment, signals it for real, and checks every flag's value,
// default and source in the JSON report, lines of the text report, and
// that no secret appears in the text, JSON or jsonl report.
func TestFlagLibraries(t *testing.T) {
	bins := flagLibsPrograms(t)
	conf := filepath.Join(t.TempDir(), "shop.yaml")
	require.NoError(t, os.WriteFile(conf, []byte("database:\n  host: db.internal\n  password: VIPERSECRET3\napi_key: VIPERSECRET4\nlog_level: debug\n"), 0o600))
	const dsn = "postgres://app:DSNSECRET2@db:5432/shop"
	env := []string{"SHOP_REGION=eu-west"}
	// pflag.CommandLine is named for os.Args[0].
	pflagCommandLine := filepath.Join(bins, "pflagshop")
	const ms = float64(time.Millisecond)
	timeout := float64(30*time.Second) / ms

	for _, tc := range []struct {
		name, bin, library string
		args               []string
		want               map[string]map[string]wantFlag
		text               []string
		values             map[string]any // entries of registered values, by key
		hidden             []string
	}{{
		name: "cobra serve", bin: "cobrashop", library: "cobra",
		args: []string{"serve", "--db-password=CMDSECRET1", "--dsn", dsn, "--replica=postgres://ro:REPLICASECRET5@replica/shop", "--port", "9090", "-v", "--config", conf},
		want: map[string]map[string]wantFlag{"shop serve": {
			"config":      {Value: conf, Default: "", Set: true},
			"db-password": {Value: "***", Default: "", Set: true, Redacted: true},
			"dsn":         {Value: "***", Default: "***", Set: true, Redacted: true},
			"replica":     {Value: "postgres://ro:***@replica/shop", Default: "", Set: true, Redacted: true},
			"port":        {Value: 9090.0, Default: 8080.0, Set: true},
			"timeout":     {Value: timeout, Default: timeout},
			"verbose":     {Value: true, Default: false, Set: true},
			"workers":     {Value: 8.0, Default: 4.0, Source: "code"},
		}},
		text: []string{
			"flags (shop serve; cobra):\n",
			"  --port = 9090 (set; default 8080)\n",
			"  --workers = 8 (changed in code; default 4)\n",
			"  --db-password = *** (set; default \"\")\n",
			"  --timeout = 30s\n",
			"  app.database.password = ***\n",
		},
		values: map[string]any{"app.database.host": "db.internal", "app.database.password": "***", "app.api_key": "***", "app.log_level": "debug"},
	}, {
		name: "cobra migrate", bin: "cobrashop", library: "cobra",
		args: []string{"migrate", "--steps", "3", "--db-password", "CMDSECRET1"},
		want: map[string]map[string]wantFlag{"shop migrate": {
			"config":      {Value: "", Default: ""},
			"db-password": {Value: "***", Default: "", Set: true, Redacted: true},
			"dry-run":     {Value: false, Default: false},
			"dsn":         {Value: "***", Default: "***", Redacted: true},
			"replica":     {Value: "", Default: ""},
			"steps":       {Value: 3.0, Default: 1.0, Set: true},
			"verbose":     {Value: false, Default: false},
		}},
		text: []string{"flags (shop migrate; cobra):\n", "  --steps = 3 (set; default 1)\n"},
	}, {
		name: "pflag", bin: "pflagshop", library: "pflag",
		args: []string{"--db-password", "CMDSECRET1", "-d", dsn, "--port=9090", "-v", "--peers", "c:3"},
		want: map[string]map[string]wantFlag{pflagCommandLine: {
			"db-password": {Value: "***", Default: "", Set: true, Redacted: true},
			"dsn":         {Value: "***", Default: "***", Set: true, Redacted: true},
			"peers":       {Value: "[c:3]", Default: "[a:1,b:2]", Set: true},
			"port":        {Value: 9090.0, Default: 8080.0, Set: true},
			"timeout":     {Value: timeout, Default: timeout},
			"verbose":     {Value: true, Default: false, Set: true},
		}},
		text: []string{"flags (" + pflagCommandLine + "; pflag):\n", "  --peers = [c:3] (set; default [a:1,b:2])\n"},
	}, {
		name: "kingpin", bin: "kingpinshop", library: "kingpin",
		args: []string{"--db-password", "CMDSECRET1", "--dsn=" + dsn, "--port", "9090", "-v", "serve", "--tls"},
		want: map[string]map[string]wantFlag{
			"kingpinshop": {
				"database":    {Value: "", Default: ""},
				"db-password": {Value: "***", Default: "", Set: true, Redacted: true},
				"dsn":         {Value: "***", Default: "***", Set: true, Redacted: true},
				"port":        {Value: 9090.0, Default: 8080.0, Set: true},
				"region":      {Value: "eu-west", Default: "us-east", Set: true, Source: "environment", EnvVar: "SHOP_REGION"},
				"timeout":     {Value: timeout, Default: timeout},
				"verbose":     {Value: true, Default: false, Set: true},
			},
			"kingpinshop serve": {
				"tls":     {Value: true, Default: false, Set: true},
				"workers": {Value: 4.0, Default: 4.0},
			},
		},
		text: []string{
			"flags (kingpinshop; kingpin):\n",
			"flags (kingpinshop serve; kingpin):\n",
			"  --region = eu-west (environment $SHOP_REGION; default us-east)\n",
			"  hidden from JSON (json:\"-\"), not shown: limits.Users, limits.Accounts\n",
		},
		values: map[string]any{"limits.max_conns": 100.0},
		hidden: []string{"limits.Users", "limits.Accounts"},
	}, {
		// --database is secret by its variable, $DB_PASSWORD_K, though the
		// value comes from the command line.
		name: "kingpin secret env var", bin: "kingpinshop", library: "kingpin",
		args: []string{"--database", "CMDSECRET1", "migrate", "--steps=2"},
		want: map[string]map[string]wantFlag{
			"kingpinshop": {
				"database":    {Value: "***", Default: "", Set: true, Redacted: true},
				"db-password": {Value: "", Default: ""},
				"dsn":         {Value: "***", Default: "***", Redacted: true},
				"port":        {Value: 8080.0, Default: 8080.0},
				"region":      {Value: "eu-west", Default: "us-east", Set: true, Source: "environment", EnvVar: "SHOP_REGION"},
				"timeout":     {Value: timeout, Default: timeout},
				"verbose":     {Value: false, Default: false},
			},
			"kingpinshop migrate": {"steps": {Value: 2.0, Default: 1.0, Set: true}},
		},
		text:   []string{"  --database = *** (set; default \"\")\n", "command line: " + filepath.Join(bins, "kingpinshop") + " --database *** migrate --steps=2\n"},
		hidden: []string{"limits.Users", "limits.Accounts"},
	}, {
		name: "urfave/cli v3", bin: "clishop", library: "urfave/cli",
		args: []string{"--db-password", "CMDSECRET1", "--dsn", dsn, "-v", "serve", "--port", "9090"},
		want: map[string]map[string]wantFlag{
			"clishop": {
				"db-password": {Value: "***", Default: "", Set: true, Redacted: true},
				"dsn":         {Value: "***", Default: "***", Set: true, Redacted: true},
				"region":      {Value: "eu-west", Default: "us-east", Set: true, Source: "environment", EnvVar: "SHOP_REGION"},
				"verbose":     {Value: true, Default: false, Set: true},
			},
			"clishop serve": {
				"port":    {Value: 9090.0, Default: 8080.0, Set: true},
				"timeout": {Value: timeout, Default: timeout},
			},
		},
		text: []string{"flags (clishop; urfave/cli):\n", "flags (clishop serve; urfave/cli):\n", "  --port = 9090 (set; default 8080)\n"},
	}, {
		name: "urfave/cli v2", bin: "cliv2shop", library: "urfave/cli",
		args: []string{"--db-password", "CMDSECRET1", "--dsn=" + dsn, "--port", "9090", "-v"},
		want: map[string]map[string]wantFlag{"cliv2shop": {
			"database":    {Value: "", Default: ""},
			"db-password": {Value: "***", Default: "", Set: true, Redacted: true},
			"dsn":         {Value: "***", Default: "***", Set: true, Redacted: true},
			"port":        {Value: 9090.0, Default: 8080.0, Set: true},
			"region":      {Value: "eu-west", Default: "us-east", Set: true, Source: "environment", EnvVar: "SHOP_REGION"},
			"timeout":     {Value: timeout, Default: timeout},
			"verbose":     {Value: true, Default: false, Set: true},
		}},
		text: []string{"flags (cliv2shop; urfave/cli):\n", "  --verbose = true (set; default false)\n"},
	}, {
		// --dbp and -w are --db-password's aliases; --database is secret by
		// its variable, $DB_PASSWORD_FROM_ENV, though the value comes from
		// the command line.
		name: "urfave/cli v2 aliases and secret env var", bin: "cliv2shop", library: "urfave/cli",
		args: []string{"--dbp", "CMDSECRET1", "--database", "DSNSECRET2", "--port=9090"},
		want: map[string]map[string]wantFlag{"cliv2shop": {
			"database":    {Value: "***", Default: "", Set: true, Redacted: true},
			"db-password": {Value: "***", Default: "", Set: true, Redacted: true},
			"dsn":         {Value: "***", Default: "***", Redacted: true},
			"port":        {Value: 9090.0, Default: 8080.0, Set: true},
			"region":      {Value: "eu-west", Default: "us-east", Set: true, Source: "environment", EnvVar: "SHOP_REGION"},
			"timeout":     {Value: timeout, Default: timeout},
			"verbose":     {Value: false, Default: false},
		}},
		text: []string{"  --database = *** (set; default \"\")\n", "command line: " + filepath.Join(bins, "cliv2shop") + " --dbp *** --database *** --port=9090\n"},
	}, {
		name: "urfave/cli v2 aliases and secret env var, with =", bin: "cliv2shop", library: "urfave/cli",
		args: []string{"--dbp=CMDSECRET1", "--database=DSNSECRET2"},
		want: map[string]map[string]wantFlag{"cliv2shop": {
			"database":    {Value: "***", Default: "", Set: true, Redacted: true},
			"db-password": {Value: "***", Default: "", Set: true, Redacted: true},
			"dsn":         {Value: "***", Default: "***", Redacted: true},
			"port":        {Value: 8080.0, Default: 8080.0},
			"region":      {Value: "eu-west", Default: "us-east", Set: true, Source: "environment", EnvVar: "SHOP_REGION"},
			"timeout":     {Value: timeout, Default: timeout},
			"verbose":     {Value: false, Default: false},
		}},
		text: []string{"command line: " + filepath.Join(bins, "cliv2shop") + " --dbp=*** --database=***\n"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			text, js := flagLibReports(t, filepath.Join(bins, tc.bin), env, tc.args...)
			cfg := configOf(t, js)
			assert.Equal(t, tc.want, cfg.flagSets(tc.library))
			for _, line := range tc.text {
				assert.Contains(t, text, line)
			}
			got := make(map[string]any)
			var hidden []string
			for _, v := range cfg.Values {
				for _, e := range v.Entries {
					got[e.Key] = e.Value
				}
				hidden = append(hidden, v.Hidden...)
			}
			for k, want := range tc.values {
				assert.Equal(t, want, got[k], "value %s", k)
			}
			assert.ElementsMatch(t, tc.hidden, hidden, "fields hidden from JSON")
			// The command line shows every argument, secrets masked.
			assert.Len(t, cfg.CommandLine, len(tc.args)+1)
		})
	}
}

// TestFlagLibrariesNotImported checks that gmr brings none of the flag
// libraries it reads into a program's build: the root go.mod requires
// none, and go list -deps of a program that imports only gmr lists none.
func TestFlagLibrariesNotImported(t *testing.T) {
	mod, err := os.Open("../go.mod")
	require.NoError(t, err)
	defer mod.Close()
	for sc := bufio.NewScanner(mod); sc.Scan(); {
		for _, m := range flagLibModules {
			assert.NotContains(t, sc.Text(), m, "the root go.mod requires a flag library")
		}
	}

	out, err := flagLibsCmd("list", "-deps", "./importer").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && (strings.Contains(string(ee.Stderr), "dial") || strings.Contains(string(ee.Stderr), "proxy") || strings.Contains(string(ee.Stderr), "lookup")) {
			t.Skipf("cannot load the modules of testdata/flaglibs (GOPROXY=%s): %s", os.Getenv("GOPROXY"), ee.Stderr)
		}
		require.NoError(t, err, "go list -deps ./importer: %s", out)
	}
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/gmr-go/gmr/gmr", "go list -deps lists what importer imports")
	for _, d := range deps {
		for _, m := range flagLibModules {
			assert.False(t, strings.HasPrefix(d, m), "a program importing only gmr builds %s", d)
		}
	}
}

// TestWithFlagsRejects checks that Setup names the type it cannot read,
// and the accepted ones.
func TestWithFlagsRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  any
		want string
	}{
		{"struct", struct{ Port int }{}, "gmr: WithFlags: flag set 1: struct { Port int }: not a flag set gmr can read: want a *flag.FlagSet, *pflag.FlagSet, *cobra.Command, *kingpin.Application, urfave/cli v3 *cli.Command or urfave/cli v2 *cli.Context"},
		{"map", map[string]string{}, "flag set 1: map[string]string: not a flag set"},
		{"nil", nil, "flag set 1: nil flag set"},
		{"nil flag set", (*flag.FlagSet)(nil), "flag set 1: nil *flag.FlagSet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := gmr.New(gmr.WithFlags(flag.NewFlagSet("ok", flag.ContinueOnError), tc.set))
			require.Error(t, err)
			assert.Nil(t, r)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestFlagLibrariesKeepMethodsDead checks that gmr's reflection on the
// flag libraries leaves the linker's dead-code elimination of methods on:
// MethodByName with a name the linker cannot see would make it keep every
// exported method of every type in a program that imports gmr, such as
// importer's uncalled marker.Unused.
func TestFlagLibrariesKeepMethodsDead(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "importer")
	out, err := flagLibsCmd("build", "-o", bin, "./importer").CombinedOutput()
	if err != nil && (strings.Contains(string(out), "dial") || strings.Contains(string(out), "proxy") || strings.Contains(string(out), "lookup")) {
		t.Skipf("cannot load the modules of testdata/flaglibs (GOPROXY=%s): %s", os.Getenv("GOPROXY"), out)
	}
	require.NoError(t, err, "build importer: %s", out)
	syms, err := exec.Command("go", "tool", "nm", bin).Output()
	require.NoError(t, err)
	require.Contains(t, string(syms), "main.main", "go tool nm lists the program's symbols")
	for line := range strings.Lines(string(syms)) {
		assert.False(t, strings.Contains(line, "marker") && strings.Contains(line, "Unused"),
			"the linker kept an uncalled method, %q: something in gmr calls MethodByName with a variable name", strings.TrimSpace(line))
	}
}

// TestWithFlagsShown checks that WithFlags adds its flag sets after
// flag.CommandLine and WithFlagSet's, each once, in the report.
func TestWithFlagsShown(t *testing.T) {
	own := flag.NewFlagSet("own", flag.ContinueOnError)
	own.Int("port", 8080, "")
	more := flag.NewFlagSet("more", flag.ContinueOnError)
	more.String("db-password", "hunter2", "")
	r, err := gmr.New(gmr.WithFormat("json"), gmr.WithOnlySections(sections.Config{}), gmr.WithFlagSet(own), gmr.WithFlags(more, own))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, r.WriteReport(context.Background(), &buf))
	cfg := configOf(t, buf.Bytes())
	var names []string
	for _, fs := range cfg.FlagSets {
		names = append(names, fs.Name)
	}
	assert.Equal(t, []string{flag.CommandLine.Name(), "own", "more"}, names)
	assert.NotContains(t, buf.String(), "hunter2")
}
