package gmr

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/gmr-go/gmr/internal/textfmt"
	"github.com/gmr-go/gmr/sections"
)

// Environment variables of the threshold watcher.
const (
	// EnvThresholds turns on reports when a threshold is passed, in the
	// form sections.ParseThresholds takes:
	// "goroutines=20000,goroutine_growth=2x,memory=90%,heap=2GiB,fds=80%,gc_cpu=25%,sched_p99=50ms".
	// The findings of every report use the same thresholds.
	EnvThresholds = "GMR_THRESHOLDS"
	// EnvWatchInterval is how often the watcher reads its figures
	// ("5s"; at least MinWatchInterval).
	EnvWatchInterval = "GMR_WATCH_INTERVAL"
	// EnvThresholdCooldown is the least time between two reports for the
	// same threshold ("10m"), before backoff.
	EnvThresholdCooldown = "GMR_THRESHOLD_COOLDOWN"
)

// Defaults of the threshold watcher.
const (
	// DefaultWatchInterval is how often the watcher reads its figures.
	DefaultWatchInterval = 5 * time.Second
	// MinWatchInterval is the shortest watch interval accepted.
	MinWatchInterval = 100 * time.Millisecond
	// DefaultThresholdCooldown is the least time between two reports for
	// one threshold. While the threshold stays passed, each further report
	// doubles it, up to 16 times; it is back to the default once the
	// figure has dropped below the threshold.
	DefaultThresholdCooldown = 10 * time.Minute
	// DefaultThresholdReportsPerHour caps the reports the watcher writes
	// in any hour, for all thresholds together.
	DefaultThresholdReportsPerHour = 6
	// DangerMemory is the share of a memory limit past which a threshold
	// report is a small one: no profiles beside it, no full stack dump,
	// no leak or heap profile, which cost memory the process may not have.
	DangerMemory = 0.95
	// MinGoroutineGrowth is the fewest goroutines by which the count must
	// exceed its baseline for goroutine_growth, so that a small program
	// going from 10 to 30 goroutines is not a leak.
	MinGoroutineGrowth = 500
	// growthWindow is the time constant of the goroutine baseline, a
	// moving average: a level the program keeps for about this long
	// becomes its new normal, so an early spike never blocks the rule
	// (as a high watermark would).
	growthWindow = 30 * time.Minute
	// maxBackoff bounds the cooldown's doubling.
	maxBackoff = 16
)

// watchSettings are the threshold watcher's settings.
type watchSettings struct {
	thresholds  sections.Thresholds // the thresholds watched: their zero fields are not
	on          bool
	interval    time.Duration
	intervalSet bool
	cooldown    time.Duration
	cooldownSet bool
	perHour     int
}

// WithThresholds turns on reports when the program passes a threshold: a
// watcher reads the figures every watch interval (DefaultWatchInterval)
// and writes a report, whose trigger and findings name the threshold,
// its value and its limit. Only the fields of th that are set are watched;
// "memory" is watched against the cgroup's memory limit and GOMEMLIMIT.
// The findings of every report use th in place of their defaults.
//
// Reports are limited so that they never harm the host: a cooldown per
// threshold (WithThresholdLimits), doubled while the threshold stays
// passed, a cap on reports per hour, and past DangerMemory of a memory
// limit a small report. Without this option, GMR_THRESHOLDS sets the
// thresholds.
func WithThresholds(th sections.Thresholds) Option {
	return func(s *settings) error {
		if th == (sections.Thresholds{}) {
			return fmt.Errorf("gmr: WithThresholds: no threshold set")
		}
		s.watch.thresholds, s.watch.on = th, true
		return nil
	}
}

// WithWatchInterval sets how often the threshold watcher reads its
// figures: at least MinWatchInterval. Default: DefaultWatchInterval, or
// GMR_WATCH_INTERVAL.
func WithWatchInterval(d time.Duration) Option {
	return func(s *settings) error {
		if d < MinWatchInterval {
			return fmt.Errorf("gmr: WithWatchInterval(%v): less than %v", d, MinWatchInterval)
		}
		s.watch.interval, s.watch.intervalSet = d, true
		return nil
	}
}

// WithThresholdLimits sets the least time between two reports for one
// threshold (doubled while it stays passed), and the most reports the
// watcher writes in any hour. Defaults: DefaultThresholdCooldown (or
// GMR_THRESHOLD_COOLDOWN) and DefaultThresholdReportsPerHour.
func WithThresholdLimits(cooldown time.Duration, perHour int) Option {
	return func(s *settings) error {
		if cooldown <= 0 || perHour <= 0 {
			return fmt.Errorf("gmr: WithThresholdLimits(%v, %d): want a positive cooldown and count", cooldown, perHour)
		}
		s.watch.cooldown, s.watch.cooldownSet, s.watch.perHour = cooldown, true, perHour
		return nil
	}
}

