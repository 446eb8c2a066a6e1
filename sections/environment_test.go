package sections

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gmr-go/gmr/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collectEnv(t testing.TB, e Environment) *EnvironmentReport {
	t.Helper()
	return collectEnvWith(t, e, &redact.Redactor{})
}

// collectEnvWith collects e with red as the Reporter's redactor.
func collectEnvWith(t testing.TB, e Environment, red *redact.Redactor) *EnvironmentReport {
	t.Helper()
	data, err := e.Collect(redact.NewContext(context.Background(), red))
	require.NoError(t, err)
	rep, ok := data.(*EnvironmentReport)
	require.True(t, ok, "Collect returned %T", data)
	return rep
}

// envVars returns the variables of rep as "NAME=value" strings, with
// redacted ones marked by a trailing " !".
func envVars(rep *EnvironmentReport) []string {
	out := make([]string, len(rep.Variables))
	for i, v := range rep.Variables {
		out[i] = v.Name + "=" + v.Value
		if v.Redacted {
			out[i] += " !"
		}
	}
	return out
}

func envText(t testing.TB, rep *EnvironmentReport) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, rep.WriteText(&buf))
	return buf.String()
}

func TestEnvironmentName(t *testing.T) {
	assert.Equal(t, "environment", Environment{}.Name())
}

func TestEnvironmentRedaction(t *testing.T) {
	env := []string{
		// Secret by name.
		"API_TOKEN=tok-canary",
		"AWS_SECRET_ACCESS_KEY=aws-canary",
		"DB_PASSWORD=pw-canary",
		"GITHUB_TOKEN=gh-canary",
		"SESSION_KEY=sess-canary",
		"dbPassword=camel-canary",
		"SSH_AUTH_SOCK=/tmp/agent.sock",
		"EMPTY_SECRET=",
		// Secret inside the value.
		"DATABASE_URL=postgres://user:url-canary@db:5432/shop",
		"CURL_HEADER=Authorization: Bearer bearer-canary",
		"TLS_PEM=-----BEGIN PRIVATE KEY-----\npem-canary\n-----END PRIVATE KEY-----",
		"GH=ghp_0123456789abcdefghijklmnopqrstuv",
		"OPTS=-X main.token=ld-canary -v",
		// Near misses and ordinary variables stay visible.
		"KEYBOARD_LAYOUT=us",
		"MONKEY_COUNT=3",
		"TOKENIZER_MODEL=bpe",
		"AUTHOR_NAME=ann",
		"HOME=/home/app",
		"PWD=/srv/app",
		"OLDPWD=/srv",
		"EMPTY=",
		"NO_EQUALS",
		"=C:=C:\\app",
		"",
	}
	rep := collectEnv(t, Environment{Environ: env})
	assert.Equal(t, []string{
		"=",
		"=C:=C:\\app",
		"API_TOKEN=*** !",
		"AUTHOR_NAME=ann",
		"AWS_SECRET_ACCESS_KEY=*** !",
		"CURL_HEADER=Authorization: *** !",
		"DATABASE_URL=postgres://user:***@db:5432/shop !",
		"DB_PASSWORD=*** !",
		"EMPTY=",
		"EMPTY_SECRET=",
		"GH=ghp_*** !",
		"GITHUB_TOKEN=*** !",
		"HOME=/home/app",
		"KEYBOARD_LAYOUT=us",
		"MONKEY_COUNT=3",
		"NO_EQUALS=",
		"OLDPWD=/srv",
		"OPTS=-X main.token=*** -v !",
		"PWD=/srv/app",
		"SESSION_KEY=*** !",
		"SSH_AUTH_SOCK=*** !",
		"TLS_PEM=-----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY----- !",
		"TOKENIZER_MODEL=bpe",
		"dbPassword=*** !",
	}, envVars(rep))
	assert.False(t, rep.Allowlist)
	assert.Zero(t, rep.Hidden)
	assert.Zero(t, rep.Omitted)

	b, err := json.Marshal(rep)
	require.NoError(t, err)
	text := envText(t, rep)
	assert.Contains(t, text, "API_TOKEN = ***\n")
	for _, out := range []string{text, string(b)} {
		assert.NotContains(t, out, "canary")
		assert.NotContains(t, out, "0123456789abcdef")
	}
}

func TestEnvironmentExtraSecretKeys(t *testing.T) {
	env := []string{"CARD_PIN=1234", "PINNED=yes"}
	assert.Equal(t, []string{"CARD_PIN=1234", "PINNED=yes"}, envVars(collectEnv(t, Environment{Environ: env})))
	assert.Equal(t, []string{"CARD_PIN=*** !", "PINNED=yes"},
		envVars(collectEnvWith(t, Environment{Environ: env}, &redact.Redactor{Extra: []string{"pin"}})))
}

