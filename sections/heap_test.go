package sections

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collectHeap(tb testing.TB) *HeapReport {
	tb.Helper()
	data, err := Heap{}.Collect(context.Background())
	require.NoError(tb, err)
	r, ok := data.(*HeapReport)
	require.True(tb, ok, "Collect returned %T, want *HeapReport", data)
	return r
}

// heapSink keeps allocations live across a Collect.
var heapSink [][]byte

func TestHeapCollect(t *testing.T) {
	const live = 64 << 20
	for i := range 64 {
		b := make([]byte, live/64)
		b[0], b[len(b)-1] = byte(i), byte(i)
		heapSink = append(heapSink, b)
	}
	defer func() { heapSink = nil }()

	r := collectHeap(t)
	assert.Equal(t, "heap", Heap{}.Name())
	assert.Empty(t, r.MissingMetrics, "Go 1.26 provides every metric the section reads")
	assert.GreaterOrEqual(t, r.HeapAllocBytes, uint64(live))
	assert.GreaterOrEqual(t, r.HeapInUseBytes, r.HeapAllocBytes)
	assert.GreaterOrEqual(t, r.HeapSysBytes, r.HeapInUseBytes+r.HeapReleasedBytes)
	assert.GreaterOrEqual(t, r.SysBytes, r.HeapSysBytes)
	assert.Positive(t, r.HeapObjects)
	assert.Positive(t, r.NextGCBytes)
	assert.NotNil(t, r.RecentPauses, "RecentPauses must marshal as [], not null")
	assert.LessOrEqual(t, len(r.RecentPauses), recentPauses)
	assert.GreaterOrEqual(t, r.GCCPUFraction, 0.0)
	assert.LessOrEqual(t, r.GCCPUFraction, 1.0)

	runtime.GC()
	r = collectHeap(t)
	assert.GreaterOrEqual(t, r.HeapLiveBytes, uint64(live), "the last GC marked the sink live")
	runtime.KeepAlive(heapSink)
}

func TestHeapGCProgress(t *testing.T) {
	before := collectHeap(t)
	start := time.Now()
	runtime.GC()
	runtime.GC()
	after := collectHeap(t)

	assert.GreaterOrEqual(t, after.GCCycles, before.GCCycles+2)
	assert.GreaterOrEqual(t, after.GCForcedCycles, before.GCForcedCycles+2)
	assert.False(t, after.LastGC.Before(start), "last_gc %v is before runtime.GC() at %v", after.LastGC, start)
	assert.NotEmpty(t, after.RecentPauses)
	assert.LessOrEqual(t, len(after.RecentPauses), recentPauses)

	p := after.GCPauses
	assert.GreaterOrEqual(t, p.Count, before.GCPauses.Count+4, "each GC cycle stops the world twice")
	assert.Positive(t, p.Max)
	assert.LessOrEqual(t, p.P50, p.P90)
	assert.LessOrEqual(t, p.P90, p.P99)
	assert.LessOrEqual(t, p.P99, p.Max)
}

func TestHeapSettings(t *testing.T) {
	tests := []struct {
		name      string
		gogc      int
		limit     int64
		wantLines []string
	}{
		{"defaults", 100, math.MaxInt64, []string{"gogc = 100\n", "gomemlimit_bytes = unlimited (9223372036854775807)\n"}},
		{"off with limit", -1, 1 << 30, []string{"gogc = off (-1)\n", "gomemlimit_bytes = 1073741824 (1.0 GiB)\n"}},
		{"low", 25, 3 << 20, []string{"gogc = 25\n", "gomemlimit_bytes = 3145728 (3.0 MiB)\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldGOGC := debug.SetGCPercent(tt.gogc)
			oldLimit := debug.SetMemoryLimit(tt.limit)
			r := collectHeap(t)
			debug.SetGCPercent(oldGOGC)
			debug.SetMemoryLimit(oldLimit)

			assert.Equal(t, int64(tt.gogc), r.GOGC)
			assert.Equal(t, Limit(tt.limit), r.GOMEMLIMIT)
			var buf bytes.Buffer
			require.NoError(t, r.WriteText(&buf))
			for _, line := range tt.wantLines {
				assert.Contains(t, buf.String(), line)
			}
		})
	}
}

