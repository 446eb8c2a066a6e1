// Package procfs reads the Linux proc file system (proc(5)) and the cgroup
// v1 and v2 file systems for gmr's sections: a process's or thread's stat, status
// and comm files, its threads and open file descriptors, the socket tables
// of its network namespace, its cgroup and mounts, and a cgroup's
// interface files (memory.max, cpu.max, pids.current, ...). It parses and
// does not interpret: CPU times stay in clock ticks and sizes in the units
// the kernel uses, but for status's "kB" sizes, which are given in bytes.
//
// A Proc names one /proc/<pid> or /proc/<pid>/task/<tid> directory. An FS
// is the root the directories are found under, and FindCgroup2 and FindCgroup1 take a
// root for the cgroup file system, so that tests can use canned files.
//
// The package builds on every system; on systems without /proc, reads fail
// with errors for which [IsGone] reports true.
package procfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// FS is the root of a proc file system. Its methods are safe for concurrent
// use.
type FS string

// Default is the system's proc file system, mounted at /proc.
const Default FS = "/proc"

// Self returns the directory of the calling process, /proc/self.
func (f FS) Self() Proc { return Proc{dir: filepath.Join(string(f), "self")} }

// Proc returns the directory of process pid, /proc/<pid>.
func (f FS) Proc(pid int) Proc { return Proc{dir: filepath.Join(string(f), strconv.Itoa(pid))} }

// Proc is one process's or thread's directory: /proc/<pid>, /proc/self or
// /proc/<pid>/task/<tid>. A thread's directory holds the same files as a
// process's, describing that thread alone. Its methods read the files anew
// on every call and are safe for concurrent use.
type Proc struct {
	dir string
}

// Dir returns the directory's path.
func (p Proc) Dir() string { return p.dir }

// Task returns the directory of thread tid of p, <p>/task/<tid>.
func (p Proc) Task(tid int) Proc {
	return Proc{dir: filepath.Join(p.dir, "task", strconv.Itoa(tid))}
}

// Tasks returns the thread ids of the process, in ascending order. It lists
// the directory without reading the threads' files. A thread may exit at any
// time after it has been listed, so a later read of its files may fail with
// an error for which [IsGone] reports true.
func (p Proc) Tasks() ([]int, error) {
	dir := filepath.Join(p.dir, "task")
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("procfs: list threads: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("procfs: list threads in %s: %w", dir, err)
	}
	tids := make([]int, 0, len(names))
	for _, name := range names {
		if tid, err := strconv.Atoi(name); err == nil && tid > 0 {
			tids = append(tids, tid)
		}
	}
	slices.Sort(tids)
	return tids, nil
}

// Stat reads and parses the stat file.
func (p Proc) Stat() (Stat, error) {
	path := filepath.Join(p.dir, "stat")
	b, err := readFile(path)
	if err != nil {
		return Stat{}, err
	}
	st, err := parseStat(b)
	if err != nil {
		return Stat{}, fmt.Errorf("procfs: parse %s: %w", path, err)
	}
	return st, nil
}

// Comm reads the comm file: the command name of a process, or the name of a
// thread (as set by pthread_setname_np or prctl(PR_SET_NAME)). The kernel
// truncates it to 15 bytes; it may hold any byte but NUL, so escape it
// before printing it to a terminal.
func (p Proc) Comm() (string, error) {
	b, err := readFile(filepath.Join(p.dir, "comm"))
	if err != nil {
		return "", err
	}
	return ParseComm(b), nil
}

// ParseComm returns the name held in the contents of a comm file: all of it
// but the one trailing newline the kernel adds.
func ParseComm(b []byte) string {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	return string(b)
}

// IsGone reports whether err, from reading a Proc, means that the process or
// thread no longer exists (or that there is no proc file system at all).
func IsGone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH)
}
