package sections

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gmr-go/gmr/internal/textfmt"
)

// recentPauses is the number of GC pauses HeapReport.RecentPauses holds.
const recentPauses = 8

// Heap is the "heap" section: heap size, the garbage collector's settings,
// progress and pauses. It has no options; its zero value is ready to use.
//
// Collect reads runtime/metrics and runtime/debug.ReadGCStats; neither
// stops the world, unlike runtime.ReadMemStats (ReadGCStats briefly holds
// the heap's lock, as allocating a new span does). On a 2-core VM it takes
// 10 to 30 µs and allocates about 14 KiB, whatever the heap's size. A
// metric that this Go release does not provide is listed in
// HeapReport.MissingMetrics and its field left zero.
//
// Collect is safe for concurrent use.
type Heap struct{}

// HeapReport is the data of the heap section. Sizes are in bytes. It
// implements TextWriter.
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
	// 8) GC cycles, most recent first. In JSON they are nanoseconds.
	RecentPauses []time.Duration `json:"recent_pauses"`
	// GOGC is the GC's target percentage (runtime/debug.SetGCPercent):
	// -1 when the GC is off.
	GOGC int64 `json:"gogc"`
	// GOMEMLIMIT is the soft memory limit in bytes
	// (runtime/debug.SetMemoryLimit): math.MaxInt64 when there is none.
	GOMEMLIMIT int64 `json:"gomemlimit_bytes"`
	// GCCPUFraction is the share of the CPU time available to the
	// program since it started (GOMAXPROCS times the wall time) spent in
	// the GC, from 0 to 1: the runtime's estimate, which overstates.
	GCCPUFraction float64 `json:"gc_cpu_fraction"`
	// MissingMetrics names, sorted, the runtime/metrics this Go release
	// did not provide; their fields are zero.
	MissingMetrics []string `json:"missing_metrics,omitempty"`
}

// PauseSummary describes a distribution of pause times. Each quantile is
// the upper bound of the runtime's histogram bucket that holds it, so it
// may overstate the pause by up to a quarter; Max is the upper bound of the
// highest non-empty bucket. In JSON the durations are nanoseconds.
type PauseSummary struct {
	// Count is the number of pauses.
	Count uint64        `json:"count"`
	P50   time.Duration `json:"p50"`
	P90   time.Duration `json:"p90"`
	P99   time.Duration `json:"p99"`
	Max   time.Duration `json:"max"`
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
}

// Name returns "heap".
func (Heap) Name() string { return "heap" }

// Collect returns a *HeapReport.
func (Heap) Collect(ctx context.Context) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	samples := make([]metrics.Sample, numHeapMetrics)
	for i, name := range heapMetricNames {
		samples[i].Name = name
	}
	metrics.Read(samples)
	var stats debug.GCStats
	debug.ReadGCStats(&stats)
	return newHeapReport(samples, &stats), nil
}

// newHeapReport builds a report from samples, indexed as heapMetricNames,
// and stats.
func newHeapReport(samples []metrics.Sample, stats *debug.GCStats) *HeapReport {
	r := &HeapReport{}
	u := func(i int) uint64 {
		v := samples[i].Value
		if v.Kind() != metrics.KindUint64 {
			r.MissingMetrics = append(r.MissingMetrics, samples[i].Name)
			return 0
		}
		return v.Uint64()
	}
	f := func(i int) float64 {
		v := samples[i].Value
		if v.Kind() != metrics.KindFloat64 {
			r.MissingMetrics = append(r.MissingMetrics, samples[i].Name)
			return 0
		}
		return v.Float64()
	}
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
	r.GOMEMLIMIT = int64(u(mGOMEMLIMIT))
	if v := samples[mGCPauses].Value; v.Kind() == metrics.KindFloat64Histogram {
		r.GCPauses = summarizePauses(v.Float64Histogram())
	} else {
		r.MissingMetrics = append(r.MissingMetrics, samples[mGCPauses].Name)
	}
	if gc, total := f(mCPUGC), f(mCPUTotal); total > 0 {
		r.GCCPUFraction = gc / total
	}

	slices.Sort(r.MissingMetrics)

	if r.GCCycles == 0 && stats.NumGC > 0 {
		r.GCCycles = uint64(stats.NumGC)
	}
	// ReadGCStats gives the Unix epoch, not the zero Time, before the
	// first GC.
	if stats.NumGC > 0 || r.GCCycles > 0 {
		r.LastGC = stats.LastGC
	}
	r.RecentPauses = make([]time.Duration, min(len(stats.Pause), recentPauses))
	copy(r.RecentPauses, stats.Pause)
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
	s.P50 = durationFromSeconds(histogramQuantile(h, s.Count, 0.50))
	s.P90 = durationFromSeconds(histogramQuantile(h, s.Count, 0.90))
	s.P99 = durationFromSeconds(histogramQuantile(h, s.Count, 0.99))
	s.Max = durationFromSeconds(histogramQuantile(h, s.Count, 1))
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
func (r *HeapReport) WriteText(w io.Writer) error {
	var buf bytes.Buffer
	if r == nil {
		buf.WriteString("(no heap data)\n")
	} else {
		r.writeText(&buf)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write heap report: %w", err)
	}
	return nil
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
	if len(r.MissingMetrics) > 0 {
		fmt.Fprintf(buf, "missing_metrics = [%s]\n", strings.Join(r.MissingMetrics, ", "))
	}
}
