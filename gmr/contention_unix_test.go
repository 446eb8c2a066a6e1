//go:build unix

package gmr_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/sections"
)

// envContentionChild makes this test binary the contention child: its
// value is the profile to turn on, "mutex", "block" or "off".
const envContentionChild = "GMR_TEST_CONTENTION_CHILD"

// TestContentionChildProcess is not a test: run with envContentionChild
// set, it is the child of TestSignalContention. It turns on the profile
// the variable names, contends on one mutex in contendedWork until the
// runtime has recorded it, calls gmr.Setup, says "ready <pid>" and serves
// until its stdin is closed.
func TestContentionChildProcess(t *testing.T) {
	mode := os.Getenv(envContentionChild)
	if mode == "" {
		t.Skip("the child process of TestSignalContention")
	}
	switch mode {
	case "mutex":
		runtime.SetMutexProfileFraction(1)
	case "block":
		runtime.SetBlockProfileRate(1)
	}
	// Contend until the recorded wait in contendedWork is far longer than
	// any wait of gmr's own in making a report (with the profiles off, until
	// the runtime's sampled total has any). The goroutines are awaited by
	// polling, not by a blocking wait the block profile would record.
	need := 500 * time.Millisecond
	if mode == "off" {
		need = 1
	}
	var mu sync.Mutex
	deadline := time.Now().Add(20 * time.Second)
	for contentionRecorded(mode) < need {
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "child: not enough contention recorded after 20s")
			os.Exit(2)
		}
		var done atomic.Int32
		for range 4 {
			go func() {
				contendedWork(&mu)
				done.Add(1)
			}()
		}
		for done.Load() < 4 {
			runtime.Gosched()
		}
	}
	r, err := gmr.Setup(gmr.WithService("contention"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: setup:", err)
		os.Exit(2)
	}
	fmt.Println("ready", os.Getpid())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
	}
	r.Stop()
	os.Exit(0)
}

// contendedWork takes mu twenty times and holds it for a millisecond each
// time, so that the goroutines running it wait on each other. It holds the
// lock asleep, not spinning, so that the others run and block on it however
// few CPUs the child has: with one P, a spinning holder is seldom preempted
// inside its hold, and the runtime records next to no contention (a cold CI
// run on GOARCH=386 recorded under 500ms in 20s).
//
//go:noinline
func contendedWork(mu *sync.Mutex) {
	for range 20 {
		mu.Lock()
		time.Sleep(time.Millisecond)
		mu.Unlock()
	}
}

// contentionRecorded returns the wait the runtime has recorded in
// contendedWork, in the profile mode names, or, for "off", in the mutex
// wait total.
func contentionRecorded(mode string) time.Duration {
	if mode != "mutex" && mode != "block" {
		s := []metrics.Sample{{Name: "/sync/mutex/wait/total:seconds"}}
		metrics.Read(s)
		if s[0].Value.Kind() != metrics.KindFloat64 {
			return 0
		}
		return time.Duration(s[0].Value.Float64() * float64(time.Second))
	}
	var buf strings.Builder
	if err := pprof.Lookup(mode).WriteTo(&buf, 0); err != nil {
		return 0
	}
	p, err := profile.Parse(strings.NewReader(buf.String()))
	if err != nil || len(p.SampleType) != 2 {
		return 0
	}
	var d time.Duration
	for _, s := range p.Sample {
		if slices.ContainsFunc(s.Location, func(loc *profile.Location) bool {
			return slices.ContainsFunc(loc.Line, func(ln profile.Line) bool {
				return ln.Function != nil && strings.HasSuffix(ln.Function.Name, ".contendedWork")
			})
		}) {
			d += time.Duration(s.Value[1])
		}
	}
	return d
}

