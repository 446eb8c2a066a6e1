//go:build unix

package gmr

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// defaultSignal is the signal that triggers a report unless configured.
var defaultSignal os.Signal = syscall.SIGUSR2

// parseSignal turns "USR2", "SIGUSR2", "sigusr2" or "12" into a signal.
func parseSignal(name string) (os.Signal, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	if n == "" {
		return nil, fmt.Errorf("empty signal name")
	}
	if !strings.HasPrefix(n, "SIG") {
		n = "SIG" + n
	}
	if num := unix.SignalNum(n); num != 0 {
		return num, nil
	}
	return nil, fmt.Errorf("unknown signal %q", name)
}

// checkSignal rejects signals a report must not be tied to.
func checkSignal(sig os.Signal) error {
	switch sig {
	case nil:
		return fmt.Errorf("nil signal")
	case syscall.SIGKILL, syscall.SIGSTOP:
		return fmt.Errorf("%v cannot be caught", sig)
	case syscall.SIGINT, syscall.SIGTERM:
		return fmt.Errorf("%v is for stopping the process, not for reports", sig)
	}
	return nil
}

// signalName returns "SIGUSR2" for syscall.SIGUSR2.
func signalName(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok {
		if name := unix.SignalName(s); name != "" {
			return name
		}
	}
	return sig.String()
}
