//go:build !linux

package main

import (
	"errors"
	"flag"
)

func runDump(e *env, fs *flag.FlagSet, args []string) error {
	return errors.New("gmr dump reads /proc and works on Linux only; on this system, send the service its signal or touch its trigger file, and read its report directory with gmr ls")
}
