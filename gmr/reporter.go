package gmr

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/internal/procfs"
	"github.com/gmr-go/gmr/internal/redact"
	"github.com/gmr-go/gmr/sections"
)

// ErrSignalsUnsupported is the error of WithSignal and GMR_SIGNAL on systems
// without report signals, such as Windows. Setup itself does not return it:
// there it writes a notice and the Reporter works through its methods and
// the trigger file.
var ErrSignalsUnsupported = errors.New("gmr: report signals are not supported on " + runtime.GOOS + "; use Reporter.Report, Reporter.WriteReport or WithTriggerFile")

// errNilReporter is what the methods of a nil *Reporter return.
var errNilReporter = errors.New("gmr: nil Reporter (Setup or New returned an error)")

// ErrAlreadySetup is returned by Setup while an earlier Setup's Reporter has
// not been stopped.
var ErrAlreadySetup = errors.New("gmr: Setup already called; Stop the Reporter it returned first")

// fileSeq numbers report files within the process, so names never collide.
var fileSeq atomic.Uint64

// collectGrace is how long a report waits past a section's deadline for the
// section to return what it has so far.
const collectGrace = 100 * time.Millisecond

// A Reporter makes Guru Meditation Reports. Create one with Setup, which also
// installs the triggers, or with New, which installs nothing. A Reporter's
// methods are safe for concurrent use; reports are made one at a time.
type Reporter struct {
	s        *settings
	sections []*sectionSlot
	sink     sink
	dir      *dirSink       // nil without a report directory
	names    *regexp.Regexp // matches this service's report files, for retention
	stderr   *writerSink
	red      *redact.Redactor // the one Redactor, from every secret setting (mask.go)
	log      *slog.Logger     // where notices go; nil: one "gmr: " text line each on stderr (notice)

	mu      reportLock // held while a report is made
	writeMu sync.Mutex // held while WriteReport writes to its writer

	// Triggers, installed by Setup.
	sig      os.Signal
	sigCh    chan os.Signal
	quit     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
	crash    string // path of the crash output file, if any
	wd       watchdogs
}

// sectionSlot is a section and whether a Collect of it is still running. A
// section whose Collect has not returned (it hung past its deadline) is not
// started again, so a hung section costs one goroutine, not one per report.
type sectionSlot struct {
	sec     report.Section
	name    string
	builtin bool         // one of gmr's own sections (mask.go)
	running atomic.Int64 // start time in Unix nanoseconds of a Collect still running, or 0
}

// reviewer reports whether the slot's section is a report.Reviewer, which
// runs after the others, on their results.
func (s *sectionSlot) reviewer() bool {
	_, ok := s.sec.(report.Reviewer)
	return ok
}

// New returns a Reporter configured by opts, the environment and defaults, in
// that order of precedence. It installs no trigger: call Report or
// WriteReport to make a report.
//
// An invalid option is an error. An invalid environment variable is not: a
// report with the default in its place is better than none, so New writes one
// line about it to stderr and goes on. An unusable GMR_DIR likewise makes
// reports go to stderr.
func New(opts ...Option) (*Reporter, error) {
	s, warnings, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	if s.stderr == io.Writer(os.Stderr) {
		s.stderr = processStderr()
	}
	r := &Reporter{
		s:      s,
		stderr: newWriterSink(s.stderr, "stderr", s.timeout),
		mu:     make(reportLock, 1),
		red:    &redact.Redactor{Extra: s.secretKeys, Flags: s.secretFlags},
	}
	r.log = r.noticeLogger()
	secs, err := s.sections()
	if err != nil {
		return nil, err
	}
	for _, sec := range secs {
		r.sections = append(r.sections, &sectionSlot{sec: sec, name: sectionName(sec), builtin: isBuiltinType(sec)})
	}
	r.sink = r.stderr
	for _, w := range warnings {
		attrs := []slog.Attr{slog.Any(attrError, w)}
		var ev *envError
		if errors.As(w, &ev) {
			attrs = append(attrs, slog.String(attrVariable, ev.name))
		}
		r.notice(slog.LevelWarn, "ignoring "+w.Error(), attrs...)
	}
	if s.dir != "" {
		ds, err := newDirSink(s.dir)
		switch {
		case err != nil && s.dirSet:
			return nil, fmt.Errorf("gmr: WithDir: %w", err)
		case err != nil:
			r.notice(slog.LevelWarn, fmt.Sprintf("ignoring %s=%q: %v; reports go to stderr", EnvDir, s.dir, err),
				slog.String(attrVariable, EnvDir), slog.String(attrDir, s.dir), slog.Any(attrError, err))
		default:
			r.sink, r.dir = ds, ds
			r.names = reportNameRE(s.service)
		}
	}
	return r, nil
}

