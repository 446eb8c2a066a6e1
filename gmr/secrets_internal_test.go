package gmr

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/sections"
)

// env returns a getenv that reads kv.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// resolveSections resolves opts with the environment kv and returns the
// sections the reporter would run, or the error New would return.
func resolveSections(t *testing.T, kv map[string]string, opts ...Option) ([]report.Section, error) {
	t.Helper()
	opts = append(opts, withGetenv(func(k string) string { return kv[k] }))
	s, warnings, err := resolve(opts)
	require.NoError(t, err)
	require.Empty(t, warnings)
	return s.sections()
}

// environmentSection returns the environment section the reporter would run.
func environmentSection(t *testing.T, kv map[string]string, opts ...Option) sections.Environment {
	t.Helper()
	secs, err := resolveSections(t, kv, opts...)
	require.NoError(t, err)
	for _, sec := range secs {
		if e, ok := sec.(sections.Environment); ok {
			return e
		}
	}
	t.Fatal("no environment section")
	return sections.Environment{}
}

func TestEnvironmentAllowlistPrecedence(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		env  map[string]string
		want []string
	}{
		{name: "default: no allowlist", want: nil},
		{name: "environment", env: map[string]string{EnvAllowlist: "HOME, LANG,,GMR_*"}, want: []string{"HOME", "LANG", "GMR_*"}},
		{name: "blank environment is no allowlist", env: map[string]string{EnvAllowlist: "  "}, want: nil},
		{name: "separators alone show none", env: map[string]string{EnvAllowlist: ","}, want: []string{}},
		{name: "option", opts: []Option{WithEnvironmentAllowlist("PATH")}, want: []string{"PATH"}},
		{name: "option over environment", opts: []Option{WithEnvironmentAllowlist("PATH")}, env: map[string]string{EnvAllowlist: "HOME"}, want: []string{"PATH"}},
		{name: "option without names shows none", opts: []Option{WithEnvironmentAllowlist()}, env: map[string]string{EnvAllowlist: "HOME"}, want: []string{}},
		{name: "later option wins", opts: []Option{WithEnvironmentAllowlist("A"), WithEnvironmentAllowlist("B")}, want: []string{"B"}},
		{name: "WithOnlySections keeps it", opts: []Option{WithEnvironmentAllowlist("PATH"), WithOnlySections(sections.Environment{})}, want: []string{"PATH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, environmentSection(t, tt.env, tt.opts...).Allow)
		})
	}
}

func queue(name string) report.Section {
	return report.Func(name, func(context.Context) (any, error) { return 1, nil })
}

func sectionNames(secs []report.Section) []string {
	names := make([]string, len(secs))
	for i, sec := range secs {
		names[i] = sec.Name()
	}
	return names
}

func TestSectionsComposeAndValidate(t *testing.T) {
	builtin := []string{"findings", "goroutines", "threads", "process", "heap", "config", "package", "environment"}
	tests := []struct {
		name    string
		opts    []Option
		want    []string
		wantErr string
	}{
		{name: "default", want: builtin},
		{name: "added after the built-ins", opts: []Option{WithSections(queue("queue"))}, want: append(builtin[:8:8], "queue")},
		{name: "without", opts: []Option{WithoutSections("environment", "heap")}, want: []string{"findings", "goroutines", "threads", "process", "config", "package"}},
		{name: "a built-in replaced in its place", opts: []Option{WithSections(sections.Goroutines{DetailMax: 5})}, want: builtin},
		{name: "a custom section in a built-in's place", opts: []Option{WithSections(queue("config"))}, want: builtin},
		{name: "only", opts: []Option{WithSections(queue("dropped")), WithOnlySections(queue("a"), sections.Heap{})}, want: []string{"a", "heap"}},
		{name: "unknown WithoutSections name", opts: []Option{WithoutSections("proces")}, wantErr: `unknown section "proces" (known: findings, goroutines, threads, process, heap, config, package, environment)`},
		{name: "repeated added name", opts: []Option{WithSections(queue("queue"), queue("queue"))}, wantErr: `two sections are named "queue"`},
		{name: "repeated only name", opts: []Option{WithOnlySections(sections.Heap{}, sections.Heap{})}, wantErr: `two sections are named "heap"`},
		{name: "empty name", opts: []Option{WithSections(queue(" "))}, wantErr: "has an empty name (built-in names: findings, goroutines"},
		{name: "a name too long for a title", opts: []Option{WithSections(queue(strings.Repeat("q", 65)))}, wantErr: "is over 64 bytes or holds unprintable characters"},
		{name: "an unprintable name", opts: []Option{WithSections(queue("queue\x1b[2J"))}, wantErr: "is over 64 bytes or holds unprintable characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secs, err := resolveSections(t, nil, tt.opts...)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				_, newErr := New(append(tt.opts, WithStderr(&discard{}))...)
				assert.Error(t, newErr, "New rejects it too")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, sectionNames(secs))
		})
	}
}

func TestReplacedSectionKeepsSettings(t *testing.T) {
	secs, err := resolveSections(t, nil, WithSections(sections.Goroutines{DetailMax: 5}))
	require.NoError(t, err)
	assert.Equal(t, sections.Goroutines{DetailMax: 5}, secs[1], "the replacement is in the built-in's place")

	own := &sections.Config{Values: map[string]any{"mine": 1}}
	secs, err = resolveSections(t, nil, WithConfig("app", 2), WithService("svc"), WithVersion("1.0"),
		WithOnlySections(own, sections.Package{}))
	require.NoError(t, err)
	cfg := secs[0].(*sections.Config)
	assert.Equal(t, map[string]any{"app": 2, "mine": 1}, cfg.Values, "WithConfig reaches a Config given to WithOnlySections")
	assert.Equal(t, map[string]any{"mine": 1}, own.Values, "the caller's section is copied, not changed")
	assert.Equal(t, sections.Package{Service: "svc", Version: "1.0"}, secs[1])
}

type discard struct{}

func (*discard) Write(p []byte) (int, error) { return len(p), nil }

func TestLeakProfileFromTheEnvironment(t *testing.T) {
	for _, tt := range []struct {
		env  string
		want bool
		warn bool
	}{{"", false, false}, {"1", true, false}, {"true", true, false}, {"0", false, false}, {"yes please", false, true}} {
		t.Run(tt.env, func(t *testing.T) {
			s, warnings, err := resolve([]Option{withGetenv(func(k string) string { return map[string]string{EnvLeakProfile: tt.env}[k] })})
			require.NoError(t, err)
			assert.Equal(t, tt.warn, len(warnings) == 1, "warnings: %v", warnings)
			secs, err := s.sections()
			require.NoError(t, err)
			assert.Equal(t, sections.Goroutines{LeakProfile: tt.want}, secs[1])
		})
	}
}
