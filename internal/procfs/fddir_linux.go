//go:build linux

package procfs

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/internal/ownfd"
)

// FDDir is a process's fd directory held open, to list the descriptors
// and read their targets relative to it: one readlinkat(2) each, without
// the kernel walking /proc/<pid>/fd anew for every descriptor.
//
// When the process is the calling one, the descriptor FDDir holds is
// itself in the listing; it is registered in package ownfd as gmr's own
// while the FDDir is open.
type FDDir struct {
	fd   int
	path string
	self bool
}

// OpenFDDir opens the process's fd directory. Close it when done.
func (p Proc) OpenFDDir() (*FDDir, error) {
	path := filepath.Join(p.dir, "fd")
	var fd int
	err := retry(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("procfs: list file descriptors: %w", &fs.PathError{Op: "open", Path: path, Err: err})
	}
	d := &FDDir{fd: fd, path: path, self: p.isSelf()}
	if d.self {
		ownfd.Add(fd, "listing "+path)
	}
	return d, nil
}

// FD returns the descriptor the FDDir holds.
func (d *FDDir) FD() int { return d.fd }

// Self reports whether the directory is the calling process's, whose
// listing holds the FDDir's own descriptor.
func (d *FDDir) Self() bool { return d.self }

// Close closes the directory.
func (d *FDDir) Close() error {
	if d.self {
		ownfd.Remove(d.fd)
	}
	return syscall.Close(d.fd)
}

// List returns the numbers of the first max descriptors, in ascending
// order, and the number of all descriptors in the directory, which it
// counts without keeping more than max numbers. The kernel lists a fd
// directory in ascending order, so the ones kept are the lowest-numbered.
func (d *FDDir) List(max int) (fds []int, total int, err error) {
	if _, err := unix.Seek(d.fd, 0, 0); err != nil {
		return nil, 0, fmt.Errorf("procfs: list %s: %w", d.path, err)
	}
	buf := make([]byte, 32<<10)
	for {
		var n int
		err := retry(func() (err error) {
			n, err = unix.ReadDirent(d.fd, buf)
			return err
		})
		if err != nil {
			return nil, 0, fmt.Errorf("procfs: list %s: %w", d.path, err)
		}
		if n <= 0 {
			break
		}
		for b := buf[:n]; len(b) > 0; {
			name, rest, ok := direntName(b)
			if !ok {
				break
			}
			b = rest
			if fd, ok := parseFDName(name); ok {
				total++
				if len(fds) < max {
					fds = append(fds, fd)
				}
			}
		}
	}
	slices.Sort(fds)
	return fds, total, nil
}

// direntName returns the name of the first linux_dirent64 in b and the
// rest of b.
func direntName(b []byte) (name, rest []byte, ok bool) {
	// struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
	const nameOff = 19
	if len(b) < nameOff {
		return nil, nil, false
	}
	reclen := int(binary.NativeEndian.Uint16(b[16:18]))
	if reclen < nameOff || reclen > len(b) {
		return nil, nil, false
	}
	name = b[nameOff:reclen]
	if i := slices.Index(name, 0); i >= 0 {
		name = name[:i]
	}
	return name, b[reclen:], true
}

// parseFDName parses a fd directory entry's name: a descriptor number.
func parseFDName(name []byte) (int, bool) {
	if len(name) == 0 || len(name) > 10 {
		return 0, false
	}
	var n int64
	for _, c := range name {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return int(n), n <= 1<<31-1
}

// Readlink reads the target of descriptor fd into buf, which should hold
// at least 4,096 bytes (PATH_MAX), and returns the part of buf it filled:
// the same text as [Proc.FDTarget], without allocating. A target longer
// than buf is cut. An error for which [IsGone] reports true means the
// descriptor was closed after it was listed.
func (d *FDDir) Readlink(fd int, buf []byte) ([]byte, error) {
	name := strconv.Itoa(fd)
	var n int
	err := retry(func() (err error) {
		n, err = unix.Readlinkat(d.fd, name, buf)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("procfs: %w", &fs.PathError{Op: "readlinkat", Path: filepath.Join(d.path, name), Err: err})
	}
	return buf[:n], nil
}
