package procfs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTicksToDuration(t *testing.T) {
	tests := []struct {
		ticks uint64
		hz    int64
		want  time.Duration
	}{
		{0, 100, 0},
		{1, 100, 10 * time.Millisecond},
		{250, 100, 2500 * time.Millisecond},
		{1, 1024, 976562 * time.Nanosecond},
		{3 * 1024, 1024, 3 * time.Second},
		{100, 0, 0},
		{1 << 63, 100, time.Duration(1<<63 - 1)},
		{1<<64 - 1, 1, time.Duration(1<<63 - 1)},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, TicksToDuration(tt.ticks, tt.hz), "%d ticks at %d Hz", tt.ticks, tt.hz)
	}
}
