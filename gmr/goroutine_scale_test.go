//go:build unix

package gmr_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonGoroutines is the part of a JSON report these tests read.
type jsonGoroutines struct {
	Header struct {
		DurationMS float64  `json:"duration_ms"`
		Profiles   []string `json:"profiles"`
	} `json:"header"`
	Sections []struct {
		Name       string  `json:"name"`
		DurationMS float64 `json:"duration_ms"`
		Error      string  `json:"error"`
		Data       struct {
			Total int `json:"total"`
		} `json:"data"`
	} `json:"sections"`
}

func (r *jsonGoroutines) goroutines(t *testing.T) (total int, durationMS float64) {
	t.Helper()
	for _, s := range r.Sections {
		if s.Name == "goroutines" {
			require.Empty(t, s.Error, "the goroutine section has no error")
			return s.Data.Total, s.DurationMS
		}
	}
	t.Fatal("no goroutine section")
	return 0, 0
}

// TestMillionGoroutinesReport signals a child with a million parked
// goroutines, with gmr's defaults: the goroutine section's deadline grows
// with the goroutine count, so the report has its goroutines.
func TestMillionGoroutinesReport(t *testing.T) {
	if testing.Short() {
		t.Skip("a million goroutines take about 3 GB and 20 s")
	}
	if strconv.IntSize == 32 {
		t.Skip("a million goroutines' stacks and records take about 3 GB, most of a 32-bit address space")
	}
	const parked = 1_000_000
	c := startChild(t, []string{"GMR_FORMAT=jsonl"}, "-park", "1000000")
	c.signal(t)
	waitFor(t, 90*time.Second, "the report", func() bool {
		return strings.Contains(c.stderr.String(), `"schema_version"`) && strings.HasSuffix(c.stderr.String(), "}\n")
	})
	line := c.stderr.String()[strings.Index(c.stderr.String(), `{"schema_version"`):]
	var rep jsonGoroutines
	require.NoError(t, json.Unmarshal([]byte(line), &rep))
	total, ms := rep.goroutines(t)
	assert.GreaterOrEqual(t, total, parked, "every parked goroutine is counted")
	assert.Less(t, total, parked+100)
	t.Logf("a report of %d goroutines took %.0f ms, its goroutine section %.0f ms", total, rep.Header.DurationMS, ms)
	assert.True(t, c.alive())
}

// TestProfileFileMatchesReport checks that the goroutine profile beside a
// report is the snapshot the report was built from: its goroutine total is
// the report's, exactly.
func TestProfileFileMatchesReport(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, []string{"GMR_DIR=" + dir, "GMR_FORMAT=json"}, "-park", "500")
	for range 3 {
		c.signal(t)
	}
	var reports []string
	waitFor(t, 20*time.Second, "a report file", func() bool {
		reports, _ = filepath.Glob(filepath.Join(dir, "child-*.json"))
		return len(reports) > 0
	})
	b, err := os.ReadFile(reports[0])
	require.NoError(t, err)
	var rep jsonGoroutines
	require.NoError(t, json.Unmarshal(b, &rep))
	total, _ := rep.goroutines(t)

	var gfile string
	for _, name := range rep.Header.Profiles {
		if strings.HasSuffix(name, ".goroutine.pb.gz") {
			gfile = name
		}
	}
	require.NotEmpty(t, gfile, "the header names the goroutine profile: %v", rep.Header.Profiles)
	f, err := os.Open(filepath.Join(dir, gfile))
	require.NoError(t, err)
	defer f.Close()
	p, err := profile.Parse(f)
	require.NoError(t, err)
	var inProfile int64
	for _, s := range p.Sample {
		inProfile += s.Value[0]
	}
	assert.Equal(t, int64(total), inProfile, "the profile file and the report count the same goroutines")
	assert.GreaterOrEqual(t, total, 500)
}
