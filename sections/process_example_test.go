package sections_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/gmr-go/gmr/sections"
)

func ExampleProcess() {
	data, err := sections.Process{MaxFDs: 16}.Collect(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	rep := data.(*sections.ProcessReport)
	for _, l := range rep.Limits {
		if l.Near {
			fmt.Printf("%s %d / %d (%.0f%%)\n", l.Name, l.Used, l.Limit, l.Percent)
		}
	}
	for _, note := range rep.Notes {
		fmt.Println("could not read:", note)
	}
}

func ExampleProcessReport_WriteText() {
	rep := &sections.ProcessReport{
		PPID: 1, UID: 1000, EUID: 1000, GID: 1000, EGID: 1000,
		Executable: "/srv/shop/shop",
		Cwd:        "/srv/shop",
		GOMAXPROCS: 2,
		GOMEMLIMIT: math.MaxInt64,
		Limits: []sections.LimitUse{
			{Name: "fds", Used: 1010, Limit: 1024, Unit: "count", Percent: 98.6, Near: true},
			{Name: "memory", Used: 600 << 20, Limit: 1 << 30, Unit: "bytes", Percent: 58.6},
		},
		Rlimits: []sections.Rlimit{{Name: "nofile", Soft: 1024, Hard: 524288, Unit: "count"},
			{Name: "stack", Soft: 8 << 20, Hard: -1, Unit: "bytes"}, {Name: "core", Soft: -1, Hard: -1, Unit: "bytes"}},
		Cgroup: &sections.CgroupReport{
			Mode: "v2", Path: "/system.slice/shop.service", Dir: "/sys/fs/cgroup/system.slice/shop.service",
			Memory: &sections.CgroupMemory{Version: 2, CurrentBytes: 700 << 20, WorkingSetBytes: 600 << 20, MaxBytes: 1 << 30},
			CPU:    &sections.CgroupCPU{Version: 2, QuotaCPUs: 2, Quota: new(sections.Millis(200 * time.Millisecond)), Period: sections.Millis(100 * time.Millisecond), Periods: 1000, ThrottledPeriods: 10, Throttled: sections.Millis(300 * time.Millisecond)},
		},
		FDs: &sections.FDReport{
			Count: 1010, Limit: 1024, Classified: 1010, MaxClassified: sections.MaxClassifiedFDs,
			Kinds:        map[string]int{"socket": 1005, "file": 5},
			SocketStates: map[string]int{"tcp CLOSE_WAIT": 1000, "tcp ESTABLISHED": 4, "tcp LISTEN": 1},
			List: []sections.FD{
				{FD: 3, Kind: "file", Target: "/var/log/shop.log"},
				{FD: 5, Kind: "device", Target: "/dev/pts/0", Gmr: "stderr duplicate"},
				{FD: 4, Kind: "socket", Target: "socket:[200]", Socket: &sections.FDSocket{Proto: "tcp", Local: "0.0.0.0:8080", State: "LISTEN"}},
				{FD: 9, Kind: "socket", Target: "socket:[201]", Socket: &sections.FDSocket{Proto: "tcp", Local: "10.0.0.7:41000", Remote: "10.0.0.9:5432", State: "CLOSE_WAIT"}},
			},
			Omitted: 1006, MaxFDs: 4,
		},
	}
	if err := rep.WriteText(os.Stdout); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// ppid 1, uid 1000 (euid 1000), gid 1000 (egid 1000) — 1 figure NEAR ITS LIMIT
	// executable = /srv/shop/shop
	// cwd = /srv/shop
	// GOMAXPROCS 2, GOMEMLIMIT unlimited
	//
	// limits:
	//   fds     1,010 / 1,024        (99%)  NEAR LIMIT
	//   memory  600.0 MiB / 1.0 GiB  (59%)
	//
	// rlimits:
	//   NAME    SOFT     HARD       UNIT
	//   nofile  1,024    524,288    count
	//   stack   8.0 MiB  unlimited  bytes
	//   unlimited (soft and hard): core (bytes)
	//
	// cgroup v2 /system.slice/shop.service (/sys/fs/cgroup/system.slice/shop.service):
	//   memory: working set 600.0 MiB, charged 700.0 MiB, of memory.max 1.0 GiB; 0 OOM kills
	//     GOMEMLIMIT is not set: the Go GC does not know of this limit
	//   cpu: quota 2 CPUs (200ms per 100ms), GOMAXPROCS 2; throttled in 10 of 1,000 periods (1%), 300ms in all
	//   no controller files: pids (not enabled for the cgroup, or the root cgroup)
	//
	// open fds: 1,010 of 1,024 — 1,005 socket, 5 file (max_classified = 131,072)
	// sockets: 1,000 tcp CLOSE_WAIT, 4 tcp ESTABLISHED, 1 tcp LISTEN
	// gmr's own: 5 stderr duplicate (/dev/pts/0)
	//   FD  KIND    TARGET
	//   3   file    /var/log/shop.log
	//   4   socket  tcp 0.0.0.0:8080 LISTEN
	//   9   socket  tcp 10.0.0.7:41000 -> 10.0.0.9:5432 CLOSE_WAIT
	//   ... 1,006 fds not listed (max_fds = 4)
}
