//go:build unix

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// exhaustFDs lowers the soft limit on open files to n and opens /dev/null
// until the process is out of descriptors (EMFILE), as a leaking service
// would be, or until it has the given share of them open. It returns the
// files, which the caller keeps open.
func exhaustFDs(n uint64, share float64) []*os.File {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "child: getrlimit:", err)
		os.Exit(2)
	}
	lim.Cur = n
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "child: setrlimit:", err)
		os.Exit(2)
	}
	var files []*os.File
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			fmt.Fprintf(os.Stderr, "child: out of file descriptors after %d more: %v\n", len(files), err)
			return files
		}
		files = append(files, f)
		// Descriptors are allocated lowest first: the highest one open
		// is about how many are.
		if share < 1 && float64(f.Fd()+1) >= share*float64(n) {
			return files
		}
	}
}