func TestHeapMissingMetrics(t *testing.T) {
	samples := make([]metrics.Sample, numHeapMetrics)
	for i, name := range heapMetricNames {
		samples[i].Name = name
	}
	// Metrics a future Go release might drop, and one of the wrong kind.
	samples[mHeapLive].Name = "/gc/heap/gone:bytes"
	samples[mGCPauses].Name = "/gc/pauses/gone:seconds"
	samples[mCPUTotal].Name = "/cpu/classes/gone:cpu-seconds"
	samples[mGOGC].Name = "/sched/pauses/total/gc:seconds"
	metrics.Read(samples)

	r := newHeapReport(samples, &debug.GCStats{NumGC: 3})
	assert.Equal(t, []string{"/cpu/classes/gone:cpu-seconds", "/gc/heap/gone:bytes", "/gc/pauses/gone:seconds", "/sched/pauses/total/gc:seconds"},
		r.MissingMetrics)
	assert.Zero(t, r.HeapLiveBytes)
	assert.Zero(t, r.GOGC)
	assert.Zero(t, r.GCPauses)
	assert.Zero(t, r.GCCPUFraction)
	assert.Positive(t, r.HeapInUseBytes, "the metrics that are there are still read")
	assert.Positive(t, r.GCCycles)

	var buf bytes.Buffer
	require.NoError(t, r.WriteText(&buf))
	assert.Contains(t, buf.String(), "missing_metrics = [/cpu/classes/gone:cpu-seconds, /gc/heap/gone:bytes, ")

	// Before the first GC, ReadGCStats gives the epoch as LastGC.
	samples[mGCCycles].Value = metrics.Value{}
	noGC := newHeapReport(samples, &debug.GCStats{LastGC: time.Unix(0, 0)})
	assert.True(t, noGC.LastGC.IsZero(), "LastGC %v before any GC", noGC.LastGC)

	// With the cycle count missing too, ReadGCStats supplies it.
	samples[mGCCycles].Name = "/gc/cycles/gone:gc-cycles"
	metrics.Read(samples)
	assert.Equal(t, uint64(3), newHeapReport(samples, &debug.GCStats{NumGC: 3}).GCCycles)
}

func TestSummarizePauses(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name string
		h    *metrics.Float64Histogram
		want PauseSummary
	}{
		{"nil", nil, PauseSummary{}},
		{"empty", &metrics.Float64Histogram{Counts: []uint64{0, 0}, Buckets: []float64{math.Inf(-1), 0, inf}}, PauseSummary{}},
		{"malformed", &metrics.Float64Histogram{Counts: []uint64{1, 2}, Buckets: []float64{0, 1}}, PauseSummary{}},
		{
			name: "one bucket",
			h:    &metrics.Float64Histogram{Counts: []uint64{0, 5, 0}, Buckets: []float64{0, 1e-6, 2e-6, 3e-6}},
			want: PauseSummary{Count: 5, P50: Millis(2 * time.Microsecond), P90: Millis(2 * time.Microsecond), P99: Millis(2 * time.Microsecond), Max: Millis(2 * time.Microsecond)},
		},
		{
			// 100 pauses: 50 under 10µs, 40 under 100µs, 9 under 1ms, 1 under 10ms.
			name: "spread",
			h: &metrics.Float64Histogram{
				Counts:  []uint64{0, 50, 40, 9, 1, 0},
				Buckets: []float64{math.Inf(-1), 0, 10e-6, 100e-6, 1e-3, 10e-3, inf},
			},
			want: PauseSummary{Count: 100, P50: Millis(10 * time.Microsecond), P90: Millis(100 * time.Microsecond), P99: Millis(time.Millisecond), Max: Millis(10 * time.Millisecond)},
		},
		{
			name: "overflow bucket",
			h:    &metrics.Float64Histogram{Counts: []uint64{1, 1}, Buckets: []float64{0, 1, inf}},
			want: PauseSummary{Count: 2, P50: Millis(time.Second), P90: Millis(time.Second), P99: Millis(time.Second), Max: Millis(time.Second)},
		},
		{
			name: "beyond a Duration",
			h:    &metrics.Float64Histogram{Counts: []uint64{1}, Buckets: []float64{1e10, 1e11}},
			want: PauseSummary{Count: 1, P50: Millis(math.MaxInt64), P90: Millis(math.MaxInt64), P99: Millis(math.MaxInt64), Max: Millis(math.MaxInt64)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarizePauses(tt.h)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, got.P50, got.P90)
			assert.LessOrEqual(t, got.P90, got.P99)
			assert.LessOrEqual(t, got.P99, got.Max)
		})
	}
}

