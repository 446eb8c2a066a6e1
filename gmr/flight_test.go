//go:build unix

package gmr_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// headerLine returns the value of key in a text report's header, or "".
func headerLine(t *testing.T, text, key string) string {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok && strings.TrimSpace(k) == key {
			return v
		}
	}
	return ""
}

func TestFlightRecorderTraceBesideReport(t *testing.T) {
	bin := buildWatchdogChild(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"alone", nil},
		// The runtime lets a flight recorder run beside the service's
		// own trace.Start.
		{"beside the service's trace", []string{"-own-trace"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			c := startProgram(t, bin, []string{"GMR_DIR=" + dir, "GMR_FLIGHT_RECORDER=10s"}, tc.args...)
			// The marked work runs 1.5 s before the report.
			c.send(t, "mark-then-report 1500ms")
			loc := strings.TrimPrefix(c.waitLine(t, 30*time.Second, "reported "), "reported ")
			b, err := os.ReadFile(loc)
			require.NoError(t, err)
			name := headerLine(t, string(b), "trace")
			require.Equal(t, strings.TrimSuffix(filepath.Base(loc), ".txt")+".trace", name, "the header names the trace:\n%.1500s", b)
			assert.Empty(t, headerLine(t, string(b), "trace_note"))
			path := filepath.Join(dir, name)
			fi, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

			// go tool trace reads the whole file, and it holds the
			// work done 1.5 s before the report.
			out, err := exec.Command("go", "tool", "trace", "-d=parsed", path).CombinedOutput()
			require.NoError(t, err, "go tool trace -d=parsed: %.2000s", out)
			parsed := string(out)
			assert.Contains(t, parsed, "watchdogchild-marked-region")
			assert.Contains(t, parsed, "marked-work-ran")
			assert.Contains(t, parsed, "watchdogchild-marked-task")
			c.stop(t)
		})
	}
}

func TestFlightRecorderNotes(t *testing.T) {
	bin := buildWatchdogChild(t)
	for _, tc := range []struct {
		name, note, notice string
		args, env          []string
	}{
		{
			name: "stderr",
			note: "no trace: the flight recorder's trace is written only beside a report in a report directory (GMR_DIR), and this report went to stderr",
		},
		{
			name:   "the service's own flight recorder",
			args:   []string{"-own-flight"},
			env:    []string{"GMR_DIR="},
			note:   "no trace: the flight recorder could not start (the runtime allows one per process: does the service run its own?)",
			notice: `"msg":"the flight recorder could not start`,
		},
		{
			name:   "invalid variable",
			env:    []string{"GMR_FLIGHT_RECORDER=lots"},
			notice: `the flight recorder stays off","gmr":true,"error":"GMR_FLIGHT_RECORDER=\"lots\": not a duration such as \"30s\"; the flight recorder stays off","variable":"GMR_FLIGHT_RECORDER"}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := append([]string{"GMR_FLIGHT_RECORDER=5s", "GMR_FORMAT=json"}, tc.env...)
			c := startProgram(t, bin, env, tc.args...)
			if tc.notice != "" {
				waitFor(t, 10*time.Second, "the notice", func() bool { return strings.Contains(c.stderr.String(), tc.notice) })
			}
			require.NoError(t, c.cmd.Process.Signal(syscall.SIGUSR2))
			var doc []byte
			waitFor(t, 20*time.Second, "the report on stderr", func() bool {
				i := strings.Index(c.stderr.String(), "{\n  \"schema_version\"")
				if i < 0 {
					return false
				}
				rest := c.stderr.String()[i:]
				j := strings.Index(rest, "\n}\n")
				if j < 0 {
					return false
				}
				doc = []byte(rest[:j+2])
				return true
			})
			validateReport(t, "", doc)
			var rep struct {
				Header map[string]any `json:"header"`
			}
			require.NoError(t, json.Unmarshal(doc, &rep))
			assert.NotContains(t, rep.Header, "trace")
			if tc.note == "" {
				assert.NotContains(t, rep.Header, "trace_note")
			} else {
				assert.Contains(t, rep.Header["trace_note"], tc.note)
			}
			c.stop(t)
		})
	}
}

func TestFlightRecorderWithholdsATraceWithASecret(t *testing.T) {
	bin := buildWatchdogChild(t)
	for _, cmd := range []string{
		"log-secret",          // trace.Log(ctx, "audit", "password=SECRET")
		"log-secret-category", // trace.Log(ctx, "db_password", "SECRET")
	} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			c := startProgram(t, bin, []string{"GMR_DIR=" + dir, "GMR_FLIGHT_RECORDER=10s"})
			const secret = "hunter2-trace-canary"
			c.send(t, cmd+" "+secret)
			c.waitLine(t, 10*time.Second, "logged")
			c.send(t, "mark-then-report 10ms")
			loc := strings.TrimPrefix(c.waitLine(t, 30*time.Second, "reported "), "reported ")
			b, err := os.ReadFile(loc)
			require.NoError(t, err)
			assert.Empty(t, headerLine(t, string(b), "trace"))
			assert.Contains(t, headerLine(t, string(b), "trace_note"), "no trace: the trace was withheld: it holds text that the masking rules treat as a secret")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries {
				assert.NotContains(t, e.Name(), ".trace", "no trace file, not even a temporary one")
				content, err := os.ReadFile(filepath.Join(dir, e.Name()))
				require.NoError(t, err)
				assert.NotContains(t, string(content), secret, e.Name())
			}
			c.stop(t)
		})
	}
}
