package gmr

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// fileTimeLayout makes file names sort by time: fixed width, UTC.
const fileTimeLayout = "20060102T150405.000000Z"

// A sink is where a formatted report goes.
type sink interface {
	// write stores one report and returns where it went.
	write(report []byte, meta fileMeta) (location string, err error)
}

// fileMeta is what a report file's name is made from.
type fileMeta struct {
	service string
	time    time.Time
	pid     int
	seq     uint64
	ext     string
}

// fileName returns "<service>-<UTC time>-<pid>-<seq>.<ext>". Names sort by
// time, and the pid and per-process sequence number keep them unique.
func (m fileMeta) fileName() string {
	return fmt.Sprintf("%s-%s-%d-%06d.%s",
		safeName(m.service), m.time.UTC().Format(fileTimeLayout), m.pid, m.seq, m.ext)
}

// safeName keeps the letters, digits, '.', '_' and '-' of a service name, so
// that it cannot add path elements or odd bytes to a file name.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		case r == '.':
			return r
		}
		return '_'
	}, s)
	s = strings.TrimLeft(s, ".")
	if s == "" {
		return "service"
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// writerSink writes reports to a writer, such as stderr, one whole report per
// Write call so that it is not interleaved with other output more than the
// writer itself allows.
type writerSink struct {
	mu   sync.Mutex
	w    io.Writer
	name string
}

func (s *writerSink) write(report []byte, _ fileMeta) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.w.Write(report); err != nil {
		return s.name, fmt.Errorf("write report to %s: %w", s.name, err)
	}
	return s.name, nil
}

// dirSink writes each report to a new file in a directory.
type dirSink struct {
	dir string
}

// newDirSink creates dir (mode 0700) if it is missing, and checks that
// reports can be written there.
func newDirSink(dir string) (*dirSink, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("report dir %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create report dir: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("report dir: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("report dir %q: not a directory", abs)
	}
	probe, err := os.CreateTemp(abs, ".gmr-probe-*")
	if err != nil {
		return nil, fmt.Errorf("report dir %q is not writable: %w", abs, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return &dirSink{dir: abs}, nil
}

// write writes report to a hidden temporary file, syncs it, and renames it to
// its final name, so that a reader never sees half a report. The file is
// created with mode 0600 and never through a symbolic link.
func (s *dirSink) write(report []byte, meta fileMeta) (string, error) {
	final := filepath.Join(s.dir, meta.fileName())
	tmp := filepath.Join(s.dir, "."+meta.fileName()+".tmp")
	f, err := os.OpenFile(tmp, createFlags, 0o600)
	if err != nil {
		return final, fmt.Errorf("create report file: %w", err)
	}
	_, werr := f.Write(report)
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

// formatReport runs the formatter into memory, so that a failing formatter
// leaves nothing behind and a sink gets the report in one piece.
func formatReport(format func(io.Writer) error) (b []byte, err error) {
	var buf bytes.Buffer
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("formatter panicked: %v", v)
		}
	}()
	if err := format(&buf); err != nil {
		return buf.Bytes(), err
	}
	return buf.Bytes(), nil
}
