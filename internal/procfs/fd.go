package procfs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	return ClassifyFDTarget([]byte(target))
}

// ClassifyFDTarget is [ParseFDTarget] for a target held in bytes, as
// [FDDir.Readlink] gives it; it does not allocate.
func ClassifyFDTarget(target []byte) (kind string, inode uint64) {
	if bytes.HasPrefix(target, []byte("/")) {
		if bytes.HasPrefix(target, []byte("/dev/")) && !bytes.HasPrefix(target, []byte("/dev/shm/")) {
			return KindDevice, 0
		}
		if bytes.HasPrefix(target, []byte("/memfd:")) {
			return KindOther, 0
		}
		return KindFile, 0
	}
	prefix, rest, ok := bytes.Cut(target, []byte(":"))
	if !ok {
		return KindOther, 0
	}
	switch string(prefix) {
	case "socket", "pipe":
		num, ok := bytes.CutPrefix(rest, []byte("["))
		if num, ok2 := bytes.CutSuffix(num, []byte("]")); ok && ok2 {
			if n, ok := parseUint(num); ok {
				if string(prefix) == "socket" {
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

// parseUint parses a decimal number of at most 19 digits without
// allocating.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}
