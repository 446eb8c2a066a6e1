package gmr

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/gmr-go/gmr/internal/textfmt"
)

var (
	activeMu sync.Mutex
	active   *Reporter

	keptMu sync.Mutex
	kept   = map[os.Signal]chan os.Signal{}
)

// keepCaught keeps sig caught for the rest of the process: it is delivered
// to a channel that is never read, so it is dropped. Unlike signal.Ignore,
// this leaves other code's signal.Notify for sig working, and children
// started later do not inherit an ignored signal.
func keepCaught(sig os.Signal) {
	keptMu.Lock()
	defer keptMu.Unlock()
	if _, ok := kept[sig]; ok {
		return
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig)
	kept[sig] = ch
}

// Setup makes a Reporter as New does and installs its triggers:
//
//   - a handler for SIGUSR2 (or the signal set by WithSignal or GMR_SIGNAL)
//     that writes a report each time the signal arrives;
//   - with WithTriggerFile or GMR_TRIGGER_FILE, a watch on that file;
//   - with a report directory, the runtime's crash output
//     (runtime/debug.SetCrashOutput) goes to a file there too, so that a fatal
//     error leaves a file behind: <service>-<time>-<pid>-crash.txt, removed
//     again by Stop if nothing was written to it;
//   - with WithShutdownReport or GMR_SHUTDOWN_REPORT_AFTER, the shutdown
//     watchdog, one goroutine until the first SIGTERM or SIGINT;
//   - with WithFlightRecorder or GMR_FLIGHT_RECORDER, the flight recorder;
//   - with WithThresholds or GMR_THRESHOLDS, the threshold watcher, one
//     goroutine that reads the watched figures every watch interval;
//   - on Unix, a marker file for `gmr dump` (marker.go): the pid, the
//     signal, the trigger file, the report directory and format, no secret.
//
// It opens no port. It starts one goroutine, which waits for triggers, and
// one more for each of: the signal, a trigger file, the watcher. One statement in main is enough:
//
//	gmr.Setup()
//
// Triggers that arrive while a report is being made, or sooner than the
// minimum interval after the last one (WithMinInterval), are folded into one
// more report; a storm of signals costs no more than that.
//
// Setup may be called once per process at a time: while the Reporter from an
// earlier Setup has not been stopped, it returns ErrAlreadySetup.
//
// The rule for errors: Setup returns an error only when it returns no
// Reporter (an invalid option, ErrAlreadySetup), so that `log.Fatal(err)`
// never ends a service that gmr could have served. Anything that only
// degrades reports is one notice, on stderr or to the WithLogger logger: an
// invalid GMR_* variable, an unusable GMR_DIR, and, on systems without
// signals (Windows), the missing signal, where reports come from the trigger
// file and the Reporter's methods. Every method of a nil *Reporter is safe to call, so
//
//	r, err := gmr.Setup(...)
//	if err != nil {
//		log.Printf("gmr: %v", err)
//	}
//	defer r.Stop()
//
// is safe whatever Setup returned.
func Setup(opts ...Option) (*Reporter, error) {
	activeMu.Lock()
	defer activeMu.Unlock()
	if active != nil {
		return nil, ErrAlreadySetup
	}
	r, err := New(opts...)
	if err != nil {
		return nil, err
	}
	r.quit = make(chan struct{})
	trigger := make(chan string, 1)
	if r.s.triggerFile != "" {
		r.watchFile(trigger)
	}
	if r.dir != nil && !r.s.noCrashOutput {
		r.setCrashOutput()
	}
	switch {
	case r.s.noSignal:
	case r.s.signal == nil:
		r.notice(slog.LevelWarn, fmt.Sprintf("report signals are not supported on %s; reports come from %s and the Reporter's methods", runtime.GOOS, triggerFileHint(r.s.triggerFile)),
			slog.Any(attrError, ErrSignalsUnsupported))
	default:
		r.listen(r.s.signal, trigger)
	}
	r.wg.Go(func() { r.serve(trigger) })
	if r.s.watch.on {
		w := newWatcher(r)
		r.wg.Go(func() { w.run(r.quit) })
	}
	r.watchShutdown()
	r.startFlightRecorder()
	r.writeMarker() // for `gmr dump`: marker.go
	active = r
	return r, err
}

// listen relays the signal to the trigger channel. Both channels hold one
// pending trigger; signal.Notify drops signals it cannot deliver, so a burst
// of signals becomes one pending report, and nothing grows with the burst.
func (r *Reporter) listen(sig os.Signal, trigger chan<- string) {
	r.sig = sig
	r.sigCh = make(chan os.Signal, 1)
	signal.Notify(r.sigCh, sig)
	name := "signal " + signalName(sig)
	r.wg.Go(func() {
		for {
			select {
			case <-r.quit:
				return
			case <-r.sigCh:
				select {
				case trigger <- name:
				default: // a report is already pending
				}
			}
		}
	})
}

// serve makes one report per trigger, at most one per minimum interval.
func (r *Reporter) serve(trigger <-chan string) {
	var last time.Time
	for {
		var why string
		select {
		case <-r.quit:
			return
		case why = <-trigger:
		}
		if wait := r.s.minInterval - time.Since(last); !last.IsZero() && wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-r.quit:
				t.Stop()
				return
			case <-t.C:
			}
		}
		last = time.Now()
		r.report(context.Background(), why) //nolint:errcheck // report already wrote the error to stderr
	}
}

