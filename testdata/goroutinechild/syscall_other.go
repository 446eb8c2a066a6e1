//go:build !unix

package main

// parkSyscall parks nothing where there is no read(2) on a pipe to block
// in, and returns 0.
func parkSyscall() int { return 0 }
