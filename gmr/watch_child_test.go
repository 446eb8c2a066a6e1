//go:build unix

package gmr_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// thresholdReport is what the watcher tests read of a JSON report.
type thresholdReport struct {
	Header struct {
		Time     time.Time `json:"time"`
		Trigger  string    `json:"trigger"`
		Profiles []string  `json:"profiles"`
	} `json:"header"`
	Sections []struct {
		Name string `json:"name"`
		Data struct {
			Findings []struct {
				Code    string `json:"code"`
				Measure *struct {
					Threshold string  `json:"threshold"`
					Value     float64 `json:"value"`
					Limit     float64 `json:"limit"`
				} `json:"measure"`
			} `json:"findings"`
		} `json:"data"`
	} `json:"sections"`
}

// readReports returns the JSON reports in dir, oldest first.
func readReports(t *testing.T, dir string) []thresholdReport {
	t.Helper()
	var reps []thresholdReport
	for _, name := range reportFiles(t, dir) {
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		validateReport(t, "", b)
		var rep thresholdReport
		require.NoError(t, json.Unmarshal(b, &rep))
		reps = append(reps, rep)
	}
	return reps
}

// grow sends a grow command to the child and returns when it was done,
// by the child's clock.
func grow(t *testing.T, c *child, cmd string) time.Time {
	t.Helper()
	before := strings.Count(c.stdout.String(), "grown ")
	c.send(t, cmd)
	var at time.Time
	waitFor(t, 30*time.Second, cmd, func() bool {
		ms := regexp.MustCompile(`grown (\d+)`).FindAllStringSubmatch(c.stdout.String(), -1)
		if len(ms) <= before {
			return false
		}
		ns, err := strconv.ParseInt(ms[before][1], 10, 64)
		require.NoError(t, err)
		at = time.Unix(0, ns)
		return true
	})
	return at
}

func watchEnv(dir, thresholds string) []string {
	return []string{"GMR_DIR=" + dir, "GMR_FORMAT=json", "GMR_THRESHOLDS=" + thresholds,
		"GMR_WATCH_INTERVAL=" + watchInterval.String(), "GMR_THRESHOLD_COOLDOWN=" + watchCooldown.String()}
}

const (
	watchInterval = 500 * time.Millisecond
	watchCooldown = 2 * time.Second
	watchSlack    = 500 * time.Millisecond // for a ticker run late on a loaded machine
)

func TestThresholdGoroutinesInChild(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, watchEnv(dir, "goroutines=5000"), "-park", "10")
	grown := grow(t, c, "grow-goroutines 6000")

	waitFor(t, 30*time.Second, "a threshold report", func() bool { return len(readReports(t, dir)) >= 1 })
	first := readReports(t, dir)[0]
	assert.Regexp(t, `^threshold goroutines: 6,0\d\d goroutines, past 5,000$`, first.Header.Trigger)
	// Both times are the child's clock; the slack is for a ticker that a
	// loaded machine runs late.
	assert.LessOrEqual(t, first.Header.Time.Sub(grown), 2*watchInterval+watchSlack,
		"within two watch intervals of passing the threshold (the report started %v after)", first.Header.Time.Sub(grown))
	require.Equal(t, "findings", first.Sections[0].Name)
	top := first.Sections[0].Data.Findings[0]
	assert.Equal(t, "goroutines_high", top.Code)
	require.NotNil(t, top.Measure)
	assert.Equal(t, "goroutines", top.Measure.Threshold)
	assert.Equal(t, 5000.0, top.Measure.Limit, "the finding uses the watched threshold, not the default 100,000")
	assert.Len(t, first.Header.Profiles, 2, "a full report: memory is not in danger")

	// Still over: the next report only after the cooldown, then after
	// twice the cooldown (backoff).
	waitFor(t, 30*time.Second, "the second report", func() bool { return len(readReports(t, dir)) >= 2 })
	reps := readReports(t, dir)
	// The cooldown runs between the watcher's readings; a report starts a
	// moment after its reading, by a varying few µs or ms, hence the
	// tolerance. Without the cooldown the next report would come one
	// interval (500 ms) later.
	const startJitter = 100 * time.Millisecond
	assert.GreaterOrEqual(t, reps[1].Header.Time.Sub(reps[0].Header.Time), watchCooldown-startJitter, "none within the cooldown, though still over")
	waitFor(t, 30*time.Second, "the third report", func() bool { return len(readReports(t, dir)) >= 3 })
	reps = readReports(t, dir)
	assert.GreaterOrEqual(t, reps[2].Header.Time.Sub(reps[1].Header.Time), 2*watchCooldown-startJitter, "the cooldown doubles while it stays over")
	assert.True(t, c.alive())
}

