//go:build !linux

package procfs

import "os"

// readFile reads a whole file. Other systems have no Linux /proc, so this
// only serves tests and file systems laid out like one.
func readFile(path string) ([]byte, error) {
	return os.ReadFile(path)
}
