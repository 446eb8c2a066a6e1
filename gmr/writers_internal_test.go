package gmr

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr/report"
)

type blockWriter struct{ release chan struct{} }

func (w blockWriter) Write(b []byte) (int, error) { <-w.release; return len(b), nil }

// A report still collecting when Stop starts reaches the stalled stderr
// afterwards: its write waits stopWriteTimeout, not the report timeout, so
// Stop (in stopWatchdogs' r.mu.Lock) is not held up for the whole of it.
func TestStopBoundsAWriteThatStartsAfterIt(t *testing.T) {
	w := blockWriter{release: make(chan struct{})}
	defer close(w.release)
	entered, release := make(chan struct{}), make(chan struct{})
	slow := report.Func("slow", func(context.Context) (any, error) {
		close(entered)
		<-release
		return 1, nil
	})
	const timeout = 3 * time.Second
	r, err := New(WithStderr(w), WithTimeout(timeout), WithOnlySections(slow))
	require.NoError(t, err)
	go r.Report(context.Background()) //nolint:errcheck
	<-entered
	stopped := make(chan time.Duration, 1)
	start := time.Now()
	go func() { r.Stop(); stopped <- time.Since(start) }()
	for { // until Stop has passed abandonWrites
		r.wd.mu.Lock()
		s := r.wd.stopped
		r.wd.mu.Unlock()
		if s {
			break
		}
		runtime.Gosched()
	}
	close(release)
	d := <-stopped
	assert.Less(t, d, timeout/2, "Stop waited %v for a stderr write blocked on a pipe nobody reads", d)
}

// Two WriteReport calls to one bytes.Buffer: no data race (run with -race).
func TestConcurrentWriteReportsIntoOneBuffer(t *testing.T) {
	r, err := New(WithOnlySections(report.Func("c", func(context.Context) (any, error) { return 1, nil })))
	require.NoError(t, err)
	var buf bytes.Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { assert.NoError(t, r.WriteReport(context.Background(), &buf)) })
	}
	wg.Wait()
}

// GMR_SHUTDOWN_REPORT_AFTER that is "0" or not a duration warns that "the
// shutdown watchdog stays off", and ShutdownStarted keeps it off.
func TestShutdownStartedKeepsAnInvalidEnvOff(t *testing.T) {
	for _, v := range []string{"0", "off", "-1s"} {
		t.Run(v, func(t *testing.T) {
			env := func(k string) string {
				if k == EnvShutdownReportAfter {
					return v
				}
				return ""
			}
			var logged bytes.Buffer
			r, err := New(withGetenv(env), WithStderr(&logged))
			t.Logf("New: err=%v stderr=%q", err, logged.String())
			require.NotNil(t, r)
			r.ShutdownStarted()
			r.wd.mu.Lock()
			armed := r.wd.shutdownArmed
			r.wd.mu.Unlock()
			r.Stop()
			assert.False(t, armed, "%s=%q armed the watchdog", EnvShutdownReportAfter, v)
		})
	}
}