// reportLock is the lock held while a report is made: a mutex whose
// waiter can give up when its context is done.
type reportLock chan struct{}

func (l reportLock) Lock()   { l <- struct{}{} }
func (l reportLock) Unlock() { <-l }

// lockContext takes the lock, or returns an error once ctx is done.
func (l reportLock) lockContext(ctx context.Context) error {
	select {
	case l <- struct{}{}:
		return nil
	default:
	}
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("gmr: waiting for the report in progress: %w", context.Cause(ctx))
	}
}

// WriteReport makes a report and writes it to w, whatever the configured
// destination. It returns an error only when the report could not be
// made, formatted or written; failing sections are shown in the report
// itself. Reports are made one at a time: when ctx is done before the one
// in progress has finished, WriteReport returns an error without a report.
// The report is written to w after the next one may start, so a w that
// blocks delays no report to the configured destination; writes of
// concurrent WriteReport calls are still made one at a time, so that they
// may share a writer. On a nil Reporter it returns an error and writes
// nothing.
func (r *Reporter) WriteReport(ctx context.Context, w io.Writer) error {
	if r == nil {
		return errNilReporter
	}
	b, err := r.renderLocked(ctx)
	if err != nil {
		return err
	}
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("gmr: write report: %w", err)
	}
	return nil
}

// renderLocked makes and formats one report under the report lock.
func (r *Reporter) renderLocked(ctx context.Context) ([]byte, error) {
	if err := r.mu.lockContext(ctx); err != nil {
		return nil, err
	}
	defer r.mu.Unlock()
	return r.render(r.collect(ctx, "api"))
}

// Report makes a report and writes it to the configured destination, stderr
// or a new file in the report directory, and returns where it went. When the
// directory cannot be written (full disk, removed directory), the report goes
// to stderr instead, with one line saying why. A write to stderr that has not
// finished within the report timeout (WithTimeout) is an error, and while it
// stays blocked later reports to stderr fail at once (see WithStderr). As
// WriteReport does, Report gives up waiting for a report in progress when ctx
// is done. On a nil Reporter it returns an error and makes no report.
func (r *Reporter) Report(ctx context.Context) (location string, err error) {
	if r == nil {
		return "", errNilReporter
	}
	return r.report(ctx, "api")
}

// report makes one report and then calls the WithOnReport function, after
// releasing the lock, so that the function may call Report or Stop.
func (r *Reporter) report(ctx context.Context, trigger string) (string, error) {
	loc, err := r.makeReport(ctx, trigger)
	if r.s.onReport != nil {
		r.callOnReport(loc, err)
	}
	return loc, err
}

