//go:build linux

package sections

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/internal/procfs"
)

// processStart returns when the process started, to the clock tick: its
// start time in /proc/self/stat is in clock ticks after boot, on the clock
// CLOCK_BOOTTIME reads, so the process's age is the difference. (Adding the
// boot time from /proc/stat instead would be up to a second out, since that
// is whole seconds.)
func processStart(now time.Time) (time.Time, error) {
	st, err := procfs.Default.Self().Stat()
	if err != nil {
		return time.Time{}, err
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Time{}, fmt.Errorf("read CLOCK_BOOTTIME: %w", err)
	}
	age := time.Duration(ts.Nano()) - ticksToDuration(st.StartTime, clockTicks())
	return now.Add(-age), nil
}
