package sections

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/gmr-go/gmr/internal/redact"
	"github.com/gmr-go/gmr/internal/textfmt"
)

// envMaxVars is the most variables the environment section shows; the rest
// are counted in EnvironmentReport.Omitted.
const envMaxVars = 1000

// envNotSecret are variables whose names the redaction rules would call
// secret but that every shell sets to something else: PWD is the working
// directory, not a password.
var envNotSecret = map[string]bool{"PWD": true, "OLDPWD": true}

// Environment is the "environment" section: the process's environment
// variables, in order of name, with secrets masked. Its zero value shows
// every variable.
//
// A variable is secret when its name is secret by the redaction rules, as
// in the config section: API_TOKEN, AWS_SECRET_ACCESS_KEY, DB_PASSWORD,
// GITHUB_TOKEN and SESSION_KEY are, KEYBOARD_LAYOUT is not (PWD and OLDPWD,
// which shells set to directories, are exempt). A secret variable is still
// listed, so that the operator knows it is set, but its value is shown as
// "***" unless it is empty. The values of other variables are searched for
// secrets of a recognisable form, which are masked in place: the password
// of a URL (DATABASE_URL=postgres://user:***@host/db), Bearer and Basic
// credentials, PEM private keys, tokens of well-known formats (ghp_...,
// xoxb-..., JWTs) and secret key=value pairs.
//
// With an allowlist (Allow), only the variables it names are shown, still
// redacted; the others are only counted.
//
// Collect copies the environment (os.Environ) once and stops nothing; it is
// safe for concurrent use. It shows at most 1,000 variables and 1 KiB of
// each value.
type Environment struct {
	// Allow, if not nil, names the only variables to show. A name ending
	// in "*" stands for every variable whose name starts with the rest:
	// "GMR_*". Names are compared exactly, case included. Optional: nil
	// shows every variable; an empty, non-nil list shows none (they are
	// only counted).
	Allow []string
	// Environ is the environment to show, as "NAME=value" strings in the
	// form os.Environ returns. Optional: nil means os.Environ() at the
	// time of each report.
	Environ []string
}

// EnvironmentReport is the data of the environment section. It implements
// report.TextWriter.
type EnvironmentReport struct {
	// Variables are the variables shown, in order of name.
	Variables []EnvironmentVariable `json:"variables"`
	// Allowlist reports whether only the variables named by
	// Environment.Allow are shown.
	Allowlist bool `json:"allowlist"`
	// Hidden counts the variables not shown because the allowlist does not
	// name them.
	Hidden int `json:"hidden"`
	// Omitted counts the variables left out because there were more than
	// the section shows.
	Omitted int `json:"omitted"`
}

// EnvironmentVariable is one environment variable.
type EnvironmentVariable struct {
	// Name is the variable's name.
	Name string `json:"name"`
	// Value is its value: "***" for a secret that is not empty, and a
	// truncated text ending "... (N bytes)" for a long one.
	Value string `json:"value"`
	// Redacted reports whether Value was masked, whole or in part.
	Redacted bool `json:"redacted"`
}

// Name returns "environment".
func (Environment) Name() string { return "environment" }

// Collect returns an *EnvironmentReport. If ctx is done before it has
// finished, it returns what it has with ctx.Err().
func (e Environment) Collect(ctx context.Context) (any, error) {
	env := e.Environ
	if env == nil {
		env = os.Environ()
	}
	r := *redact.FromContext(ctx)
	rep := &EnvironmentReport{Variables: []EnvironmentVariable{}, Allowlist: e.Allow != nil}
	type kv struct{ name, value string }
	vars := make([]kv, 0, len(env))
	for _, s := range env {
		name, value := envSplit(s)
		if !e.allowed(name) {
			rep.Hidden++
			continue
		}
		vars = append(vars, kv{name, value})
	}
	slices.SortStableFunc(vars, func(a, b kv) int { return strings.Compare(a.name, b.name) })
	if len(vars) > envMaxVars {
		rep.Omitted = len(vars) - envMaxVars
		vars = vars[:envMaxVars]
	}
	for i, v := range vars {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
		ev := EnvironmentVariable{Name: envName(v.name)}
		switch {
		case v.value == "":
		case !envNotSecret[v.name] && r.SecretKey(v.name):
			ev.Value, ev.Redacted = redact.Mask, true
		default:
			ev.Value, ev.Redacted = redactText(r, v.value)
		}
		rep.Variables = append(rep.Variables, ev)
	}
	return rep, nil
}

// allowed reports whether the allowlist lets the variable name be shown.
func (e Environment) allowed(name string) bool {
	if e.Allow == nil {
		return true
	}
	for _, a := range e.Allow {
		if prefix, ok := strings.CutSuffix(a, "*"); ok {
			if strings.HasPrefix(name, prefix) {
				return true
			}
		} else if a == name {
			return true
		}
	}
	return false
}

// envSplit splits "NAME=value" at the first "=" after the name's first
// character: on Windows, names such as "=C:" start with "=".
func envSplit(s string) (name, value string) {
	if s == "" {
		return "", ""
	}
	i := strings.IndexByte(s[1:], '=')
	if i < 0 {
		return s, ""
	}
	return s[:i+1], s[i+2:]
}

// envName bounds a variable's name to configMaxKey bytes.
func envName(s string) string {
	if len(s) > configMaxKey {
		return textfmt.Cut(s, configMaxKey) + "..."
	}
	return s
}

// WriteText writes the report as one line per variable:
//
//	API_TOKEN = ***
//	DATABASE_URL = postgres://app:***@db:5432/shop
//	HOME = /home/app
//	(allowlist: 40 other variables not shown)
//
// Names and values that are empty, have spaces at their ends or characters
// that are not printable are quoted, with Go escapes ("\x1b]0;...\a"), so a
// variable cannot take over the terminal of whoever reads the report.
func (r *EnvironmentReport) WriteText(w io.Writer) error {
	return writeBuffered(w, "environment", r == nil, func(buf *bytes.Buffer) { r.writeText(buf) })
}

func (r *EnvironmentReport) writeText(buf *bytes.Buffer) {
	for _, v := range r.Variables {
		fmt.Fprintf(buf, "%s = %s\n", configText(v.Name, false), configText(v.Value, v.Redacted))
	}
	if len(r.Variables) == 0 {
		buf.WriteString("(no variables)\n")
	}
	if r.Omitted > 0 {
		fmt.Fprintf(buf, "... %s more not shown\n", textfmt.Commas(r.Omitted))
	}
	if r.Allowlist {
		fmt.Fprintf(buf, "(allowlist: %s not shown)\n", envPlural(r.Hidden, "other variable"))
	}
}

// envPlural returns textfmt.Plural(n, noun), with "no" for zero.
func envPlural(n int, noun string) string {
	if n == 0 {
		return "no " + noun + "s"
	}
	return textfmt.Plural(n, noun)
}
