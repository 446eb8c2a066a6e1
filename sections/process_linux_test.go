//go:build linux

package sections

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/internal/procfs"
)

// openTestFiles opens n files in a new directory and returns it; they are
// closed when the test ends.
func openTestFiles(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("f%03d", i)))
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
	}
	return dir
}

func TestProcessFDsLive(t *testing.T) {
	dir := openTestFiles(t, 30)
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	c, err := net.Dial("tcp4", l.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	a, err := l.Accept()
	require.NoError(t, err)
	defer a.Close()

	r := collectProcess(t, Process{MaxFDs: 100000})
	require.NotNil(t, r.FDs, "notes: %v", r.Notes)
	fds := r.FDs
	assert.Equal(t, 100000, fds.MaxFDs)
	assert.Len(t, fds.List, fds.Count, "all listed")
	assert.Zero(t, fds.Omitted)
	assert.Zero(t, fds.Unclassified)
	assert.Equal(t, fds.Count, fds.Classified)
	assert.Equal(t, MaxClassifiedFDs, fds.MaxClassified)
	gmrFDs := map[string]int{}
	for _, fd := range fds.List {
		if fd.Gmr != "" {
			gmrFDs[fd.Gmr]++
		}
	}
	assert.Equal(t, 1, gmrFDs["listing /proc/self/fd"], "the descriptor the section lists /proc/self/fd through: %v", fds.List)
	assert.True(t, slices.IsSortedFunc(fds.List, func(a, b FD) int { return a.FD - b.FD }))
	held := 0
	for _, fd := range fds.List {
		if strings.HasPrefix(fd.Target, dir+"/") {
			held++
			assert.Equal(t, "file", fd.Kind)
		}
	}
	assert.Equal(t, 30, held)
	assert.GreaterOrEqual(t, fds.Kinds["file"], 30)
	assert.GreaterOrEqual(t, fds.Kinds["socket"], 3)
	assert.GreaterOrEqual(t, fds.SocketStates["tcp LISTEN"], 1)
	assert.GreaterOrEqual(t, fds.SocketStates["tcp ESTABLISHED"], 2)

	sockets := map[string]bool{}
	for _, fd := range fds.List {
		if s := fd.Socket; s != nil && s.Proto == "tcp" {
			sockets[s.Local+" "+s.Remote+" "+s.State] = true
		}
	}
	assert.Contains(t, sockets, l.Addr().String()+"  LISTEN")
	assert.Contains(t, sockets, c.LocalAddr().String()+" "+l.Addr().String()+" ESTABLISHED")
	assert.Contains(t, sockets, a.LocalAddr().String()+" "+a.RemoteAddr().String()+" ESTABLISHED")

	assert.Equal(t, Limit(r.rlimit("nofile")), fds.Limit)
	require.NotEmpty(t, r.Limits)
	assert.Equal(t, "fds", r.Limits[0].Name)
	assert.Equal(t, int64(fds.Count), r.Limits[0].Used)
	for _, n := range r.Notes {
		assert.NotContains(t, n, "fds", "the descriptors were all read")
	}
	assert.Positive(t, r.Usage.RSSBytes)
	assert.GreaterOrEqual(t, r.Usage.VirtualBytes, r.Usage.RSSBytes)
}

func TestProcessFDsShared(t *testing.T) {
	openTestFiles(t, 50)
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()

	const max = 8
	r := collectProcess(t, Process{MaxFDs: max})
	fds := r.FDs
	require.NotNil(t, fds)
	assert.Len(t, fds.List, max)
	assert.Equal(t, fds.Count-max, fds.Omitted)
	kinds := map[string]bool{}
	for _, fd := range fds.List {
		kinds[fd.Kind] = true
	}
	if len(fds.Kinds) <= max {
		for kind := range fds.Kinds {
			assert.Contains(t, kinds, kind, "every kind has a turn: %v", fds.Kinds)
		}
	}

	none := collectProcess(t, Process{MaxFDs: -1})
	assert.Empty(t, none.FDs.List)
	assert.NotNil(t, none.FDs.List, "[] in JSON, not null")
	assert.Positive(t, none.FDs.Count)
	assert.Equal(t, DefaultMaxFDs, collectProcess(t, Process{}).FDs.MaxFDs)
}

// cannedFDProc lays out a process directory with the given descriptors
// and the canned socket tables, and returns it.
func cannedFDProc(t *testing.T, fds map[int]string) procfs.Proc {
	t.Helper()
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the canned socket tables are little-endian")
	}
	root := t.TempDir()
	dir := filepath.Join(root, "4242")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "fd"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "net"), 0o755))
	for fd, target := range fds {
		require.NoError(t, os.Symlink(target, filepath.Join(dir, "fd", strconv.Itoa(fd))))
	}
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6", "unix"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "procfs", "net", table))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "net", table), b, 0o644))
	}
	return procfs.FS(root).Proc(4242)
}

