package sections

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gmr-go/gmr/internal/textfmt"
)

// recentPauses is the number of GC pauses HeapReport.RecentPauses holds.
const recentPauses = 8

// maxSiteCallers is the number of callers kept of each allocation site.
const maxSiteCallers = 3

// Heap is the "heap" section: heap size, where the memory goes, the
// garbage collector's settings, progress and pauses, and the functions
// that allocated the memory in use. Its zero value is ready to use.
//
// Collect reads runtime/metrics (the memory classes, GC settings and
// pauses, and the memory-limit GC activity) and runtime/debug.ReadGCStats;
// neither stops the world, unlike runtime.ReadMemStats (ReadGCStats
// briefly holds the heap's lock, as allocating a new span does). It then
// writes and parses the heap profile (runtime/pprof's "heap", which does
// not stop the world either) to find the top allocation sites, unless
// MaxSites is negative. That is most of its work, nearly all of it
// runtime/pprof writing the profile, which it gzips, allocating garbage;
// it grows with the number of distinct allocating stacks, not with the
// heap's size (BenchmarkHeap measures it). The heap profile describes the
// heap as of the last completed GC: objects allocated since are not in it
// yet. A metric that this Go release does not provide is listed in
// HeapReport.MissingMetrics and its field left zero.
//
// Collect is safe for concurrent use.
type Heap struct {
	// MaxSites is the most allocation sites listed. Optional: zero means
	// DefaultMaxSites, a negative value lists none, and so does not read
	// the heap profile at all.
	MaxSites int
}

// HeapReport is the data of the heap section. Sizes are in bytes. It
// implements report.TextWriter.
type HeapReport struct {
	// HeapInUseBytes is the memory in heap spans that hold objects: the
	// objects and the unused space between them (runtime.MemStats.HeapInuse).
	HeapInUseBytes uint64 `json:"heap_in_use_bytes"`
	// HeapAllocBytes is the memory occupied by heap objects, live or not
	// yet swept (runtime.MemStats.HeapAlloc).
	HeapAllocBytes uint64 `json:"heap_alloc_bytes"`
	// HeapLiveBytes is the memory of the objects the last GC marked live.
	HeapLiveBytes uint64 `json:"heap_live_bytes"`
	// HeapObjects is the number of heap objects, live or not yet swept.
	HeapObjects uint64 `json:"heap_objects"`
	// HeapSysBytes is all the memory reserved for the heap, in use, free or
	// released to the OS (runtime.MemStats.HeapSys).
	HeapSysBytes uint64 `json:"heap_sys_bytes"`
	// HeapReleasedBytes is the part of HeapSysBytes returned to the OS.
	HeapReleasedBytes uint64 `json:"heap_released_bytes"`
	// SysBytes is all the memory the Go runtime has mapped, for the heap,
	// stacks and its own structures (runtime.MemStats.Sys).
	SysBytes uint64 `json:"sys_bytes"`
	// NextGCBytes is the heap size at which the current GC cycle aims to
	// finish (the heap goal).
	NextGCBytes uint64 `json:"next_gc_bytes"`
	// GCCycles is the number of completed GC cycles, and GCForcedCycles
	// the number of them forced by runtime.GC or debug.FreeOSMemory.
	GCCycles       uint64 `json:"gc_cycles"`
	GCForcedCycles uint64 `json:"gc_forced_cycles"`
	// LastGC is when the last GC cycle ended; it is zero (and left out of
	// JSON) if there has been none.
	LastGC time.Time `json:"last_gc,omitzero"`
	// GCPauses summarises every stop-the-world pause the GC has made
	// since the program started.
	GCPauses PauseSummary `json:"gc_pauses"`
	// RecentPauses are the stop-the-world pause times of the last (up to
	// 8) GC cycles, most recent first. In JSON they are milliseconds.
	RecentPauses []Millis `json:"recent_pauses_ms"`
	// GOGC is the GC's target percentage (runtime/debug.SetGCPercent):
	// -1 when the GC is off.
	GOGC int64 `json:"gogc"`
	// GOMEMLIMIT is the soft memory limit in bytes
	// (runtime/debug.SetMemoryLimit): math.MaxInt64 when there is none,
	// which JSON writes as null.
	GOMEMLIMIT Limit `json:"gomemlimit_bytes"`
	// GCCPUFraction is the share of the CPU time available to the
	// program since it started (GOMAXPROCS times the wall time) spent in
	// the GC, from 0 to 1: the runtime's estimate, which overstates.
	GCCPUFraction float64 `json:"gc_cpu_fraction"`
	// GCLimiterLastEnabled is the GC cycle in which the GC CPU limiter
	// was last on, or 0 if never ("/gc/limiter/last-enabled:gc-cycle").
	// The limiter caps the GC at half the CPU when it struggles to keep
	// the heap under GOMEMLIMIT: a recent cycle means memory is at the
	// limit and the GC is trading memory for CPU time.
	GCLimiterLastEnabled uint64 `json:"gc_limiter_last_enabled"`
	// GOMEMLIMITUsedBytes is the memory GOMEMLIMIT applies to: SysBytes
	// less HeapReleasedBytes.
	GOMEMLIMITUsedBytes uint64 `json:"gomemlimit_used_bytes"`
	// MemoryClasses breaks SysBytes down by use, from the runtime/metrics
	// "/memory/classes/..." metrics ("heap/objects", "heap/stacks",
	// "metadata/mspan/inuse", "os-stacks", ...), in the runtime's order.
	MemoryClasses []MemoryClass `json:"memory_classes"`
	// TopAllocations are the functions that allocated the most memory in
	// use, as of the last completed GC, from the heap profile: most bytes
	// first, at most Heap.MaxSites. AllocationSites is the number of
	// distinct allocating functions in the profile, and ProfileInUseBytes
	// the memory in use all of them account for. The profile samples
	// about one allocation per ProfileRate bytes and scales its figures
	// up, so they are estimates.
	TopAllocations    []AllocSite `json:"top_allocations"`
	AllocationSites   int         `json:"allocation_sites"`
	ProfileInUseBytes int64       `json:"profile_in_use_bytes"`
	ProfileRate       int         `json:"profile_rate_bytes"`
	// ProfileNote says why TopAllocations is empty or incomplete.
	ProfileNote string `json:"profile_note,omitempty"`
	// MissingMetrics names, sorted, the runtime/metrics this Go release
	// did not provide; their fields are zero.
	MissingMetrics []string `json:"missing_metrics,omitempty"`

	profile *profile.Profile // the heap profile read, or nil
}

