package gmr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/sections"
)

// lockedBuffer is a bytes.Buffer safe for the handler and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records parses out as JSON lines, one object per line, failing on any
// other line.
func records(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for line := range strings.Lines(out) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), "a JSON object per line: %q", line)
		require.True(t, strings.HasSuffix(line, "}\n"), "one object, one line: %q", line)
		recs = append(recs, rec)
	}
	return recs
}

// byLevel returns the records at level.
func byLevel(recs []map[string]any, level string) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["level"] == level {
			out = append(out, r)
		}
	}
	return out
}

func TestWithLoggerReceivesNoticeRecords(t *testing.T) {
	var logs, stderr lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	dir := t.TempDir()
	r, err := New(
		withGetenv(env(map[string]string{EnvLeakProfile: "maybe", EnvFormat: "text"})),
		WithDir(dir), WithLogger(logger), WithStderr(&stderr),
		WithOnlySections(sections.Goroutines{}), WithoutProfiles(),
	)
	require.NoError(t, err)
	defer r.Stop()

	var locs []string
	for _, trigger := range []string{"api", "panic: password=hunter2", "signal SIGUSR2"} {
		loc, err := r.report(context.Background(), trigger)
		require.NoError(t, err)
		require.Equal(t, dir, filepath.Dir(loc), "the report went to the directory")
		locs = append(locs, loc)
	}

	out := logs.String()
	assert.NotContains(t, out, "hunter2", "the trigger's secret never reaches the logger")
	assert.Empty(t, stderr.String(), "with a logger, stderr takes no notice (and no report: they went to the directory)")
	recs := records(t, out)
	for _, rec := range recs {
		assert.Equal(t, true, rec["gmr"], "every record says it is gmr's: %v", rec)
	}

	warns := byLevel(recs, "WARN")
	require.Len(t, warns, 1, "one warning, for GMR_LEAK_PROFILE: %s", out)
	assert.Equal(t, EnvLeakProfile, warns[0]["variable"])
	assert.Equal(t, `ignoring GMR_LEAK_PROFILE="maybe": not a boolean; the leak profile stays off`, warns[0]["msg"])
	assert.Contains(t, warns[0]["error"], "not a boolean")

	infos := byLevel(recs, "INFO")
	require.Len(t, infos, 3, "one summary per report: %s", out)
	wantTriggers := []string{"api", "panic: password=***", "signal SIGUSR2"}
	for i, rec := range infos {
		assert.Equal(t, locs[i], rec["location"], "the report's file")
		assert.Equal(t, wantTriggers[i], rec["trigger"], "the trigger, masked")
		// The message is masked whole, after the trigger: a masked value
		// runs to the next space, so "password=***)" loses its ")".
		assert.Regexp(t, `^report \(`+regexp.QuoteMeta(wantTriggers[i])+`\)? written to `+regexp.QuoteMeta(locs[i])+` in \S+$`, rec["msg"])
		assert.Greater(t, rec["duration_ms"], 0.0)
		assert.GreaterOrEqual(t, rec["goroutines"], 1.0, "the goroutine section's total")
		assert.NotContains(t, rec, "top_finding", "without a findings section the attribute is omitted")
		assert.NotEmpty(t, rec["time"])
	}
	assert.Empty(t, byLevel(recs, "ERROR"))
}

func TestSummaryNoticeCarriesTopFinding(t *testing.T) {
	var logs lockedBuffer
	r, err := New(
		WithDir(t.TempDir()), WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))), WithStderr(&lockedBuffer{}), WithoutProfiles(),
		WithOnlySections(sections.Findings{}, report.Func("queue", func(context.Context) (any, error) {
			return nil, errors.New("unreachable: password=hunter2")
		})),
	)
	require.NoError(t, err)
	defer r.Stop()
	_, err = r.Report(context.Background())
	require.NoError(t, err)
	infos := byLevel(records(t, logs.String()), "INFO")
	require.Len(t, infos, 1, "%s", logs.String())
	assert.Equal(t, "section_failed: section queue failed: unreachable: password=***", infos[0]["top_finding"])
	assert.NotContains(t, logs.String(), "hunter2")
}