func TestHeapReportWriteText(t *testing.T) {
	r := &HeapReport{
		HeapInUseBytes: 12897412, HeapAllocBytes: 12000000, HeapLiveBytes: 1023, HeapObjects: 4000,
		HeapSysBytes: 1 << 30, HeapReleasedBytes: 0, SysBytes: 1536 << 20, NextGCBytes: 4194304,
		GCCycles: 12, GCForcedCycles: 1,
		LastGC:       time.Date(2026, 11, 25, 17, 0, 0, 500, time.UTC),
		GCPauses:     PauseSummary{Count: 24, P50: Millis(50 * time.Microsecond), P90: Millis(120 * time.Microsecond), P99: Millis(time.Millisecond), Max: Millis(2 * time.Millisecond)},
		RecentPauses: []Millis{Millis(80 * time.Microsecond), Millis(1500 * time.Microsecond)},
		GOGC:         100, GOMEMLIMIT: math.MaxInt64, GCCPUFraction: 0.012345,
		GCLimiterLastEnabled: 9, GOMEMLIMITUsedBytes: 1536 << 20,
		MemoryClasses: []MemoryClass{{Name: "heap/objects", Bytes: 12000000}, {Name: "os-stacks", Bytes: 0}},
		TopAllocations: []AllocSite{
			{Function: "main.load", File: "/src/app/main.go", Line: 42, InUseBytes: 10 << 20, InUseObjects: 160,
				Callers: []Frame{{Function: "main.main"}, {Function: "runtime.main"}}},
			{Function: "evil\x1b[2J", InUseBytes: 512 << 10, InUseObjects: 1, Callers: []Frame{}},
		},
		AllocationSites: 5, ProfileInUseBytes: 11 << 20, ProfileRate: 512 << 10,
	}
	want := `heap_in_use_bytes = 12897412 (12.3 MiB)
heap_alloc_bytes = 12000000 (11.4 MiB)
heap_live_bytes = 1023 (1023 B)
heap_objects = 4000
heap_sys_bytes = 1073741824 (1.0 GiB)
heap_released_bytes = 0 (0 B)
sys_bytes = 1610612736 (1.5 GiB)
next_gc_bytes = 4194304 (4.0 MiB)
gc_cycles = 12
gc_forced_cycles = 1
last_gc = 2026-11-25T17:00:00.0000005Z
gc_pauses:
  count = 24
  p50 = 50µs
  p90 = 120µs
  p99 = 1ms
  max = 2ms
recent_pauses = [80µs, 1.5ms]
gogc = 100
gomemlimit_bytes = unlimited (9223372036854775807)
gc_cpu_fraction = 0.01235 (1.23%)
gc_limiter_last_enabled = cycle 9 (3 cycles ago)
gomemlimit_used_bytes = 1610612736 (1.5 GiB)
memory_classes (by use):
  heap = 12000000 (11.4 MiB): heap/objects
  (0 B: os-stacks)
top_allocations: 2 sites of 11.0 MiB in use at the last GC, by allocating function (heap profile, sampled every 512.0 KiB)
  BYTES      OBJECTS  FUNCTION     AT          CALLED FROM
  10.0 MiB   160      main.load    main.go:42  main.main < runtime.main
  512.0 KiB  1        evil\x1b[2J
  ... 3 sites not listed
`
	var buf bytes.Buffer
	require.NoError(t, r.WriteText(&buf))
	assert.Equal(t, want, buf.String())
	assertNoControlChars(t, buf.String())

	// The text uses the JSON keys, without the unit of a key that has one
	// ("recent_pauses" for recent_pauses_ms, whose text has units).
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	hasKey := func(key string) {
		_, plain := m[key]
		_, ms := m[key+"_ms"]
		_, bytes := m[key+"_bytes"]
		assert.True(t, plain || ms || bytes, "JSON key %q, %q or %q", key, key+"_ms", key+"_bytes")
	}
	for line := range strings.Lines(want) {
		if key, _, ok := strings.Cut(line, " = "); ok && !strings.HasPrefix(key, " ") {
			hasKey(key)
		}
		if key, _, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(key, " ") && !strings.Contains(key, " ") {
			hasKey(key)
		}
	}
	assert.Contains(t, m, "gc_pauses")
	assert.NotContains(t, m, "missing_metrics")
	assert.NotContains(t, m, "profile_note")
	site := m["top_allocations"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"function": "main.load", "file": "/src/app/main.go", "line": 42.0, "in_use_bytes": float64(10 << 20),
		"in_use_objects": 160.0, "callers": []any{map[string]any{"function": "main.main"}, map[string]any{"function": "runtime.main"}}}, site)

	buf.Reset()
	require.NoError(t, (&HeapReport{}).WriteText(&buf))
	assert.Contains(t, buf.String(), "last_gc = never\n")
	assert.Contains(t, buf.String(), "recent_pauses = []\n")
	assert.Contains(t, buf.String(), "gc_limiter_last_enabled = never\n")
	assert.NotContains(t, buf.String(), "top_allocations", "no profile read, no table")
	b, err = json.Marshal(&HeapReport{})
	require.NoError(t, err)
	assert.NotContains(t, string(b), "last_gc", "a zero LastGC is left out of JSON")

	buf.Reset()
	require.NoError(t, (*HeapReport)(nil).WriteText(&buf))
	assert.Equal(t, "(no heap data)\n", buf.String())
	require.ErrorContains(t, r.WriteText(failWriter{}), "write heap report: broken pipe")
}