// makeReport makes one report and writes it to the configured destination,
// holding r.mu while it does. The write to stderr is bounded (writerSink),
// so r.mu is never held for longer than a report's timeout and a stderr
// write's.
func (r *Reporter) makeReport(ctx context.Context, trigger string) (loc string, err error) {
	if err := r.mu.lockContext(ctx); err != nil {
		r.notice(slog.LevelError, fmt.Sprintf("no report (%s): %v", trigger, err), slog.String(attrTrigger, trigger), slog.Any(attrError, err))
		return "", err
	}
	defer r.mu.Unlock()
	rep := r.collect(ctx, trigger)
	meta := fileMeta{
		service: r.s.service,
		time:    rep.Header.Time,
		pid:     rep.Header.PID,
		seq:     fileSeq.Add(1),
		ext:     r.s.format.Extension(),
	}
	// A small report (the watcher's danger rule) writes nothing beside
	// itself: the profiles and the trace cost memory the process may not
	// have.
	if sections.Reduced(ctx) {
		if r.flight() != nil {
			rep.Header.TraceNote = "no trace: a small report, for a process near its memory limit"
		}
	} else {
		if r.dir != nil && !r.s.noProfiles {
			rep.Header.Profiles = r.writeProfiles(rep, meta)
		}
		r.writeTrace(rep, meta)
	}
	b, err := r.render(rep)
	if err != nil {
		r.notice(slog.LevelError, err.Error(), append(r.reportAttrs(rep, ""), slog.Any(attrError, err))...)
		return "", err
	}
	loc, err = r.sink.write(b, meta)
	if err != nil && r.sink != sink(r.stderr) {
		r.notice(slog.LevelWarn, fmt.Sprintf("cannot write report: %v; writing it to stderr", err),
			append(r.reportAttrs(rep, r.stderr.name), slog.Any(attrError, err))...)
		if r.dropTrace(rep) || len(rep.Header.Profiles) > 0 {
			// Without its report a profile is litter, and it may be what
			// filled the disk.
			r.dir.remove(rep.Header.Profiles)
			rep.Header.Profiles = nil
			if rb, rerr := r.render(rep); rerr == nil {
				b = rb
			}
		}
		loc, err = r.stderr.write(b, meta)
	} else if err == nil && r.dir != nil {
		r.prune(meta)
	}
	if err != nil {
		// On stderr itself this line is most likely lost too; a logger
		// may still take it.
		r.notice(slog.LevelError, fmt.Sprintf("cannot write report: %v", err), append(r.reportAttrs(rep, ""), slog.Any(attrError, err))...)
		return loc, fmt.Errorf("gmr: %w", err)
	}
	if loc != r.stderr.name {
		// The summary of a report written to the directory.
		r.notice(slog.LevelInfo, fmt.Sprintf("report (%s) written to %s in %v", rep.Header.Trigger, loc, rep.Header.Duration.Round(time.Microsecond)),
			r.reportAttrs(rep, loc)...)
	}
	return loc, nil
}

// The keys of the attributes of gmr's notices (WithLogger).
const (
	attrGMR        = "gmr"         // true on every notice
	attrLocation   = "location"    // where a report went: a file's path, or "stderr"
	attrTrigger    = "trigger"     // what asked for the report, masked
	attrDurationMS = "duration_ms" // how long the report took to collect, as in the report's header
	attrGoroutines = "goroutines"  // the goroutine section's Total, when the report has one
	attrTopFinding = "top_finding" // the report's most important finding; omitted while empty (topFinding)
	attrError      = "error"
	attrVariable   = "variable" // the GMR_* variable a warning is about
	attrDir        = "dir"
	attrProfile    = "profile" // a profile's kind: goroutine, heap
	attrFormatter  = "formatter"
	attrPanic      = "panic"
)

// reportAttrs returns the attributes that describe rep in a notice: where
// it went (when loc is not empty), its trigger, its duration, the number of
// goroutines from its goroutine section, and its top finding.
func (r *Reporter) reportAttrs(rep *report.Report, loc string) []slog.Attr {
	var attrs []slog.Attr
	if loc != "" {
		attrs = append(attrs, slog.String(attrLocation, loc))
	}
	attrs = append(attrs,
		slog.String(attrTrigger, rep.Header.Trigger),
		slog.Float64(attrDurationMS, float64(rep.Header.Duration.Microseconds())/1000),
	)
	for _, res := range rep.Sections {
		if g, ok := res.Data.(*sections.GoroutineReport); ok && g != nil {
			attrs = append(attrs, slog.Int(attrGoroutines, g.Total))
			break
		}
	}
	if f := topFinding(rep); f != "" {
		attrs = append(attrs, slog.String(attrTopFinding, f))
	}
	return attrs
}

