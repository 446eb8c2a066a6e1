//go:build unix

package main

import "syscall"

func signalSelf() error {
	return syscall.Kill(syscall.Getpid(), syscall.SIGUSR2)
}
