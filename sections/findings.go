package sections

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/internal/textfmt"
)

// Severities of a Finding, most severe first.
const (
	SeverityCritical = "critical"
	SeverityWarning  = "warning"
	SeverityInfo     = "info"
)

// Finding codes: stable names that scripts and alerts can match.
const (
	FindingFDsNearLimit     = "fds_near_limit"
	FindingMemoryNearLimit  = "memory_near_limit"
	FindingPidsNearLimit    = "pids_near_limit"
	FindingGoroutinePileup  = "goroutine_pileup"
	FindingGoroutinesHigh   = "goroutines_high"
	FindingWaitingLong      = "waiting_long"
	FindingLeakedGoroutines = "leaked_goroutines"
	FindingHeapHigh         = "heap_high"
	FindingGoroutineGrowth  = "goroutine_growth"
	FindingGCCPUHigh        = "gc_cpu_high"
	FindingSchedLatencyHigh = "sched_latency_high"
	FindingThreadsHigh      = "threads_high"
	FindingLockContention   = "lock_contention"
	FindingOOMKills         = "oom_kills"
	FindingSectionFailed    = "section_failed"
)

// maxFindings bounds the findings listed; the rest are counted.
const maxFindings = 20

// Findings is the "findings" section: what is wrong, most severe first,
// computed from what the other sections of the same report collected. It
// is a report.Reviewer: the Reporter calls Review with the other sections'
// results, and it reads nothing of the process itself. Its zero value is
// ready to use, with the default Thresholds.
//
// Every rule reads one built-in section's data; a rule whose section is not
// in the report, or failed, is not checked, and FindingsReport.Checked
// lists the rules that were. The rules, by code:
//
//   - fds_near_limit: open fds past Thresholds.FDs of RLIMIT_NOFILE (process);
//   - memory_near_limit: memory past Thresholds.Memory of the cgroup's limit
//     or of GOMEMLIMIT (process);
//   - pids_near_limit: the cgroup's tasks past Thresholds.Pids of its limit
//     (process);
//   - goroutine_pileup: one stack holding more than Thresholds.Pileup of all
//     goroutines, and at least MinPileupGoroutines (goroutines);
//   - goroutines_high: more than Thresholds.Goroutines goroutines (goroutines);
//   - waiting_long: goroutines blocked on a channel, lock or select for
//     longer than Goroutines.LongWait (goroutines);
//   - leaked_goroutines: goroutines the leak profile found (goroutines);
//   - heap_high: the heap in use past Thresholds.Heap, when it is set (heap);
//   - gc_cpu_high: the GC's share of the CPU past Thresholds.GCCPU (heap);
//   - sched_latency_high: the scheduler latency's p99 past
//     Thresholds.SchedP99 (threads);
//   - threads_high: more OS threads than Thresholds.Threads (threads);
//   - lock_contention: goroutines waiting on locks, on average since the
//     start, past Thresholds.MutexWait (threads);
//   - oom_kills: the cgroup's out-of-memory killer has killed a process
//     (process);
//   - section_failed: a section returned an error, panicked or timed out.
//
// A limit rule is critical once the use is past halfway between its
// threshold and the limit (90% for an 80% threshold), and so is
// threads_high past 80% of the runtime's limit of 10,000 threads.
type Findings struct {
	// Thresholds are the levels the rules compare with. Optional: zero
	// fields are the defaults.
	Thresholds Thresholds
}

// FindingsReport is the data of the findings section. It implements
// report.TextWriter.
type FindingsReport struct {
	// Findings are what is wrong, most severe first; empty when nothing
	// is.
	Findings []Finding `json:"findings"`
	// Omitted is the number of findings left out of Findings (at most 20
	// are listed).
	Omitted int `json:"omitted,omitempty"`
	// Checked names the rules that had the data to be checked, by code.
	Checked []string `json:"checked"`
}

// Finding is one thing that is wrong.
type Finding struct {
	// Code is the finding's stable name, such as "fds_near_limit".
	Code string `json:"code"`
	// Severity is "critical", "warning" or "info".
	Severity string `json:"severity"`
	// Message says what is wrong in one line, with the numbers.
	Message string `json:"message"`
	// Section is the section to read next.
	Section string `json:"section"`
	// Measure is the figure and the threshold it passed, for the rules
	// that have one.
	Measure *FindingMeasure `json:"measure,omitempty"`
}

