//go:build unix

package gmr_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/gmr/report"
)

func constSection(name string, v any) report.Section {
	return report.Func(name, func(context.Context) (any, error) { return v, nil })
}

func TestSetupInProcessSignalAndStop(t *testing.T) {
	var out syncBuffer
	r, err := gmr.Setup(gmr.WithStderr(&out), gmr.WithOnlySections(constSection("answer", 42)))
	require.NoError(t, err)

	_, err = gmr.Setup()
	require.ErrorIs(t, err, gmr.ErrAlreadySetup, "a second Setup while the first is active")

	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR2))
	waitFor(t, 10*time.Second, "report on stderr", func() bool {
		return strings.Contains(out.String(), formatters.Footer)
	})
	assert.Contains(t, out.String(), "trigger = signal SIGUSR2")
	assert.Contains(t, out.String(), "42")

	r.Stop()
	r.Stop() // idempotent

	// After Stop the signal is ignored: it neither kills this test process
	// nor makes a report.
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR2))
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 1, strings.Count(out.String(), formatters.Footer))

	// The on-demand API still works after Stop.
	var buf bytes.Buffer
	require.NoError(t, r.WriteReport(context.Background(), &buf))
	assert.Contains(t, buf.String(), "trigger = api")

	// And Setup may be called again.
	r2, err := gmr.Setup(gmr.WithStderr(&out), gmr.WithOnlySections(constSection("again", 1)))
	require.NoError(t, err)
	r2.Stop()
}

func TestReportTimesOutHungSection(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hung := report.Func("hung", func(ctx context.Context) (any, error) {
		<-release // ignores ctx, as a buggy section might
		return nil, nil
	})
	r, err := gmr.New(gmr.WithTimeout(200*time.Millisecond), gmr.WithOnlySections(hung, constSection("fine", "ok")))
	require.NoError(t, err)

	var buf bytes.Buffer
	start := time.Now()
	require.NoError(t, r.WriteReport(context.Background(), &buf))
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Regexp(t, `error: timed out after \d+ms: context deadline exceeded`, buf.String())
	assert.Contains(t, buf.String(), "\nok\n", "the other section still renders")
}

func TestDirFallsBackToStderr(t *testing.T) {
	t.Run("unusable GMR_DIR at setup", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.WriteFile(file, nil, 0o600))
		t.Setenv(gmr.EnvDir, filepath.Join(file, "reports"))
		var out syncBuffer
		r, err := gmr.New(gmr.WithStderr(&out), gmr.WithOnlySections(constSection("x", 1)))
		require.NoError(t, err, "an operator's bad GMR_DIR must not disable reports")
		assert.Contains(t, out.String(), `gmr: ignoring GMR_DIR=`)
		loc, err := r.Report(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "stderr", loc)
		assert.Contains(t, out.String(), formatters.Footer)
	})
	t.Run("directory removed after setup", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "reports")
		var out syncBuffer
		r, err := gmr.New(gmr.WithDir(dir), gmr.WithStderr(&out), gmr.WithOnlySections(constSection("x", 1)))
		require.NoError(t, err)
		require.NoError(t, os.RemoveAll(dir))
		loc, err := r.Report(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "stderr", loc)
		assert.Contains(t, out.String(), "gmr: cannot write report: create report file ")
		assert.Contains(t, out.String(), formatters.Footer, "the report is not lost")
	})
}

type panickyFormatter struct{}

func (panickyFormatter) Name() string      { return "panicky" }
func (panickyFormatter) Extension() string { return "pnk" }
func (panickyFormatter) Format(io.Writer, *report.Report) error {
	panic("formatter exploded")
}

func TestPanickingFormatterFallsBackToText(t *testing.T) {
	var out syncBuffer
	r, err := gmr.New(gmr.WithFormatter(panickyFormatter{}), gmr.WithStderr(&out), gmr.WithOnlySections(constSection("x", "still here")))
	require.NoError(t, err)
	_, err = r.Report(context.Background())
	require.NoError(t, err)
	assert.Contains(t, out.String(), `gmr: formatter "panicky" failed: formatter panicked: formatter exploded; writing the report as text`)
	assert.Contains(t, out.String(), "still here")
	assert.Contains(t, out.String(), formatters.Footer)
}

// Stop leaves other code's handling of the same signal alone.
func TestStopKeepsOtherNotify(t *testing.T) {
	mine := make(chan os.Signal, 1)
	signal.Notify(mine, syscall.SIGUSR2)
	defer signal.Stop(mine)

	var out syncBuffer
	r, err := gmr.Setup(gmr.WithStderr(&out), gmr.WithOnlySections(constSection("x", 1)))
	require.NoError(t, err)
	r.Stop()

	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR2))
	select {
	case <-mine:
	case <-time.After(5 * time.Second):
		t.Fatal("the program's own signal.Notify got nothing after gmr's Stop")
	}
}

// The OnReport function may call Report (it runs after the report's lock is
// released).
func TestOnReportMayReport(t *testing.T) {
	var out syncBuffer
	var r *gmr.Reporter
	calls := 0
	r, err := gmr.New(gmr.WithStderr(&out), gmr.WithOnlySections(constSection("x", 1)),
		gmr.WithOnReport(func(string, error) {
			calls++
			if calls == 1 {
				_, err := r.Report(context.Background())
				assert.NoError(t, err)
			}
		}))
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Report(context.Background()) //nolint:errcheck // checked through out
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Report from OnReport deadlocked")
	}
	assert.Equal(t, 2, calls)
	assert.Equal(t, 2, strings.Count(out.String(), formatters.Footer))
}
