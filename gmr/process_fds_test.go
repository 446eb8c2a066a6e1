//go:build linux

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
	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/sections"
)

// textReport signals c and returns its text report from stderr.
func textReport(t *testing.T, c *resourcesChild) string {
	t.Helper()
	c.signal(t)
	waitFor(t, 60*time.Second, "report", func() bool {
		return strings.Contains(c.stderr.String(), formatters.Footer)
	})
	return c.stderr.String()
}

// jsonProcess signals c, which writes JSON reports to dir, checks the
// report against the schema and returns its process section's data.
func jsonProcess(t *testing.T, c *resourcesChild, dir string) *sections.ProcessReport {
	t.Helper()
	c.signal(t)
	waitFor(t, 60*time.Second, "json report", func() bool { return len(reportFiles(t, dir)) == 1 })
	b, err := os.ReadFile(filepath.Join(dir, reportFiles(t, dir)[0]))
	require.NoError(t, err)
	validateReport(t, "", b)
	var rep struct {
		Sections []struct {
			Name string          `json:"name"`
			Data json.RawMessage `json:"data"`
		} `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(b, &rep))
	for _, s := range rep.Sections {
		if s.Name == "process" {
			var p sections.ProcessReport
			require.NoError(t, json.Unmarshal(s.Data, &p))
			return &p
		}
	}
	t.Fatal("no process section in the report")
	return nil
}

// limitUse returns the entry called name of p.Limits.
func limitUse(t *testing.T, p *sections.ProcessReport, name string) sections.LimitUse {
	t.Helper()
	for _, l := range p.Limits {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no %q in limits: %+v", name, p.Limits)
	return sections.LimitUse{}
}

// TestProcessCountsAllFDs has a child hold some 20,000 descriptors, 6,000
// of them loopback TCP sockets, far past the 4,096 gmr once classified,
// and checks that the counts by kind and socket state cover them all.
func TestProcessCountsAllFDs(t *testing.T) {
	var lim unix.Rlimit
	require.NoError(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
	want := int(min(lim.Max, 20_000)) - 100
	if want < 10_000 {
		t.Skipf("RLIMIT_NOFILE's hard limit is %d: a child cannot hold 10,000 descriptors", lim.Max)
	}
	const conns = 3000
	c := startResources(t, []string{"RESOURCES_NOFILE=max", "RESOURCES_CONNS=" + strconv.Itoa(conns), "RESOURCES_FDS=" + strconv.Itoa(want)})
	proc := reportSection(t, textReport(t, c), "Process")

	m := regexp.MustCompile(`(?m)^open fds: ([\d,]+) of ([\d,]+) — (.*) \(max_classified = 131,072\)$`).FindStringSubmatch(proc)
	require.NotNil(t, m, "no open fds line:\n%.3000s", proc)
	total, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	require.NoError(t, err)
	assert.InDelta(t, want, total, 10, "the descriptors the child holds")
	kinds := counts(t, m[3])
	sum := 0
	for _, n := range kinds {
		sum += n
	}
	assert.Equal(t, total, sum, "every descriptor classified: %v", kinds)
	assert.Equal(t, 2*conns+20, kinds["socket"], "the extra connections and the child's 20 sockets")
	assert.Greater(t, kinds["device"], want-2*conns-300, "/dev/null held again and again")
	assert.NotContains(t, proc, "not classified")

	sm := regexp.MustCompile(`(?m)^sockets: (.*)$`).FindStringSubmatch(proc)
	require.NotNil(t, sm, "no sockets line")
	states := counts(t, sm[1])
	assert.Equal(t, 2*conns+16, states["tcp ESTABLISHED"], "both ends of every connection")
	assert.Equal(t, 1, states["tcp LISTEN"])
	assert.Zero(t, states["unknown"], "every socket found in the tables")
	assert.Regexp(t, `(?m)^  fds +[\d,]+ / [\d,]+ +\(\d+%\)`, proc)
	assert.Regexp(t, `(?m)^  \.\.\. [\d,]+ fds not listed \(max_fds = 64\)$`, proc, "the list stays bounded")
	assert.Regexp(t, `(?m)^  [\d,]+ × /dev/null$`, proc, "the repeated target")
}

// TestProcessFDsNearLimit has a child use 90% of its descriptor limit and
// checks the "fds" limit in its JSON report, which findings read.
func TestProcessFDsNearLimit(t *testing.T) {
	dir := t.TempDir()
	c := startResources(t, []string{"GMR_DIR=" + dir, "GMR_FORMAT=json", "RESOURCES_NOFILE=1000", "RESOURCES_FDS=900"})
	p := jsonProcess(t, c, dir)
	fds := limitUse(t, p, sections.LimitFDs)
	assert.Equal(t, int64(1000), fds.Limit)
	assert.InDelta(t, 90, fds.Percent, 1.5, "%+v", fds)
	assert.True(t, fds.Near)
	assert.Equal(t, "count", fds.Unit)
	require.NotNil(t, p.FDs)
	assert.Equal(t, int64(p.FDs.Count), fds.Used)
	assert.Equal(t, p.FDs.Count, p.FDs.Classified)
	own := map[string]bool{}
	for _, fd := range p.FDs.List {
		if fd.Gmr != "" {
			own[fd.Gmr] = true
		}
	}
	for _, what := range []string{"report directory", "spare fd for EMFILE", "listing /proc/self/fd", "crash output"} {
		assert.True(t, own[what], "gmr's %s, marked in JSON: %v", what, own)
	}
}

// TestProcessGOMEMLIMITNearLimit has a child keep most of its GOMEMLIMIT
// live and checks the "gomemlimit" limit in its JSON report.
func TestProcessGOMEMLIMITNearLimit(t *testing.T) {
	dir := t.TempDir()
	c := startResources(t, []string{"GMR_DIR=" + dir, "GMR_FORMAT=json", "GOMEMLIMIT=128MiB", "RESOURCES_HEAP=" + strconv.Itoa(100<<20)})
	p := jsonProcess(t, c, dir)
	l := limitUse(t, p, sections.LimitGOMEMLIMIT)
	assert.Equal(t, int64(128<<20), l.Limit)
	assert.Equal(t, "bytes", l.Unit)
	assert.GreaterOrEqual(t, l.Percent, 85.0, "%+v", l)
	assert.True(t, l.Near)

	// Where memory went: the 100 MiB of RESOURCES_HEAP are resident,
	// every page touched. The child's other 16 MiB are live but mostly
	// never touched, so not resident, and the status estimate scales the
	// runtime's figures down to the anonymous RSS: most of the 100 MiB,
	// not all of it, may be put down to the heap.
	require.NotNil(t, p.Memory)
	assert.Contains(t, []string{sections.MemorySmaps, sections.MemoryStatus}, p.Memory.Method)
	assert.Greater(t, p.Memory.GoHeapBytes, int64(90<<20), "%+v", p.Memory)
	assert.LessOrEqual(t, p.Memory.GoHeapBytes+p.Memory.GoStacksBytes+p.Memory.GoMetadataBytes+p.Memory.GoOtherBytes+p.Memory.OtherBytes,
		p.Memory.RSSBytes+4096, "the parts add up to no more than the RSS")
	assert.Positive(t, p.Memory.OtherBytes, "the binary's text is resident and not Go's heap")
}
