package sections_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/sections"
)

// The tests in this file render the config and environment sections the way
// a report does, through every formatter, and check the redaction rules on
// the bytes an operator would see.

// reportFormatters are the formats a report can be written in.
var reportFormatters = []formatters.Formatter{formatters.Text{}, formatters.JSON{}, formatters.JSONLines{}}

// render collects secs and renders them in every format, with a fixed
// header, so that the output depends only on the sections' data.
func render(t testing.TB, secs ...report.Section) string {
	t.Helper()
	r := &report.Report{Header: report.Header{
		Service: "fuzz", Host: "host", PID: 1, Time: time.Unix(0, 0), Trigger: "test",
	}}
	for _, s := range secs {
		data, err := s.Collect(context.Background())
		require.NoError(t, err)
		r.Sections = append(r.Sections, report.Result{Name: s.Name(), Data: data})
	}
	var out bytes.Buffer
	for _, f := range reportFormatters {
		require.NoError(t, f.Format(&out, r), "format %s", f.Name())
	}
	return out.String()
}

// sectionsWith returns a config and an environment section that hold value
// under key everywhere they can: as a flag on the command line (-key value
// and --key=value), as a flag in a flag set, in a registered map and
// struct, and as an environment variable.
func sectionsWith(key, value string) []report.Section {
	args := []string{"/usr/bin/shop"}
	fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if validFlagName(key) {
		args = append(args, "-"+key, value, "--"+key+"="+value, "serve")
		fs.String(key, "", "")
		_ = fs.Set(key, value)
	}
	env := []string{"HOME=/home/app"}
	if validEnvName(key) {
		env = append(env, key+"="+value)
	}
	return []report.Section{
		&sections.Config{
			Args:     args,
			FlagSets: []*flag.FlagSet{fs},
			Values: map[string]any{
				"cfg":    map[string]string{key: value},
				"struct": struct{ V any }{V: map[string]any{key: []string{value}}},
			},
		},
		sections.Environment{Environ: env},
	}
}

func validFlagName(name string) bool {
	return name != "" && name[0] != '-' && !strings.Contains(name, "=")
}

func validEnvName(name string) bool {
	return name != "" && !strings.ContainsAny(name, "=\x00")
}

// FuzzSecretsInReport checks, for a random key and value, that a report
// never shows a value the rules mark secret:
//
//   - if the key is secret, the report is the same whatever the (non-empty)
//     value, so nothing of it can show, not even its length;
//   - whatever the key, the password of a URL inside the value does not
//     change the report either.
//
// Inputs that once failed are kept in testdata/fuzz/FuzzSecretsInReport.
func FuzzSecretsInReport(f *testing.F) {
	f.Add("DB_PASSWORD", "hunter2", "pw12")
	f.Add("API_TOKEN", "\x1b]0;title\a", "p4ss")
	f.Add("databaseURL", "postgres://app:", "s3cr3t")
	f.Add("x.auth.header", "Bearer abc", "zzzz")
	f.Add("keyboard_layout", "us", "pass")
	f.Add("PWD", "/srv", "abcd")
	f.Fuzz(func(t *testing.T, key, value, password string) {
		if strings.ContainsRune(value, 0) {
			return // no environment or command line can hold a NUL
		}
		if value != "" && isSecret(key) {
			got, other := render(t, sectionsWith(key, value)...), render(t, sectionsWith(key, value+"x")...)
			if got != other {
				t.Fatalf("the report shows something of the secret %q=%q", key, value)
			}
		}
		if len(password) < 4 || strings.Trim(password, urlChars) != "" {
			return
		}
		// A space keeps the URL apart from whatever the value ends with.
		withURL := func(pw string) string { return value + " postgres://user:" + pw + "@db/shop" }
		got, other := render(t, sectionsWith(key, withURL(password))...), render(t, sectionsWith(key, withURL(password+"x"))...)
		if got != other {
			t.Fatalf("the report shows something of the password %q in %q=%q", password, key, withURL(password))
		}
	})
}

// urlChars are the characters a fuzzed URL password is made of: those a
// URL's user info may hold, except ':' and '@'.
const urlChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~!$()+,;=%-"

// isSecret reports whether the environment section treats the variable key
// as secret; the config section uses the same rules.
func isSecret(key string) bool {
	if key == "PWD" || key == "OLDPWD" {
		return false
	}
	data, err := sections.Environment{Environ: []string{key + "=v"}}.Collect(context.Background())
	if err != nil || !validEnvName(key) {
		return false
	}
	vars := data.(*sections.EnvironmentReport).Variables
	return len(vars) == 1 && vars[0].Value == "***"
}

// TestEnvironmentEscapesInEveryFormat renders an environment variable that
// holds ANSI and OSC sequences: no format writes ESC, BEL or a C1 control
// raw, and the text format shows them as Go escapes.
func TestEnvironmentEscapesInEveryFormat(t *testing.T) {
	hijack := "\x1b]0;pwned\a" + // OSC 0: set the window title
		"\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\" + // OSC 8: a hyperlink
		"\x1b]52;c;ZWNobyBwd25lZA==\a" + // OSC 52: write the clipboard
		"\x1b[2J\x1b[31mred\x1b[0m" + // CSI: clear the screen, colours
		"\u009b31m\x9b\r\b" // C1 CSI, a stray 0x9b byte, CR, BS
	env := sections.Environment{Environ: []string{"TITLE=" + hijack, "NAME\x1b[8m=hidden"}}
	for _, f := range reportFormatters {
		r := &report.Report{}
		data, err := env.Collect(context.Background())
		require.NoError(t, err)
		r.Sections = []report.Result{{Name: env.Name(), Data: data}}
		var buf bytes.Buffer
		require.NoError(t, f.Format(&buf, r))
		out := buf.String()
		for _, c := range []string{"\x1b", "\a", "\u009b", "\x9b", "\r", "\b"} {
			require.NotContains(t, out, c, "%s output has a raw %q", f.Name(), c)
		}
		if f.Name() == "text" {
			require.Contains(t, out, `TITLE = "\x1b]0;pwned\a\x1b]8;;http://evil.example\x1b\\click`)
			require.Contains(t, out, `"NAME\x1b[8m" = hidden`)
		}
	}
}
