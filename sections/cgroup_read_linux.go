//go:build linux

package sections

import "github.com/gmr-go/gmr/internal/procfs"

// ReadCgroup reads the calling process's cgroups, v1 and v2, as the
// process section does: memory, CPU and pids, with their limits. It
// returns nil where there is none to read. It costs a few small file
// reads, so gmr's threshold watcher can call it every interval.
func ReadCgroup() *CgroupReport {
	var scratch ProcessReport // its notes are dropped: the watcher has no use for them
	return readCgroup(procfs.Default.Self(), "", &scratch)
}
