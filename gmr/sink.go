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
//
// A write may block: a pipe whose reader has stopped reading blocks its
// writer once its buffer is full, and making fd 2 non-blocking would change
// it for the whole process. So each Write runs on a goroutine of its own,
// one at a time, and write waits for it at most timeout. A Write still
// running then is left to finish on its own, holding its one report; while
// it runs, later writes fail at once, and are counted, rather than queue
// behind it. At most one Write, and one report's bytes, are ever stuck.
type writerSink struct {
	w       io.Writer
	name    string
	timeout time.Duration // how long write waits for a Write

	busy chan struct{} // holds a token while a Write runs

	mu       sync.Mutex
	abandon  chan struct{} // closed by abandonWrites; replaced by a new one
	stopping bool          // abandonWrites was called: writes wait at most stopWriteTimeout
	stuck    *pendingWrite // the Write given up on while it runs, or nil
	dropped  int           // writes refused since it was given up on
}

// pendingWrite is one Write run by writerSink.write.
type pendingWrite struct {
	since    time.Time // when write gave up on it
	finished bool      // the Write returned
}

// newWriterSink returns a sink writing to w, named name, that waits at most
// timeout for each write.
func newWriterSink(w io.Writer, name string, timeout time.Duration) *writerSink {
	return &writerSink{w: w, name: name, timeout: timeout, busy: make(chan struct{}, 1), abandon: make(chan struct{})}
}

func (s *writerSink) write(report []byte, _ fileMeta) (string, error) {
	s.mu.Lock()
	if s.stuck != nil {
		s.dropped++
		err := fmt.Errorf("write report to %s: not written: a write to %s has been blocked for over %v (is its reader reading?); %d writes dropped since",
			s.name, s.name, (time.Since(s.stuck.since) + s.timeout).Round(time.Millisecond), s.dropped)
		s.mu.Unlock()
		return s.name, err
	}
	abandon, timeout := s.abandon, s.timeout
	if s.stopping {
		timeout = min(timeout, stopWriteTimeout)
	}
	s.mu.Unlock()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case s.busy <- struct{}{}:
	case <-timer.C:
		return s.name, fmt.Errorf("write report to %s: not written: an earlier write has not finished in %v", s.name, timeout)
	case <-abandon:
		return s.name, fmt.Errorf("write report to %s: not written: the Reporter stopped while an earlier write was blocked", s.name)
	}
	done := make(chan error, 1)
	pw := &pendingWrite{}
	go func() {
		defer func() {
			s.mu.Lock()
			pw.finished = true
			if s.stuck == pw {
				s.stuck, s.dropped = nil, 0
			}
			<-s.busy
			s.mu.Unlock()
		}()
		defer func() {
			// A writer that panics costs its report, not the process.
			if v := recover(); v != nil {
				done <- fmt.Errorf("writer panicked: %v", v)
			}
		}()
		_, err := s.w.Write(report)
		done <- err
	}()
	var why string
	select {
	case err := <-done:
		if err != nil {
			return s.name, fmt.Errorf("write report to %s: %w", s.name, err)
		}
		return s.name, nil
	case <-timer.C:
		why = fmt.Sprintf("not done after %v (is its reader reading?)", timeout)
	case <-abandon:
		why = "the Reporter stopped while it was blocked"
	}
	select {
	case err := <-done: // it finished meanwhile
		if err != nil {
			return s.name, fmt.Errorf("write report to %s: %w", s.name, err)
		}
		return s.name, nil
	default:
	}
	s.mu.Lock()
	if !pw.finished {
		pw.since, s.stuck = time.Now(), pw
	}
	s.mu.Unlock()
	return s.name, fmt.Errorf("write report to %s: %s; the report may still be written if the write completes, later writes are dropped until it does", s.name, why)
}

// stopWriteTimeout bounds each write to stderr once Stop has begun: a
// report still being made when Stop is called, and written to a stderr
// that has stopped draining, holds Stop up this long, not the report
// timeout. A stderr that drains takes far less.
const stopWriteTimeout = time.Second

// abandonWrites makes the writes waiting now give up, for Reporter.Stop,
// and bounds later ones by stopWriteTimeout. The Write running, if any, is
// left to finish on its own.
func (s *writerSink) abandonWrites() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.abandon)
	s.abandon = make(chan struct{})
	s.stopping = true
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
