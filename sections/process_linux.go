//go:build linux

package sections

import (
	"context"

	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/internal/procfs"
)

// extraRlimits are Linux's limits beyond commonRlimits.
var extraRlimits = []rlimitName{
	{unix.RLIMIT_AS, "as", "bytes"},
	{unix.RLIMIT_NPROC, "nproc", "count"},
	{unix.RLIMIT_MEMLOCK, "memlock", "bytes"},
	{unix.RLIMIT_LOCKS, "locks", "count"},
	{unix.RLIMIT_SIGPENDING, "sigpending", "count"},
	{unix.RLIMIT_MSGQUEUE, "msgqueue", "bytes"},
	{unix.RLIMIT_NICE, "nice", ""},
	{unix.RLIMIT_RTPRIO, "rtprio", ""},
	{unix.RLIMIT_RTTIME, "rttime", "microseconds"},
}

// readProcFS fills in what Linux's /proc and cgroup file system tell: the
// current memory sizes and where memory went, the cgroup, and the open
// descriptors, last as they take the longest.
func readProcFS(ctx context.Context, r *ProcessReport, maxFDs int) error {
	self := procfs.Default.Self()
	if st, err := self.Status(); err != nil {
		r.note("memory sizes: %v", err)
	} else {
		if r.Usage != nil {
			r.Usage.RSSBytes = int64(min(st.VMRSS, 1<<63-1))
			r.Usage.VirtualBytes = int64(min(st.VMSize, 1<<63-1))
		}
		r.Memory = readMemory(ctx, self, st, r)
	}
	r.Cgroup = readCgroup(self, "", r)
	var err error
	r.FDs, err = readFDs(ctx, self, maxFDs, r.rlimit("nofile"), r)
	return err
}