func TestHeapLimitText(t *testing.T) {
	tests := []struct {
		name      string
		r         HeapReport
		wantLines []string
	}{
		{"limiter on in the last cycle", HeapReport{GCCycles: 40, GCLimiterLastEnabled: 40},
			[]string{"gc_limiter_last_enabled = cycle 40 (the last one: the GC is struggling to stay under GOMEMLIMIT)\n"}},
		{"limiter one cycle ago", HeapReport{GCCycles: 41, GCLimiterLastEnabled: 40},
			[]string{"gc_limiter_last_enabled = cycle 40 (1 cycle ago)\n"}},
		{"limiter ahead of the count", HeapReport{GCCycles: 3, GCLimiterLastEnabled: 4},
			[]string{"gc_limiter_last_enabled = cycle 4\n"}},
		{"near the limit", HeapReport{GOMEMLIMIT: 100 << 20, GOMEMLIMITUsedBytes: 90 << 20},
			[]string{"gomemlimit_used_bytes = 94371840 (90.0 MiB, 90% of GOMEMLIMIT, NEAR LIMIT)\n"}},
		{"well under the limit", HeapReport{GOMEMLIMIT: 1 << 30, GOMEMLIMITUsedBytes: 100 << 20},
			[]string{"gomemlimit_used_bytes = 104857600 (100.0 MiB, 10% of GOMEMLIMIT)\n"}},
		{"profile note", HeapReport{ProfileRate: 0, ProfileNote: "heap profiling is off (runtime.MemProfileRate = 0)"},
			[]string{"profile_note = heap profiling is off (runtime.MemProfileRate = 0)\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, tt.r.WriteText(&buf))
			for _, line := range tt.wantLines {
				assert.Contains(t, buf.String(), line)
			}
		})
	}
}

// heapSite is an allocating function tests look for in the heap profile.
//
//go:noinline
func heapSite(n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, size)
	}
	return out
}

