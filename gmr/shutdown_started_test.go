//go:build unix

package gmr_test

import (
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShutdownStarted runs a stripped service, where the signal-driven
// watchdog is off, that calls Reporter.ShutdownStarted twice from its own
// SIGTERM handler and then hangs: one report comes, the watchdog's time
// after the call, and the service keeps running.
func TestShutdownStarted(t *testing.T) {
	bin := buildWatchdogChild(t, "-ldflags=-s")
	dir := t.TempDir()
	c := startProgram(t, bin, []string{"GMR_DIR=" + dir, "GMR_SHUTDOWN_REPORT_AFTER=1s"}, "-shutdown-started")
	if runtime.GOOS == "linux" {
		waitFor(t, 10*time.Second, "the notice", func() bool {
			return strings.Contains(c.stderr.String(), "the service can call Reporter.ShutdownStarted where its own shutdown starts instead")
		})
	}
	sent := time.Now() // before the call, which the signal starts
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
	c.waitLine(t, 10*time.Second, "shutting down")

	var appeared time.Time
	waitFor(t, 20*time.Second, "the shutdown report", func() bool {
		appeared = time.Now()
		return len(reportsIn(t, dir)) > 0
	})
	assert.GreaterOrEqual(t, appeared.Sub(sent), time.Second)
	assert.Equal(t, "shutdown watchdog: still running 1s after ShutdownStarted", trigger(t, reportsIn(t, dir)[0]))
	assert.True(t, c.alive(), "the service decides when to exit")

	// A report asked for now comes after any second shutdown report would
	// have (both timers ran out together), and Stop waits for both.
	c.signal(t)
	waitFor(t, 20*time.Second, "the signalled report", func() bool { return len(reportsIn(t, dir)) >= 2 })
	c.stop(t)
	var shutdown int
	for _, p := range reportsIn(t, dir) {
		if strings.HasPrefix(trigger(t, p), "shutdown watchdog") {
			shutdown++
		}
	}
	assert.Equal(t, 1, shutdown, "one shutdown report, though ShutdownStarted was called twice")
}