func TestReadFDsCanned(t *testing.T) {
	p := cannedFDProc(t, map[int]string{
		0:  "/dev/null",
		1:  "pipe:[7]",
		2:  "pipe:[7]",
		3:  "anon_inode:[eventpoll]",
		4:  "socket:[160356]", // tcp 127.0.0.1:36709 LISTEN
		5:  "socket:[160864]", // tcp ESTABLISHED
		6:  "socket:[160866]", // udp6 [::1]:36114
		7:  "socket:[160867]", // unix @gmr-abstract LISTEN
		8:  "socket:[999999]", // in no table
		9:  "/data/x.db",
		10: "/data/x.db",
		11: "/data/x.db",
		12: "/data/y.db (deleted)",
		13: "/dev/null",
		14: "net:[4026531840]",
	})
	r := &ProcessReport{}
	fds, err := readFDs(context.Background(), p, 6, 20, r)
	require.NoError(t, err)
	for _, n := range r.Notes {
		assert.NotContains(t, n, "fds", "the descriptors were all read")
	}
	assert.Equal(t, &FDReport{
		Count: 15, Limit: 20, Classified: 15, MaxClassified: MaxClassifiedFDs,
		Kinds:        map[string]int{"device": 2, "pipe": 2, "anon_inode": 1, "socket": 5, "file": 4, "other": 1},
		SocketStates: map[string]int{"tcp LISTEN": 1, "tcp ESTABLISHED": 1, "udp6 UNCONNECTED": 1, "unix LISTEN": 1, "unknown": 1},
		List: []FD{
			{FD: 0, Kind: "device", Target: "/dev/null"},
			{FD: 1, Kind: "pipe", Target: "pipe:[7]"},
			{FD: 3, Kind: "anon_inode", Target: "anon_inode:[eventpoll]"},
			{FD: 4, Kind: "socket", Target: "socket:[160356]", Socket: &FDSocket{Proto: "tcp", Local: "127.0.0.1:36709", State: "LISTEN"}},
			{FD: 9, Kind: "file", Target: "/data/x.db"},
			{FD: 14, Kind: "other", Target: "net:[4026531840]"},
		},
		Omitted:  9,
		MaxFDs:   6,
		Repeated: []FDTarget{{Target: "/data/x.db", Count: 3}, {Target: "/dev/null", Count: 2}},
	}, fds, "a canned directory is not this process's: none of it is gmr's")

	all, err := readFDs(context.Background(), p, 100, -1, &ProcessReport{})
	require.NoError(t, err)
	assert.Len(t, all.List, 15)
	assert.Equal(t, &FDSocket{Proto: "tcp", Local: "127.0.0.1:48092", Remote: "127.0.0.1:37377", State: "ESTABLISHED"}, all.List[5].Socket)
	assert.Equal(t, &FDSocket{Proto: "udp6", Local: "[::1]:36114", State: "UNCONNECTED"}, all.List[6].Socket)
	assert.Equal(t, &FDSocket{Proto: "unix", Local: "@gmr-abstract", State: "LISTEN", Type: "stream"}, all.List[7].Socket)
	assert.Nil(t, all.List[8].Socket, "a socket in no table")
}

func TestReadFDsDegraded(t *testing.T) {
	// No fd directory: a note, no FDReport.
	r := &ProcessReport{}
	fds, err := readFDs(context.Background(), procfs.FS(t.TempDir()).Self(), 10, -1, r)
	require.NoError(t, err)
	assert.Nil(t, fds)
	require.Len(t, r.Notes, 1)
	assert.Contains(t, r.Notes[0], "open fds: procfs: list file descriptors: open ")

	// No socket tables: the sockets are counted, and a note says why they
	// are not described.
	p := cannedFDProc(t, map[int]string{3: "socket:[160356]", 4: "/x"})
	require.NoError(t, os.RemoveAll(filepath.Join(p.Dir(), "net")))
	require.NoError(t, os.MkdirAll(filepath.Join(p.Dir(), "net", "tcp"), 0o755)) // a directory: unreadable
	r = &ProcessReport{}
	fds, err = readFDs(context.Background(), p, 10, -1, r)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"unknown": 1}, fds.SocketStates)
	require.Len(t, r.Notes, 1)
	assert.Contains(t, r.Notes[0], "sockets: procfs: read ")

	// Canceled: what was read, the rest unclassified, and the error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r = &ProcessReport{}
	fds, err = readFDs(ctx, cannedFDProc(t, map[int]string{3: "/x", 4: "/y"}), 10, -1, r)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 2, fds.Unclassified)
	assert.Equal(t, []string{"open fds: stopped after reading 0 targets: context canceled"}, r.Notes)
}

