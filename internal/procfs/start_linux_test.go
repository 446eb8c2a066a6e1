//go:build linux

package procfs

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestClockTicks(t *testing.T) {
	// USER_HZ is 100 on every architecture Go supports on Linux; the value
	// must come from the auxiliary vector all the same.
	assert.Equal(t, int64(100), ClockTicks())
	auxv, err := unix.Auxv()
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(auxv, func(kv [2]uintptr) bool { return kv[0] == atClockTick && kv[1] == 100 }),
		"AT_CLKTCK not in the auxiliary vector")
}

func TestProcessStart(t *testing.T) {
	now := time.Now()
	start, err := ProcessStart(now)
	require.NoError(t, err)
	// The kernel's start time is before this package was initialised (it
	// is rounded down to the clock tick, so it is never late), and not
	// long before.
	assert.False(t, start.After(InitTime()), "start %v after init %v", start, InitTime())
	assert.True(t, start.After(InitTime().Add(-10*time.Second)), "start %v long before init %v", start, InitTime())
	assert.False(t, start.After(now))

	later, err := ProcessStart(now.Add(time.Hour))
	require.NoError(t, err)
	assert.WithinDuration(t, start.Add(time.Hour), later, time.Second, "the start is on the clock of now")
}

func TestStartTimeInTheFuture(t *testing.T) {
	_, err := startTime(Stat{StartTime: 1 << 62}, time.Now())
	assert.ErrorContains(t, err, "is in the future")
}
