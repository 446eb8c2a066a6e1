//go:build unix

package sections

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// commonRlimits are the limits every Unix system has; extraRlimits adds
// the system's own.
var commonRlimits = []rlimitName{
	{unix.RLIMIT_NOFILE, "nofile", "count"},
	{unix.RLIMIT_CPU, "cpu", "seconds"},
	{unix.RLIMIT_DATA, "data", "bytes"},
	{unix.RLIMIT_STACK, "stack", "bytes"},
	{unix.RLIMIT_CORE, "core", "bytes"},
	{unix.RLIMIT_FSIZE, "fsize", "bytes"},
}

// readUsage fills in r's resource usage and limits from getrusage(2) and
// getrlimit(2).
func readUsage(r *ProcessReport) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		r.note("resource usage: getrusage: %v", err)
	} else {
		// ru_maxrss is in kilobytes, but on Apple's systems in bytes.
		maxRSS := int64(ru.Maxrss) * 1024
		if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
			maxRSS = int64(ru.Maxrss)
		}
		r.Usage = &ResourceUsage{
			UserCPU:             Millis(ru.Utime.Nano()),
			SystemCPU:           Millis(ru.Stime.Nano()),
			MaxRSSBytes:         maxRSS,
			MinorFaults:         int64(ru.Minflt),
			MajorFaults:         int64(ru.Majflt),
			VoluntarySwitches:   int64(ru.Nvcsw),
			InvoluntarySwitches: int64(ru.Nivcsw),
		}
	}
	for _, l := range append(commonRlimits[:len(commonRlimits):len(commonRlimits)], extraRlimits...) {
		var lim unix.Rlimit
		if err := unix.Getrlimit(l.resource, &lim); err != nil {
			r.note("rlimit %s: getrlimit: %v", l.name, err)
			continue
		}
		r.Rlimits = append(r.Rlimits, Rlimit{Name: l.name, Soft: rlimitValue(lim.Cur), Hard: rlimitValue(lim.Max), Unit: l.unit})
	}
}

// rlimitValue converts a limit to int64, with -1 for unlimited.
func rlimitValue[T ~int64 | ~uint64](v T) Limit {
	u := uint64(v)
	if u == uint64(unix.RLIM_INFINITY) || u > 1<<63-1 {
		return -1
	}
	return Limit(u)
}
