//go:build !linux

package sections

import (
	"errors"
	"time"
)

// processStart reports that this system offers no process start time
// without cgo; Package falls back to the time the package was initialised.
func processStart(time.Time) (time.Time, error) {
	return time.Time{}, errors.ErrUnsupported
}
