//go:build !unix

package gmr

import (
	"fmt"
	"os"
	"runtime"
)

// defaultSignal is nil where there is no SIGUSR2: there, reports are made
// through the Reporter's methods.
var defaultSignal os.Signal

func parseSignal(name string) (os.Signal, error) {
	return nil, fmt.Errorf("signal %q: %w", name, ErrSignalsUnsupported)
}

func checkSignal(sig os.Signal) error {
	return fmt.Errorf("signal %v: report signals are not supported on %s", sig, runtime.GOOS)
}

func signalName(sig os.Signal) string { return sig.String() }
