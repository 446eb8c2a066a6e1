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
	if n == "SIGPOLL" {
		return syscall.SIGIO, nil // System V's name for it, which Linux has too
	}
	return nil, fmt.Errorf("unknown signal %q", name)
}

// refusedSignals are the signals that the Go runtime, the kernel or the
// program's own machinery send on their own, so that a report tied to one
// would be made without anyone asking, or the thing that sends it would
// break; each with the reason the error gives.
var refusedSignals = map[syscall.Signal]string{
	syscall.SIGURG:    "is sent by the Go runtime itself to preempt goroutines, many times a second in a busy program",
	syscall.SIGPROF:   "is sent by the kernel to a program being CPU-profiled (runtime/pprof, perf)",
	syscall.SIGVTALRM: "is sent by the kernel for virtual-time interval timers",
	syscall.SIGALRM:   "is sent by the kernel for alarms and interval timers",
	syscall.SIGCHLD:   "is sent by the kernel whenever a child process stops or exits",
	syscall.SIGPIPE:   "is sent by the kernel on every write to a broken pipe or socket",
	syscall.SIGIO:     "is sent by the kernel for asynchronous I/O readiness",
	syscall.SIGSYS:    "is sent by the kernel for a bad system call (seccomp)",
	syscall.SIGSEGV:   "is a synchronous fault that the Go runtime turns into a panic",
	syscall.SIGBUS:    "is a synchronous fault that the Go runtime turns into a panic",
	syscall.SIGFPE:    "is a synchronous fault that the Go runtime turns into a panic",
	syscall.SIGILL:    "is a synchronous fault that the Go runtime turns into a crash",
	syscall.SIGTRAP:   "is used by debuggers",
	syscall.SIGABRT:   "makes the Go runtime crash with a stack dump, as abort(3) expects",
}

// checkSignal rejects signals a report must not be tied to: those that
// cannot be caught, those that stop the process, and those that something
// other than an operator sends on its own (refusedSignals).
func checkSignal(sig os.Signal) error {
	switch sig {
	case nil:
		return fmt.Errorf("nil signal")
	case syscall.SIGKILL, syscall.SIGSTOP:
		return fmt.Errorf("%v cannot be caught", signalName(sig))
	case syscall.SIGINT, syscall.SIGTERM:
		return fmt.Errorf("%v is for stopping the process, not for reports", signalName(sig))
	}
	if s, ok := sig.(syscall.Signal); ok {
		if why, refused := refusedSignals[s]; refused {
			return fmt.Errorf("%v %s: a report tied to it would be made without anyone asking; use SIGUSR1, SIGUSR2, SIGHUP or a trigger file", signalName(sig), why)
		}
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
