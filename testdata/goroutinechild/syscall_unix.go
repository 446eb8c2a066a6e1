//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// parkSyscall parks a goroutine in a read(2) on a pipe nothing writes to.
func parkSyscall() {
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "goroutinechild: pipe:", err)
		os.Exit(2)
	}
	fd := int(r.Fd()) // in blocking mode, so that read(2) blocks
	keep = append(keep, r, w)
	go pipeReader(fd)
	expect["main.pipeReader"] = 1
}

//go:noinline
func pipeReader(fd int) {
	b := make([]byte, 1)
	syscall.Read(fd, b) //nolint:errcheck // it only waits
}
