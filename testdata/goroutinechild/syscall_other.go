//go:build !unix

package main

// parkSyscall parks nothing where there is no read(2) on a pipe to block
// in.
func parkSyscall() {}
