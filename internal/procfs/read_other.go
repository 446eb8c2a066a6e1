//go:build !linux

package procfs

import (
	"io"
	"os"
)

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

// openRead opens a file for reading.
func openRead(path string) (*os.File, error) { return os.Open(path) }

// closeRead closes a file openRead opened.
func closeRead(f *os.File) { f.Close() }

// readFileMax reads at most max bytes of a file, and reports whether there
// was more.
func readFileMax(path string, max int) ([]byte, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, false, err
	}
	if len(b) > max {
		return b[:max], true, nil
	}
	return b, false, nil
}
