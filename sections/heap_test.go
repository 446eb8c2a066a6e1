package sections

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

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
			assert.Equal(t, tt.limit, r.GOMEMLIMIT)
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
			want: PauseSummary{Count: 5, P50: 2 * time.Microsecond, P90: 2 * time.Microsecond, P99: 2 * time.Microsecond, Max: 2 * time.Microsecond},
		},
		{
			// 100 pauses: 50 under 10µs, 40 under 100µs, 9 under 1ms, 1 under 10ms.
			name: "spread",
			h: &metrics.Float64Histogram{
				Counts:  []uint64{0, 50, 40, 9, 1, 0},
				Buckets: []float64{math.Inf(-1), 0, 10e-6, 100e-6, 1e-3, 10e-3, inf},
			},
			want: PauseSummary{Count: 100, P50: 10 * time.Microsecond, P90: 100 * time.Microsecond, P99: time.Millisecond, Max: 10 * time.Millisecond},
		},
		{
			name: "overflow bucket",
			h:    &metrics.Float64Histogram{Counts: []uint64{1, 1}, Buckets: []float64{0, 1, inf}},
			want: PauseSummary{Count: 2, P50: time.Second, P90: time.Second, P99: time.Second, Max: time.Second},
		},
		{
			name: "beyond a Duration",
			h:    &metrics.Float64Histogram{Counts: []uint64{1}, Buckets: []float64{1e10, 1e11}},
			want: PauseSummary{Count: 1, P50: math.MaxInt64, P90: math.MaxInt64, P99: math.MaxInt64, Max: math.MaxInt64},
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
		GCPauses:     PauseSummary{Count: 24, P50: 50 * time.Microsecond, P90: 120 * time.Microsecond, P99: time.Millisecond, Max: 2 * time.Millisecond},
		RecentPauses: []time.Duration{80 * time.Microsecond, 1500 * time.Microsecond},
		GOGC:         100, GOMEMLIMIT: math.MaxInt64, GCCPUFraction: 0.012345,
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
`
	var buf bytes.Buffer
	require.NoError(t, r.WriteText(&buf))
	assert.Equal(t, want, buf.String())

	// The text uses the JSON keys.
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for line := range strings.Lines(want) {
		if key, _, ok := strings.Cut(line, " = "); ok && !strings.HasPrefix(key, " ") {
			assert.Contains(t, m, key)
		}
	}
	assert.Contains(t, m, "gc_pauses")
	assert.NotContains(t, m, "missing_metrics")

	buf.Reset()
	require.NoError(t, (&HeapReport{}).WriteText(&buf))
	assert.Contains(t, buf.String(), "last_gc = never\n")
	assert.Contains(t, buf.String(), "recent_pauses = []\n")
	b, err = json.Marshal(&HeapReport{})
	require.NoError(t, err)
	assert.NotContains(t, string(b), "last_gc", "a zero LastGC is left out of JSON")

	buf.Reset()
	require.NoError(t, (*HeapReport)(nil).WriteText(&buf))
	assert.Equal(t, "(no heap data)\n", buf.String())
	require.ErrorContains(t, r.WriteText(failWriter{}), "write heap report: broken pipe")
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
