//go:build !linux

package procfs

import "os"

// readFile reads a whole file. Other systems have no Linux /proc, so this
// only serves tests and file systems laid out like one.
func readFile(path string) ([]byte, error) {
	return os.ReadFile(path)
}

// readDirNames lists a directory. It returns -1 for the descriptor it read
// through: other systems have no /proc/self/fd for it to show up in.
func readDirNames(path string) (names []string, dirFD int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, -1, err
	}
	defer f.Close()
	names, err = f.Readdirnames(-1)
	return names, -1, err
}
