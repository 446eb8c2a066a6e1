//go:build linux

package sections

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/internal/procfs"
)

// processStart returns when this process started; see startTime.
func processStart(now time.Time) (time.Time, error) {
	st, err := procfs.Default.Self().Stat()
	if err != nil {
		return time.Time{}, err
	}
	return startTime(st, now)
}

// startTime returns when the process of st started, to the clock tick: its
// start time in /proc/<pid>/stat is in clock ticks after boot, on the clock
// CLOCK_BOOTTIME reads, so the process's age is the difference. (Adding the
// boot time from /proc/stat instead would be up to a second out, since that
// is whole seconds.)
func startTime(st procfs.Stat, now time.Time) (time.Time, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Time{}, fmt.Errorf("read CLOCK_BOOTTIME: %w", err)
	}
	age := time.Duration(ts.Nano()) - ticksToDuration(st.StartTime, clockTicks())
	if age < 0 {
		return time.Time{}, fmt.Errorf("start time %d ticks after boot is in the future", st.StartTime)
	}
	return now.Add(-age), nil
}