func TestEnvironmentAllowlist(t *testing.T) {
	env := []string{"HOME=/home/app", "API_TOKEN=secret-canary", "GMR_DIR=/var/gmr", "GMR_FORMAT=json", "LANG=C", "lang=c", "GMRX=1"}
	tests := []struct {
		name   string
		allow  []string
		want   []string
		hidden int
		text   string
	}{
		{"nil shows all", nil, []string{"API_TOKEN=*** !", "GMRX=1", "GMR_DIR=/var/gmr", "GMR_FORMAT=json", "HOME=/home/app", "LANG=C", "lang=c"}, 0, ""},
		{"names", []string{"HOME", "LANG", "MISSING"}, []string{"HOME=/home/app", "LANG=C"}, 5, "(allowlist: 5 other variables not shown)\n"},
		{"prefix", []string{"GMR_*"}, []string{"GMR_DIR=/var/gmr", "GMR_FORMAT=json"}, 5, ""},
		{"allowlisted secrets are still masked", []string{"API_TOKEN"}, []string{"API_TOKEN=*** !"}, 6, ""},
		{"star shows all", []string{"*"}, []string{"API_TOKEN=*** !", "GMRX=1", "GMR_DIR=/var/gmr", "GMR_FORMAT=json", "HOME=/home/app", "LANG=C", "lang=c"}, 0, "(allowlist: no other variables not shown)\n"},
		{"empty shows none", []string{}, []string{}, 7, "(no variables)\n(allowlist: 7 other variables not shown)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := collectEnv(t, Environment{Environ: env, Allow: tt.allow})
			assert.Equal(t, tt.want, envVars(rep))
			assert.Equal(t, tt.allow != nil, rep.Allowlist)
			assert.Equal(t, tt.hidden, rep.Hidden)
			text := envText(t, rep)
			assert.NotContains(t, text, "secret-canary")
			if tt.text != "" {
				assert.True(t, strings.HasSuffix(text, tt.text), "text ends with %q:\n%s", tt.text, text)
			}
		})
	}
}

func TestEnvironmentDefault(t *testing.T) {
	t.Setenv("GMR_TEST_ENV_TOKEN", "from-os-canary")
	t.Setenv("GMR_TEST_ENV_PLAIN", "plain value")
	rep := collectEnv(t, Environment{})
	assert.Contains(t, envVars(rep), "GMR_TEST_ENV_TOKEN=*** !")
	assert.Contains(t, envVars(rep), "GMR_TEST_ENV_PLAIN=plain value")
	assert.Len(t, rep.Variables, len(os.Environ()))
}

func TestEnvironmentBounds(t *testing.T) {
	env := make([]string, 0, envMaxVars+10)
	for i := range envMaxVars + 10 {
		env = append(env, fmt.Sprintf("V%04d=%d", i, i))
	}
	env = append(env, "LONG="+strings.Repeat("x", 40<<10), strings.Repeat("N", 1000)+"=1")
	rep := collectEnv(t, Environment{Environ: env})
	assert.Len(t, rep.Variables, envMaxVars)
	assert.Equal(t, 12, rep.Omitted)
	assert.Equal(t, "LONG", rep.Variables[0].Name)
	assert.Equal(t, strings.Repeat("x", configMaxValue)+"... (40960 bytes)", rep.Variables[0].Value)
	assert.Equal(t, strings.Repeat("N", configMaxKey)+"...", rep.Variables[1].Name)
	assert.Contains(t, envText(t, rep), "... 12 more not shown\n")
}

func TestEnvironmentWriteText(t *testing.T) {
	rep := &EnvironmentReport{Variables: []EnvironmentVariable{
		{Name: "A", Value: "plain"},
		{Name: "B", Value: "***", Redacted: true},
		{Name: "C", Value: "***"},
		{Name: "D", Value: ""},
		{Name: "TITLE", Value: "\x1b]0;pwned\a\x1b[2J\u009b31m"},
		{Name: "BAD\x1bNAME", Value: "\xff"},
	}}
	assert.Equal(t, `A = plain
B = ***
C = "***"
D = ""
TITLE = "\x1b]0;pwned\a\x1b[2J\u009b31m"
"BAD\x1bNAME" = "\xff"
`, envText(t, rep))
	assert.NoError(t, (&EnvironmentReport{}).WriteText(&bytes.Buffer{}))
	assert.EqualError(t, (&EnvironmentReport{}).WriteText(configFailWriter{}), "write environment report: disk full")
}

func TestEnvironmentCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data, err := Environment{Environ: []string{"A=1"}}.Collect(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.IsType(t, &EnvironmentReport{}, data)
}

func TestEnvironmentJSON(t *testing.T) {
	rep := collectEnv(t, Environment{Environ: []string{"A=1", "API_KEY=k"}, Allow: []string{"A", "API_KEY"}})
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.JSONEq(t, `{"variables":[{"name":"A","value":"1","redacted":false},{"name":"API_KEY","value":"***","redacted":true}],"allowlist":true,"hidden":0,"omitted":0}`, string(b))
}
