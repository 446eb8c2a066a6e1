//go:build !linux

package sections

import (
	"context"
	"runtime"
)

// extraRlimits are this system's limits beyond commonRlimits: none that
// gmr reads.
var extraRlimits []rlimitName

// readProcFS notes what is read from Linux's /proc and cgroup file system
// alone.
func readProcFS(_ context.Context, r *ProcessReport, _ int) error {
	r.note("open fds, where memory went and cgroup limits: read from Linux's /proc and /sys/fs/cgroup, not available on %s", runtime.GOOS)
	return nil
}
