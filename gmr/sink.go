package gmr

import (
	"bytes"
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

// checkDir creates dir (mode 0700) if it is missing, and checks that it is a
// directory in which files can be created. It returns the absolute path.
func checkDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("report dir %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("create report dir: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("report dir: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("report dir %q: not a directory", abs)
	}
	probe, err := os.CreateTemp(abs, ".gmr-probe-*")
	if err != nil {
		return "", fmt.Errorf("report dir %q is not writable: %w", abs, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return abs, nil
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