// contentionReport starts the contention child with the profile mode
// turned on, signals it for a report in format, and returns the report.
func contentionReport(t *testing.T, mode, format string) []byte {
	t.Helper()
	dir := t.TempDir()
	c := startProgram(t, os.Args[0], []string{envContentionChild + "=" + mode, "GMR_DIR=" + dir, "GMR_FORMAT=" + format},
		"-test.run=^TestContentionChildProcess$")
	c.signal(t)
	waitFor(t, 20*time.Second, format+" report", func() bool { return len(reportFiles(t, dir)) == 1 })
	b, err := os.ReadFile(filepath.Join(dir, reportFiles(t, dir)[0]))
	require.NoError(t, err)
	c.stop(t)
	return b
}

// contentionOf returns the threads section's contention part of a JSON
// report, after validating the report against the schema.
func contentionOf(t *testing.T, b []byte) sections.Contention {
	t.Helper()
	validateReport(t, "", b)
	var rep struct {
		Sections []jsonReportSection `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(b, &rep))
	for _, s := range rep.Sections {
		if s.Name == "threads" {
			require.Empty(t, s.Error)
			var tr sections.ThreadReport
			require.NoError(t, json.Unmarshal(s.Data, &tr))
			return tr.Contention
		}
	}
	t.Fatalf("no threads section in %.2000s", b)
	return sections.Contention{}
}

// TestSignalContention signals children that contend on one mutex in
// contendedWork: with the mutex or block profile on, contendedWork is the
// top site, with a wait time; with both off, the report says so, with how
// to turn them on, and still gives the mutex wait rate.
func TestSignalContention(t *testing.T) {
	const fn = "github.com/gmr-go/gmr/gmr_test.contendedWork"
	for _, tt := range []struct{ mode, op string }{
		{"mutex", "sync.(*Mutex).Unlock"},
		{"block", "sync.(*Mutex).Lock"},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			c := contentionOf(t, contentionReport(t, tt.mode, "json"))
			on, off := c.Mutex, c.Block
			if tt.mode == "block" {
				on, off = c.Block, c.Mutex
				assert.Zero(t, on.Rate, "the block profile's rate cannot be read")
			} else {
				assert.Equal(t, 1, on.Rate)
			}
			assert.True(t, on.Enabled)
			assert.Empty(t, on.Enable)
			require.NotEmpty(t, on.Sites, "%+v", on)
			top := on.Sites[0]
			assert.Equal(t, fn, top.Function, "the top site: %+v", on.Sites)
			assert.Equal(t, tt.op, top.Op)
			assert.Equal(t, "contention_unix_test.go", filepath.Base(top.File))
			assert.Positive(t, top.Delay)
			assert.Positive(t, top.Count)
			assert.GreaterOrEqual(t, on.Delay, top.Delay)

			assert.False(t, off.Enabled)
			assert.NotEmpty(t, off.Enable)
			assert.Empty(t, off.Sites)
			assert.Positive(t, c.MutexWait)
			assert.Positive(t, c.MutexWaitRate)
		})
	}

	t.Run("off", func(t *testing.T) {
		c := contentionOf(t, contentionReport(t, "off", "json"))
		for _, p := range []sections.ContentionProfile{c.Mutex, c.Block} {
			assert.False(t, p.Enabled)
			assert.Zero(t, p.Rate)
			assert.NotEmpty(t, p.Enable)
			assert.Empty(t, p.Sites)
		}
		assert.Positive(t, c.MutexWait, "the runtime counts mutex waits with the profiles off")
		assert.Positive(t, c.Uptime)
		assert.InDelta(t, c.MutexWait.D().Seconds()/c.Uptime.D().Seconds(), c.MutexWaitRate, 1e-9)

		text := string(contentionReport(t, "off", "text"))
		assert.Regexp(t, regexp.MustCompile(`\ncontention:\n`+
			`  mutex_wait = \S+ in \S+ of uptime: [0-9.e+-]+ seconds per second \(sync.Mutex, sync.RWMutex and runtime locks\)\n`+
			`  mutex_profile: off; runtime.SetMutexProfileFraction\(100\) turns it on, [^\n]+\n`+
			`  block_profile: off, or on with nothing recorded yet; runtime.SetBlockProfileRate\(1000000\) turns it on, [^\n]+\n`), text)
		assert.NotRegexp(t, `mutex_wait = 0s `, text)
	})
}
