//go:build !linux

package procfs

import (
	"errors"
	"time"
)

// ProcessStart reports that this system offers no process start time
// without cgo: it returns errors.ErrUnsupported. See InitTime for a stand-in.
func ProcessStart(time.Time) (time.Time, error) {
	return time.Time{}, errors.ErrUnsupported
}
