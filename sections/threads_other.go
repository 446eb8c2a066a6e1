//go:build !linux

package sections

import (
	"context"
	"runtime"
)

// listOSThreads reports that there is no per-thread list: only Linux's /proc
// gives other threads' names, states and CPU times without stopping them.
func listOSThreads(_ context.Context, r *ThreadReport) error {
	r.OSThreads = r.RuntimeThreads
	r.Note = "no per-thread list on " + runtime.GOOS + ": it is read from Linux's /proc; os_threads is the Go runtime's count of its own threads"
	return nil
}
