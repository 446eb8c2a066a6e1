package redact

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedactJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"user":"bob","password":"hunter2"}`, `{"user":"bob","password":"***"}`},
		{`{"db":{"host":"h","dbPassword":12345}}`, `{"db":{"host":"h","dbPassword":"***"}}`},
		{`{"credentials":{"user":"bob","pin":1}}`, `{"credentials":"***"}`},
		{`{"tokens":["a","b"],"n":1.50}`, `{"tokens":"***","n":1.50}`},
		{`{"api_key":"","session":null}`, `{"api_key":"","session":null}`},
		{`{"url":"postgres://u:hunter2@h/db"}`, `{"url":"postgres://u:***@h/db"}`},
		{`[{"keyboard_layout":"us","monkey_count":3}]`, `[{"keyboard_layout":"us","monkey_count":3}]`},
		{`"Bearer abcdef123456"`, `"Bearer ***"`},
		{`{"<b>":"x\u001b]0;t"}`, `{"<b>":"x\u001b]0;t"}`},
		{`null`, `null`},
	}
	for _, tt := range tests {
		got, err := Redactor{}.JSON([]byte(tt.in))
		require.NoError(t, err, tt.in)
		assert.JSONEq(t, tt.want, string(got), tt.in)
		assert.True(t, json.Valid(got))
	}
	got, err := Redactor{Extra: []string{"pin"}}.JSON([]byte(`{"pin":1234,"name":"x"}`))
	require.NoError(t, err)
	assert.Equal(t, `{"pin":"***","name":"x"}`, string(got))

	for _, bad := range []string{`{"a":`, `{"a":1}{`, `[1,`, ``} {
		_, err := Redactor{}.JSON([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
}

func FuzzRedactJSON(f *testing.F) {
	f.Add("password", "hunter2-canary", "name")
	f.Add("DB_TOKEN", "x", "y")
	f.Fuzz(func(t *testing.T, key, value, other string) {
		doc, err := json.Marshal(map[string]any{key: value, other: map[string]any{key: []string{value}}})
		if err != nil {
			return
		}
		out, err := Redactor{}.JSON(doc)
		require.NoError(t, err)
		require.True(t, json.Valid(out), "%s", out)
		var r Redactor
		if r.SecretKey(key) && len(value) >= 4 && !strings.Contains(key+other+Mask, value) {
			valJSON, _ := json.Marshal(value)
			assert.NotContains(t, string(out), string(valJSON[1:len(valJSON)-1]), "secret value leaked")
		}
	})
}
