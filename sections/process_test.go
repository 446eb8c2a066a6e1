package sections

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collectProcess(tb testing.TB, p Process) *ProcessReport {
	tb.Helper()
	data, err := p.Collect(context.Background())
	require.NoError(tb, err)
	r, ok := data.(*ProcessReport)
	require.True(tb, ok, "Collect returned %T, want *ProcessReport", data)
	return r
}

func TestProcessCollect(t *testing.T) {
	r := collectProcess(t, Process{})
	assert.Equal(t, "process", Process{}.Name())
	assert.Equal(t, os.Getppid(), r.PPID)
	assert.Equal(t, os.Getuid(), r.UID)
	assert.Equal(t, os.Getegid(), r.EGID)
	exe, err := os.Executable()
	require.NoError(t, err)
	assert.Equal(t, exe, r.Executable)
	wd, err := os.Getwd()
	require.NoError(t, err)
	assert.Equal(t, wd, r.Cwd)
	assert.Equal(t, runtime.GOMAXPROCS(0), r.GOMAXPROCS)
	assert.Positive(t, r.GOMEMLIMIT)
	assert.NotNil(t, r.Limits, "[] in JSON, not null")
	assert.NotNil(t, r.Notes, "[] in JSON, not null")

	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		assert.Nil(t, r.Usage)
		return
	}
	require.NotNil(t, r.Usage, "notes: %v", r.Notes)
	assert.Positive(t, r.Usage.UserCPU+r.Usage.SystemCPU)
	assert.Positive(t, r.Usage.MaxRSSBytes)
	names := map[string]Rlimit{}
	for _, l := range r.Rlimits {
		names[l.Name] = l
	}
	for _, name := range []string{"nofile", "cpu", "data", "stack", "core", "fsize"} {
		assert.Contains(t, names, name)
	}
	assert.NotZero(t, names["nofile"].Soft)
	assert.True(t, names["nofile"].Hard < 0 || names["nofile"].Hard >= names["nofile"].Soft)
}

func TestProcessCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Process{}.Collect(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestProcessLimits(t *testing.T) {
	r := &ProcessReport{
		Rlimits: []Rlimit{{Name: "nofile", Soft: 1024, Hard: 4096}, {Name: "cpu", Soft: 100, Hard: -1}, {Name: "as", Soft: -1, Hard: -1}},
		Usage:   &ResourceUsage{UserCPU: Millis(70 * time.Second), SystemCPU: Millis(20 * time.Second), VirtualBytes: 1 << 30},
		FDs:     &FDReport{Count: 1010, Limit: 1024},
		Cgroup: &CgroupReport{
			Memory: &CgroupMemory{CurrentBytes: 700 << 20, WorkingSetBytes: 600 << 20, MaxBytes: 1 << 30},
			Pids:   &CgroupPids{Current: 20, Max: -1},
		},
		GOMEMLIMIT: 1 << 30,
	}
	r.addLimits(900 << 20)
	assert.Equal(t, []LimitUse{
		{Name: "fds", Used: 1010, Limit: 1024, Unit: "count", Percent: 98.6, Near: true},
		{Name: "memory", Used: 600 << 20, Limit: 1 << 30, Unit: "bytes", Percent: 58.6},
		{Name: "gomemlimit", Used: 900 << 20, Limit: 1 << 30, Unit: "bytes", Percent: 87.9, Near: true},
		{Name: "cpu time", Used: 90, Limit: 100, Unit: "seconds", Percent: 90, Near: true},
	}, r.Limits, "no limit, no entry: address space and pids are unlimited; memory is the working set")

	r = &ProcessReport{GOMEMLIMIT: math.MaxInt64, Cgroup: &CgroupReport{Pids: &CgroupPids{Current: 900, Max: 1000}}}
	r.addLimits(900 << 20)
	assert.Equal(t, []LimitUse{{Name: "pids", Used: 900, Limit: 1000, Unit: "count", Percent: 90, Near: true}}, r.Limits,
		"no GOMEMLIMIT, no gomemlimit entry")
	r = &ProcessReport{GOMEMLIMIT: 1 << 30}
	r.addLimits(-1)
	assert.Empty(t, r.Limits, "the runtime's memory unknown")
	assert.Equal(t, int64(-1), r.rlimit("nproc"), "an unknown limit")
}

func testProcessReport() *ProcessReport {
	return &ProcessReport{
		PPID: 1, UID: 1000, EUID: 1000, GID: 100, EGID: 100,
		Executable: "/srv/shop/shop",
		Cwd:        "/srv/shop\x1b[2J",
		GOMAXPROCS: 2,
		GOMEMLIMIT: math.MaxInt64,
		Limits: []LimitUse{
			{Name: "fds", Used: 1010, Limit: 1024, Unit: "count", Percent: 98.6, Near: true},
			{Name: "memory", Used: 1900 << 20, Limit: 2 << 30, Unit: "bytes", Percent: 92.8, Near: true},
			{Name: "pids", Used: 230, Limit: 4096, Unit: "count", Percent: 5.6},
		},
		Usage: &ResourceUsage{UserCPU: Millis(12500 * time.Millisecond), SystemCPU: Millis(3200 * time.Millisecond), MaxRSSBytes: 2 << 30,
			RSSBytes: 1900 << 20, VirtualBytes: 5 << 30, MinorFaults: 12000, MajorFaults: 3, VoluntarySwitches: 45000, InvoluntarySwitches: 1200},
		Memory: &MemoryUse{Method: "smaps", RSSBytes: 1900 << 20, GoHeapBytes: 1200 << 20, GoStacksBytes: 40 << 20, GoMetadataBytes: 60 << 20,
			GoOtherBytes: 2 << 20, OtherBytes: 598 << 20, AnonBytes: 1800 << 20, FileBytes: 100 << 20},
		Rlimits: []Rlimit{{Name: "nofile", Soft: 1024, Hard: 4096, Unit: "count"}, {Name: "nice", Soft: 0, Hard: 0},
			{Name: "core", Soft: -1, Hard: -1, Unit: "bytes"}, {Name: "stack", Soft: 8 << 20, Hard: -1, Unit: "bytes"},
			{Name: "cpu", Soft: 3600, Hard: -1, Unit: "seconds"}, {Name: "rttime", Soft: 200000, Hard: -1, Unit: "microseconds"},
			{Name: "as", Soft: -1, Hard: -1, Unit: "bytes"}},
		Cgroup: &CgroupReport{
			Path: "/system.slice/shop.service", Dir: "/sys/fs/cgroup/system.slice/shop.service",
			Mode:   "v2",
			Memory: &CgroupMemory{Version: 2, CurrentBytes: 2000 << 20, WorkingSetBytes: 1900 << 20, MaxBytes: 2 << 30, MaxFrom: "/system.slice", LimitHits: 40, OOMKills: 1},
			CPU: &CgroupCPU{Version: 2, QuotaCPUs: 1.5, Quota: new(Millis(150 * time.Millisecond)), Period: Millis(100 * time.Millisecond),
				Periods: 4000, ThrottledPeriods: 900, Throttled: Millis(45600 * time.Millisecond)},
			Pids: &CgroupPids{Version: 2, Current: 230, Max: 4096},
		},
		FDs: &FDReport{
			Count: 1010, Limit: 1024, Classified: 1010, MaxClassified: MaxClassifiedFDs,
			Kinds:        map[string]int{"file": 1000, "socket": 8, "pipe": 2},
			SocketStates: map[string]int{"tcp ESTABLISHED": 5, "tcp LISTEN": 1, "tcp CLOSE_WAIT": 1, "unix LISTEN": 1},
			List: []FD{
				{FD: 0, Kind: "pipe", Target: "pipe:[100]"},
				{FD: 1, Kind: "device", Target: "/dev/pts/0", Gmr: "stderr duplicate"},
				{FD: 2, Kind: "file", Target: "/proc/4242/fd", Gmr: "listing /proc/self/fd"},
				{FD: 3, Kind: "file", Target: "/var/log/shop.log"},
				{FD: 4, Kind: "socket", Target: "socket:[200]", Socket: &FDSocket{Proto: "tcp", Local: "127.0.0.1:8080", State: "LISTEN"}},
				{FD: 5, Kind: "socket", Target: "socket:[201]", Socket: &FDSocket{Proto: "tcp6", Local: "[::1]:8080", Remote: "[::1]:50000", State: "ESTABLISHED"}},
				{FD: 6, Kind: "socket", Target: "socket:[202]", Socket: &FDSocket{Proto: "unix", Type: "stream", State: "CONNECTED"}},
				{FD: 7, Kind: "file", Target: "/tmp/evil\nname"},
			},
			Omitted:  1002,
			MaxFDs:   8,
			Repeated: []FDTarget{{Target: "/var/log/shop.log", Count: 990}},
		},
		Notes: []string{"cgroup /system.slice/shop.service: no io.max\x07"},
	}
}

func TestProcessReportWriteText(t *testing.T) {
	want := `ppid 1, uid 1000 (euid 1000), gid 100 (egid 100) — 2 figures NEAR THEIR LIMITS
executable = /srv/shop/shop
cwd = /srv/shop\x1b[2J
GOMAXPROCS 2, GOMEMLIMIT unlimited

limits:
  fds     1,010 / 1,024      (99%)  NEAR LIMIT
  memory  1.9 GiB / 2.0 GiB  (93%)  NEAR LIMIT
  pids    230 / 4,096        (6%)

usage:
  cpu: user 12.5s, system 3.2s
  memory: max rss 2.0 GiB, rss 1.9 GiB, virtual 5.0 GiB
  page faults: 12,000 minor, 3 major
  context switches: 45,000 voluntary, 1,200 involuntary
  where rss went (smaps): Go heap 1.2 GiB, goroutine and thread stacks 40.0 MiB, runtime metadata 60.0 MiB, other Go 2.0 MiB, not Go (binary, cgo, mapped files) 598.0 MiB
  rss by page kind: anon 1.8 GiB, file 100.0 MiB, shmem 0 B

rlimits:
  NAME    SOFT     HARD       UNIT
  nofile  1,024    4,096      count
  nice    0        0
  stack   8.0 MiB  unlimited  bytes
  cpu     1h0m0s   unlimited  seconds
  rttime  200ms    unlimited  microseconds
  unlimited (soft and hard): core, as (bytes)

cgroup v2 /system.slice/shop.service (/sys/fs/cgroup/system.slice/shop.service):
  memory: working set 1.9 GiB, charged 2.0 GiB, of memory.max 2.0 GiB (set on /system.slice); limit hit 40 times; 1 OOM kill
    GOMEMLIMIT is not set: the Go GC does not know of this limit
  cpu: quota 1.5 CPUs (150ms per 100ms), GOMAXPROCS 2; throttled in 900 of 4,000 periods (22.5%), 45.6s in all
  pids: 230 of pids.max 4,096

open fds: 1,010 of 1,024 — 1,000 file, 8 socket, 2 pipe (max_classified = 131,072)
sockets: 5 tcp ESTABLISHED, 1 tcp CLOSE_WAIT, 1 tcp LISTEN, 1 unix LISTEN
gmr's own: 1 stderr duplicate (/dev/pts/0), 2 listing /proc/self/fd (/proc/4242/fd)
  FD  KIND    TARGET
  0   pipe    pipe:[100]
  3   file    /var/log/shop.log
  4   socket  tcp 127.0.0.1:8080 LISTEN
  5   socket  tcp6 [::1]:8080 -> [::1]:50000 ESTABLISHED
  6   socket  unix/stream (unbound) CONNECTED
  7   file    /tmp/evil\nname
  ... 1,002 fds not listed (max_fds = 8)
repeated targets:
  990 × /var/log/shop.log

notes:
  - cgroup /system.slice/shop.service: no io.max\x07
`
	var buf bytes.Buffer
	require.NoError(t, testProcessReport().WriteText(&buf))
	assert.Equal(t, want, buf.String())
	assertNoControlChars(t, buf.String())

	buf.Reset()
	require.NoError(t, (&ProcessReport{PPID: 1, GOMEMLIMIT: 64 << 20, Limits: []LimitUse{{Name: "fds", Used: 900, Limit: 1000, Unit: "count", Percent: 90, Near: true}}}).WriteText(&buf))
	assert.Equal(t, "ppid 1, uid 0 (euid 0), gid 0 (egid 0) — 1 figure NEAR ITS LIMIT\nexecutable = \ncwd = \n"+
		"GOMAXPROCS 0, GOMEMLIMIT 64.0 MiB\n\nlimits:\n  fds  900 / 1,000  (90%)  NEAR LIMIT\n", buf.String())

	buf.Reset()
	require.NoError(t, (&ProcessReport{Cgroup: &CgroupReport{Mode: "v2", Path: "/", Dir: "/sys/fs/cgroup",
		CPU: &CgroupCPU{Version: 2, QuotaCPUs: -1}}, GOMEMLIMIT: math.MaxInt64}).WriteText(&buf))
	assert.NotContains(t, buf.String(), "command_line", "the command line is the config section's")
	assert.Contains(t, buf.String(), "cgroup v2 / (/sys/fs/cgroup):\n  cpu: no quota, GOMAXPROCS 0\n  no controller files: memory, pids (not enabled for the cgroup, or the root cgroup)\n",
		"the controllers without files on one line")

	// cgroup v1 beside an empty v2 hierarchy, and the fds cut by the
	// bound: the counts say of how many.
	buf.Reset()
	require.NoError(t, (&ProcessReport{GOMEMLIMIT: 256 << 20,
		Cgroup: &CgroupReport{Mode: "hybrid", Path: "/", Dir: "/sys/fs/cgroup/unified",
			Memory: &CgroupMemory{Version: 1, Path: "/gmr-test", Dir: "/sys/fs/cgroup/memory/gmr-test",
				CurrentBytes: 100 << 20, WorkingSetBytes: 90 << 20, MaxBytes: 256 << 20},
			Pids: &CgroupPids{Version: 1, Path: "/gmr-test", Dir: "/sys/fs/cgroup/pids/gmr-test", Current: 12, Max: -1}},
		FDs: &FDReport{Count: 150000, Limit: 200000, Classified: 131072, Unclassified: 18928, MaxClassified: 131072,
			Kinds: map[string]int{"socket": 131000, "file": 72}, SocketStates: map[string]int{"tcp ESTABLISHED": 131000}},
	}).WriteText(&buf))
	assert.Contains(t, buf.String(), "\ncgroup hybrid: v2 / (/sys/fs/cgroup/unified)\n"+
		"  memory (v1 /gmr-test at /sys/fs/cgroup/memory/gmr-test): working set 90.0 MiB, charged 100.0 MiB, of memory.limit_in_bytes 256.0 MiB; 0 OOM kills\n"+
		"  pids (v1 /gmr-test at /sys/fs/cgroup/pids/gmr-test): 12, no pids.max\n  no controller files: cpu (not enabled for the cgroup, or the root cgroup)\n")
	assert.Contains(t, buf.String(), "\nopen fds: 150,000 of 200,000 — of the first 131,072: 131,000 socket, 72 file; 18,928 not classified (max_classified = 131,072)\n"+
		"sockets (of the first 131,072 fds): 131,000 tcp ESTABLISHED\n")

	buf.Reset()
	require.NoError(t, (*ProcessReport)(nil).WriteText(&buf))
	assert.Equal(t, "(no process data)\n", buf.String())
	require.ErrorContains(t, testProcessReport().WriteText(failWriter{}), "write process report: broken pipe")
}

func TestProcessReportJSON(t *testing.T) {
	b, err := json.Marshal(testProcessReport())
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, key := range []string{"ppid", "uid", "euid", "gid", "egid", "executable", "cwd",
		"gomaxprocs", "gomemlimit_bytes", "limits", "usage", "memory", "rlimits",
		"fds", "cgroup", "notes"} {
		assert.Contains(t, m, key)
	}
	assert.Equal(t, map[string]any{"name": "fds", "used": 1010.0, "limit": 1024.0, "unit": "count", "percent": 98.6, "near": true},
		m["limits"].([]any)[0])
	fds := m["fds"].(map[string]any)
	assert.Equal(t, map[string]any{"fd": 5.0, "kind": "socket", "target": "socket:[201]",
		"socket": map[string]any{"proto": "tcp6", "local": "[::1]:8080", "remote": "[::1]:50000", "state": "ESTABLISHED"}},
		fds["list"].([]any)[5])
	cg := m["cgroup"].(map[string]any)
	assert.Equal(t, map[string]any{"version": 2.0, "current_bytes": float64(2000 << 20), "working_set_bytes": float64(1900 << 20),
		"max_bytes": float64(2 << 30), "max_from": "/system.slice", "limit_hits": 40.0, "oom_kills": 1.0},
		cg["memory"])
	assert.Equal(t, "v2", cg["mode"])
	assert.Equal(t, map[string]any{"fd": 1.0, "kind": "device", "target": "/dev/pts/0", "gmr": "stderr duplicate"},
		fds["list"].([]any)[1], "gmr's own descriptors, marked")
	assert.Equal(t, 1010.0, fds["classified"])
	assert.Equal(t, float64(MaxClassifiedFDs), fds["max_classified"])
	assert.Equal(t, "smaps", m["memory"].(map[string]any)["method"])
	assert.Equal(t, 1.5, cg["cpu"].(map[string]any)["quota_cpus"])

	b, err = json.Marshal(&ProcessReport{})
	require.NoError(t, err)
	for _, key := range []string{"command_line", "pid", "start_time", "uptime"} {
		assert.NotContains(t, string(b), `"`+key+`"`, "the command line is the config section's, the identity the header's")
	}
	for _, key := range []string{"usage", "memory", "fds", "cgroup"} {
		assert.NotContains(t, string(b), `"`+key+`"`, "absent parts are left out of JSON")
	}
}
