//go:build linux

package procfs

import (
	"sync"

	"golang.org/x/sys/unix"
)

// atClockTick is AT_CLKTCK, the auxiliary vector entry holding the kernel's
// USER_HZ: the clock ticks per second in which /proc reports CPU and start
// times.
const atClockTick = 17

// ClockTicks returns the kernel's clock ticks per second, as
// sysconf(_SC_CLK_TCK) would: from the auxiliary vector, or 100 (the value
// on every architecture Go supports) if that cannot be read.
func ClockTicks() int64 { return clockTicks() }

var clockTicks = sync.OnceValue(func() int64 {
	auxv, err := unix.Auxv()
	if err == nil {
		for _, kv := range auxv {
			if kv[0] == atClockTick && kv[1] > 0 {
				return int64(kv[1])
			}
		}
	}
	return 100
})
