//go:build linux

package sections

import (
	"fmt"
	"os"
	"time"

	"github.com/gmr-go/gmr/internal/procfs"
)

// processStart returns when the process started: the boot time from
// /proc/stat plus the start time, in clock ticks after boot, from
// /proc/self/stat. The boot time is whole seconds, so the result may be up
// to a second early.
func processStart() (time.Time, error) {
	st, err := procfs.Default.Self().Stat()
	if err != nil {
		return time.Time{}, err
	}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, fmt.Errorf("read boot time: %w", err)
	}
	btime, err := parseBootTime(b)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse /proc/stat: %w", err)
	}
	return time.Unix(btime, 0).Add(ticksToDuration(st.StartTime, clockTicks())), nil
}
