package gmr

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/trace"
	"strings"

	"github.com/gmr-go/gmr/gmr/report"
)

// flightRecorder is a Reporter's runtime/trace.FlightRecorder
// (WithFlightRecorder, GMR_FLIGHT_RECORDER), or why it is not running.
//
// The runtime's rules, and what gmr does about them:
//
//   - One flight recorder per process: Start fails while another one runs,
//     such as the service's own. gmr's then stays off, with one notice, and
//     every report's header says why it has no trace.
//   - The service's own trace.Start coexists with a flight recorder (the
//     runtime allows one of each, on Go 1.26 and 1.27 alike): both run.
//   - Only one WriteTo at a time: gmr writes the trace while it holds the
//     report lock, so its own never overlap; should one be refused anyway,
//     the header says so and the report is written without it.
type flightRecorder struct {
	fr       *trace.FlightRecorder // nil when it could not start
	err      error                 // why it is not running
	maxBytes uint64
}

// startFlightRecorder starts the flight recorder, if one is configured.
func (r *Reporter) startFlightRecorder() {
	if r.s.flightAge <= 0 {
		return
	}
	f := &flightRecorder{maxBytes: r.s.flightMaxBytes}
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: r.s.flightAge, MaxBytes: r.s.flightMaxBytes})
	if err := fr.Start(); err != nil {
		f.err = fmt.Errorf("the flight recorder could not start (the runtime allows one per process: does the service run its own?): %w", err)
		r.notice(slog.LevelWarn, f.err.Error(), slog.Any(attrError, err))
	} else {
		f.fr = fr
	}
	r.wd.mu.Lock()
	defer r.wd.mu.Unlock()
	if r.wd.stopped {
		f.stop()
		return
	}
	r.wd.flight = f
}

// stop stops the flight recorder; it waits for a WriteTo in progress.
func (f *flightRecorder) stop() {
	if f != nil && f.fr != nil {
		f.fr.Stop()
		f.fr = nil
		f.err = errors.New("the flight recorder was stopped with the Reporter")
	}
}

// flight returns the Reporter's flight recorder, nil when there is none.
func (r *Reporter) flight() *flightRecorder {
	r.wd.mu.Lock()
	defer r.wd.mu.Unlock()
	return r.wd.flight
}

// traceFileLimit bounds a trace file: the runtime treats MaxBytes as a hint,
// so gmr allows twice that, and cuts the file at a batch boundary beyond.
func (f *flightRecorder) traceFileLimit() int64 {
	return int64(min(f.maxBytes, 1<<40)) * 2
}

// writeTrace writes the flight recorder's window beside the report file
// that meta names, as <stem>.trace, and names it in rep's header; or says in
// the header why there is none. It is called with r.mu held, so gmr's own
// WriteTo calls never overlap.
func (r *Reporter) writeTrace(rep *report.Report, meta fileMeta) {
	f := r.flight()
	if f == nil {
		return
	}
	r.wd.mu.Lock()
	fr, ferr := f.fr, f.err
	r.wd.mu.Unlock()
	switch {
	case fr == nil:
		rep.Header.TraceNote = r.red.Value("no trace: " + ferr.Error())
		return
	case r.dir == nil:
		rep.Header.TraceNote = "no trace: the flight recorder's trace is written only beside a report in a report directory (" + EnvDir + "), and this report went to stderr"
		return
	}
	name := strings.TrimSuffix(meta.fileName(), "."+meta.ext) + ".trace"
	var cut bool
	_, err := r.dir.writeFile(name, func(w io.Writer) error {
		sw := &secretWriter{w: w, mask: r.red.Value, secretKey: r.red.SecretKey}
		_, err := fr.WriteTo(&limitWriter{w: sw, left: f.traceFileLimit()})
		if errors.Is(err, errTraceCut) {
			cut, err = true, nil
		}
		if err == nil && sw.found {
			err = errTraceSecret
		}
		return err
	})
	if errors.Is(err, errTraceSecret) {
		// Not a failure to notice: the rule working.
		rep.Header.TraceNote = "no trace: " + errTraceSecret.Error()
		return
	}
	if err != nil {
		rep.Header.TraceNote = r.red.Value("no trace: " + err.Error())
		r.notice(slog.LevelError, "cannot write the flight recorder's trace: "+err.Error(),
			slog.String(attrTrigger, rep.Header.Trigger), slog.Any(attrError, err))
		return
	}
	rep.Header.Trace = name
	if cut {
		rep.Header.TraceNote = fmt.Sprintf("the trace was cut at %d bytes (twice the flight recorder's bound): go tool trace may read only its start", f.traceFileLimit())
	}
}

