package procfs

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// FDs returns the numbers of the process's open file descriptors, in
// ascending order, from its fd directory. When p is the calling process,
// the descriptor FDs opens to read the directory is left out. Descriptors
// may be closed at any time after they have been listed, so a later
// [Proc.FDTarget] may fail with an error for which [IsGone] reports true.
func (p Proc) FDs() ([]int, error) {
	dir := filepath.Join(p.dir, "fd")
	names, dirFD, err := readDirNames(dir)
	if err != nil {
		return nil, fmt.Errorf("procfs: list file descriptors: %w", err)
	}
	self := p.isSelf()
	fds := make([]int, 0, len(names))
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd < 0 || self && fd == dirFD {
			continue
		}
		fds = append(fds, fd)
	}
	slices.Sort(fds)
	return fds, nil
}

// isSelf reports whether p is the calling process's directory (or its main
// thread's, which shares the descriptor table).
func (p Proc) isSelf() bool {
	base := filepath.Base(p.dir)
	return base == "self" || base == strconv.Itoa(os.Getpid())
}

// FDTarget returns what descriptor fd refers to, as readlink(2) of
// <p>/fd/<fd> gives it: a path ("/var/log/app.log", with " (deleted)"
// appended once the file is removed), "socket:[12345]", "pipe:[12346]",
// "anon_inode:[eventpoll]" and so on. A path may hold any byte but NUL, so
// escape it before printing it to a terminal.
func (p Proc) FDTarget(fd int) (string, error) {
	t, err := os.Readlink(filepath.Join(p.dir, "fd", strconv.Itoa(fd)))
	if err != nil {
		return "", fmt.Errorf("procfs: %w", err)
	}
	return t, nil
}

// Kinds of descriptor targets, as [ParseFDTarget] returns them.
const (
	KindFile      = "file"       // a path outside /dev
	KindDevice    = "device"     // a path under /dev (but /dev/shm), such as /dev/null or a terminal
	KindSocket    = "socket"     // socket:[inode]
	KindPipe      = "pipe"       // pipe:[inode]
	KindAnonInode = "anon_inode" // anon_inode:[eventpoll], anon_inode:[eventfd], ...
	KindOther     = "other"      // anything else: net:[...], mnt:[...], /memfd:..., ...
)

// ParseFDTarget classifies a descriptor target from [Proc.FDTarget] and
// returns the inode number of a socket or pipe (0 for other kinds).
func ParseFDTarget(target string) (kind string, inode uint64) {
	if strings.HasPrefix(target, "/") {
		if strings.HasPrefix(target, "/dev/") && !strings.HasPrefix(target, "/dev/shm/") {
			return KindDevice, 0
		}
		if strings.HasPrefix(target, "/memfd:") {
			return KindOther, 0
		}
		return KindFile, 0
	}
	prefix, rest, ok := strings.Cut(target, ":")
	if !ok {
		return KindOther, 0
	}
	switch prefix {
	case "socket", "pipe":
		num, ok := strings.CutPrefix(rest, "[")
		if num, ok2 := strings.CutSuffix(num, "]"); ok && ok2 {
			if n, err := strconv.ParseUint(num, 10, 64); err == nil {
				if prefix == "socket" {
					return KindSocket, n
				}
				return KindPipe, n
			}
		}
	case "anon_inode":
		return KindAnonInode, 0
	}
	return KindOther, 0
}
