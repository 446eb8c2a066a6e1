package flaglibs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/alecthomas/kingpin/v2"
	"github.com/spf13/pflag"
	cliv2 "github.com/urfave/cli/v2"
	"github.com/urfave/cli/v3"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/sections"
)

// formats are the report formats a secret must appear in none of.
var formats = []string{"text", "json", "jsonl", "jsonl-sections"}

// configReport is what the tests read of a JSON report's config section.
type configReport struct {
	CommandLine []string `json:"command_line"`
	FlagSets    []struct {
		Flags []struct {
			Name     string `json:"name"`
			Value    any    `json:"value"`
			Set      bool   `json:"set"`
			Source   string `json:"source"`
			EnvVar   string `json:"env_var"`
			Redacted bool   `json:"redacted"`
		} `json:"flags"`
	} `json:"flag_sets"`
}

// reports writes a config section report of set, parsed from args, in
// every format, and returns them by format.
func reports(t *testing.T, set any, args []string) map[string]string {
	t.Helper()
	out := make(map[string]string)
	for _, format := range formats {
		r, err := gmr.New(gmr.WithFormat(format), gmr.WithOnlySections(sections.Config{Args: args, Flags: []any{set}}))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := r.WriteReport(context.Background(), &buf); err != nil {
			t.Fatalf("%s report: %v", format, err)
		}
		out[format] = buf.String()
	}
	return out
}

