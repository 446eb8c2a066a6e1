//go:build !linux

package gmr

import "github.com/gmr-go/gmr/sections"

// readProcSample adds nothing off Linux: open fds and OS threads are read
// from /proc, so the fds and threads thresholds are not watched there.
func readProcSample(*sample, sections.Thresholds) {}