func TestHeapTopAllocations(t *testing.T) {
	// 32 MiB in 64 KiB blocks: at the default rate of one sample per
	// 512 KiB, some 64 samples, and far more than anything else here.
	heapSink = heapSite(512, 64<<10)
	defer func() { heapSink = nil }()
	runtime.GC() // the profile shows the heap as of the last GC

	r := collectHeap(t)
	require.NotEmpty(t, r.TopAllocations, "note: %s", r.ProfileNote)
	assert.Empty(t, r.ProfileNote)
	assert.Equal(t, runtime.MemProfileRate, r.ProfileRate)
	assert.LessOrEqual(t, len(r.TopAllocations), DefaultMaxSites)
	assert.GreaterOrEqual(t, r.AllocationSites, len(r.TopAllocations))
	top := r.TopAllocations[0]
	assert.Equal(t, "github.com/gmr-go/gmr/sections.heapSite", top.Function)
	assert.True(t, strings.HasSuffix(top.File, "heap_test.go"), top.File)
	assert.Positive(t, top.Line)
	assert.Greater(t, top.InUseBytes, int64(8<<20), "about 32 MiB, estimated from samples")
	assert.Positive(t, top.InUseObjects)
	require.NotEmpty(t, top.Callers)
	assert.Equal(t, "github.com/gmr-go/gmr/sections.TestHeapTopAllocations", top.Callers[0].Function)
	assert.LessOrEqual(t, len(top.Callers), maxSiteCallers)
	assert.True(t, slices.IsSortedFunc(r.TopAllocations, func(a, b AllocSite) int { return cmp.Compare(b.InUseBytes, a.InUseBytes) }))
	var sum int64
	for _, s := range r.TopAllocations {
		sum += s.InUseBytes
	}
	assert.LessOrEqual(t, sum, r.ProfileInUseBytes)
	runtime.KeepAlive(heapSink)

	one, err := Heap{MaxSites: 1}.Collect(context.Background())
	require.NoError(t, err)
	assert.Len(t, one.(*HeapReport).TopAllocations, 1)

	none, err := Heap{MaxSites: -1}.Collect(context.Background())
	require.NoError(t, err)
	assert.Empty(t, none.(*HeapReport).TopAllocations)
	assert.NotNil(t, none.(*HeapReport).TopAllocations, "[] in JSON, not null")
	assert.Equal(t, "heap profile not read: Heap.MaxSites is negative", none.(*HeapReport).ProfileNote)

	off := &HeapReport{GCCycles: 1}
	off.addTopAllocations(10, 0)
	assert.Equal(t, "heap profiling is off (runtime.MemProfileRate = 0)", off.ProfileNote)
	assert.Empty(t, off.TopAllocations)
}

func TestHeapMemoryClasses(t *testing.T) {
	r := collectHeap(t)
	require.NotEmpty(t, r.MemoryClasses)
	var sum uint64
	names := map[string]bool{}
	for _, c := range r.MemoryClasses {
		sum += c.Bytes
		names[c.Name] = true
	}
	assert.True(t, names["heap/objects"] && names["heap/stacks"] && names["metadata/other"], "classes: %v", names)
	assert.NotContains(t, names, "total")
	assert.Equal(t, r.SysBytes, sum, "the classes add up to the total")
	assert.Equal(t, r.SysBytes-r.HeapReleasedBytes, r.GOMEMLIMITUsedBytes)
}

// testProfile builds a heap profile with the given samples, each a stack
// (innermost first) and its in-use bytes and objects.
func testProfile(types []string, samples ...struct {
	stack         []string
	bytes, object int64
}) *profile.Profile {
	p := &profile.Profile{}
	for _, ty := range types {
		p.SampleType = append(p.SampleType, &profile.ValueType{Type: ty})
	}
	fns := map[string]*profile.Function{}
	for _, s := range samples {
		var locs []*profile.Location
		for i, name := range s.stack {
			fn := fns[name]
			if fn == nil {
				fn = &profile.Function{ID: uint64(len(fns) + 1), Name: name, Filename: name + ".go"}
				fns[name] = fn
			}
			locs = append(locs, &profile.Location{Address: 0x1000, Line: []profile.Line{{Function: fn, Line: int64(10 + i)}}})
		}
		var vals []int64
		for _, ty := range types {
			switch ty {
			case "inuse_space":
				vals = append(vals, s.bytes)
			case "inuse_objects":
				vals = append(vals, s.object)
			default:
				vals = append(vals, 999)
			}
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: locs, Value: vals})
	}
	return p
}