// configOf returns the config section of a JSON report.
func configOf(t *testing.T, js string) configReport {
	t.Helper()
	var rep struct {
		Sections []struct {
			Name string          `json:"name"`
			Data json.RawMessage `json:"data"`
		} `json:"sections"`
	}
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Sections {
		if s.Name == "config" {
			var c configReport
			if err := json.Unmarshal(s.Data, &c); err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	t.Fatalf("no config section in %.2000s", js)
	return configReport{}
}

// secretCase is a program's flags, the arguments it is given, and what
// the report must show of one flag, whose secret value is "LEAK".
type secretCase struct {
	name string
	env  map[string]string
	args []string
	// report parses args with the library and returns the reports.
	report func(t *testing.T, args []string) map[string]string
	// flag is the flag holding the secret, and source and envVar where
	// the report must say its value came from.
	flag, source, envVar string
}

// TestSecretFlagNames checks, against the real libraries, that every name
// of a secret flag (urfave/cli's aliases, one letter or more, kingpin's
// and pflag's short names) is masked on the command line, and that a flag
// bound to a secret-looking environment variable is masked wherever its
// value came from, in every format, while the report still says where it
// came from.
func TestSecretFlagNames(t *testing.T) {
	// The libraries keep state in their flags: each run makes its own.
	cliV2 := func(flags func() []cliv2.Flag) func(*testing.T, []string) map[string]string {
		return func(t *testing.T, args []string) map[string]string {
			var out map[string]string
			app := &cliv2.App{Name: "app", Flags: flags(), Action: func(ctx *cliv2.Context) error {
				out = reports(t, ctx, args)
				return nil
			}}
			if err := app.Run(args); err != nil {
				t.Fatal(err)
			}
			return out
		}
	}
	cliV3 := func(flags func() []cli.Flag) func(*testing.T, []string) map[string]string {
		return func(t *testing.T, args []string) map[string]string {
			var out map[string]string
			cmd := &cli.Command{Name: "app", Flags: flags()}
			cmd.Action = func(context.Context, *cli.Command) error {
				out = reports(t, cmd, args)
				return nil
			}
			if err := cmd.Run(context.Background(), args); err != nil {
				t.Fatal(err)
			}
			return out
		}
	}
	kp := func(define func(*kingpin.Application)) func(*testing.T, []string) map[string]string {
		return func(t *testing.T, args []string) map[string]string {
			app := kingpin.New("app", "")
			define(app)
			if _, err := app.Parse(args[1:]); err != nil {
				t.Fatal(err)
			}
			return reports(t, app, args)
		}
	}
	pf := func(define func(*pflag.FlagSet)) func(*testing.T, []string) map[string]string {
		return func(t *testing.T, args []string) map[string]string {
			fs := pflag.NewFlagSet("app", pflag.ContinueOnError)
			define(fs)
			if err := fs.Parse(args[1:]); err != nil {
				t.Fatal(err)
			}
			return reports(t, fs, args)
		}
	}
	aliasedV2 := cliV2(func() []cliv2.Flag {
		return []cliv2.Flag{&cliv2.StringFlag{Name: "db-password", Aliases: []string{"dbp", "w"}}, &cliv2.StringFlag{Name: "user"}}
	})
	aliasedV3 := cliV3(func() []cli.Flag {
		return []cli.Flag{&cli.StringFlag{Name: "db-password", Aliases: []string{"dbp", "w"}}, &cli.StringFlag{Name: "user"}}
	})
	// A flag with a plain name whose alias looks secret.
	secretAliasV2 := cliV2(func() []cliv2.Flag {
		return []cliv2.Flag{&cliv2.StringFlag{Name: "db", Aliases: []string{"db-password"}}, &cliv2.StringFlag{Name: "user"}}
	})
	envV2 := cliV2(func() []cliv2.Flag {
		return []cliv2.Flag{&cliv2.StringFlag{Name: "database", EnvVars: []string{"DB_PASSWORD_FROM_ENV"}}, &cliv2.StringFlag{Name: "user"}}
	})
	envV3 := cliV3(func() []cli.Flag {
		return []cli.Flag{&cli.StringFlag{Name: "database", Sources: cli.EnvVars("DB_PASSWORD_FROM_ENV")}, &cli.StringFlag{Name: "user"}}
	})
	envKingpin := kp(func(app *kingpin.Application) {
		app.Flag("database", "").Envar("DB_PASSWORD_K").String()
		app.Flag("user", "").String()
	})
	shortKingpin := kp(func(app *kingpin.Application) {
		app.Flag("password", "").Short('p').String()
		app.Flag("user", "").String()
	})
	shortPflag := pf(func(fs *pflag.FlagSet) {
		fs.StringP("password", "p", "", "")
		fs.String("user", "", "")
	})
	for _, tc := range []secretCase{
		{name: "urfave/cli v2 long alias", args: []string{"app", "--dbp", "LEAK", "--user", "bob"}, report: aliasedV2, flag: "db-password"},
		{name: "urfave/cli v2 long alias =", args: []string{"app", "--dbp=LEAK", "--user", "bob"}, report: aliasedV2, flag: "db-password"},
		{name: "urfave/cli v2 long alias, one dash", args: []string{"app", "-dbp", "LEAK", "--user", "bob"}, report: aliasedV2, flag: "db-password"},
		{name: "urfave/cli v2 short alias", args: []string{"app", "-w", "LEAK", "--user", "bob"}, report: aliasedV2, flag: "db-password"},
		{name: "urfave/cli v2 secret alias", args: []string{"app", "--db-password", "LEAK", "--user", "bob"}, report: secretAliasV2, flag: "db"},
		{name: "urfave/cli v3 long alias", args: []string{"app", "--dbp", "LEAK", "--user", "bob"}, report: aliasedV3, flag: "db-password"},
		{name: "urfave/cli v3 long alias =", args: []string{"app", "--dbp=LEAK", "--user", "bob"}, report: aliasedV3, flag: "db-password"},
		{name: "urfave/cli v3 short alias", args: []string{"app", "-w", "LEAK", "--user", "bob"}, report: aliasedV3, flag: "db-password"},
		{name: "urfave/cli v2 secret env var, from the command line", args: []string{"app", "--database", "LEAK", "--user", "bob"}, report: envV2, flag: "database"},
		{
			name: "urfave/cli v2 secret env var, from the environment", env: map[string]string{"DB_PASSWORD_FROM_ENV": "LEAK"},
			args: []string{"app", "--user", "bob"}, report: envV2, flag: "database", source: "environment", envVar: "DB_PASSWORD_FROM_ENV",
		},
		{
			name: "urfave/cli v2 secret env var set, value from the command line", env: map[string]string{"DB_PASSWORD_FROM_ENV": "LEAK"},
			args: []string{"app", "--database", "LEAK", "--user", "bob"}, report: envV2, flag: "database",
		},
		{name: "urfave/cli v3 secret env var, from the command line", args: []string{"app", "--database=LEAK", "--user", "bob"}, report: envV3, flag: "database"},
		{
			name: "urfave/cli v3 secret env var, from the environment", env: map[string]string{"DB_PASSWORD_FROM_ENV": "LEAK"},
			args: []string{"app", "--user", "bob"}, report: envV3, flag: "database", source: "environment", envVar: "DB_PASSWORD_FROM_ENV",
		},
		{name: "kingpin secret env var, from the command line", args: []string{"app", "--database", "LEAK", "--user", "bob"}, report: envKingpin, flag: "database"},
		{name: "kingpin secret env var, from the command line =", args: []string{"app", "--database=LEAK", "--user", "bob"}, report: envKingpin, flag: "database"},
		{
			name: "kingpin secret env var, from the environment", env: map[string]string{"DB_PASSWORD_K": "LEAK"},
			args: []string{"app", "--user", "bob"}, report: envKingpin, flag: "database", source: "environment", envVar: "DB_PASSWORD_K",
		},
		{
			name: "kingpin secret env var set, value from the command line", env: map[string]string{"DB_PASSWORD_K": "LEAK"},
			args: []string{"app", "--database", "LEAK", "--user", "bob"}, report: envKingpin, flag: "database",
		},
		{name: "kingpin short name", args: []string{"app", "-p", "LEAK", "--user", "bob"}, report: shortKingpin, flag: "password"},
		{name: "kingpin short name attached", args: []string{"app", "-pLEAK", "--user", "bob"}, report: shortKingpin, flag: "password"},
		{name: "pflag short name", args: []string{"app", "-p", "LEAK", "--user", "bob"}, report: shortPflag, flag: "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			reps := tc.report(t, tc.args)
			for _, format := range formats {
				if bytes.Contains([]byte(reps[format]), []byte("LEAK")) {
					t.Errorf("the secret in the %s report:\n%s", format, reps[format])
				}
			}
			cfg := configOf(t, reps["json"])
			if len(cfg.CommandLine) != len(tc.args) {
				t.Errorf("command line %q, want %d arguments", cfg.CommandLine, len(tc.args))
			}
			found := false
			for _, fs := range cfg.FlagSets {
				for _, f := range fs.Flags {
					switch f.Name {
					case tc.flag:
						found = true
						if f.Value != "***" || !f.Redacted || !f.Set || f.Source != tc.source || f.EnvVar != tc.envVar {
							t.Errorf("--%s: value %v, redacted %v, set %v, source %q, env var %q; want ***, redacted, set, source %q, env var %q",
								f.Name, f.Value, f.Redacted, f.Set, f.Source, f.EnvVar, tc.source, tc.envVar)
						}
					case "user":
						if f.Value != "bob" || f.Redacted {
							t.Errorf("--user: value %v, redacted %v; want bob, not redacted", f.Value, f.Redacted)
						}
					}
				}
			}
			if !found {
				t.Errorf("no flag %s in %+v", tc.flag, cfg.FlagSets)
			}
		})
	}
}
