//go:build linux

package procfs

import (
	"io/fs"
	"os"
	"syscall"

	"github.com/gmr-go/gmr/internal/ownfd"
)

// readFile reads a whole proc file with plain system calls: open, read
// until end of file, close. That is half the cost of os.ReadFile, which
// also stats the file and offers it to the network poller, and it matters
// when a report reads one file per thread. Errors are *fs.PathError, so
// errors.Is(err, fs.ErrNotExist) works.
func readFile(path string) ([]byte, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	ownfd.Add(fd, readingProc)
	defer func() {
		ownfd.Remove(fd)
		syscall.Close(fd)
	}()
	// Stat and comm files fit in 1 KiB; bigger ones grow the buffer.
	b := make([]byte, 0, 1024)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		var n int
		err := retry(func() (err error) {
			n, err = syscall.Read(fd, b[len(b):cap(b)])
			return err
		})
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}

// retry calls fn until it fails with an error other than EINTR.
func retry(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}

// readDirNames lists a directory with plain system calls, returning the
// names and the descriptor it read them through (already closed), so that
// a listing of /proc/self/fd can leave that descriptor out.
func readDirNames(path string) (names []string, dirFD int, err error) {
	var fd int
	err = retry(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, -1, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	ownfd.Add(fd, readingProc)
	defer func() {
		ownfd.Remove(fd)
		syscall.Close(fd)
	}()
	buf := make([]byte, 8192)
	for {
		var n int
		err := retry(func() (err error) {
			n, err = syscall.ReadDirent(fd, buf)
			return err
		})
		if err != nil {
			return nil, -1, &fs.PathError{Op: "readdirent", Path: path, Err: err}
		}
		if n <= 0 {
			return names, fd, nil
		}
		_, _, names = syscall.ParseDirent(buf[:n], -1, names)
	}
}

// openRead opens a file of /proc for reading, registering its descriptor
// as gmr's own (package ownfd) until closeRead.
func openRead(path string) (*os.File, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	ownfd.Add(fd, readingProc)
	return os.NewFile(uintptr(fd), path), nil
}

// closeRead closes a file openRead opened.
func closeRead(f *os.File) {
	ownfd.Remove(int(f.Fd()))
	f.Close()
}

// readingProc is what the descriptors procfs opens are registered for.
const readingProc = "reading /proc"

// readFileMax reads at most max bytes of a file, and reports whether there
// was more.
func readFileMax(path string, max int) ([]byte, bool, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, false, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	ownfd.Add(fd, readingProc)
	defer func() {
		ownfd.Remove(fd)
		syscall.Close(fd)
	}()
	b := make([]byte, 0, min(max+1, 64<<10))
	for len(b) <= max {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		var n int
		err := retry(func() (err error) {
			n, err = syscall.Read(fd, b[len(b):min(cap(b), max+1)])
			return err
		})
		if err != nil {
			return nil, false, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, false, nil
		}
		b = b[:len(b)+n]
	}
	return b[:max], true, nil
}
