package gmr

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWatchdogSettings(t *testing.T) {
	for _, tc := range []struct {
		name          string
		env           map[string]string
		opts          []Option
		shutdown, age time.Duration
		maxBytes      uint64
		warnings      []string
	}{
		{name: "defaults: off"},
		{
			name:     "environment",
			env:      map[string]string{EnvShutdownReportAfter: "30s", EnvFlightRecorder: " 10s "},
			shutdown: 30 * time.Second, age: 10 * time.Second, maxBytes: DefaultFlightRecorderMaxBytes,
		},
		{
			name:     "options win",
			env:      map[string]string{EnvShutdownReportAfter: "30s", EnvFlightRecorder: "10s"},
			opts:     []Option{WithShutdownReport(0), WithFlightRecorder(time.Minute, 1<<20)},
			age:      time.Minute,
			maxBytes: 1 << 20,
		},
		{
			name: "invalid environment",
			env:  map[string]string{EnvShutdownReportAfter: "30", EnvFlightRecorder: "0s"},
			warnings: []string{
				`GMR_SHUTDOWN_REPORT_AFTER="30": not a duration such as "30s"; the shutdown watchdog stays off`,
				`GMR_FLIGHT_RECORDER="0s": not positive; the flight recorder stays off`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]Option{withGetenv(func(k string) string { return tc.env[k] })}, tc.opts...)
			s, warnings, err := resolve(opts)
			require.NoError(t, err)
			assert.Equal(t, tc.shutdown, s.shutdownAfter)
			assert.Equal(t, tc.age, s.flightAge)
			assert.Equal(t, tc.maxBytes, s.flightMaxBytes)
			var texts []string
			for _, w := range warnings {
				texts = append(texts, w.Error())
			}
			assert.Equal(t, tc.warnings, texts)
		})
	}
}

func TestWatchdogOptionErrors(t *testing.T) {
	_, err := New(WithShutdownReport(-time.Second))
	assert.EqualError(t, err, "gmr: WithShutdownReport: -1s is negative")
	_, err = New(WithFlightRecorder(-time.Second, 0))
	assert.EqualError(t, err, "gmr: WithFlightRecorder: age -1s is negative")
}

func TestLimitWriterCutsAtAWriteBoundary(t *testing.T) {
	var got []byte
	w := &limitWriter{w: writerFunc(func(p []byte) (int, error) { got = append(got, p...); return len(p), nil }), left: 5}
	n, err := w.Write([]byte("abc"))
	assert.Equal(t, 3, n)
	require.NoError(t, err)
	_, err = w.Write([]byte("def"))
	assert.ErrorIs(t, err, errTraceCut)
	_, err = w.Write([]byte("g"))
	assert.ErrorIs(t, err, errTraceCut, "nothing after the cut")
	assert.Equal(t, "abc", string(got))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestShutdownStartedArms(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []Option
		stop  bool
		armed bool
	}{
		{name: "default time", armed: true},
		{name: "configured", opts: []Option{WithShutdownReport(time.Hour)}, armed: true},
		{name: "turned off", opts: []Option{WithShutdownReport(0)}},
		{name: "after Stop", stop: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(append(tc.opts, WithStderr(io.Discard))...)
			require.NoError(t, err)
			if tc.stop {
				r.Stop()
			}
			r.ShutdownStarted()
			r.wd.mu.Lock()
			armed := r.wd.shutdownArmed
			r.wd.mu.Unlock()
			assert.Equal(t, tc.armed, armed)
			r.Stop() // disarms: the timer's goroutine ends, or Stop would wait an hour
		})
	}
	var r *Reporter
	r.ShutdownStarted() // a nil Reporter does nothing
}