func TestReadCgroupCanned(t *testing.T) {
	canned := func(name string) (procfs.Proc, string) {
		root := filepath.Join("..", "testdata", "procfs", "cgroup", name)
		return procfs.FS(filepath.Join(root, "proc")).Self(), root
	}
	tests := []struct {
		name      string
		want      *CgroupReport
		wantNotes []string
	}{
		{
			name: "v2",
			want: &CgroupReport{
				Mode: "v2",
				Path: "/system.slice/shop.service",
				Dir:  "../testdata/procfs/cgroup/v2/sys/fs/cgroup/system.slice/shop.service",
				// memory.max is "max" here, and 1 GiB on the parent slice;
				// the working set is memory.current less inactive_file.
				Memory: &CgroupMemory{Version: 2, CurrentBytes: 900 << 20, WorkingSetBytes: 800 << 20, MaxBytes: 1 << 30,
					MaxFrom: "/system.slice", LimitHits: 12, OOMKills: 2},
				CPU: &CgroupCPU{Version: 2, QuotaCPUs: 1.5, Quota: new(Millis(150 * time.Millisecond)), Period: Millis(100 * time.Millisecond),
					Periods: 4000, ThrottledPeriods: 900, Throttled: Millis(45600 * time.Millisecond)},
				Pids: &CgroupPids{Version: 2, Current: 230, Max: 4096},
			},
			wantNotes: []string{},
		},
		{
			name: "hybrid",
			want: &CgroupReport{Mode: "hybrid", Path: "/", Dir: "../testdata/procfs/cgroup/hybrid/sys/fs/cgroup/unified",
				// The v1 memory cgroup is unlimited, its parent not; the
				// working set is usage less total_inactive_file.
				Memory: &CgroupMemory{Version: 1, Path: "/process_api/6513dd31",
					Dir:          "../testdata/procfs/cgroup/hybrid/sys/fs/cgroup/memory/process_api/6513dd31",
					CurrentBytes: 256 << 20, WorkingSetBytes: 244 << 20, MaxBytes: 1 << 30, MaxFrom: "/process_api"},
			},
			wantNotes: []string{},
		},
		{
			name: "v1",
			want: &CgroupReport{Mode: "v1",
				// hierarchical_memory_limit (384 MiB) is below the
				// container's own limit (512 MiB): set above its mount.
				Memory: &CgroupMemory{Version: 1, Path: "/docker/abc", Dir: "../testdata/procfs/cgroup/v1/sys/fs/cgroup/memory",
					CurrentBytes: 450 << 20, WorkingSetBytes: 370 << 20, MaxBytes: 384 << 20, MaxFrom: "hierarchical_memory_limit",
					LimitHits: 7, OOMKills: 3},
				Pids: &CgroupPids{Version: 1, Path: "/docker/abc", Dir: "../testdata/procfs/cgroup/v1/sys/fs/cgroup/pids", Current: 57, Max: 100},
			},
			wantNotes: []string{},
		},
		{
			name: "container",
			want: &CgroupReport{Mode: "v2", Path: "/kubepods/pod1/ctr", Dir: "../testdata/procfs/cgroup/container/sys/fs/cgroup",
				Memory: &CgroupMemory{Version: 2, CurrentBytes: 512 << 20, WorkingSetBytes: 512 << 20, MaxBytes: -1},
				CPU:    &CgroupCPU{Version: 2, QuotaCPUs: -1},
				Pids:   &CgroupPids{Version: 2, Current: 12, Max: 16},
			},
			wantNotes: []string{`cgroup /kubepods/pod1/ctr: memory.max: procfs: parse cgroup value "lots": want a non-negative number or "max"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, root := canned(tt.name)
			r := &ProcessReport{Notes: []string{}}
			got := readCgroup(p, root, r)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantNotes, r.Notes)
			for _, n := range r.Notes {
				assert.NotContains(t, n, "v2 only", "cgroup v1 is read")
			}
		})
	}

	r := &ProcessReport{}
	assert.Nil(t, readCgroup(procfs.FS(t.TempDir()).Self(), "", r))
	require.Len(t, r.Notes, 1)
	assert.Contains(t, r.Notes[0], "cgroup: open ")

	// The limits feed the figures flagged near their limits.
	for name, want := range map[string][]LimitUse{
		"v2": {
			{Name: "memory", Used: 800 << 20, Limit: 1 << 30, Unit: "bytes", Percent: 78.1},
			{Name: "pids", Used: 230, Limit: 4096, Unit: "count", Percent: 5.6},
		},
		"v1": {
			{Name: "memory", Used: 370 << 20, Limit: 384 << 20, Unit: "bytes", Percent: 96.4, Near: true},
			{Name: "pids", Used: 57, Limit: 100, Unit: "count", Percent: 57},
		},
		"hybrid": {{Name: "memory", Used: 244 << 20, Limit: 1 << 30, Unit: "bytes", Percent: 23.8}},
	} {
		p, root := canned(name)
		r = &ProcessReport{Cgroup: readCgroup(p, root, &ProcessReport{}), GOMEMLIMIT: math.MaxInt64}
		r.addLimits(-1)
		assert.Equal(t, want, r.Limits, name)
	}
}