// topFinding returns the most severe finding of rep's findings section,
// as "code: message", for a report's summary notice (top_finding); or ""
// when there is none.
func topFinding(rep *report.Report) string {
	for _, res := range rep.Sections {
		if f, ok := res.Data.(*sections.FindingsReport); ok && f != nil && len(f.Findings) > 0 {
			return f.Findings[0].Code + ": " + f.Findings[0].Message
		}
	}
	return ""
}

// writeProfiles writes the runtime profiles that rep's sections were built
// from (goroutine, heap), masked, beside the report file that meta names,
// before the report itself, so that they are there when the report appears.
// They are the same snapshots the report shows, re-encoded: never the
// runtime's raw bytes, which hold unmasked labels. It returns the names of
// the files written.
func (r *Reporter) writeProfiles(rep *report.Report, meta fileMeta) []string {
	stem := strings.TrimSuffix(meta.fileName(), "."+meta.ext)
	var names []string
	for i := range rep.Sections {
		p := profileOf(rep.Sections[i].Data)
		if p == nil || len(p.SampleType) == 0 {
			continue
		}
		kind := profileKind(rep.Sections[i].Data)
		name := stem + "." + kind + ".pb.gz"
		_, err := r.dir.writeFile(name, p.Write)
		if err != nil {
			r.notice(slog.LevelError, fmt.Sprintf("cannot write %s profile: %v", kind, err),
				slog.String(attrProfile, kind), slog.String(attrTrigger, rep.Header.Trigger), slog.Any(attrError, err))
			continue
		}
		names = append(names, name)
	}
	return names
}

// collect runs every section concurrently, each under its own deadline within
// the report's, and masks each result as it comes (mask.go). A section still
// running at its deadline (plus a short grace for it to return what it has
// so far) is shown as timed out; its goroutine is left to finish on its own,
// and its late result is dropped.
func (r *Reporter) collect(ctx context.Context, trigger string) *report.Report {
	start := time.Now()
	timeout, budget, goroutineBudget := r.deadlines(runtime.NumGoroutine())
	reportCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	rep := &report.Report{Header: r.newHeader(start, trigger), Sections: make([]report.Result, len(r.sections))}
	pending := make([]<-chan report.Result, len(r.sections))
	// The goroutine section goes first, alone: the goroutine profile stops
	// the world at its start and at its end, and each stop waits for every
	// running goroutine to reach a safe point, so it is shortest when none
	// of the other sections runs.
	first := r.goroutineSlot()
	deadline := start.Add(goroutineBudget + collectGrace)
	if first >= 0 {
		if ch := r.launch(reportCtx, rep, first, start, goroutineBudget, nil); ch != nil {
			wait := time.NewTimer(time.Until(deadline))
			select {
			case res := <-ch:
				rep.Sections[first] = res
			case <-wait.C:
				pending[first] = ch
			case <-ctx.Done():
				pending[first] = ch
			}
			wait.Stop()
		}
	}
	rest := time.Now()
	var reviewers []int
	for i, slot := range r.sections {
		switch {
		case i == first:
		case slot.reviewer():
			reviewers = append(reviewers, i)
		default:
			pending[i] = r.launch(reportCtx, rep, i, rest, budget, nil)
		}
	}
	r.await(ctx, rep, pending, start, latest(deadline, rest.Add(budget+collectGrace)))
	r.review(ctx, reportCtx, rep, reviewers, start, budget)
	rep.Header.Duration = time.Since(start)
	return rep
}

