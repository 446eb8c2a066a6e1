//go:build !unix

package sections

import "runtime"

// readUsage notes that there is no getrusage or getrlimit on this system.
func readUsage(r *ProcessReport) {
	r.note("resource usage and rlimits: no getrusage or getrlimit on %s", runtime.GOOS)
}
