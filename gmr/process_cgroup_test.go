//go:build linux

package gmr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/internal/procfs"
	"github.com/gmr-go/gmr/sections"
)

// newCgroupV1 makes a child cgroup of this process's cgroup in the v1
// hierarchy of controller, writes settings (file: value) into it, and
// removes it when the test ends, after the processes moved into it have
// exited. It skips the test where there is no such hierarchy or it cannot
// be written (not root, or a read-only mount).
func newCgroupV1(t *testing.T, controller string, settings map[string]string) procfs.CgroupDir {
	t.Helper()
	self := procfs.Default.Self()
	lines, err := self.Cgroup()
	require.NoError(t, err)
	mounts, err := self.Mountinfo()
	require.NoError(t, err)
	parent, err := procfs.FindCgroup1(lines, mounts, "", controller)
	if errors.Is(err, procfs.ErrNoCgroup1) {
		t.Skipf("no cgroup v1 %s hierarchy here", controller)
	}
	require.NoError(t, err)
	name := fmt.Sprintf("gmr-test-%d-%s", os.Getpid(), t.Name())
	dir := filepath.Join(parent.Dir, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot make a cgroup v1 %s cgroup (needs root and a writable hierarchy): %v", controller, err)
	}
	t.Cleanup(func() {
		if err := os.Remove(dir); err != nil {
			t.Errorf("remove cgroup %s: %v", dir, err)
		}
	})
	for file, value := range settings {
		require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte(value), 0o644))
	}
	return procfs.CgroupDir{Path: filepath.Join(parent.Path, name), Dir: dir, Mount: parent.Mount}
}

// moveInto moves process pid into cgroup cg.
func moveInto(t *testing.T, cg procfs.CgroupDir, pid int) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(cg.Dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644))
}

// TestProcessCgroupV1 moves a child into fresh cgroup v1 memory (256 MiB)
// and pids (500) cgroups and checks that its report shows the limits and
// the use, in text and JSON.
func TestProcessCgroupV1(t *testing.T) {
	mem := newCgroupV1(t, "memory", map[string]string{"memory.limit_in_bytes": strconv.Itoa(256 << 20)})
	pids := newCgroupV1(t, "pids", map[string]string{"pids.max": "500"})

	// Text.
	c := startResources(t, nil)
	moveInto(t, mem, c.pid)
	moveInto(t, pids, c.pid)
	proc := reportSection(t, textReport(t, c), "Process")
	t.Logf("process section:\n%.2500s", proc)
	assert.Regexp(t, `(?m)^  memory \(v1 `+regexp.QuoteMeta(mem.Path)+` at `+regexp.QuoteMeta(mem.Dir)+
		`\): working set \d+\.\d [KM]iB, charged \d+\.\d [KM]iB, of memory\.limit_in_bytes 256\.0 MiB; 0 OOM kills$`, proc)
	assert.Regexp(t, `(?m)^  pids \(v1 `+regexp.QuoteMeta(pids.Path)+` at `+regexp.QuoteMeta(pids.Dir)+`\): \d+ of pids\.max 500$`, proc)
	assert.Regexp(t, `(?m)^  memory +\d+\.\d [KM]iB / 256\.0 MiB +\(\d+%\)$`, proc, "the working set against the limit")
	assert.Regexp(t, `(?m)^  pids +\d+ / 500 +\(\d+%\)$`, proc)
	assert.NotContains(t, proc, "v2 only")

	// JSON, from another child in the same cgroups.
	dir := t.TempDir()
	c2 := startResources(t, []string{"GMR_DIR=" + dir, "GMR_FORMAT=json"})
	moveInto(t, mem, c2.pid)
	moveInto(t, pids, c2.pid)
	p := jsonProcess(t, c2, dir)
	require.NotNil(t, p.Cgroup)
	m := p.Cgroup.Memory
	require.NotNil(t, m, "notes: %v", p.Notes)
	assert.Equal(t, 1, m.Version)
	assert.Equal(t, mem.Path, m.Path)
	assert.Equal(t, sections.Limit(256<<20), m.MaxBytes)
	assert.Positive(t, m.WorkingSetBytes)
	assert.LessOrEqual(t, m.WorkingSetBytes, m.CurrentBytes)
	l := limitUse(t, p, sections.LimitMemory)
	assert.Equal(t, m.WorkingSetBytes, l.Used)
	assert.Equal(t, int64(256<<20), l.Limit)
	require.NotNil(t, p.Cgroup.Pids)
	assert.Equal(t, 1, p.Cgroup.Pids.Version)
	assert.Equal(t, sections.Limit(500), p.Cgroup.Pids.Max)
	assert.GreaterOrEqual(t, p.Cgroup.Pids.Current, int64(8), "the child's threads: at least its 6 busy ones, main and sysmon")
	assert.Equal(t, p.Cgroup.Pids.Current, limitUse(t, p, sections.LimitPids).Used)
}