func TestThresholdHeapInChild(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, watchEnv(dir, "heap=64MiB"))
	grown := grow(t, c, "grow-heap 100000000")

	waitFor(t, 30*time.Second, "a threshold report", func() bool { return len(readReports(t, dir)) >= 1 })
	rep := readReports(t, dir)[0]
	assert.Regexp(t, `^threshold heap: heap in use \d+\.\d MiB, past 64\.0 MiB$`, rep.Header.Trigger)
	assert.LessOrEqual(t, rep.Header.Time.Sub(grown), 2*watchInterval+watchSlack)
	assert.Equal(t, "heap_high", rep.Sections[0].Data.Findings[0].Code)
	assert.Len(t, readReports(t, dir), 1, "one report, the cooldown not yet over")
}

func TestThresholdMemoryNearGOMEMLIMITInChild(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, append(watchEnv(dir, "memory=90%"), "GOMEMLIMIT=64MiB"))
	grow(t, c, "grow-heap 58720256") // 56 MiB: the runtime's own memory takes it past 90%

	waitFor(t, 30*time.Second, "a threshold report", func() bool { return len(readReports(t, dir)) >= 1 })
	rep := readReports(t, dir)[0]
	assert.Regexp(t, `^threshold memory: memory at 9\d% of GOMEMLIMIT, past 90%`, rep.Header.Trigger)
	found := false
	for _, f := range rep.Sections[0].Data.Findings {
		found = found || f.Code == "memory_near_limit"
	}
	// The watcher decides on a small report from its own reading, which
	// the trigger quotes; the report's figures are read a moment later.
	m := regexp.MustCompile(`^threshold memory: memory at (\d+)%`).FindStringSubmatch(rep.Header.Trigger)
	require.NotNil(t, m)
	if pct, _ := strconv.Atoi(m[1]); pct >= 95 {
		assert.Contains(t, rep.Header.Trigger, "; a small report: memory at", "past DangerMemory")
		assert.Empty(t, rep.Header.Profiles, "a small report writes no profiles")
	} else {
		assert.NotContains(t, rep.Header.Trigger, "a small report")
		assert.Len(t, rep.Header.Profiles, 2, "below DangerMemory, a full report")
	}
	assert.True(t, found, "a memory_near_limit finding")
}

// TestThresholdDangerInChild holds 62 MiB under GOMEMLIMIT=64MiB: past
// DangerMemory, the threshold report is a small one, with no profiles
// beside it and no stack dump.
func TestThresholdDangerInChild(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, append(watchEnv(dir, "memory=90%"), "GOMEMLIMIT=64MiB"))
	grow(t, c, "grow-heap 65011712")

	waitFor(t, 30*time.Second, "a threshold report", func() bool { return len(readReports(t, dir)) >= 1 })
	rep := readReports(t, dir)[0]
	assert.Regexp(t, `^threshold memory: memory at (9[5-9]|1\d\d)% of GOMEMLIMIT, past 90%; a small report: memory at`, rep.Header.Trigger)
	assert.Empty(t, rep.Header.Profiles, "a small report writes no profiles")
	b, err := os.ReadFile(filepath.Join(dir, reportFiles(t, dir)[0]))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"mode_reason": "a small report, for a process near its memory limit: no full stack dump"`)
	assert.Contains(t, string(b), `"profile_note": "heap profile not read: a small report, for a process near its memory limit"`)
}
