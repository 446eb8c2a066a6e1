//go:build unix

package gmr_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
)

// jsonFindings is what the tests read of a JSON report.
type jsonFindings struct {
	Sections []struct {
		Name string `json:"name"`
		Data struct {
			Findings []struct {
				Code     string `json:"code"`
				Severity string `json:"severity"`
				Message  string `json:"message"`
				Section  string `json:"section"`
				Measure  *struct {
					Threshold string  `json:"threshold"`
					Value     float64 `json:"value"`
					Limit     float64 `json:"limit"`
				} `json:"measure"`
			} `json:"findings"`
			Checked []string `json:"checked"`
		} `json:"data"`
	} `json:"sections"`
}

// childReports signals a child started with args and env twice, once for a
// text report on stderr and once, in a second child, for a JSON report file,
// and returns both.
func childReports(t *testing.T, env []string, args ...string) (text string, js []byte) {
	t.Helper()
	c := startChild(t, env, args...)
	c.signal(t)
	waitFor(t, 30*time.Second, "text report", func() bool { return strings.Contains(c.stderr.String(), formatters.Footer) })
	text = c.stderr.String()

	dir := t.TempDir()
	c = startChild(t, append(env, "GMR_DIR="+dir, "GMR_FORMAT=json"), args...)
	c.signal(t)
	waitFor(t, 30*time.Second, "json report", func() bool { return len(reportFiles(t, dir)) == 1 })
	js, err := os.ReadFile(filepath.Join(dir, reportFiles(t, dir)[0]))
	require.NoError(t, err)
	validateReport(t, "", js)
	return text, js
}

// firstSection returns the title of the first section of a text report.
func firstSection(t *testing.T, text string) string {
	t.Helper()
	titles := regexp.MustCompile(`(?m)^==== +(\w[\w ]*?) +====$`).FindAllStringSubmatch(text, 3)
	require.Len(t, titles, 3, "banner and two sections:\n%.2000s", text)
	return titles[1][1] // [0] is "Guru Meditation"
}

// findingLines returns the lines of the text report's findings section.
func findingLines(t *testing.T, text string) []string {
	t.Helper()
	_, body, ok := strings.Cut(text, "====                            Findings                            ====\n"+strings.Repeat("=", 72)+"\n")
	require.True(t, ok, "a findings section:\n%.2000s", text)
	body, _, _ = strings.Cut(body, "\n\n")
	return strings.Split(body, "\n")
}

func TestFindingFDsNearLimitInChild(t *testing.T) {
	text, js := childReports(t, nil, "-nofile", "256", "-fd-share", "0.92")

	assert.Equal(t, "Findings", firstSection(t, text), "the findings open the report")
	lines := findingLines(t, text)
	assert.Regexp(t, `^CRITICAL  fds_near_limit +open fds at 9\d% of the limit: 2\d\d of 256 \(see process; threshold fds=80%\)$`, lines[0], "the worst first:\n%s", strings.Join(lines, "\n"))

	var rep jsonFindings
	require.NoError(t, json.Unmarshal(js, &rep))
	require.NotEmpty(t, rep.Sections)
	f := rep.Sections[0]
	require.Equal(t, "findings", f.Name, "the findings are the first section in JSON too")
	require.NotEmpty(t, f.Data.Findings)
	top := f.Data.Findings[0]
	assert.Equal(t, "fds_near_limit", top.Code)
	assert.Equal(t, "critical", top.Severity)
	assert.Equal(t, "process", top.Section)
	require.NotNil(t, top.Measure)
	assert.Equal(t, "fds", top.Measure.Threshold)
	assert.InDelta(t, 0.92, top.Measure.Value, 0.03)
	assert.Equal(t, 0.8, top.Measure.Limit)
}

func TestFindingMemoryNearGOMEMLIMITInChild(t *testing.T) {
	// 56 MiB held live under a 64 MiB soft limit: the runtime's own memory
	// takes the rest to above 90%, and at times to 100% (seen with -race on
	// a loaded machine).
	text, js := childReports(t, []string{"GOMEMLIMIT=64MiB"}, "-hold-heap", "58720256")

	lines := findingLines(t, text)
	assert.Regexp(t, `^(CRITICAL|WARNING) +memory_near_limit +memory at (9\d(\.\d)?|100(\.0)?)% of GOMEMLIMIT: [\d.]+ MiB of 64\.0 MiB`, lines[0], "%s", strings.Join(lines, "\n"))

	var rep jsonFindings
	require.NoError(t, json.Unmarshal(js, &rep))
	require.NotEmpty(t, rep.Sections[0].Data.Findings)
	top := rep.Sections[0].Data.Findings[0]
	assert.Equal(t, "memory_near_limit", top.Code)
	assert.Equal(t, "heap", top.Section)
	require.NotNil(t, top.Measure)
	assert.Equal(t, "memory", top.Measure.Threshold)
	assert.GreaterOrEqual(t, top.Measure.Value, 0.9)
}

func TestFindingPileupInChild(t *testing.T) {
	text, js := childReports(t, nil, "-park", "2000")

	lines := findingLines(t, text)
	assert.Regexp(t, `^WARNING +goroutine_pileup +2,000 of 2,\d\d\d goroutines \(99(\.\d)?%\) in one stack: main\.parkedWorker`, lines[0], "%s", strings.Join(lines, "\n"))

	var rep jsonFindings
	require.NoError(t, json.Unmarshal(js, &rep))
	require.NotEmpty(t, rep.Sections[0].Data.Findings)
	assert.Equal(t, "goroutine_pileup", rep.Sections[0].Data.Findings[0].Code)
	assert.Equal(t, "goroutines", rep.Sections[1].Name, "the goroutines come second")
}

func TestNoFindingsInChild(t *testing.T) {
	text, js := childReports(t, nil, "-park", "10")

	lines := findingLines(t, text)
	assert.Equal(t, []string{"no findings (checked: goroutine_pileup, goroutines_high, waiting_long, sched_latency_high, threads_high, lock_contention, " +
		"fds_near_limit, memory_near_limit, pids_near_limit, oom_kills, gc_cpu_high, section_failed)"}, lines[:1], "one line")

	var rep jsonFindings
	require.NoError(t, json.Unmarshal(js, &rep))
	assert.Empty(t, rep.Sections[0].Data.Findings)
	assert.Regexp(t, `"findings": \[\]`, string(js[:min(len(js), 2000)]), "an empty list, not null")
}
