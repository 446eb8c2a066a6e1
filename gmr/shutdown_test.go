//go:build linux

package gmr_test

import (
	"fmt"
	"strings"

	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShutdownWatchdogReportsWhenTheServiceHandlesTheSignal(t *testing.T) {
	bin := buildWatchdogChild(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			c := startProgram(t, bin, []string{"GMR_DIR=" + dir, "GMR_SHUTDOWN_REPORT_AFTER=2s"}, "-handle-term")
			sent := time.Now()
			require.NoError(t, c.cmd.Process.Signal(sig))
			// The service's own handler got it, at once, and once.
			c.waitLine(t, 10*time.Second, fmt.Sprintf("got %v 1", sig))

			var appeared time.Time
			waitFor(t, 20*time.Second, "the shutdown report", func() bool {
				if len(reportsIn(t, dir)) > 0 {
					appeared = time.Now()
					return true
				}
				return false
			})
			elapsed := appeared.Sub(sent)
			assert.GreaterOrEqual(t, elapsed, 2*time.Second)
			assert.Less(t, elapsed, 10*time.Second, "well before the service's own 60 s")
			reports := reportsIn(t, dir)
			require.Len(t, reports, 1)
			assert.Equal(t, fmt.Sprintf("shutdown watchdog: still running 2s after %s", unixSignalName(sig)), trigger(t, reports[0]))
			assert.True(t, c.alive(), "the service decides when to exit")

			// A second signal reaches the service's handler alone: gmr
			// listened only for the first, and never passed on a copy.
			require.NoError(t, c.cmd.Process.Signal(sig))
			c.waitLine(t, 10*time.Second, fmt.Sprintf("got %v 2", sig))
			c.send(t, "ping")
			c.waitLine(t, 10*time.Second, "pong")
			assert.NotContains(t, c.stdout.String(), fmt.Sprintf("got %v 3", sig))
			c.stop(t)
		})
	}
}

func unixSignalName(sig syscall.Signal) string {
	return map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[sig]
}

// exitSignal waits for the child to exit and returns the signal that
// ended it, failing the test if it exited otherwise.
func (c *child) exitSignal(t *testing.T) syscall.Signal {
	t.Helper()
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("child still running\nstderr:\n%s", c.stderr.String())
	}
	ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, ws.Signaled(), "child exit: %v\nstderr:\n%s", c.cmd.ProcessState, c.stderr.String())
	return ws.Signal()
}

func TestShutdownWatchdogKeepsTheDefaultExit(t *testing.T) {
	bin := buildWatchdogChild(t)
	stripped := buildWatchdogChild(t, "-ldflags=-s")
	for _, tc := range []struct {
		name   string
		bin    string
		sig    syscall.Signal
		notice string
	}{
		{"SIGTERM", bin, syscall.SIGTERM, ""},
		{"SIGINT", bin, syscall.SIGINT, ""},
		{"stripped", stripped, syscall.SIGTERM, "gmr: the shutdown watchdog (GMR_SHUTDOWN_REPORT_AFTER) is off: the executable has no symbol table"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			c := startProgram(t, tc.bin, []string{"GMR_DIR=" + dir, "GMR_SHUTDOWN_REPORT_AFTER=1s"})
			if tc.notice != "" {
				waitFor(t, 10*time.Second, "the notice", func() bool { return strings.Contains(c.stderr.String(), tc.notice) })
			}
			require.NoError(t, c.cmd.Process.Signal(tc.sig))
			assert.Equal(t, tc.sig, c.exitSignal(t), "a service without a handler exits by the signal, as without gmr")
			assert.Empty(t, reportsIn(t, dir))
			assert.NotContains(t, c.stderr.String(), "ignoring", "no other notice")
		})
	}
}

func TestShutdownWatchdogOff(t *testing.T) {
	bin := buildWatchdogChild(t)
	for _, tc := range []struct {
		name, env, notice string
	}{
		{"unset", "", ""},
		{"invalid", "GMR_SHUTDOWN_REPORT_AFTER=soon", `gmr: ignoring GMR_SHUTDOWN_REPORT_AFTER="soon": not a duration such as "30s"; the shutdown watchdog stays off`},
		{"negative", "GMR_SHUTDOWN_REPORT_AFTER=-1s", `gmr: ignoring GMR_SHUTDOWN_REPORT_AFTER="-1s": not positive; the shutdown watchdog stays off`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := startProgram(t, bin, []string{"GMR_DIR=" + t.TempDir(), tc.env}, "-handle-term")
			if tc.notice != "" {
				waitFor(t, 10*time.Second, "the notice", func() bool { return strings.Contains(c.stderr.String(), tc.notice) })
			}
			require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
			c.waitLine(t, 10*time.Second, "got terminated 1")
			c.stop(t)
		})
	}
}

// A service started with SIGINT ignored (nohup, a background job) keeps it
// ignored with the watchdog on: listening would undo that.
func TestShutdownWatchdogLeavesAnIgnoredSignalIgnored(t *testing.T) {
	bin := buildWatchdogChild(t)
	dir := t.TempDir()
	// The child inherits the ignored disposition, as from nohup: sh sets
	// it, and exec keeps it. (signal.Ignore in the test process could not
	// be undone: signal.Reset does not restore an ignored signal's
	// disposition, and later children would inherit it.)
	c := startProgram(t, "/bin/sh", []string{"GMR_DIR=" + dir, "GMR_SHUTDOWN_REPORT_AFTER=100ms"}, "-c", "trap '' INT; exec "+bin)
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGINT))
	c.send(t, "ping")
	c.waitLine(t, 10*time.Second, "pong")
	assert.True(t, c.alive(), "SIGINT is still ignored")
	// SIGTERM, not ignored, is watched: the service has no handler, so
	// it exits by it.
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, syscall.SIGTERM, c.exitSignal(t))
	assert.Empty(t, reportsIn(t, dir))
}

// TestShutdownWatchdogNotifyContext runs a service that stops listening as
// soon as SIGTERM has come (signal.NotifyContext, then stop()), drains and
// exits cleanly: gmr must count it as a listener, from before the signal,
// and not raise the signal again, which would kill it mid-drain. On one
// processor gmr's goroutine most often runs after the service's stop().
func TestShutdownWatchdogNotifyContext(t *testing.T) {
	bin := buildWatchdogChild(t)
	for i := range 5 {
		c := startProgram(t, bin, []string{"GMR_SHUTDOWN_REPORT_AFTER=5s", "GOMAXPROCS=1"}, "-notify-context")
		c.waitLine(t, 10*time.Second, "listening") // up for longer than gmr's sampling period
		require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
		select {
		case <-c.exited:
		case <-time.After(20 * time.Second):
			t.Fatalf("run %d: child still running\nstderr:\n%s", i, c.stderr.String())
		}
		require.True(t, c.cmd.ProcessState.Success(), "run %d: the service drained and exited by itself, not by the signal: %v", i, c.cmd.ProcessState)
		assert.Contains(t, c.stdout.String(), "drained")
	}
}
