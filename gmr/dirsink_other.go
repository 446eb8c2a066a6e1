//go:build !unix

package gmr

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// dirSink writes each report to a new file in a directory.
type dirSink struct {
	dir string
	mu  sync.Mutex
}

// newDirSink checks dir (see checkDir).
func newDirSink(dir string) (*dirSink, error) {
	abs, err := checkDir(dir)
	if err != nil {
		return nil, err
	}
	return &dirSink{dir: abs}, nil
}

// write writes report to a hidden temporary file, syncs it, and renames it to
// its final name, so that a reader never sees half a report.
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
	tmp := filepath.Join(s.dir, "."+name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return final, fmt.Errorf("create report file: %w", err)
	}
	werr := fill(f)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return final, fmt.Errorf("write report file %q: %w", tmp, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return final, fmt.Errorf("rename report file: %w", err)
	}
	return final, nil
}

func (s *dirSink) close() {}

// create opens a new file in the directory, never an existing one.
func (s *dirSink) create(name string) (*os.File, error) {
	return os.OpenFile(filepath.Join(s.dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// remove deletes files written by this sink, ignoring errors.
func (s *dirSink) remove(names []string) {
	for _, n := range names {
		os.Remove(filepath.Join(s.dir, n))
	}
}

// dirEntry is a regular file in the report directory, with its size.
type dirEntry struct {
	name string
	size int64
}

// list returns the regular files in the directory.
func (s *dirSink) list() ([]dirEntry, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []dirEntry
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil {
			out = append(out, dirEntry{name: e.Name(), size: fi.Size()})
		}
	}
	return out, nil
}

// processGone reports false: whether a process exists is not checked here,
// so no other process's crash file is ever removed.
func processGone(int) bool { return false }