// setCrashOutput sends the runtime's fatal error output to a crash file in
// the report directory, as well as to stderr.
func (r *Reporter) setCrashOutput() {
	meta := fileMeta{service: r.s.service, time: time.Now(), pid: os.Getpid(), ext: "txt"}
	name := fmt.Sprintf("%s-%s-%d-crash.txt", safeName(meta.service), meta.time.UTC().Format(fileTimeLayout), meta.pid)
	f, err := r.dir.create(name)
	if err != nil {
		r.notice(slog.LevelError, fmt.Sprintf("cannot create crash output file: %v", err), slog.Any(attrError, err))
		return
	}
	defer f.Close() // SetCrashOutput keeps its own duplicate
	if err := debug.SetCrashOutput(f, debug.CrashOptions{}); err != nil {
		r.notice(slog.LevelError, fmt.Sprintf("cannot set crash output: %v", err), slog.Any(attrError, err))
		os.Remove(filepath.Join(r.dir.dir, name))
		return
	}
	r.crash = filepath.Join(r.dir.dir, name)
}

// Stop removes the Reporter's triggers, waits for a report in progress to
// finish, and releases the report directory. After Stop the signal stays
// caught, and is dropped, rather than returning to its default action, which
// for a trigger such as SIGHUP would end the process (a Go program drops
// SIGUSR1 and SIGUSR2 by default anyway). Other code's signal.Notify for the
// same signal is not affected. WriteReport still works after Stop. Stop
// does not wait for a write to stderr that is blocked (a pipe nobody
// reads): the report waiting on it fails, and Stop returns; a report still
// being made when Stop is called waits at most a second for stderr. Stop may be
// called more than once; when it returns, every goroutine gmr started has
// exited, except one still running a hung section and one still in a
// blocked write to stderr. On a nil Reporter it does nothing.
func (r *Reporter) Stop() {
	if r == nil {
		return
	}
	r.stopOnce.Do(func() {
		r.stderr.abandonWrites()
		if r.sigCh != nil {
			keepCaught(r.sig)
			signal.Stop(r.sigCh)
		}
		if r.quit != nil {
			close(r.quit)
		}
		r.stopWatchdogs()
		r.wg.Wait()
		r.mu.Lock()
		if r.crash != "" {
			debug.SetCrashOutput(nil, debug.CrashOptions{}) //nolint:errcheck // nil never fails
			if fi, err := os.Stat(r.crash); err == nil && fi.Size() == 0 {
				os.Remove(r.crash)
			}
		}
		if r.dir != nil {
			r.dir.close()
			r.sink, r.dir = r.stderr, nil
		}
		r.mu.Unlock()
		r.removeMarker()
		activeMu.Lock()
		if active == r {
			active = nil
		}
		activeMu.Unlock()
	})
}

// ReportPanic writes a report when the goroutine that defers it panics, then
// panics again with the same value, so that the program fails as it would
// have. Defer it at the top of a goroutine:
//
//	go func() {
//		defer r.ReportPanic()
//		...
//	}()
//
// The report's trigger names the panic value, with secrets masked and cut
// to its first KiB (every record of the jsonl-sections format repeats the
// trigger), and its goroutine section shows the panicking stack. A nil Reporter only
// re-panics.
func (r *Reporter) ReportPanic() {
	v := recover()
	if v == nil {
		return
	}
	if r != nil {
		r.report(context.Background(), r.panicTrigger(v)) //nolint:errcheck // logged by report; the trigger is masked with the header
	}
	panic(v)
}

// ReportPanic is Reporter.ReportPanic for the Reporter of the active Setup:
//
//	defer gmr.ReportPanic()
func ReportPanic() {
	v := recover()
	if v == nil {
		return
	}
	activeMu.Lock()
	r := active
	activeMu.Unlock()
	if r != nil {
		r.report(context.Background(), r.panicTrigger(v)) //nolint:errcheck // logged by report; the trigger is masked with the header
	}
	panic(v)
}

// Bounds of the panic value in a ReportPanic report's trigger.
const (
	maxPanicTrigger = 1 << 10  // bytes of the value in the trigger
	maxPanicMasked  = 64 << 10 // bytes of the value masked before it is cut
)

// panicTrigger is the trigger of a ReportPanic report: the panic value's
// text, masked, and cut to maxPanicTrigger bytes with a note of its length.
// It masks before it cuts, so that a secret the cut falls in is masked
// whole. So that a huge value costs a crashing process no more, it masks
// at most the first maxPanicMasked bytes, less the word that bound falls
// in: cut short, that word may be a secret no rule recognises any more
// (postgres://user:pw with no @host), and masking what comes before it can
// shrink the text enough to bring it into the trigger.
func (r *Reporter) panicTrigger(v any) string {
	text := panicText(v)
	if len(text) <= maxPanicTrigger {
		return "panic: " + text // masked with the header
	}
	n := len(text)
	if len(text) > maxPanicMasked {
		head := textfmt.Cut(text, maxPanicMasked)
		text = head[:strings.LastIndexFunc(head, isWordBreak)+1]
	}
	text = textfmt.Cut(r.red.Value(text), maxPanicTrigger)
	return "panic: " + text + "… (cut: " + textfmt.Commas(n) + " bytes in all)"
}

// isWordBreak reports whether r ends a word of a panic value: white space,
// or one of , ; &.
func isWordBreak(r rune) bool {
	return unicode.IsSpace(r) || r == ',' || r == ';' || r == '&'
}

// panicText formats a panic value, even one whose String or Error method
// panics.
func panicText(v any) (s string) {
	defer func() {
		if recover() != nil {
			s = fmt.Sprintf("(%T whose String or Error method panicked)", v)
		}
	}()
	return fmt.Sprint(v)
}

// triggerFileHint names the trigger file for a notice, or says how to set
// one.
func triggerFileHint(path string) string {
	if path == "" {
		return "a trigger file (set " + EnvTriggerFile + " or WithTriggerFile)"
	}
	return "the trigger file " + path
}
