//go:build unix

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// takeReport signals the svc child and returns the path of the new report
// file in dir, waiting for it to appear.
func takeReport(t *testing.T, p *proc, dir string) string {
	t.Helper()
	before, err := reportFiles(dir, p.pid)
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(p.pid, syscall.SIGUSR2))
	deadline := time.Now().Add(30 * time.Second)
	for {
		now, err := reportFiles(dir, p.pid)
		require.NoError(t, err)
		if n := newest(now, before); n != "" {
			return filepath.Join(dir, n)
		}
		require.True(t, time.Now().Before(deadline), "no report in 30s")
		require.True(t, p.running(), "svc exited")
		waitTick()
	}
}

// waitTick waits one poll interval of a loop that waits for an event.
func waitTick() { <-time.After(pollEvery) }

// twoReports returns two JSON reports of one svc child: OLD, then NEW
// after the child started 500 more goroutines in grownWorker.
func twoReports(t *testing.T) (oldPath, newPath string) {
	dir := t.TempDir()
	p := startProc(t, svcBin, []string{"XDG_RUNTIME_DIR=" + t.TempDir(), "GMR_DIR=" + dir, "GMR_FORMAT=json"})
	require.Equal(t, "grown 3", p.say(t, "grow 3"))
	oldPath = takeReport(t, p, dir)
	require.Equal(t, "grown 500", p.say(t, "grow 500"))
	newPath = takeReport(t, p, dir)
	return oldPath, newPath
}

func TestDiffRanksTheGrownGroupFirst(t *testing.T) {
	oldPath, newPath := twoReports(t)

	res := runGMR(t, nil, "diff", "--json", oldPath, newPath)
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	var d diffResult
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &d))
	require.NotNil(t, d.Goroutines)
	require.NotEmpty(t, d.Goroutines.Changed)
	first := d.Goroutines.Changed[0]
	assert.Equal(t, 500, first.Delta, "the grown group ranks first with +500: %+v", first)
	assert.Equal(t, 3, first.OldCount)
	assert.Equal(t, 503, first.NewCount)
	assert.Equal(t, "grew", first.Change)
	assert.True(t, hasFunction(first.Frames, "main.grownWorker"), "frames: %+v", first.Frames)
	assert.GreaterOrEqual(t, d.Goroutines.Delta, 500)
	assert.Equal(t, d.Old.PID, d.New.PID)
	require.NotNil(t, d.IntervalMS)
	assert.Positive(t, *d.IntervalMS)
	assert.Empty(t, d.Notes)

	names := map[string]figure{}
	for _, f := range d.Figures {
		names[f.Name] = f
	}
	for _, n := range []string{"goroutines", "os_threads", "rss_bytes", "fds", "heap_in_use_bytes", "gc_cycles", "gc_pause_p99_ms"} {
		assert.Contains(t, names, n)
	}
	assert.GreaterOrEqual(t, names["goroutines"].Delta, 500.0)

	// The text form says the same, first.
	res = runGMR(t, nil, "diff", oldPath, newPath)
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	_, groups, ok := strings.Cut(res.stdout, "\nGoroutines: ")
	require.True(t, ok, res.stdout)
	lines := strings.Split(groups, "\n")
	require.Greater(t, len(lines), 2)
	assert.Contains(t, lines[1], "+500")
	assert.Contains(t, lines[1], "3 -> 503")
	assert.Contains(t, groups, "main.grownWorker")
	assert.Less(t, strings.Index(groups, "main.grownWorker"), strings.Index(groups, "\n  ")+400, "grownWorker is in the first group")
	assert.Contains(t, res.stdout, "rss_bytes")
}

func hasFunction(frames []frame, fn string) bool {
	for _, f := range frames {
		if f.Function == fn {
			return true
		}
	}
	return false
}

func TestDiffRefusesTextReports(t *testing.T) {
	dir := t.TempDir()
	p := startProc(t, svcBin, []string{"XDG_RUNTIME_DIR=" + t.TempDir(), "GMR_DIR=" + dir})
	text := takeReport(t, p, dir)
	res := runGMR(t, nil, "diff", text, text)
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "this is a text report; gmr reads JSON reports (GMR_FORMAT=json)")
}

func TestLsListsReports(t *testing.T) {
	oldPath, newPath := twoReports(t)
	dir := filepath.Dir(oldPath)
	// A text report of another service, and files that are not reports.
	textDir := t.TempDir()
	p := startProc(t, svcBin, []string{"XDG_RUNTIME_DIR=" + t.TempDir(), "GMR_DIR=" + textDir})
	text := takeReport(t, p, textDir)
	b, err := os.ReadFile(text)
	require.NoError(t, err)
	textCopy := filepath.Join(dir, filepath.Base(text))
	require.NoError(t, os.WriteFile(textCopy, b, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".svc-x-1-000009.json.tmp"), []byte("{"), 0o600))

	res := runGMR(t, nil, "ls", "--json", dir)
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	var entries []lsEntry
	for line := range strings.Lines(res.stdout) {
		var e lsEntry
		require.NoError(t, json.Unmarshal([]byte(line), &e))
		entries = append(entries, e)
	}
	require.Len(t, entries, 3, "two JSON reports and one text report; no crash file, profile or other file: %s", res.stdout)
	byFile := map[string]lsEntry{}
	for _, e := range entries {
		byFile[filepath.Base(e.File)] = e
	}
	o, n, tx := byFile[filepath.Base(oldPath)], byFile[filepath.Base(newPath)], byFile[filepath.Base(text)]
	assert.Equal(t, "svc", o.Service)
	assert.Equal(t, "signal SIGUSR2", o.Trigger)
	require.NotNil(t, o.Goroutines)
	require.NotNil(t, n.Goroutines)
	assert.GreaterOrEqual(t, *n.Goroutines-*o.Goroutines, 500)
	assert.Equal(t, p.pid, tx.PID, "the text report's header is read")
	assert.Nil(t, tx.Goroutines)
	assert.NotEmpty(t, tx.Time)
	assert.LessOrEqual(t, entries[0].Time, entries[1].Time, "oldest first")

	res = runGMR(t, nil, "ls", dir)
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	require.Len(t, lines, 4)
	assert.Contains(t, lines[0], "TIME")
	assert.Contains(t, lines[0], "TOP FINDING")
	assert.Contains(t, res.stdout, filepath.Base(newPath))
}