// FindingMeasure is the figure a finding is about and the threshold it
// passed.
type FindingMeasure struct {
	// Threshold is the threshold's text name, as in ParseThresholds:
	// "fds", "memory", "gc_cpu", ...
	Threshold string `json:"threshold"`
	// Value is the figure, and Limit the threshold it passed, both in
	// Unit: "ratio" (0.95 is 95%), "count", "bytes", "factor" or "ms".
	Value float64 `json:"value"`
	Limit float64 `json:"limit"`
	Unit  string  `json:"unit"`
}

// limitText returns the threshold as GMR_THRESHOLDS writes it: "80%",
// "50ms", "2GiB", "20000", "2x".
func (m *FindingMeasure) limitText() string {
	switch m.Unit {
	case "ratio":
		return strconv.FormatFloat(m.Limit*100, 'f', -1, 64) + "%"
	case "ms":
		return time.Duration(m.Limit * float64(time.Millisecond)).String()
	case "bytes":
		return strings.ReplaceAll(textfmt.Bytes(uint64(m.Limit)), " ", "")
	case "factor":
		return strconv.FormatFloat(m.Limit, 'f', -1, 64) + "x"
	}
	return strconv.FormatFloat(m.Limit, 'f', -1, 64)
}

// Name returns "findings".
func (Findings) Name() string { return "findings" }

// Collect reviews no results: the findings of a report come from Review,
// which the Reporter calls with the other sections' results.
func (f Findings) Collect(ctx context.Context) (any, error) {
	return f.Review(ctx, nil)
}

// triggerKey is the context key of WithTriggerFinding.
type triggerKey struct{}

// WithTriggerFinding returns ctx carrying the finding that triggered a
// report, such as the threshold that gmr's watcher saw passed: Review adds
// it to the report's findings, unless a rule found the same code in the
// report's own data.
func WithTriggerFinding(ctx context.Context, f Finding) context.Context {
	return context.WithValue(ctx, triggerKey{}, f)
}

// Review returns a *FindingsReport of results. It never fails.
func (f Findings) Review(ctx context.Context, results []report.Result) (any, error) {
	d := diagnosis{th: f.Thresholds.withDefaults()}
	for i := range results {
		res := &results[i]
		if res.Name == f.Name() {
			continue
		}
		if res.Err != nil {
			d.sectionFailed(res)
		}
		switch data := res.Data.(type) {
		case *ProcessReport:
			if data != nil {
				d.process(data)
			}
		case *GoroutineReport:
			if data != nil {
				d.goroutines(data)
			}
		case *HeapReport:
			if data != nil {
				d.heap(data)
			}
		case *ThreadReport:
			if data != nil {
				d.threads(data)
			}
		}
	}
	d.checked = append(d.checked, FindingSectionFailed)
	if tf, ok := ctx.Value(triggerKey{}).(Finding); ok && !slices.ContainsFunc(d.findings, func(f Finding) bool { return f.Code == tf.Code }) {
		d.add(tf)
	}
	return d.report(), nil
}

// diagnosis gathers the findings of one report.
type diagnosis struct {
	th       Thresholds
	findings []Finding
	checked  []string
}

func (d *diagnosis) add(f Finding) { d.findings = append(d.findings, f) }

func (d *diagnosis) check(codes ...string) {
	for _, c := range codes {
		if !slices.Contains(d.checked, c) {
			d.checked = append(d.checked, c)
		}
	}
}

