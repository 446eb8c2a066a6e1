package gmr_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr"
)

// buildWatchdogChild builds testdata/watchdogchild into a temporary
// directory of t's, with extra go build flags, and returns its path.
func buildWatchdogChild(t *testing.T, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "watchdogchild")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	args := append(append([]string{"build", "-o", bin}, flags...), "../testdata/watchdogchild")
	out, err := exec.Command("go", args...).CombinedOutput()
	require.NoError(t, err, "build watchdogchild: %s", out)
	return bin
}

// waitLine waits until the child's stdout holds a line starting with
// prefix, and returns that line.
func (c *child) waitLine(t *testing.T, timeout time.Duration, prefix string) string {
	t.Helper()
	var line string
	waitFor(t, timeout, "child line "+prefix, func() bool {
		for _, l := range strings.Split(c.stdout.String(), "\n") {
			if strings.HasPrefix(l, prefix) {
				line = l
				return true
			}
		}
		return false
	})
	return line
}

// reportsIn returns the report files (not profiles, traces or crash
// files) in dir, sorted by name, which is by time.
func reportsIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "-crash.txt") || !strings.HasSuffix(n, ".txt") {
			continue
		}
		names = append(names, filepath.Join(dir, n))
	}
	return names
}

// trigger returns the trigger line of a text report.
func trigger(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok && strings.TrimSpace(k) == "trigger" {
			return v
		}
	}
	t.Fatalf("no trigger in %s:\n%.2000s", path, b)
	return ""
}

func TestHeartbeatMissInChild(t *testing.T) {
	dir := t.TempDir()
	c := startProgram(t, buildWatchdogChild(t), []string{"GMR_DIR=" + dir}, "-heartbeat")

	// A loop that beats every 20 ms, for a heartbeat of 1 s, never
	// misses.
	c.send(t, "ping")
	c.waitLine(t, 10*time.Second, "pong")
	require.Empty(t, reportsIn(t, dir))

	c.send(t, "beat-off")
	waitFor(t, 10*time.Second, "the first heartbeat report", func() bool { return len(reportsIn(t, dir)) >= 1 })
	first := reportsIn(t, dir)
	require.Len(t, first, 1)
	tr := trigger(t, first[0])
	assert.Contains(t, tr, `heartbeat "queue-consumer" missed: no beat for `)
	assert.Contains(t, tr, "(expected every 1s)")

	// Beating again re-arms it; the next miss is a second report, and the
	// first miss made only the one.
	c.send(t, "beat-on")
	c.waitLine(t, 10*time.Second, "beating")
	c.send(t, "beat-off")
	waitFor(t, 10*time.Second, "the second heartbeat report", func() bool { return len(reportsIn(t, dir)) >= 2 })
	c.send(t, "ping")
	c.waitLine(t, 10*time.Second, "pong")
	reports := reportsIn(t, dir)
	require.Len(t, reports, 2, "one report per miss")
	assert.Contains(t, trigger(t, reports[1]), `heartbeat "queue-consumer" missed`)
	c.stop(t)
}

// heartbeatReporter returns a Reporter that writes to dir and sends each
// report's trigger, read back from its file, to the returned channel.
func heartbeatReporter(t *testing.T) (*gmr.Reporter, <-chan string) {
	t.Helper()
	dir := t.TempDir()
	triggers := make(chan string, 16)
	r, err := gmr.New(gmr.WithDir(dir), gmr.WithOnlySections(), gmr.WithStderr(io.Discard), gmr.WithOnReport(func(loc string, err error) {
		if err == nil {
			triggers <- trigger(t, loc)
		}
	}))
	require.NoError(t, err)
	t.Cleanup(r.Stop)
	return r, triggers
}

func TestHeartbeatOneReportPerMiss(t *testing.T) {
	r, triggers := heartbeatReporter(t)
	quiet := r.Heartbeat("quiet", 50*time.Millisecond)
	busy := r.Heartbeat("busy", time.Hour)
	defer busy.Stop()

	tr := <-triggers
	assert.Contains(t, tr, `heartbeat "quiet" missed`)
	assert.NotContains(t, tr, "busy")
	// Missed, and not beating: no second report until a Beat.
	select {
	case tr := <-triggers:
		t.Fatalf("a second report without a beat: %s", tr)
	case <-time.After(300 * time.Millisecond):
	}
	quiet.Beat()
	assert.Contains(t, <-triggers, `heartbeat "quiet" missed`)
	quiet.Stop()
	quiet.Beat() // after Stop: nothing
	select {
	case tr := <-triggers:
		t.Fatalf("a report for a stopped heartbeat: %s", tr)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestHeartbeatsThatMissTogetherShareAReport(t *testing.T) {
	r, triggers := heartbeatReporter(t)
	// Not watched until the lock is released: both are due when the
	// watcher looks.
	for _, name := range []string{"a", "b"} {
		defer r.Heartbeat(name, 10*time.Millisecond).Stop()
	}
	tr := <-triggers
	if !strings.Contains(tr, `"a"`) || !strings.Contains(tr, `"b"`) {
		// They were added a moment apart: the second may be its own
		// report.
		tr += <-triggers
	}
	assert.Contains(t, tr, `heartbeat "a" missed`)
	assert.Contains(t, tr, `heartbeat "b" missed`)
}

func TestHeartbeatNilAndInvalid(t *testing.T) {
	var r *gmr.Reporter
	hb := r.Heartbeat("x", time.Second)
	assert.Nil(t, hb)
	hb.Beat()
	hb.Stop()
	assert.Empty(t, hb.Name())

	var notices strings.Builder
	r2, err := gmr.New(gmr.WithStderr(&notices), gmr.WithOnlySections())
	require.NoError(t, err)
	defer r2.Stop()
	assert.Nil(t, r2.Heartbeat("zero", 0))
	assert.Contains(t, notices.String(), `gmr: heartbeat "zero": period 0s is not positive`)

	r2.Stop()
	assert.Nil(t, r2.Heartbeat("late", time.Second), "a heartbeat after Stop is never watched")
	_, err = r2.Report(context.Background())
	require.NoError(t, err)
}

// BenchmarkHeartbeatBeat is the cost of Beat in the loop it watches, and
// when every core beats the same heartbeat.
func BenchmarkHeartbeatBeat(b *testing.B) {
	r, err := gmr.New(gmr.WithOnlySections(), gmr.WithStderr(io.Discard))
	require.NoError(b, err)
	defer r.Stop()
	hb := r.Heartbeat("bench", time.Hour)
	defer hb.Stop()
	b.Run("one-loop", func(b *testing.B) {
		for b.Loop() {
			hb.Beat()
		}
	})
	b.Run("all-cores", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				hb.Beat()
			}
		})
	})
}
