package procfs

import "time"

// TicksToDuration converts n clock ticks at hz ticks per second, without
// overflowing for any realistic n. It returns 0 for a hz that is not
// positive.
func TicksToDuration(n uint64, hz int64) time.Duration {
	if hz <= 0 {
		return 0
	}
	h := uint64(hz)
	secs := n / h
	if secs > uint64(1<<63-1)/uint64(time.Second) {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(secs)*time.Second + time.Duration((n%h)*uint64(time.Second)/h)
}