// severityRank orders severities, most severe first.
func severityRank(s string) int {
	switch s {
	case SeverityCritical:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

func (d *diagnosis) report() *FindingsReport {
	// Stable: within a severity, findings keep the order of the rules.
	slices.SortStableFunc(d.findings, func(a, b Finding) int {
		return cmp.Compare(severityRank(a.Severity), severityRank(b.Severity))
	})
	rep := &FindingsReport{Findings: d.findings, Checked: d.checked}
	if rep.Findings == nil {
		rep.Findings = []Finding{}
	}
	if n := len(rep.Findings); n > maxFindings {
		rep.Findings, rep.Omitted = rep.Findings[:maxFindings:maxFindings], n-maxFindings
	}
	return rep
}

// limitSeverity is the severity of a use past threshold th of a limit: a
// warning, critical past halfway between th and the limit.
func limitSeverity(share, th float64) string {
	if share >= th+(1-th)/2 {
		return SeverityCritical
	}
	return SeverityWarning
}

func (d *diagnosis) sectionFailed(res *report.Result) {
	msg, _, _ := strings.Cut(res.Err.Error(), "\n")
	d.add(Finding{
		Code:     FindingSectionFailed,
		Severity: SeverityWarning,
		Message:  fmt.Sprintf("section %s failed: %s", res.Name, textfmt.Cut(msg, 200)),
		Section:  res.Name,
	})
}

// process checks the limits of the process section.
func (d *diagnosis) process(p *ProcessReport) {
	d.check(FindingFDsNearLimit, FindingMemoryNearLimit, FindingPidsNearLimit, FindingOOMKills)
	for _, l := range p.Limits {
		if l.Limit <= 0 {
			continue
		}
		share := float64(l.Used) / float64(l.Limit)
		switch l.Name {
		case "fds":
			d.limit(FindingFDsNearLimit, "fds", "process", share, d.th.FDs, fmt.Sprintf("open fds at %s of the limit: %s of %s",
				percent(share), textfmt.Commas(int(l.Used)), textfmt.Commas(int(l.Limit))))
		case "pids":
			d.limit(FindingPidsNearLimit, "pids", "process", share, d.th.Pids, fmt.Sprintf("cgroup tasks at %s of the pids limit: %s of %s",
				percent(share), textfmt.Commas(int(l.Used)), textfmt.Commas(int(l.Limit))))
		case "memory":
			// GOMEMLIMIT's share is the heap section's (heap).
			d.limit(FindingMemoryNearLimit, "memory", "process", share, d.th.Memory, fmt.Sprintf("memory at %s of the cgroup memory limit: %s of %s",
				percent(share), textfmt.Bytes(uint64(l.Used)), textfmt.Bytes(uint64(l.Limit))))
		}
	}
	if c := p.Cgroup; c != nil && c.Memory != nil && c.Memory.OOMKills > 0 {
		d.add(Finding{
			Code:     FindingOOMKills,
			Severity: SeverityWarning,
			Message:  fmt.Sprintf("the cgroup's out-of-memory killer has killed %s", processes(c.Memory.OOMKills)),
			Section:  "process",
		})
	}
}

// processes returns "1 process" or "n processes".
func processes(n uint64) string {
	if n == 1 {
		return "1 process"
	}
	return textfmt.Commas(int(min(n, math.MaxInt32))) + " processes"
}

// limit adds a finding, about section sec, when share is past the
// threshold th.
func (d *diagnosis) limit(code, name, sec string, share, th float64, msg string) {
	if !(share >= th) { // false for a rule that is off (NaN)
		return
	}
	d.add(Finding{
		Code:     code,
		Severity: limitSeverity(share, th),
		Message:  msg,
		Section:  sec,
		Measure:  &FindingMeasure{Threshold: name, Value: round3(share), Limit: th, Unit: "ratio"},
	})
}

func (d *diagnosis) goroutines(g *GoroutineReport) {
	d.check(FindingGoroutinePileup, FindingGoroutinesHigh, FindingWaitingLong)
	if g.Leaks.Available {
		d.check(FindingLeakedGoroutines)
	}
	if th := d.th.Goroutines; th > 0 && g.Total >= th {
		d.add(Finding{
			Code:     FindingGoroutinesHigh,
			Severity: SeverityWarning,
			Message:  fmt.Sprintf("%s goroutines, more than %s", textfmt.Commas(g.Total), textfmt.Commas(th)),
			Section:  "goroutines",
			Measure:  &FindingMeasure{Threshold: "goroutines", Value: float64(g.Total), Limit: float64(th), Unit: "count"},
		})
	}
	if top := pileupGroup(g); top != nil && g.Total > 0 {
		share := float64(top.Count) / float64(g.Total)
		if share >= d.th.Pileup && top.Count >= MinPileupGoroutines {
			d.add(Finding{
				Code:     FindingGoroutinePileup,
				Severity: SeverityWarning,
				Message: fmt.Sprintf("%s of %s goroutines (%s) in one stack: %s",
					textfmt.Commas(top.Count), textfmt.Commas(g.Total), percent(share), groupWhere(top)),
				Section: "goroutines",
				Measure: &FindingMeasure{Threshold: "pileup", Value: round3(share), Limit: d.th.Pileup, Unit: "ratio"},
			})
		}
	}
	if w := g.WaitingLong; w.Goroutines > 0 && len(w.Places) > 0 {
		p := w.Places[0]
		d.add(Finding{
			Code:     FindingWaitingLong,
			Severity: SeverityWarning,
			Message: fmt.Sprintf("%s blocked for %s or more; the most in %s (%s, %s), for up to %s",
				textfmt.Plural(w.Goroutines, "goroutine"), duration(w.MinWait.D()), p.Frame.Function, p.State,
				textfmt.Plural(p.Count, "goroutine"), duration(p.MaxWait.D())),
			Section: "goroutines",
		})
	}
	if l := g.Leaks; l.Available && l.Total > 0 {
		where := ""
		if len(l.Groups) > 0 {
			where = "; the most in " + groupWhere(&l.Groups[0])
		}
		d.add(Finding{
			Code:     FindingLeakedGoroutines,
			Severity: SeverityWarning,
			Message:  fmt.Sprintf("%s leaked: blocked where nothing can wake them%s", textfmt.Plural(l.Total, "goroutine"), where),
			Section:  "goroutines",
		})
	}
}

// pileupGroup returns the most numerous group of g, or nil.
func pileupGroup(g *GoroutineReport) *GoroutineGroup {
	if len(g.Groups) == 0 {
		return nil
	}
	return &g.Groups[0]
}

// groupWhere names where a group's goroutines are, and what most of them
// are doing when it is known: "main.handler (sync.Mutex.Lock)".
func groupWhere(g *GoroutineGroup) string {
	fn := g.Where
	if fn == "" {
		fn = "(runtime)"
		for _, f := range g.Frames {
			if !strings.HasPrefix(f.Function, "runtime.") {
				fn = f.Function
				break
			}
		}
	}
	if g.State != "" && g.State != "unknown" {
		return fn + " (" + g.State + ")"
	}
	return fn
}

func (d *diagnosis) heap(h *HeapReport) {
	d.check(FindingMemoryNearLimit, FindingGCCPUHigh)
	if th := d.th.Heap; th > 0 {
		d.check(FindingHeapHigh)
		if h.HeapInUseBytes >= th {
			d.add(Finding{
				Code:     FindingHeapHigh,
				Severity: SeverityWarning,
				Message:  fmt.Sprintf("heap in use %s, past %s", textfmt.Bytes(h.HeapInUseBytes), textfmt.Bytes(th)),
				Section:  "heap",
				Measure:  &FindingMeasure{Threshold: "heap", Value: float64(h.HeapInUseBytes), Limit: float64(th), Unit: "bytes"},
			})
		}
	}
	if lim := h.GOMEMLIMIT; !lim.Unlimited() && lim > 0 {
		share := float64(h.GOMEMLIMITUsedBytes) / float64(lim)
		d.limit(FindingMemoryNearLimit, "memory", "heap", share, d.th.Memory, fmt.Sprintf("memory at %s of GOMEMLIMIT: %s of %s; the GC runs more often as it nears the limit",
			percent(share), textfmt.Bytes(h.GOMEMLIMITUsedBytes), textfmt.Bytes(uint64(lim))))
	}
	if f := h.GCCPUFraction; f >= d.th.GCCPU {
		d.add(Finding{
			Code:     FindingGCCPUHigh,
			Severity: SeverityWarning,
			Message:  fmt.Sprintf("the garbage collector has used %s of the CPU since the program started (GOGC %d)", percent(f), h.GOGC),
			Section:  "heap",
			Measure:  &FindingMeasure{Threshold: "gc_cpu", Value: round3(f), Limit: d.th.GCCPU, Unit: "ratio"},
		})
	}
}

func (d *diagnosis) threads(t *ThreadReport) {
	d.check(FindingSchedLatencyHigh, FindingThreadsHigh, FindingLockContention)
	if c := t.Contention; c.MutexWaitRate >= d.th.MutexWait {
		d.add(Finding{
			Code:     FindingLockContention,
			Severity: SeverityWarning,
			Message: fmt.Sprintf("goroutines waited %s on locks in %s of uptime: %.1f waiting at any moment, on average",
				roundWait(c.MutexWait.D()), roundWait(c.Uptime.D()), c.MutexWaitRate),
			Section: "threads",
			Measure: &FindingMeasure{Threshold: "mutex_wait", Value: round3(c.MutexWaitRate), Limit: d.th.MutexWait, Unit: "count"},
		})
	}
	if p99, th := t.SchedLatencies.P99.D(), d.th.SchedP99; th > 0 && t.SchedLatencies.Count > 0 && p99 >= th {
		d.add(Finding{
			Code:     FindingSchedLatencyHigh,
			Severity: SeverityWarning,
			Message:  fmt.Sprintf("goroutines waited %s or more to run, 1 time in 100 (p99 scheduling latency), GOMAXPROCS %d", roundLatency(p99), t.GOMAXPROCS),
			Section:  "threads",
			Measure:  &FindingMeasure{Threshold: "sched_p99", Value: msOf(p99), Limit: msOf(th), Unit: "ms"},
		})
	}
	if th := d.th.Threads; th > 0 && t.OSThreads >= th {
		sev := SeverityWarning
		if t.OSThreads >= goMaxThreads*8/10 {
			sev = SeverityCritical
		}
		d.add(Finding{
			Code:     FindingThreadsHigh,
			Severity: sev,
			Message:  fmt.Sprintf("%s OS threads (GOMAXPROCS %d); the runtime crashes past %s", textfmt.Commas(t.OSThreads), t.GOMAXPROCS, textfmt.Commas(goMaxThreads)),
			Section:  "threads",
			Measure:  &FindingMeasure{Threshold: "threads", Value: float64(t.OSThreads), Limit: float64(th), Unit: "count"},
		})
	}
}

// percent formats a share as "95%", or as "99.7%" just short of 100%,
// which a whole number would round up to the limit.
func percent(share float64) string {
	if p := share * 100; p >= 99.5 && p < 100 {
		return fmt.Sprintf("%.1f%%", p)
	}
	return fmt.Sprintf("%.0f%%", share*100)
}

// msOf returns d in milliseconds.
func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// roundLatency rounds a scheduling latency, a bucket boundary of the
// runtime's histogram such as 67.108864ms, to a tenth of a millisecond.
func roundLatency(d time.Duration) time.Duration {
	if d >= time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// WriteText writes the findings one a line, most severe first, or "no
// findings".
func (r *FindingsReport) WriteText(w io.Writer) error {
	return writeBuffered(w, "findings", r == nil, func(buf *bytes.Buffer) {
		if len(r.Findings) == 0 {
			fmt.Fprintf(buf, "no findings (checked: %s)\n", strings.Join(r.Checked, ", "))
			return
		}
		t := newTable(buf)
		for _, f := range r.Findings {
			see := "see " + f.Section
			if m := f.Measure; m != nil {
				see += fmt.Sprintf("; threshold %s=%s", m.Threshold, m.limitText())
			}
			fmt.Fprintf(t, "%s\t%s\t%s (%s)\n", strings.ToUpper(f.Severity), f.Code, f.Message, see)
		}
		t.Flush()
		if r.Omitted > 0 {
			fmt.Fprintf(buf, "... and %s\n", textfmt.Plural(r.Omitted, "more finding"))
		}
		if len(r.Checked) > 0 {
			fmt.Fprintf(buf, "checked: %s\n", strings.Join(r.Checked, ", "))
		}
	})
}