func TestWithLoggerWarnsOnFallbackToStderr(t *testing.T) {
	var logs, stderr lockedBuffer
	dir := filepath.Join(t.TempDir(), "reports")
	r, err := New(WithDir(dir), WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))), WithStderr(&stderr),
		WithOnlySections(constSlice{}))
	require.NoError(t, err)
	require.NoError(t, os.RemoveAll(dir))
	loc, err := r.report(context.Background(), "panic: token=s3cr3t")
	require.NoError(t, err)
	assert.Equal(t, "stderr", loc)
	assert.Contains(t, stderr.String(), formatters.Footer, "the report still goes to WithStderr's writer")
	assert.NotContains(t, stderr.String(), "gmr: ", "the notice goes to the logger")

	recs := records(t, logs.String())
	warns := byLevel(recs, "WARN")
	require.Len(t, warns, 1, logs.String())
	assert.Contains(t, warns[0]["msg"], "cannot write report: create report file ")
	assert.Equal(t, "stderr", warns[0]["location"])
	assert.Equal(t, "panic: token=***", warns[0]["trigger"])
	assert.Contains(t, warns[0]["error"], "create report file")
	assert.NotContains(t, warns[0], "goroutines", "no goroutine section, no count")
	assert.Empty(t, byLevel(recs, "INFO"), "no summary: the report is on stderr")
}

// constSlice is a tiny section.
type constSlice struct{}

func (constSlice) Name() string                         { return "const" }
func (constSlice) Collect(context.Context) (any, error) { return []int{1}, nil }

// secretValuer is a LogValuer whose value holds a secret.
type secretValuer struct{}

func (secretValuer) LogValue() slog.Value { return slog.StringValue("password=valuer") }

func TestNoticeMasksEveryAttribute(t *testing.T) {
	var logs lockedBuffer
	r, err := New(WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))), WithStderr(&lockedBuffer{}),
		WithOnlySections(constSlice{}), WithSecretKeys("pin"))
	require.NoError(t, err)
	r.notice(slog.LevelError, "failed: password=msg",
		slog.String("s", "token=str"),
		slog.Any("err", errors.New("pin=err")),
		slog.Any("valuer", secretValuer{}),
		slog.Group("g", slog.String("inner", "api_key=grp"), slog.Int("n", 7)),
		slog.Any("map", map[string]string{"password": "anymap"}),
	)
	out := logs.String()
	for _, secret := range []string{"msg", "str", "err", "valuer", "grp", "anymap"} {
		assert.NotContains(t, out, "="+secret, "masked")
	}
	assert.NotContains(t, out, "anymap")
	recs := records(t, out)
	require.Len(t, recs, 1)
	rec := recs[0]
	assert.Equal(t, "ERROR", rec["level"])
	assert.Equal(t, "failed: password=***", rec["msg"])
	assert.Equal(t, "token=***", rec["s"])
	assert.Equal(t, "pin=***", rec["err"])
	assert.Equal(t, "password=***", rec["valuer"])
	assert.Equal(t, map[string]any{"inner": "api_key=***", "n": 7.0}, rec["g"], "groups keep their structure and numbers")
	assert.Equal(t, map[string]any{"password": "***"}, rec["map"], "other data is masked by its keys")
}

// panicHandler is a slog.Handler that panics.
type panicHandler struct{ slog.Handler }

