package gmr

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/sections"
)

// environmentSection resolves opts with the environment kv and returns the
// environment section the reporter would run.
func environmentSection(t *testing.T, kv map[string]string, opts ...Option) sections.Environment {
	t.Helper()
	opts = append(opts, withGetenv(func(k string) string { return kv[k] }))
	s, warnings, err := resolve(opts)
	require.NoError(t, err)
	require.Empty(t, warnings)
	for _, sec := range s.sections() {
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, environmentSection(t, tt.env, tt.opts...).Allow)
		})
	}
}

func TestEnvironmentSectionSettings(t *testing.T) {
	e := environmentSection(t, nil, WithSecretKeys("pin"))
	assert.Equal(t, []string{"pin"}, e.ExtraSecretKeys, "WithSecretKeys applies to the environment too")

	s, _, err := resolve([]Option{withGetenv(func(string) string { return "" })})
	require.NoError(t, err)
	var names []string
	for _, sec := range s.sections() {
		names = append(names, sec.Name())
	}
	require.GreaterOrEqual(t, len(names), 3)
	assert.Equal(t, []string{"package", "config", "environment"}, names[:3], "environment comes right after config")

	s, _, err = resolve([]Option{WithoutSections("environment"), withGetenv(func(string) string { return "" })})
	require.NoError(t, err)
	for _, sec := range s.sections() {
		assert.NotEqual(t, "environment", sec.Name())
	}
}
