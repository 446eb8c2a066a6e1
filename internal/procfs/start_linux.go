//go:build linux

package procfs

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// ProcessStart returns when the calling process started, to the clock tick
// (usually 10 ms), on the clock of now. It reads /proc/self/stat, whose
// start time is in clock ticks after boot on the clock CLOCK_BOOTTIME
// reads, so the process's age is the difference, taken from now. (Adding
// the boot time from /proc/stat instead would be up to a second out, since
// that is whole seconds.)
func ProcessStart(now time.Time) (time.Time, error) {
	st, err := Default.Self().Stat()
	if err != nil {
		return time.Time{}, err
	}
	return startTime(st, now)
}

// startTime returns when the process of st started, on the clock of now.
func startTime(st Stat, now time.Time) (time.Time, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Time{}, fmt.Errorf("procfs: read CLOCK_BOOTTIME: %w", err)
	}
	age := time.Duration(ts.Nano()) - TicksToDuration(st.StartTime, ClockTicks())
	if age < 0 {
		return time.Time{}, fmt.Errorf("procfs: start time %d ticks after boot is in the future", st.StartTime)
	}
	return now.Add(-age), nil
}