// MemoryClass is one class of memory the Go runtime has mapped.
type MemoryClass struct {
	// Name is the metric's name between "/memory/classes/" and ":bytes".
	Name  string `json:"name"`
	Bytes uint64 `json:"size_bytes"`
}

// AllocSite is a function that allocated heap memory still in use.
type AllocSite struct {
	// Function is the function that allocated (the innermost frame of the
	// allocating stacks, inlined calls included), and File and Line where
	// in it the heaviest of those stacks allocated.
	Function string `json:"function"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	// InUseBytes and InUseObjects are the memory and objects it allocated
	// that were live at the last GC, summed over all its stacks.
	InUseBytes   int64 `json:"in_use_bytes"`
	InUseObjects int64 `json:"in_use_objects"`
	// Callers are the first callers of Function in the heaviest of its
	// stacks, nearest first (at most 3).
	Callers []Frame `json:"callers"`
}

// PauseSummary describes a distribution of pause times. Each quantile is
// the upper bound of the runtime's histogram bucket that holds it, so it
// may overstate the pause by up to a quarter; Max is the upper bound of the
// highest non-empty bucket. In JSON the durations are milliseconds.
type PauseSummary struct {
	// Count is the number of pauses.
	Count uint64 `json:"count"`
	P50   Millis `json:"p50_ms"`
	P90   Millis `json:"p90_ms"`
	P99   Millis `json:"p99_ms"`
	Max   Millis `json:"max_ms"`
}

// The runtime/metrics Heap reads, in the order of heapMetricNames.
const (
	mHeapObjectsBytes = iota
	mHeapUnused
	mHeapFree
	mHeapReleased
	mTotal
	mHeapObjects
	mHeapLive
	mHeapGoal
	mGCCycles
	mGCForced
	mGOGC
	mGOMEMLIMIT
	mGCPauses
	mCPUGC
	mCPUTotal
	mLimiter
	numHeapMetrics
)

var heapMetricNames = [numHeapMetrics]string{
	mHeapObjectsBytes: "/memory/classes/heap/objects:bytes",
	mHeapUnused:       "/memory/classes/heap/unused:bytes",
	mHeapFree:         "/memory/classes/heap/free:bytes",
	mHeapReleased:     "/memory/classes/heap/released:bytes",
	mTotal:            "/memory/classes/total:bytes",
	mHeapObjects:      "/gc/heap/objects:objects",
	mHeapLive:         "/gc/heap/live:bytes",
	mHeapGoal:         "/gc/heap/goal:bytes",
	mGCCycles:         "/gc/cycles/total:gc-cycles",
	mGCForced:         "/gc/cycles/forced:gc-cycles",
	mGOGC:             "/gc/gogc:percent",
	mGOMEMLIMIT:       "/gc/gomemlimit:bytes",
	mGCPauses:         "/sched/pauses/total/gc:seconds",
	mCPUGC:            "/cpu/classes/gc/total:cpu-seconds",
	mCPUTotal:         "/cpu/classes/total:cpu-seconds",
	mLimiter:          "/gc/limiter/last-enabled:gc-cycle",
}

// memoryClassNames are the runtime/metrics memory classes of this Go
// release, but the total, in the runtime's order.
var memoryClassNames = sync.OnceValue(func() []string {
	var names []string
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/classes/") && d.Name != heapMetricNames[mTotal] && d.Kind == metrics.KindUint64 {
			names = append(names, d.Name)
		}
	}
	return names
})

// Name returns "heap".
func (Heap) Name() string { return "heap" }

// Collect returns a *HeapReport.
func (h Heap) Collect(ctx context.Context) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	samples := readMetrics(append(heapMetricNames[:], memoryClassNames()...)...)
	var stats debug.GCStats
	debug.ReadGCStats(&stats)
	r := newHeapReport(samples, &stats)
	if err := ctx.Err(); err != nil {
		r.ProfileNote = fmt.Sprintf("heap profile not read: %v", err)
		return r, err
	}
	if n := bound(h.MaxSites, DefaultMaxSites); Reduced(ctx) {
		r.ProfileNote = "heap profile not read: a small report, for a process near its memory limit"
	} else if n > 0 {
		r.addTopAllocations(n, runtime.MemProfileRate)
	} else {
		r.ProfileNote = "heap profile not read: Heap.MaxSites is negative"
	}
	return r, nil
}

// addTopAllocations reads the heap profile, sampled at rate
// (runtime.MemProfileRate), and fills in the top n allocation sites.
func (r *HeapReport) addTopAllocations(n, rate int) {
	r.ProfileRate = rate
	if r.ProfileRate <= 0 {
		r.ProfileNote = "heap profiling is off (runtime.MemProfileRate = 0)"
		return
	}
	p, err := readProfile("heap")
	if err != nil {
		r.ProfileNote = err.Error()
		return
	}
	r.profile = p
	r.addSites(p, n)
	if r.GCCycles == 0 {
		r.ProfileNote = "no GC has completed yet: the heap profile is empty until one does"
	}
}

// addSites groups the samples of heap profile p by allocating function
// and keeps the top n.
func (r *HeapReport) addSites(p *profile.Profile, n int) {
	space, objects := -1, -1
	for i, st := range p.SampleType {
		switch st.Type {
		case "inuse_space":
			space = i
		case "inuse_objects":
			objects = i
		}
	}
	if space < 0 || objects < 0 {
		r.ProfileNote = "heap profile has no inuse_space and inuse_objects samples"
		return
	}
	type site struct {
		AllocSite
		heaviest int64
	}
	sites := map[string]*site{}
	for _, s := range p.Sample {
		if len(s.Value) <= max(space, objects) || s.Value[space] <= 0 {
			continue
		}
		frames := allocatorFramesDropped(knownFrames(s))
		frames = frames[:min(len(frames), 1+maxSiteCallers)]
		if len(frames) == 0 {
			frames = []Frame{{Function: "?"}}
		}
		fn := frames[0].Function
		st := sites[fn]
		if st == nil {
			st = &site{AllocSite: AllocSite{Function: fn}}
			sites[fn] = st
		}
		bytes, objs := s.Value[space], s.Value[objects]
		st.InUseBytes += bytes
		st.InUseObjects += objs
		r.ProfileInUseBytes += bytes
		if bytes > st.heaviest {
			st.heaviest = bytes
			st.File, st.Line = frames[0].File, frames[0].Line
			st.Callers = frames[1:]
		}
	}
	r.AllocationSites = len(sites)
	all := make([]*site, 0, len(sites))
	for _, st := range sites {
		all = append(all, st)
	}
	slices.SortFunc(all, func(a, b *site) int {
		return cmp.Or(cmp.Compare(b.InUseBytes, a.InUseBytes), strings.Compare(a.Function, b.Function))
	})
	for _, st := range all[:min(n, len(all))] {
		r.TopAllocations = append(r.TopAllocations, st.AllocSite)
	}
}

// newHeapReport builds a report from samples, indexed as heapMetricNames,
// and stats.
func newHeapReport(samples []metrics.Sample, stats *debug.GCStats) *HeapReport {
	r := &HeapReport{}
	m := &metricValues{samples: samples}
	u, f := m.uint64, m.float64
	objects, unused, free, released := u(mHeapObjectsBytes), u(mHeapUnused), u(mHeapFree), u(mHeapReleased)
	r.HeapInUseBytes = objects + unused
	r.HeapAllocBytes = objects
	r.HeapSysBytes = objects + unused + free + released
	r.HeapReleasedBytes = released
	r.SysBytes = u(mTotal)
	r.HeapObjects = u(mHeapObjects)
	r.HeapLiveBytes = u(mHeapLive)
	r.NextGCBytes = u(mHeapGoal)
	r.GCCycles = u(mGCCycles)
	r.GCForcedCycles = u(mGCForced)
	// Both are signed in the runtime and converted to uint64 for the
	// metric; GOGC=off is -1.
	r.GOGC = int64(u(mGOGC))
	r.GOMEMLIMIT = Limit(u(mGOMEMLIMIT))
	r.GCPauses = m.pauses(mGCPauses)
	if gc, total := f(mCPUGC), f(mCPUTotal); total > 0 {
		r.GCCPUFraction = gc / total
	}
	r.GCLimiterLastEnabled = u(mLimiter)
	if r.SysBytes >= released {
		r.GOMEMLIMITUsedBytes = r.SysBytes - released
	}
	r.MemoryClasses = []MemoryClass{}
	r.TopAllocations = []AllocSite{}
	for i := numHeapMetrics; i < len(samples); i++ {
		if !m.has(i, metrics.KindUint64) {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(samples[i].Name, "/memory/classes/"), ":bytes")
		r.MemoryClasses = append(r.MemoryClasses, MemoryClass{Name: name, Bytes: samples[i].Value.Uint64()})
	}
	r.MissingMetrics = m.missingNames()

	if r.GCCycles == 0 && stats.NumGC > 0 {
		r.GCCycles = uint64(stats.NumGC)
	}
	// ReadGCStats gives the Unix epoch, not the zero Time, before the
	// first GC.
	if stats.NumGC > 0 || r.GCCycles > 0 {
		r.LastGC = stats.LastGC
	}
	r.RecentPauses = millisOf(stats.Pause[:min(len(stats.Pause), recentPauses)])
	return r
}

// summarizePauses computes p50, p90, p99 and max of a histogram of seconds.
func summarizePauses(h *metrics.Float64Histogram) PauseSummary {
	var s PauseSummary
	if h == nil || len(h.Buckets) != len(h.Counts)+1 {
		return s
	}
	for _, c := range h.Counts {
		s.Count += c
	}
	if s.Count == 0 {
		return s
	}
	s.P50 = Millis(durationFromSeconds(histogramQuantile(h, s.Count, 0.50)))
	s.P90 = Millis(durationFromSeconds(histogramQuantile(h, s.Count, 0.90)))
	s.P99 = Millis(durationFromSeconds(histogramQuantile(h, s.Count, 0.99)))
	s.Max = Millis(durationFromSeconds(histogramQuantile(h, s.Count, 1)))
	return s
}

// histogramQuantile returns the upper bound of the bucket holding the q-th
// quantile of h's total samples: the bucket where the running count first
// reaches ceil(q*total). A bucket without a finite upper bound gives its
// lower bound.
func histogramQuantile(h *metrics.Float64Histogram, total uint64, q float64) float64 {
	rank := max(uint64(math.Ceil(q*float64(total))), 1)
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen < rank {
			continue
		}
		if hi := h.Buckets[i+1]; !math.IsInf(hi, 0) {
			return hi
		}
		return h.Buckets[i]
	}
	return h.Buckets[len(h.Buckets)-1]
}

// durationFromSeconds converts s seconds to a Duration, clamping what does
// not fit (and infinities) to the nearest representable value.
func durationFromSeconds(s float64) time.Duration {
	switch ns := s * float64(time.Second); {
	case math.IsNaN(ns):
		return 0
	case ns >= math.MaxInt64:
		return math.MaxInt64
	case ns <= math.MinInt64:
		return math.MinInt64
	default:
		return time.Duration(ns)
	}
}

// WriteText writes r as "key = value" lines under the JSON keys, giving
// sizes in bytes and in binary units ("heap_in_use_bytes = 12897412
// (12.3 MiB)"), and "unlimited" and "off" for the GC settings that say so.
// The memory classes are grouped by use (see writeMemoryClasses).
func (r *HeapReport) WriteText(w io.Writer) error {
	return writeBuffered(w, "heap", r == nil, func(buf *bytes.Buffer) { r.writeText(buf) })
}

func (r *HeapReport) writeText(buf *bytes.Buffer) {
	size := func(key string, n uint64) {
		fmt.Fprintf(buf, "%s = %d (%s)\n", key, n, textfmt.Bytes(n))
	}
	size("heap_in_use_bytes", r.HeapInUseBytes)
	size("heap_alloc_bytes", r.HeapAllocBytes)
	size("heap_live_bytes", r.HeapLiveBytes)
	fmt.Fprintf(buf, "heap_objects = %d\n", r.HeapObjects)
	size("heap_sys_bytes", r.HeapSysBytes)
	size("heap_released_bytes", r.HeapReleasedBytes)
	size("sys_bytes", r.SysBytes)
	size("next_gc_bytes", r.NextGCBytes)
	fmt.Fprintf(buf, "gc_cycles = %d\ngc_forced_cycles = %d\n", r.GCCycles, r.GCForcedCycles)
	if r.LastGC.IsZero() {
		buf.WriteString("last_gc = never\n")
	} else {
		fmt.Fprintf(buf, "last_gc = %s\n", r.LastGC.UTC().Format(time.RFC3339Nano))
	}
	p := r.GCPauses
	fmt.Fprintf(buf, "gc_pauses:\n  count = %d\n  p50 = %v\n  p90 = %v\n  p99 = %v\n  max = %v\n",
		p.Count, p.P50, p.P90, p.P99, p.Max)
	pauses := make([]string, len(r.RecentPauses))
	for i, d := range r.RecentPauses {
		pauses[i] = d.String()
	}
	fmt.Fprintf(buf, "recent_pauses = [%s]\n", strings.Join(pauses, ", "))
	if r.GOGC < 0 {
		fmt.Fprintf(buf, "gogc = off (%d)\n", r.GOGC)
	} else {
		fmt.Fprintf(buf, "gogc = %d\n", r.GOGC)
	}
	if r.GOMEMLIMIT == math.MaxInt64 {
		fmt.Fprintf(buf, "gomemlimit_bytes = unlimited (%d)\n", r.GOMEMLIMIT)
	} else {
		fmt.Fprintf(buf, "gomemlimit_bytes = %d (%s)\n", r.GOMEMLIMIT, textfmt.Bytes(uint64(max(r.GOMEMLIMIT, 0))))
	}
	fmt.Fprintf(buf, "gc_cpu_fraction = %s (%s%%)\n",
		strconv.FormatFloat(r.GCCPUFraction, 'g', 4, 64), strconv.FormatFloat(r.GCCPUFraction*100, 'f', 2, 64))
	switch l := r.GCLimiterLastEnabled; {
	case l == 0:
		buf.WriteString("gc_limiter_last_enabled = never\n")
	case l == r.GCCycles:
		fmt.Fprintf(buf, "gc_limiter_last_enabled = cycle %d (the last one: the GC is struggling to stay under GOMEMLIMIT)\n", l)
	case l < r.GCCycles:
		fmt.Fprintf(buf, "gc_limiter_last_enabled = cycle %d (%s ago)\n", l, textfmt.Plural(int(min(r.GCCycles-l, math.MaxInt32)), "cycle"))
	default:
		fmt.Fprintf(buf, "gc_limiter_last_enabled = cycle %d\n", l)
	}
	fmt.Fprintf(buf, "gomemlimit_used_bytes = %d (%s", r.GOMEMLIMITUsedBytes, textfmt.Bytes(r.GOMEMLIMITUsedBytes))
	if r.GOMEMLIMIT > 0 && r.GOMEMLIMIT != math.MaxInt64 {
		pct := float64(r.GOMEMLIMITUsedBytes) / float64(r.GOMEMLIMIT) * 100
		fmt.Fprintf(buf, ", %.0f%% of GOMEMLIMIT", pct)
		if pct >= NearLimitPercent {
			buf.WriteString(", NEAR LIMIT")
		}
	}
	buf.WriteString(")\n")
	if len(r.MissingMetrics) > 0 {
		fmt.Fprintf(buf, "missing_metrics = [%s]\n", strings.Join(r.MissingMetrics, ", "))
	}
	writeMemoryClasses(buf, r.MemoryClasses)
	r.writeSites(buf)
}

// writeSites writes the top allocation sites as a table.
func (r *HeapReport) writeSites(buf *bytes.Buffer) {
	if r.ProfileRate > 0 || len(r.TopAllocations) > 0 {
		fmt.Fprintf(buf, "top_allocations: %s of %s in use at the last GC, by allocating function (heap profile, sampled every %s)\n",
			textfmt.Plural(len(r.TopAllocations), "site"), textfmt.Bytes(uint64(max(r.ProfileInUseBytes, 0))),
			textfmt.Bytes(uint64(max(r.ProfileRate, 0))))
	}
	if r.ProfileNote != "" {
		fmt.Fprintf(buf, "profile_note = %s\n", textfmt.Escape(r.ProfileNote))
	}
	if len(r.TopAllocations) == 0 {
		return
	}
	tw := newTable(buf)
	fmt.Fprintln(tw, "  BYTES\tOBJECTS\tFUNCTION\tAT\tCALLED FROM")
	for _, s := range r.TopAllocations {
		at := shortFileLine(s.File, s.Line)
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", textfmt.Bytes(uint64(max(s.InUseBytes, 0))),
			textfmt.Commas(int(min(s.InUseObjects, math.MaxInt32))), textfmt.Escape(s.Function), at, framesLine(s.Callers))
	}
	tw.Flush()
	if rest := r.AllocationSites - len(r.TopAllocations); rest > 0 {
		fmt.Fprintf(buf, "  ... %s not listed\n", textfmt.Plural(rest, "site"))
	}
}

// allocatorFrames are the runtime's allocation functions, which a heap
// profile's stack starts with when all its frames are the runtime's own
// (the profile drops them otherwise).
var allocatorFrames = map[string]bool{
	"runtime.mallocgc": true, "runtime.newobject": true, "runtime.newarray": true,
	"runtime.makeslice": true, "runtime.growslice": true, "runtime.makemap": true,
	"runtime.makemap_small": true, "runtime.rawstring": true, "runtime.rawbyteslice": true,
	"runtime.rawruneslice": true,
}

// allocatorFramesDropped drops the runtime's allocation functions from the
// top of a stack, so that the allocating function is the first frame.
func allocatorFramesDropped(frames []Frame) []Frame {
	for len(frames) > 1 && (allocatorFrames[frames[0].Function] || strings.HasPrefix(frames[0].Function, "runtime.mallocgc")) {
		frames = frames[1:]
	}
	return frames
}
