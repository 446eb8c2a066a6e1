//go:build unix

package gmr_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr"
)

// canary returns a random value that cannot appear in a report by chance.
func canary(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// terminalHijack is an environment variable's value that would set the
// terminal's title, clear it and turn it red if it reached a terminal raw.
const terminalHijack = "\x1b]0;pwned\a\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\\x1b[2J\x1b[31mred\x1b[0m\u009b31m\x9b"

// TestSecretsNeverLeaveTheProcess starts a real child with secrets in a
// flag on its command line, in its environment and in a registered config
// struct, signals it, and checks that no secret appears in the report, in
// every format and to both sinks, while every secret's key is still
// listed.
func TestSecretsNeverLeaveTheProcess(t *testing.T) {
	var (
		flagSecret  = canary(t)
		apiToken    = canary(t)
		awsSecret   = canary(t)
		urlPassword = canary(t)
		fieldSecret = canary(t)
	)
	secrets := map[string]string{
		"-db-password flag":               flagSecret,
		"API_TOKEN":                       apiToken,
		"AWS_SECRET_ACCESS_KEY":           awsSecret,
		"DATABASE_URL password":           urlPassword,
		"secret-tagged field app.license": fieldSecret,
	}
	env := []string{
		"API_TOKEN=" + apiToken,
		"AWS_SECRET_ACCESS_KEY=" + awsSecret,
		"DATABASE_URL=postgres://user:" + urlPassword + "@db.example.com:5432/shop",
		"CHILD_SECRET_FIELD=" + fieldSecret,
		"GMR_TEST_TITLE=" + terminalHijack,
		"GMR_ENV_ALLOW=",
		"GMR_SIGNAL=",
	}
	args := []string{"-db-password", flagSecret, "-secret-config"}
	// Keys that must still be listed, so the operator knows they are set.
	keys := []string{"API_TOKEN", "AWS_SECRET_ACCESS_KEY", "DATABASE_URL", "db-password", "app.license", "CHILD_SECRET_FIELD", "postgres://user:***@db.example.com:5432/shop"}

	checkSecrets := func(t *testing.T, what, out string) {
		t.Helper()
		for name, secret := range secrets {
			assert.NotContains(t, out, secret, "%s: the %s is shown", what, name)
		}
	}
	check := func(t *testing.T, what, out string) {
		t.Helper()
		checkSecrets(t, what, out)
		assert.NotContains(t, out, "\x1b", "%s: a raw ESC", what)
		assert.NotContains(t, out, "\a", "%s: a raw BEL", what)
		assert.NotContains(t, out, "\u009b", "%s: a raw C1 CSI", what)
		assert.NotContains(t, out, "\x9b", "%s: a raw 0x9b byte", what)
	}
	checkKeys := func(t *testing.T, what, out string) {
		t.Helper()
		for _, k := range keys {
			assert.Contains(t, out, k, "%s: %s is listed", what, k)
		}
		assert.Contains(t, out, "GMR_TEST_TITLE", "%s: the variable with escapes is listed", what)
	}

	names := gmr.FormatNames()
	require.Contains(t, names, "text")
	for _, format := range names {
		t.Run(format+"/dir", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "reports")
			c := startChild(t, append(env, "GMR_FORMAT="+format, "GMR_DIR="+dir), args...)
			c.signal(t)
			waitFor(t, 20*time.Second, "a report file", func() bool {
				for _, name := range reportFiles(t, dir) {
					if !strings.HasSuffix(name, ".gz") {
						return true
					}
				}
				return false
			})
			waitFor(t, 5*time.Second, "the notice on stderr", func() bool { return strings.Contains(c.stderr.String(), dir) })
			c.stop(t)

			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			var reports strings.Builder
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				require.NoError(t, err)
				switch {
				case strings.HasSuffix(e.Name(), ".gz"):
					// A profile: binary, but it must not hold a
					// secret either.
					zr, err := gzip.NewReader(bytes.NewReader(b))
					require.NoError(t, err, e.Name())
					raw, err := io.ReadAll(zr)
					require.NoError(t, err, e.Name())
					checkSecrets(t, e.Name(), string(raw))
					checkSecrets(t, e.Name(), string(b))
				case strings.HasPrefix(e.Name(), ".") || strings.HasSuffix(e.Name(), "-crash.txt"):
					check(t, e.Name(), string(b))
				default:
					check(t, e.Name(), string(b))
					reports.Write(b)
				}
			}
			require.NotZero(t, reports.Len(), "no report in %s", dir)
			checkKeys(t, format+" report", reports.String())
			check(t, "stderr", c.stderr.String())
			check(t, "stdout", c.stdout.String())
			if format == "text" {
				checkText(t, reports.String())
			}
		})
	}

	t.Run("text/stderr", func(t *testing.T) {
		c := startChild(t, append(env, "GMR_FORMAT=text", "GMR_DIR="), args...)
		c.signal(t)
		waitFor(t, 20*time.Second, "a report on stderr", func() bool {
			return strings.Contains(c.stderr.String(), formatters.Footer)
		})
		c.stop(t)
		out := c.stderr.String()
		check(t, "stderr", out)
		checkKeys(t, "stderr", out)
		checkText(t, out)
	})
}

// checkText checks how the text report shows the child's secrets.
func checkText(t *testing.T, report string) {
	t.Helper()
	for _, line := range []string{
		"API_TOKEN = ***",
		"AWS_SECRET_ACCESS_KEY = ***",
		"CHILD_SECRET_FIELD = ***",
		"DATABASE_URL = postgres://user:***@db.example.com:5432/shop",
		"-db-password = *** (set; default \"\")",
		"app.license = ***",
		"app.database_url = postgres://user:***@db.example.com:5432/shop",
		`GMR_TEST_TITLE = "\x1b]0;pwned\a`,
	} {
		assert.Contains(t, report, line)
	}
	assert.Regexp(t, `(?m)^command line: \S+ -db-password \*\*\* -secret-config$`, report)
	assert.Regexp(t, `(?m)^==== +Environment +====$`, report)
}