func (panicHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (panicHandler) Handle(context.Context, slog.Record) error { panic("handler password=boom") }
func (h panicHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }

func TestNoticeSurvivesAPanickingHandler(t *testing.T) {
	var stderr lockedBuffer
	r, err := New(WithLogger(slog.New(panicHandler{})), WithStderr(&stderr), WithOnlySections(constSlice{}))
	require.NoError(t, err)
	r.notice(slog.LevelWarn, "a notice: token=t")
	assert.Equal(t, "gmr: a notice: token=*** (the notice's slog handler panicked: handler password=***)\n", stderr.String())
}

func TestWithLoggerNil(t *testing.T) {
	_, err := New(WithLogger(nil))
	assert.EqualError(t, err, "gmr: WithLogger: nil logger")
}

func TestNoticesWithoutLoggerFollowTheFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		opts []Option
	}{
		{"json", nil, []Option{WithFormat("json")}},
		{"GMR_FORMAT=jsonl", map[string]string{EnvFormat: "jsonl"}, nil},
		{"jsonl-sections", nil, []Option{WithFormat("jsonl-sections")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr lockedBuffer
			dir := t.TempDir()
			e := map[string]string{EnvSignal: "NOPE"}
			for k, v := range tc.env {
				e[k] = v
			}
			opts := append([]Option{withGetenv(env(e)), WithDir(dir), WithStderr(&stderr),
				WithOnlySections(sections.Goroutines{}), WithoutProfiles()}, tc.opts...)
			r, err := New(opts...)
			require.NoError(t, err)
			defer r.Stop()
			loc1, err := r.report(context.Background(), "api")
			require.NoError(t, err)
			loc2, err := r.report(context.Background(), "panic: secret=abc")
			require.NoError(t, err)
			r.notice(slog.LevelError, "two\nlines")

			out := stderr.String()
			assert.NotContains(t, out, "abc")
			recs := records(t, out)
			require.Len(t, recs, 4, "a warning, two summaries and one more notice, one line each: %s", out)
			assert.Equal(t, 4, strings.Count(out, "\n"))
			for _, rec := range recs {
				assert.Equal(t, true, rec["gmr"])
				assert.NotEmpty(t, rec["time"])
			}
			assert.Equal(t, "WARN", recs[0]["level"])
			assert.Equal(t, EnvSignal, recs[0]["variable"])
			assert.True(t, strings.HasPrefix(recs[0]["msg"].(string), `ignoring GMR_SIGNAL="NOPE": `), recs[0]["msg"])
			for i, loc := range []string{loc1, loc2} {
				assert.Equal(t, "INFO", recs[1+i]["level"])
				assert.Equal(t, loc, recs[1+i]["location"])
				assert.GreaterOrEqual(t, recs[1+i]["goroutines"], 1.0)
			}
			assert.Equal(t, "panic: secret=***", recs[2]["trigger"])
			assert.Equal(t, "ERROR", recs[3]["level"])
			assert.Equal(t, "two\nlines", recs[3]["msg"])
		})
	}
	t.Run("text", func(t *testing.T) {
		var stderr lockedBuffer
		dir := t.TempDir()
		r, err := New(withGetenv(env(map[string]string{EnvSignal: "NOPE", EnvFormat: "text"})), WithDir(dir), WithStderr(&stderr),
			WithOnlySections(constSlice{}), WithoutProfiles())
		require.NoError(t, err)
		defer r.Stop()
		loc, err := r.report(context.Background(), "panic: secret=abc")
		require.NoError(t, err)
		r.notice(slog.LevelError, "two\nlines")
		lines := strings.SplitAfter(stderr.String(), "\n")
		require.Len(t, lines, 4, stderr.String()) // three lines and the empty rest
		assert.True(t, strings.HasPrefix(lines[0], `gmr: ignoring GMR_SIGNAL="NOPE": `), lines[0])
		assert.Regexp(t, `^gmr: report \(panic: secret=\*\*\*\)? written to `+regexp.QuoteMeta(loc)+` in \S+\n$`, lines[1])
		assert.Equal(t, `gmr: two\nlines`+"\n", lines[2], "a notice is one line")
	})
}