// resolveWatch applies the watcher's environment variables to s.
func (s *settings) resolveWatch(warnings *[]error) {
	w := &s.watch
	if !w.on {
		if v := strings.TrimSpace(s.getenv(EnvThresholds)); v != "" {
			th, err := sections.ParseThresholds(v)
			switch {
			case err != nil:
				*warnings = append(*warnings, envWarning(EnvThresholds, fmt.Errorf("%s=%q: %w; no threshold reports", EnvThresholds, v, err)))
			case th == (sections.Thresholds{}):
			default:
				w.thresholds, w.on = th, true
			}
		}
	}
	if !w.intervalSet {
		w.interval = DefaultWatchInterval
		if v := strings.TrimSpace(s.getenv(EnvWatchInterval)); v != "" {
			switch d, err := time.ParseDuration(v); {
			case err != nil:
				*warnings = append(*warnings, envWarning(EnvWatchInterval, fmt.Errorf("%s=%q: not a duration such as \"5s\"; using %v", EnvWatchInterval, v, w.interval)))
			case d < MinWatchInterval:
				*warnings = append(*warnings, envWarning(EnvWatchInterval, fmt.Errorf("%s=%q: less than %v; using %v", EnvWatchInterval, v, MinWatchInterval, w.interval)))
			default:
				w.interval = d
			}
		}
	}
	if !w.cooldownSet {
		w.cooldown = DefaultThresholdCooldown
		if v := strings.TrimSpace(s.getenv(EnvThresholdCooldown)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				*warnings = append(*warnings, envWarning(EnvThresholdCooldown, fmt.Errorf("%s=%q: want a positive duration; using %v", EnvThresholdCooldown, v, w.cooldown)))
			} else {
				w.cooldown = d
			}
		}
	}
	if w.perHour == 0 {
		w.perHour = DefaultThresholdReportsPerHour
	}
}

// tuneFindings gives the findings section the watched thresholds in place
// of its defaults.
func (s *settings) tuneFindings(f sections.Findings) sections.Findings {
	if !s.watch.on {
		return f
	}
	th, w := &f.Thresholds, s.watch.thresholds
	set := func(dst *float64, v float64) {
		if *dst == 0 {
			*dst = v
		}
	}
	set(&th.FDs, w.FDs)
	set(&th.Memory, w.Memory)
	set(&th.Pids, w.Pids)
	set(&th.Pileup, w.Pileup)
	set(&th.GCCPU, w.GCCPU)
	set(&th.GoroutineGrowth, w.GoroutineGrowth)
	set(&th.MutexWait, w.MutexWait)
	if th.Goroutines == 0 {
		th.Goroutines = w.Goroutines
	}
	if th.Threads == 0 {
		th.Threads = w.Threads
	}
	if th.SchedP99 == 0 {
		th.SchedP99 = w.SchedP99
	}
	if th.Heap == 0 {
		th.Heap = w.Heap
	}
	return f
}

// sample is what the watcher reads once an interval.
type sample struct {
	at                time.Time
	goroutines        int
	heapInUse         uint64
	goMemory          uint64 // what GOMEMLIMIT counts
	goMemLimit        uint64 // 0: none
	cgMemory, cgLimit uint64 // 0: unknown or none
	pids, pidsLimit   uint64
	fds, fdLimit      int // fdLimit 0: unknown
	threads           int
	gcCPU, totalCPU   float64 // cumulative CPU seconds
	mutexWait         float64 // cumulative seconds waited on locks
	sched             *metrics.Float64Histogram
}

// firing is a threshold passed in a sample.
type firing struct {
	name    string // the threshold's text name
	finding sections.Finding
}

// ruleState is the watcher's memory of one threshold.
type ruleState struct {
	next   time.Time // no report for it before
	streak int       // reports while it stayed passed
}

// watcher writes a report when a threshold is passed.
type watcher struct {
	r        *Reporter
	th       sections.Thresholds
	cooldown time.Duration
	interval time.Duration

	read     func() sample
	write    func(ctx context.Context, trigger string) // Reporter.report
	baseline float64                                   // moving average of the goroutine count; 0 before the first sample
	prev     *sample
	rules    map[string]*ruleState
	limit    reportLimit // the hourly cap
}

