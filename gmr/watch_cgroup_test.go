//go:build linux

package gmr_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestThresholdMemoryNearCgroupLimitInChild moves a watched child into a
// fresh cgroup v1 memory cgroup of 74 MiB and has it touch 68 MiB there:
// the watcher writes a report for the cgroup's limit.
func TestThresholdMemoryNearCgroupLimitInChild(t *testing.T) {
	mem := newCgroupV1(t, "memory", map[string]string{"memory.limit_in_bytes": strconv.Itoa(74 << 20)})
	dir := t.TempDir()
	c := startChild(t, watchEnv(dir, "memory=90%"))
	moveInto(t, mem, c.cmd.Process.Pid)
	grow(t, c, "grow-heap "+strconv.Itoa(68<<20))

	waitFor(t, 30*time.Second, "a threshold report", func() bool { return len(readReports(t, dir)) >= 1 })
	rep := readReports(t, dir)[0]
	assert.Regexp(t, `^threshold memory: memory at 9\d% of the cgroup memory limit, past 90%`, rep.Header.Trigger)
	require.NotEmpty(t, rep.Sections[0].Data.Findings)
	assert.Equal(t, "memory_near_limit", rep.Sections[0].Data.Findings[0].Code)
}
