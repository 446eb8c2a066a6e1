//go:build unix

package gmr_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr"
)

func TestStopLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t,
		goleak.IgnoreCurrent(),
		// os/signal's own relay goroutine starts with the first Notify in
		// the process and lives for the rest of it.
		goleak.IgnoreTopFunction("os/signal.signal_recv"),
		goleak.IgnoreTopFunction("os/signal.loop"),
	)
	dir := t.TempDir()
	trigger := filepath.Join(t.TempDir(), "trigger")
	var out syncBuffer
	r, err := gmr.Setup(gmr.WithDir(dir), gmr.WithStderr(&out), gmr.WithMinInterval(0),
		gmr.WithTriggerFile(trigger, 10*time.Millisecond),
		gmr.WithOnlySections(constSection("x", 1)))
	require.NoError(t, err)

	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR2))
	waitFor(t, 10*time.Second, "signal report", func() bool { return strings.Count(out.String(), "written to") == 1 })
	require.NoError(t, os.WriteFile(trigger, nil, 0o600))
	waitFor(t, 10*time.Second, "file report", func() bool { return strings.Count(out.String(), "written to") == 2 })
	require.Contains(t, out.String(), "report (file "+trigger+")")
	r.Stop()

	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	require.NoError(t, err)
	require.Len(t, files, 2, "two reports, and no crash file left after Stop")
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(string(b), formatters.Footer+"\n"))
}