// reportLimit spaces a watcher's reports: at least gap between two, and at
// most perHour in any hour. The threshold watcher and the heartbeat watcher
// have one each.
type reportLimit struct {
	gap     time.Duration
	perHour int
	recent  []time.Time // the reports of the last hour, oldest first
	noticed time.Time   // when the last "cap reached" notice was due
}

// wait returns how long after now the next report may be made, 0 when it
// may be made now, and whether the hourly cap is what holds it back.
func (l *reportLimit) wait(now time.Time) (d time.Duration, capped bool) {
	l.recent = slicesDeleteBefore(l.recent, now.Add(-time.Hour))
	if n := len(l.recent); n > 0 && l.gap > 0 {
		d = l.recent[n-1].Add(l.gap).Sub(now)
	}
	if len(l.recent) >= l.perHour {
		return max(d, l.recent[0].Add(time.Hour).Sub(now), time.Millisecond), true
	}
	return max(d, 0), false
}

// take records a report made at now.
func (l *reportLimit) take(now time.Time) { l.recent = append(l.recent, now) }

// noticeDue reports whether a "cap reached" notice is due at now: at most
// one an hour.
func (l *reportLimit) noticeDue(now time.Time) bool {
	if now.Sub(l.noticed) < time.Hour {
		return false
	}
	l.noticed = now
	return true
}

func newWatcher(r *Reporter) *watcher {
	w := r.s.watch
	return &watcher{
		r: r, th: w.thresholds, cooldown: w.cooldown, interval: w.interval, limit: reportLimit{perHour: w.perHour},
		read: func() sample { return readSample(w.thresholds) },
		write: func(ctx context.Context, trigger string) {
			r.report(ctx, trigger) //nolint:errcheck // report already wrote the error as a notice
		},
		rules: make(map[string]*ruleState),
	}
}

// run reads a sample every interval until quit is closed.
func (w *watcher) run(quit <-chan struct{}) {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	w.tick() // the first sample: the baseline, and the deltas' start
	for {
		select {
		case <-quit:
			return
		case <-t.C:
			w.tick()
		}
	}
}

// tick reads one sample and writes a report when a threshold is passed
// and the limits allow it.
func (w *watcher) tick() {
	cur := w.read()
	fired := w.check(cur)
	w.prev = &cur
	if len(fired) == 0 {
		return
	}
	now := cur.at
	var due []firing
	for _, f := range fired {
		st := w.state(f.name)
		if !now.Before(st.next) {
			due = append(due, f)
		}
	}
	if len(due) == 0 {
		return
	}
	if _, capped := w.limit.wait(now); capped {
		if w.limit.noticeDue(now) {
			w.r.notice(slog.LevelWarn, fmt.Sprintf("threshold %s passed, but the watcher wrote %d reports in the last hour, its cap: no report until an hour after the first", due[0].name, len(w.limit.recent)))
		}
		return
	}
	// One report for everything due at once: each threshold in it starts
	// its cooldown, doubled for each report while it stays passed.
	for _, f := range due {
		st := w.state(f.name)
		st.streak = min(st.streak+1, maxBackoff)
		st.next = now.Add(w.cooldown * time.Duration(1<<(st.streak-1)))
	}
	w.limit.take(now)
	w.report(cur, due)
}

func (w *watcher) state(name string) *ruleState {
	st := w.rules[name]
	if st == nil {
		st = &ruleState{}
		w.rules[name] = st
	}
	return st
}

// report writes the report for the thresholds due, small in danger.
func (w *watcher) report(cur sample, due []firing) {
	trigger := "threshold " + due[0].name + ": " + due[0].finding.Message
	if len(due) > 1 {
		names := make([]string, 0, len(due)-1)
		for _, f := range due[1:] {
			names = append(names, f.name)
		}
		trigger += " (also " + strings.Join(names, ", ") + ")"
	}
	ctx := sections.WithTriggerFinding(context.Background(), due[0].finding)
	if share, what := cur.memoryShare(); share >= DangerMemory {
		ctx = sections.WithReduced(ctx)
		trigger += fmt.Sprintf("; a small report: memory at %.0f%% of %s", share*100, what)
	}
	w.write(ctx, trigger)
}

// memoryShare returns the highest share of a memory limit in use, and
// which limit it is.
func (s *sample) memoryShare() (float64, string) {
	var share float64
	var what string
	if s.goMemLimit > 0 {
		share, what = float64(s.goMemory)/float64(s.goMemLimit), "GOMEMLIMIT"
	}
	if s.cgLimit > 0 {
		if c := float64(s.cgMemory) / float64(s.cgLimit); c > share {
			share, what = c, "the cgroup memory limit"
		}
	}
	return share, what
}