// dropTrace removes the trace file of a report that could not be written
// beside it, since without its report it is litter.
func (r *Reporter) dropTrace(rep *report.Report) bool {
	if rep.Header.Trace == "" {
		return false
	}
	r.dir.remove([]string{rep.Header.Trace})
	rep.Header.Trace = ""
	rep.Header.TraceNote = "no trace: the report could not be written to the report directory"
	return true
}

// bareSecret reports whether b is a bare name, a letter and then up to 63
// letters, digits, '_' or '-', that secretKey calls secret. Function names
// and file paths, with their dots and slashes, are not bare names: a
// function called handleToken does not withhold the trace.
func (s *secretWriter) bareSecret(b []byte) bool {
	if len(b) < 3 || len(b) > 64 || !('a' <= b[0]|0x20 && b[0]|0x20 <= 'z') {
		return false
	}
	for _, c := range b {
		if c != '_' && c != '-' && !('0' <= c && c <= '9') && !('a' <= c|0x20 && c|0x20 <= 'z') {
			return false
		}
	}
	return s.secretKey(string(b))
}

// errTraceCut is limitWriter's error once its bound is reached.
var errTraceCut = errors.New("trace cut at its bound")

// limitWriter passes whole writes to w until one would go past left bytes,
// then refuses it and every later one. The flight recorder writes its
// trace one batch per Write, so the file is cut at a batch boundary.
type limitWriter struct {
	w    io.Writer
	left int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.left {
		l.left = 0
		return 0, errTraceCut
	}
	n, err := l.w.Write(p)
	l.left -= int64(n)
	return n, err
}

// errTraceSecret is why a trace is withheld.
var errTraceSecret = errors.New("the trace was withheld: it holds text that the masking rules treat as a secret (a trace.Log message, task or region name?), and an execution trace cannot be masked")

// minTraceText is the shortest run of printable bytes secretWriter checks
// with mask.
const minTraceText = 6

// secretWriter passes writes to w, and checks the text in them: found is
// set once mask (the Redactor's Value) would change some of it, or a run of
// it is a bare name that secretKey (the Redactor's SecretKey) calls secret,
// such as the category of trace.Log(ctx, "db_password", pw), whose message
// is then the secret. An execution trace holds its strings (function names,
// file paths, and the service's trace.Log categories and messages, task and
// region names) as plain bytes within a batch, each after its length, and
// the flight recorder writes one batch per Write, so a string is never split
// between two writes.
type secretWriter struct {
	w         io.Writer
	mask      func(string) string
	secretKey func(string) bool
	found     bool
}

func (s *secretWriter) Write(p []byte) (int, error) {
	if !s.found {
		var text strings.Builder
		start := -1
		for i := 0; i <= len(p); i++ {
			if i < len(p) && p[i] >= 0x20 && p[i] < 0x7f {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				run := p[start:i]
				if len(run) >= minTraceText {
					text.Write(run)
					text.WriteByte('\n')
				}
				// A string's length, when printable, runs into it.
				if s.bareSecret(run) || len(run) > 1 && s.bareSecret(run[1:]) {
					s.found = true
				}
			}
			start = -1
		}
		if t := text.String(); t != "" && s.mask(t) != t {
			s.found = true
		}
	}
	return s.w.Write(p)
}