// review runs the reviewer sections (report.Reviewer), such as findings,
// on the other sections' masked results, and awaits them as collect awaits
// the others.
func (r *Reporter) review(ctx, reportCtx context.Context, rep *report.Report, reviewers []int, start time.Time, budget time.Duration) {
	if len(reviewers) == 0 {
		return
	}
	results := make([]report.Result, 0, len(rep.Sections))
	for i, res := range rep.Sections {
		if !r.sections[i].reviewer() {
			results = append(results, res)
		}
	}
	now := time.Now()
	pending := make([]<-chan report.Result, len(r.sections))
	for _, i := range reviewers {
		pending[i] = r.launch(reportCtx, rep, i, now, budget, results)
	}
	r.await(ctx, rep, pending, start, now.Add(budget+collectGrace))
}

// goroutineSlot returns the index of the built-in goroutine section, or -1.
func (r *Reporter) goroutineSlot() int {
	return slices.IndexFunc(r.sections, func(s *sectionSlot) bool { return s.builtin && s.name == "goroutines" })
}

// launch starts section i (see start), or, when it is still running from an
// earlier report, records it as skipped in rep and returns nil.
func (r *Reporter) launch(reportCtx context.Context, rep *report.Report, i int, start time.Time, budget time.Duration, results []report.Result) <-chan report.Result {
	slot := r.sections[i]
	if since := slot.running.Load(); since != 0 {
		rep.Sections[i] = report.Result{
			Name: slot.name,
			Err:  fmt.Errorf("skipped: still running from an earlier report, for %v", time.Since(time.Unix(0, since)).Round(time.Millisecond)),
		}
		return nil
	}
	return r.start(reportCtx, slot, start, budget, results)
}

// latest returns the later of two times.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// deadlines returns how long a report of a program with the given number
// of goroutines may take, how long each section may take, and how long the
// goroutine section may: the defaults grow by PerGoroutine for each
// goroutine, unless WithTimeout or WithSectionTimeout set them.
func (r *Reporter) deadlines(goroutines int) (report, section, goroutineSection time.Duration) {
	report = r.s.timeout
	section = min(r.s.sectionTimeout, max(report-collectGrace, report/2))
	goroutineSection = section
	if !r.s.sectionTimeoutSet {
		goroutineSection = max(section, DefaultSectionTimeout+time.Duration(goroutines)*PerGoroutine)
	}
	if !r.s.timeoutSet {
		report = max(report, goroutineSection+2*collectGrace)
	}
	goroutineSection = min(goroutineSection, max(report-collectGrace, report/2))
	return report, section, goroutineSection
}

// newHeader returns the header of a report started at start, masked.
func (r *Reporter) newHeader(start time.Time, trigger string) report.Header {
	host, _ := os.Hostname()
	started, err := procfs.ProcessStart(start)
	if err != nil {
		started = procfs.InitTime() // off Linux, or without /proc
	}
	h := report.Header{
		Service:    r.s.service,
		Version:    r.s.version,
		Host:       host,
		PID:        os.Getpid(),
		Started:    started,
		Time:       start,
		Trigger:    trigger,
		GMRVersion: Version(),
		GoVersion:  runtime.Version(),
		PodName:    cmp.Or(os.Getenv("K8S_POD_NAME"), os.Getenv("POD_NAME")),
		Namespace:  cmp.Or(os.Getenv("K8S_NAMESPACE"), os.Getenv("POD_NAMESPACE")),
	}
	r.maskHeader(&h)
	return h
}