// check returns the thresholds passed in cur, updates the goroutine
// baseline, and resets the backoff of the thresholds not passed.
func (w *watcher) check(cur sample) []firing {
	var fired []firing
	add := func(name, code, sec string, value, limit float64, unit, msg string) {
		fired = append(fired, firing{name: name, finding: sections.Finding{
			Code: code, Severity: sections.SeverityWarning, Message: msg, Section: sec,
			Measure: &sections.FindingMeasure{Threshold: name, Value: round3(value), Limit: limit, Unit: unit},
		}})
	}
	th := w.th
	if th.Goroutines > 0 && cur.goroutines >= th.Goroutines {
		add("goroutines", sections.FindingGoroutinesHigh, "goroutines", float64(cur.goroutines), float64(th.Goroutines), "count",
			fmt.Sprintf("%s goroutines, past %s", textfmt.Commas(cur.goroutines), textfmt.Commas(th.Goroutines)))
	}
	if th.GoroutineGrowth > 0 {
		if w.baseline > 0 && float64(cur.goroutines) >= th.GoroutineGrowth*w.baseline && float64(cur.goroutines)-w.baseline >= MinGoroutineGrowth {
			add("goroutine_growth", sections.FindingGoroutineGrowth, "goroutines", float64(cur.goroutines)/w.baseline, th.GoroutineGrowth, "factor",
				fmt.Sprintf("%s goroutines, %.1fx the moving baseline of %s", textfmt.Commas(cur.goroutines), float64(cur.goroutines)/w.baseline, textfmt.Commas(int(w.baseline))))
		}
		w.updateBaseline(cur)
	}
	if th.Heap > 0 && cur.heapInUse >= th.Heap {
		add("heap", sections.FindingHeapHigh, "heap", float64(cur.heapInUse), float64(th.Heap), "bytes",
			fmt.Sprintf("heap in use %s, past %s", textfmt.Bytes(cur.heapInUse), textfmt.Bytes(th.Heap)))
	}
	if th.Memory > 0 {
		if share, what := cur.memoryShare(); share >= th.Memory {
			add("memory", sections.FindingMemoryNearLimit, "process", share, th.Memory, "ratio",
				fmt.Sprintf("memory at %.0f%% of %s, past %.0f%%", share*100, what, th.Memory*100))
		}
	}
	if th.FDs > 0 && cur.fdLimit > 0 {
		if share := float64(cur.fds) / float64(cur.fdLimit); share >= th.FDs {
			add("fds", sections.FindingFDsNearLimit, "process", share, th.FDs, "ratio",
				fmt.Sprintf("open fds at %.0f%% of the limit: %s of %s", share*100, textfmt.Commas(cur.fds), textfmt.Commas(cur.fdLimit)))
		}
	}
	if th.Pids > 0 && cur.pidsLimit > 0 {
		if share := float64(cur.pids) / float64(cur.pidsLimit); share >= th.Pids {
			add("pids", sections.FindingPidsNearLimit, "process", share, th.Pids, "ratio",
				fmt.Sprintf("cgroup tasks at %.0f%% of the pids limit: %d of %d", share*100, cur.pids, cur.pidsLimit))
		}
	}
	if th.Threads > 0 && cur.threads >= th.Threads {
		add("threads", sections.FindingThreadsHigh, "threads", float64(cur.threads), float64(th.Threads), "count",
			fmt.Sprintf("%s OS threads, past %s", textfmt.Commas(cur.threads), textfmt.Commas(th.Threads)))
	}
	if p := w.prev; p != nil {
		if th.GCCPU > 0 {
			if dt := cur.totalCPU - p.totalCPU; dt > 0 {
				if share := (cur.gcCPU - p.gcCPU) / dt; share >= th.GCCPU {
					add("gc_cpu", sections.FindingGCCPUHigh, "heap", share, th.GCCPU, "ratio",
						fmt.Sprintf("the garbage collector used %.0f%% of the CPU in the last %v", share*100, cur.at.Sub(p.at).Round(time.Second)))
				}
			}
		}
		if dt := cur.at.Sub(p.at).Seconds(); th.MutexWait > 0 && dt > 0 {
			if rate := (cur.mutexWait - p.mutexWait) / dt; rate >= th.MutexWait {
				add("mutex_wait", sections.FindingLockContention, "threads", rate, th.MutexWait, "count",
					fmt.Sprintf("%.1f goroutines waiting on locks at any moment, on average, in the last %v", rate, cur.at.Sub(p.at).Round(time.Second)))
			}
		}
		if th.SchedP99 > 0 {
			if p99, ok := deltaP99(p.sched, cur.sched); ok && p99 >= th.SchedP99 {
				add("sched_p99", sections.FindingSchedLatencyHigh, "threads", float64(p99)/float64(time.Millisecond), float64(th.SchedP99)/float64(time.Millisecond), "ms",
					fmt.Sprintf("goroutines waited %v or more to run, 1 time in 100, in the last %v", p99, cur.at.Sub(p.at).Round(time.Second)))
			}
		}
	}
	// A threshold no longer passed loses its backoff, not its cooldown:
	// a figure that wavers about its threshold gets a report at most
	// once a cooldown.
	for name, st := range w.rules {
		if !containsFiring(fired, name) {
			st.streak = 0
		}
	}
	return fired
}