// TestProcessCgroupV1MemoryNearLimit moves a child into a fresh cgroup v1
// memory cgroup of 80 MiB, has it touch 68 MiB of heap there (memory is
// charged to the cgroup it is first touched in), and checks that the
// "memory" limit, which findings read, is near.
func TestProcessCgroupV1MemoryNearLimit(t *testing.T) {
	mem := newCgroupV1(t, "memory", map[string]string{"memory.limit_in_bytes": strconv.Itoa(80 << 20)})
	dir := t.TempDir()
	c := startResources(t, []string{"GMR_DIR=" + dir, "GMR_FORMAT=json", "RESOURCES_HEAP_ON_SIGNAL=" + strconv.Itoa(68<<20)})
	moveInto(t, mem, c.pid)
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGUSR1))
	waitFor(t, 20*time.Second, "the child's heap", func() bool { return strings.Contains(c.stdout.String(), "heap ") })
	p := jsonProcess(t, c, dir)
	l := limitUse(t, p, sections.LimitMemory)
	t.Logf("memory: %+v", l)
	assert.Equal(t, int64(80<<20), l.Limit)
	assert.GreaterOrEqual(t, l.Percent, 80.0, "%+v, cgroup %+v", l, p.Cgroup.Memory)
	assert.Less(t, l.Percent, 100.0)
	assert.True(t, l.Near)
}

// TestFindingMemoryNearCgroupLimit is TestProcessCgroupV1MemoryNearLimit
// closer to the limit: the report opens with memory_near_limit, naming the
// cgroup's limit.
func TestFindingMemoryNearCgroupLimit(t *testing.T) {
	mem := newCgroupV1(t, "memory", map[string]string{"memory.limit_in_bytes": strconv.Itoa(76 << 20)})
	dir := t.TempDir()
	c := startResources(t, []string{"GMR_DIR=" + dir, "GMR_FORMAT=json", "RESOURCES_HEAP_ON_SIGNAL=" + strconv.Itoa(68<<20)})
	moveInto(t, mem, c.pid)
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGUSR1))
	waitFor(t, 20*time.Second, "the child's heap", func() bool { return strings.Contains(c.stdout.String(), "heap ") })
	jsonProcess(t, c, dir)
	b, err := os.ReadFile(filepath.Join(dir, reportFiles(t, dir)[0]))
	require.NoError(t, err)
	var rep jsonFindings
	require.NoError(t, json.Unmarshal(b, &rep))
	require.Equal(t, "findings", rep.Sections[0].Name)
	fs := rep.Sections[0].Data.Findings
	require.NotEmpty(t, fs, "findings")
	assert.Equal(t, "memory_near_limit", fs[0].Code)
	assert.Regexp(t, `^memory at 9\d(\.\d)?% of the cgroup memory limit: [\d.]+ MiB of 76\.0 MiB$`, fs[0].Message)
	assert.Equal(t, "process", fs[0].Section)
}
