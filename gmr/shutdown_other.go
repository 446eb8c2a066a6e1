//go:build !linux

package gmr

import (
	"errors"
	"os"
	"runtime"
)

// signalProbe reads how many channels os/signal relays a signal to: only on
// Linux (shutdown_linux.go).
type signalProbe struct{}

func newSignalProbe() (*signalProbe, error) {
	return nil, errors.New("it needs Linux, to tell whether the service handles SIGTERM itself, and this is " + runtime.GOOS)
}

func (*signalProbe) listeners(os.Signal) int64 { return 0 }

func raise(os.Signal) {}
