// Package ownfd is a registry of the file descriptors gmr itself holds
// open, so that the process section can tell them from the host's: the
// duplicate of stderr, the report directory, the spare descriptor kept for
// EMFILE, the files of /proc a section is reading.
//
// A descriptor is added after it is opened and removed before it is
// closed, so that a number in the registry is never one the host has
// reused. A file that gmr holds through a descriptor whose number it
// does not know (the runtime's duplicate of the crash output file) is
// registered by path instead. All functions are safe for concurrent use
// and cost one mutex operation.
package ownfd

import "sync"

var (
	mu    sync.Mutex
	fds   = map[int]string{}
	paths = map[string]string{}
)

// Add records that gmr holds descriptor fd open, for what ("stderr
// duplicate", "report directory", ...). A negative fd is ignored.
func Add(fd int, what string) {
	if fd < 0 {
		return
	}
	mu.Lock()
	fds[fd] = what
	mu.Unlock()
}

// Remove forgets descriptor fd. Call it before closing fd.
func Remove(fd int) {
	mu.Lock()
	delete(fds, fd)
	mu.Unlock()
}

// AddPath records that gmr holds the file at path open, for what, through
// descriptors it does not know the numbers of.
func AddPath(path, what string) {
	if path == "" {
		return
	}
	mu.Lock()
	paths[path] = what
	mu.Unlock()
}

// RemovePath forgets the file at path.
func RemovePath(path string) {
	mu.Lock()
	delete(paths, path)
	mu.Unlock()
}

// Snapshot returns copies of the descriptors and paths registered now,
// each with what gmr holds it for.
func Snapshot() (fdSet map[int]string, pathSet map[string]string) {
	mu.Lock()
	defer mu.Unlock()
	fdSet = make(map[int]string, len(fds))
	for fd, what := range fds {
		fdSet[fd] = what
	}
	pathSet = make(map[string]string, len(paths))
	for p, what := range paths {
		pathSet[p] = what
	}
	return fdSet, pathSet
}