// start runs one section's Collect on a goroutine of its own, labelled
// gmr_section=<name> so that a section that hangs can be told apart in
// later reports, with the Redactor in its context, and masks the result.
// The result arrives on the returned channel, which has room for it, so the
// goroutine never blocks on a report that stopped waiting.
func (r *Reporter) start(reportCtx context.Context, slot *sectionSlot, start time.Time, budget time.Duration, results []report.Result) <-chan report.Result {
	ch := make(chan report.Result, 1)
	slot.running.Store(start.UnixNano())
	go func() {
		secCtx, cancel := context.WithTimeout(reportCtx, budget)
		defer cancel()
		secCtx = pprof.WithLabels(secCtx, pprof.Labels("gmr_section", slot.name))
		pprof.SetGoroutineLabels(secCtx)
		var res report.Result
		if rv, ok := slot.sec.(report.Reviewer); ok {
			res = report.RunReview(redact.NewContext(secCtx, r.red), rv, results)
		} else {
			res = report.Run(redact.NewContext(secCtx, r.red), slot.sec)
		}
		// The name validated in New, whatever Name says this time.
		res.Name = slot.name
		if pe, ok := res.Err.(*report.PanicError); ok {
			pe.Section = slot.name
		}
		// Masking may use half the grace the report allows past the
		// section's deadline.
		maskCtx, cancelMask := context.WithDeadline(reportCtx, start.Add(budget+collectGrace/2))
		defer cancelMask()
		r.maskResult(maskCtx, &res, slot.builtin)
		slot.running.Store(0)
		ch <- res
	}()
	return ch
}

// await fills in rep's results from pending, in order, until deadline or
// until ctx is done; a section not done by then is shown as timed out, with
// the time since start.
func (r *Reporter) await(ctx context.Context, rep *report.Report, pending []<-chan report.Result, start, deadline time.Time) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	expired := false
	for i, ch := range pending {
		if ch == nil {
			continue
		}
		if !expired {
			select {
			case res := <-ch:
				rep.Sections[i] = res
				continue
			case <-timer.C:
				expired = true
			case <-ctx.Done():
				expired = true
			}
		}
		select {
		case res := <-ch:
			rep.Sections[i] = res
		default:
			cause := context.DeadlineExceeded
			if ctx.Err() != nil {
				cause = context.Cause(ctx)
			}
			rep.Sections[i] = report.Result{
				Name:     r.sections[i].name,
				Err:      r.red.Error(fmt.Errorf("timed out after %v: %w", time.Since(start).Round(time.Millisecond), cause)),
				Duration: time.Since(start),
			}
		}
	}
}

// render formats rep with the configured formatter. If that formatter fails,
// the report is rendered as text instead, so that it is not lost.
func (r *Reporter) render(rep *report.Report) ([]byte, error) {
	f := r.s.format
	b, err := formatReport(func(w io.Writer) error { return f.Format(w, rep) })
	if err == nil {
		return b, nil
	}
	if _, isText := f.(formatters.Text); isText {
		return nil, fmt.Errorf("gmr: format report: %w", err)
	}
	r.notice(slog.LevelWarn, fmt.Sprintf("formatter %q failed: %v; writing the report as text", f.Name(), err),
		slog.String(attrFormatter, f.Name()), slog.String(attrTrigger, rep.Header.Trigger), slog.Any(attrError, err))
	b, err = formatReport(func(w io.Writer) error { return formatters.Text{}.Format(w, rep) })
	if err != nil {
		return nil, fmt.Errorf("gmr: format report: %w", err)
	}
	return b, nil
}

// callOnReport calls the WithOnReport function, recovering a panic in it.
func (r *Reporter) callOnReport(loc string, err error) {
	defer func() {
		if v := recover(); v != nil {
			p := panicText(v)
			r.notice(slog.LevelError, "OnReport function panicked: "+p, slog.String(attrPanic, p))
		}
	}()
	r.s.onReport(loc, err)
}