func containsFiring(fs []firing, name string) bool {
	for _, f := range fs {
		if f.name == name {
			return true
		}
	}
	return false
}

// updateBaseline moves the goroutine baseline towards cur's count.
func (w *watcher) updateBaseline(cur sample) {
	n := float64(cur.goroutines)
	if w.baseline == 0 || w.prev == nil {
		w.baseline = n
		return
	}
	alpha := 1 - math.Exp(-float64(cur.at.Sub(w.prev.at))/float64(growthWindow))
	w.baseline += alpha * (n - w.baseline)
}

// deltaP99 returns the 99th percentile of the values added to a
// histogram between two reads of it: an upper bound, the bucket's.
func deltaP99(prev, cur *metrics.Float64Histogram) (time.Duration, bool) {
	if prev == nil || cur == nil || len(prev.Counts) != len(cur.Counts) {
		return 0, false
	}
	var total uint64
	for i := range cur.Counts {
		total += cur.Counts[i] - prev.Counts[i]
	}
	if total == 0 {
		return 0, false
	}
	want := uint64(math.Ceil(float64(total) * 0.99))
	var seen uint64
	for i := range cur.Counts {
		seen += cur.Counts[i] - prev.Counts[i]
		if seen >= want {
			up := cur.Buckets[i+1]
			if math.IsInf(up, 1) {
				up = cur.Buckets[i]
			}
			return time.Duration(up * float64(time.Second)), true
		}
	}
	return 0, false
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// slicesDeleteBefore drops the times before t from the front of ts, which
// is in order.
func slicesDeleteBefore(ts []time.Time, t time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(t) {
		i++
	}
	return append(ts[:0], ts[i:]...)
}

// The runtime/metrics the watcher reads.
var watchMetricNames = []string{
	"/sched/goroutines:goroutines",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/total:cpu-seconds",
	"/sched/latencies:seconds",
	"/sync/mutex/wait/total:seconds",
}

// readSample reads the figures the thresholds th need.
func readSample(th sections.Thresholds) sample {
	s := sample{at: time.Now()}
	ms := make([]metrics.Sample, len(watchMetricNames))
	for i, name := range watchMetricNames {
		ms[i].Name = name
	}
	metrics.Read(ms)
	u := func(i int) uint64 {
		if ms[i].Value.Kind() == metrics.KindUint64 {
			return ms[i].Value.Uint64()
		}
		return 0
	}
	f := func(i int) float64 {
		if ms[i].Value.Kind() == metrics.KindFloat64 {
			return ms[i].Value.Float64()
		}
		return 0
	}
	s.goroutines = int(min(u(0), math.MaxInt32))
	if s.goroutines == 0 {
		s.goroutines = runtime.NumGoroutine()
	}
	s.heapInUse = u(1) + u(2)
	s.goMemory = u(3) - min(u(4), u(3))
	if lim := debug.SetMemoryLimit(-1); lim > 0 && lim < math.MaxInt64 {
		s.goMemLimit = uint64(lim)
	}
	s.gcCPU, s.totalCPU = f(5), f(6)
	s.mutexWait = f(8)
	if th.SchedP99 > 0 && ms[7].Value.Kind() == metrics.KindFloat64Histogram {
		h := ms[7].Value.Float64Histogram()
		// The histogram's memory is the runtime's, reused by the next
		// Read: keep a copy.
		c := &metrics.Float64Histogram{Buckets: h.Buckets, Counts: append([]uint64(nil), h.Counts...)}
		s.sched = c
	}
	readProcSample(&s, th)
	return s
}
