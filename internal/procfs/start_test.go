package procfs

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestInitTime(t *testing.T) {
	assert.False(t, InitTime().IsZero())
	assert.False(t, InitTime().After(time.Now()))
	assert.Equal(t, InitTime(), InitTime(), "one time, not each call's")
}

func TestProcessStartUnsupported(t *testing.T) {
	if runtime.GOOS == "linux" {
		t.Skip("Linux has /proc")
	}
	_, err := ProcessStart(time.Now())
	assert.True(t, errors.Is(err, errors.ErrUnsupported), "%v", err)
}
