//go:build !unix

package gmr

import (
	"io"
	"os"
)

// processStderr returns os.Stderr: off Unix a broken pipe raises no signal.
func processStderr() io.Writer { return os.Stderr }
