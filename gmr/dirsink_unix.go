//go:build unix

package gmr

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/internal/ownfd"
)

// dirSink writes each report to a new file in a directory.
//
// It holds the directory open from Setup on, and keeps one spare file
// descriptor in reserve, so that a process that has run out of file
// descriptors (EMFILE) can still write its report: the spare is closed just
// before the report file is created, and taken again afterwards.
type dirSink struct {
	dir string

	mu      sync.Mutex
	dirFD   int
	reserve *os.File
}

// newDirSink checks dir (see checkDir) and opens it.
func newDirSink(dir string) (*dirSink, error) {
	abs, err := checkDir(dir)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open(abs, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open report dir %q: %w", abs, err)
	}
	ownfd.Add(fd, "report directory")
	s := &dirSink{dir: abs, dirFD: fd}
	s.refillReserve() // best effort: without it, EMFILE loses the report to stderr
	return s, nil
}

// write writes report to a hidden temporary file, syncs it, and renames it to
// its final name, so that a reader never sees half a report. The file is
// created with mode 0600, relative to the directory opened at Setup, and
// never through a symbolic link (O_NOFOLLOW) or over an existing file
// (O_EXCL).
func (s *dirSink) write(report []byte, meta fileMeta) (string, error) {
	return s.writeFile(meta.fileName(), func(w io.Writer) error {
		_, err := w.Write(report)
		return err
	})
}

// writeFile writes a new file called name in the directory with fill, in
// the same safe way as a report.
func (s *dirSink) writeFile(name string, fill func(io.Writer) error) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	final := filepath.Join(s.dir, name)
	if s.dirFD < 0 {
		return final, errors.New("report dir is closed")
	}
	tmp := "." + name + ".tmp"
	f, err := s.create(tmp)
	if err != nil {
		s.refillReserve()
		return final, fmt.Errorf("create report file %q: %w", filepath.Join(s.dir, tmp), err)
	}
	ownfd.Add(int(f.Fd()), "report file")
	werr := fill(f)
	serr := f.Sync()
	ownfd.Remove(int(f.Fd()))
	cerr := f.Close()
	s.refillReserve()
	if err := errors.Join(werr, serr, cerr); err != nil {
		unix.Unlinkat(s.dirFD, tmp, 0) //nolint:errcheck // best effort cleanup
		return final, fmt.Errorf("write report file %q: %w", filepath.Join(s.dir, tmp), err)
	}
	if err := unix.Renameat(s.dirFD, tmp, s.dirFD, name); err != nil {
		unix.Unlinkat(s.dirFD, tmp, 0) //nolint:errcheck // best effort cleanup
		return final, fmt.Errorf("rename report file to %q: %w", final, err)
	}
	return final, nil
}

// create opens a new file in the directory, using the reserve descriptor if
// the process is out of descriptors.
func (s *dirSink) create(name string) (*os.File, error) {
	const flags = unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC
	fd, err := unix.Openat(s.dirFD, name, flags, 0o600)
	if (errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE)) && s.reserve != nil {
		s.closeReserve()
		fd, err = unix.Openat(s.dirFD, name, flags, 0o600)
	}
	if err != nil {
		return nil, err
	}
	if isCrashFile(name) {
		// The runtime writes crash output through a duplicate whose
		// number gmr does not know; its target is this path, with any
		// symbolic link resolved.
		path := filepath.Join(s.dir, name)
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
		ownfd.AddPath(path, "crash output")
	}
	return os.NewFile(uintptr(fd), filepath.Join(s.dir, name)), nil
}

func (s *dirSink) refillReserve() {
	if s.reserve == nil {
		if f, err := os.Open(os.DevNull); err == nil {
			ownfd.Add(int(f.Fd()), "spare fd for EMFILE")
			s.reserve = f
		}
	}
}

// closeReserve closes the reserve descriptor.
func (s *dirSink) closeReserve() {
	ownfd.Remove(int(s.reserve.Fd()))
	s.reserve.Close()
	s.reserve = nil
}

// close releases the directory and the reserve descriptor.
func (s *dirSink) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dirFD >= 0 {
		ownfd.Remove(s.dirFD)
		unix.Close(s.dirFD)
		s.dirFD = -1
	}
	if s.reserve != nil {
		s.closeReserve()
	}
}

// remove deletes files written by this sink, ignoring errors.
func (s *dirSink) remove(names []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if s.dirFD >= 0 {
			unix.Unlinkat(s.dirFD, n, 0) //nolint:errcheck // best effort
		}
	}
}

// dirEntry is a regular file in the report directory, with its size.
type dirEntry struct {
	name string
	size int64
}

// list returns the regular files in the directory opened at Setup, read
// through that descriptor, so that retention sees, and removes from, that
// directory even if its path now leads elsewhere (a symbolic link swapped in
// after Setup).
func (s *dirSink) list() ([]dirEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dirFD < 0 {
		return nil, errors.New("report dir is closed")
	}
	fd, err := unix.Openat(s.dirFD, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	ownfd.Add(fd, "listing the report directory")
	d := os.NewFile(uintptr(fd), s.dir)
	defer func() {
		ownfd.Remove(fd)
		d.Close()
	}()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var out []dirEntry
	for _, n := range names {
		var st unix.Stat_t
		if unix.Fstatat(s.dirFD, n, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue
		}
		out = append(out, dirEntry{name: n, size: st.Size})
	}
	return out, nil
}

// processGone reports whether no process with the given id exists.
func processGone(pid int) bool {
	return pid > 0 && errors.Is(unix.Kill(pid, 0), unix.ESRCH)
}
