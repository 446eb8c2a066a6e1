//go:build unix

// Command nogmr is a Go program without gmr, which gmr dump must refuse and
// not signal. It notes every SIGUSR1, SIGUSR2 and SIGHUP it gets, prints
// "ready <pid>", and answers each "check" line on stdin with "signals N":
// how many of those signals it had received. To be sure that a signal sent
// before the check has arrived, it first sends itself SIGWINCH, which the
// kernel and the Go runtime deliver after any pending lower-numbered
// signal, and waits for it.
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ch := make(chan os.Signal, 16)
	signal.Notify(ch, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP, syscall.SIGWINCH)
	fmt.Println("ready", os.Getpid())
	got := 0
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() != "check" {
			continue
		}
		syscall.Kill(os.Getpid(), syscall.SIGWINCH) //nolint:errcheck // to itself
		for s := range ch {
			if s == syscall.SIGWINCH {
				break
			}
			got++
		}
		fmt.Println("signals", got)
	}
}