func TestHeapAddSites(t *testing.T) {
	type s = struct {
		stack         []string
		bytes, object int64
	}
	types := []string{"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}
	p := testProfile(types,
		s{[]string{"main.a", "main.main"}, 100, 1},
		s{[]string{"main.b", "main.x", "main.y", "main.z", "main.main"}, 300, 3},
		s{[]string{"main.a", "main.other"}, 250, 5},
		s{[]string{"runtime.mallocgc", "runtime.newobject", "runtime.malg", "runtime.newproc1"}, 50, 10},
		s{[]string{"main.freed"}, 0, 0},
		s{[]string{}, 20, 2},
	)
	r := &HeapReport{}
	r.addSites(p, 3)
	assert.Equal(t, 4, r.AllocationSites, "main.a, main.b, runtime.malg and an empty stack; main.freed holds nothing")
	assert.Equal(t, int64(720), r.ProfileInUseBytes)
	assert.Equal(t, []AllocSite{
		{Function: "main.a", File: "main.a.go", Line: 10, InUseBytes: 350, InUseObjects: 6, Callers: []Frame{{Function: "main.other", File: "main.other.go", Line: 11}}},
		{Function: "main.b", File: "main.b.go", Line: 10, InUseBytes: 300, InUseObjects: 3, Callers: []Frame{
			{Function: "main.x", File: "main.x.go", Line: 11}, {Function: "main.y", File: "main.y.go", Line: 12}, {Function: "main.z", File: "main.z.go", Line: 13}}},
		{Function: "runtime.malg", File: "runtime.malg.go", Line: 12, InUseBytes: 50, InUseObjects: 10, Callers: []Frame{{Function: "runtime.newproc1", File: "runtime.newproc1.go", Line: 13}}},
	}, r.TopAllocations)

	r = &HeapReport{}
	r.addSites(testProfile([]string{"alloc_space"}, s{[]string{"main.a"}, 1, 1}), 3)
	assert.Equal(t, "heap profile has no inuse_space and inuse_objects samples", r.ProfileNote)
	assert.Empty(t, r.TopAllocations)
}

func TestHeapCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Heap{}.Collect(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func BenchmarkHeap(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := (Heap{}).Collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "report-ms")
}

func TestHeapMemoryClassesText(t *testing.T) {
	tests := []struct {
		name    string
		classes []MemoryClass
		want    string
	}{
		{
			name: "every class of Go 1.26, zeros folded, unknown ones in other",
			classes: []MemoryClass{
				{"heap/free", 1 << 20}, {"heap/objects", 8 << 20}, {"heap/released", 3 << 20}, {"heap/stacks", 512 << 10},
				{"heap/unused", 0}, {"metadata/mcache/free", 0}, {"metadata/mcache/inuse", 16384}, {"metadata/mspan/free", 0},
				{"metadata/mspan/inuse", 163840}, {"metadata/other", 98304}, {"os-stacks", 0}, {"other", 1 << 20},
				{"profiling/buckets", 8192}, {"new/class\x1b", 7},
			},
			want: "memory_classes (by use):\n" +
				"  heap = 12582912 (12.0 MiB): heap/objects 8388608, heap/free 1048576, heap/released 3145728\n" +
				"  goroutine stacks = 524288 (512.0 KiB): heap/stacks\n" +
				"  runtime metadata = 278528 (272.0 KiB): metadata/mcache/inuse 16384, metadata/mspan/inuse 163840, metadata/other 98304\n" +
				"  profiling buckets = 8192 (8.0 KiB): profiling/buckets\n" +
				"  other = 1048583 (1.0 MiB): other 1048576, new/class\\x1b 7\n" +
				"  (0 B: heap/unused, metadata/mcache/free, metadata/mspan/free, os-stacks)\n",
		},
		{
			name:    "all zero",
			classes: []MemoryClass{{"heap/objects", 0}},
			want:    "memory_classes (by use):\n  (0 B: heap/objects)\n",
		},
		{name: "none read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			writeMemoryClasses(&buf, tt.classes)
			assert.Equal(t, tt.want, buf.String())
		})
	}
}

// TestHeapMemoryClassesTextReal checks the text of this process's memory
// classes: fewer lines than classes, and every class named.
func TestHeapMemoryClassesTextReal(t *testing.T) {
	r := collectHeap(t)
	var buf bytes.Buffer
	writeMemoryClasses(&buf, r.MemoryClasses)
	text := buf.String()
	assert.Less(t, strings.Count(text, "\n"), len(r.MemoryClasses))
	for _, c := range r.MemoryClasses {
		assert.Contains(t, text, c.Name, "class %s", c.Name)
	}
	assert.Regexp(t, `\n  heap = \d+ \([0-9.]+ [KMG]iB\): heap/objects`, text)
}

func TestHeapReducedReadsNoProfile(t *testing.T) {
	data, err := Heap{}.Collect(WithReduced(context.Background()))
	require.NoError(t, err)
	r := data.(*HeapReport)
	assert.Empty(t, r.TopAllocations)
	assert.Equal(t, "heap profile not read: a small report, for a process near its memory limit", r.ProfileNote)
	assert.Positive(t, r.HeapInUseBytes, "the figures are still there")
}