// notice is the one door for gmr's own notices: a message and attributes,
// at a level. It masks the message and every attribute's text, since they
// may quote a path, an error, a panic value or a trigger, then hands them to
// the WithLogger logger, or to the JSON handler over stderr when the report
// format is JSON, or writes one "gmr: " line to stderr.
func (r *Reporter) notice(level slog.Level, msg string, attrs ...slog.Attr) {
	msg = r.red.Value(msg)
	for i := range attrs {
		attrs[i] = r.maskAttr(attrs[i])
	}
	if r.log == nil {
		r.noticeLine(msg)
		return
	}
	defer func() {
		// A user's handler that panics costs the notice its record, not
		// the process.
		if v := recover(); v != nil {
			r.noticeLine(msg + " (the notice's slog handler panicked: " + r.red.Value(panicText(v)) + ")")
		}
	}()
	r.log.LogAttrs(context.Background(), level, msg, attrs...)
}

// noticeLine writes a masked notice as one "gmr: " line to stderr.
func (r *Reporter) noticeLine(msg string) {
	line := "gmr: " + strings.ReplaceAll(msg, "\n", `\n`) + "\n"
	r.stderr.write([]byte(line), fileMeta{}) //nolint:errcheck // nowhere left to report it
}

// maskAttr returns a with its key and every text in its value masked. A
// value of kind Any is masked as section data is (an error becomes its
// masked text); numbers, booleans, times and durations hold no text.
func (r *Reporter) maskAttr(a slog.Attr) slog.Attr { return r.maskAttrAt(a, 0) }

// maxAttrDepth bounds the nesting of groups in a notice's attributes.
const maxAttrDepth = 8

func (r *Reporter) maskAttrAt(a slog.Attr, depth int) slog.Attr {
	a.Key = r.red.Value(a.Key)
	if depth > maxAttrDepth {
		return slog.String(a.Key, "(nested too deep)")
	}
	v := a.Value.Resolve() // a LogValuer's value; Resolve recovers its panic
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(r.red.Value(v.String()))
	case slog.KindAny:
		// An error becomes its masked text; other data is masked as a
		// section's data is, by its keys and its text.
		tree, _ := r.red.Data(context.Background(), v.Any())
		if s, ok := tree.(string); ok {
			a.Value = slog.StringValue(s)
		} else {
			a.Value = slog.AnyValue(tree)
		}
	case slog.KindGroup:
		group := v.Group()
		masked := make([]slog.Attr, len(group))
		for i := range group {
			masked[i] = r.maskAttrAt(group[i], depth+1)
		}
		a.Value = slog.GroupValue(masked...)
	default:
		a.Value = v
	}
	return a
}

// noticeLogger returns the logger notices go to: the WithLogger one, a JSON
// handler over stderr when the report format is JSON, so that a log
// pipeline reading JSON reads the notices too, or nil for text lines. Every
// record carries gmr=true.
func (r *Reporter) noticeLogger() *slog.Logger {
	if r.s.logger != nil {
		return r.s.logger.With(slog.Bool(attrGMR, true))
	}
	switch r.s.format.(type) {
	case formatters.JSON, formatters.JSONLines:
		h := slog.NewJSONHandler(noticeWriter{r.stderr}, nil)
		return slog.New(h.WithAttrs([]slog.Attr{slog.Bool(attrGMR, true)}))
	}
	return nil
}

// noticeWriter writes a JSON notice line through the stderr sink, so that it
// is never interleaved with a report and a broken stderr never ends the
// process (processStderr).
type noticeWriter struct{ s *writerSink }

func (w noticeWriter) Write(b []byte) (int, error) {
	if _, err := w.s.write(b, fileMeta{}); err != nil {
		return 0, err
	}
	return len(b), nil
}

// sectionName returns s.Name(), or a placeholder if Name panics.
func sectionName(s report.Section) (name string) {
	defer func() {
		if recover() != nil {
			name = "<unnamed>"
		}
	}()
	return s.Name()
}

// Version returns the version of the gmr module in this binary, or "devel"
// when it is not known (as in gmr's own tests).
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if bi.Main.Path == modulePath && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	for _, dep := range bi.Deps {
		if dep.Path == modulePath {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	return "devel"
}

const modulePath = "github.com/gmr-go/gmr"
