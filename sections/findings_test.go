package sections

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// review returns the findings of results under th.
func review(t *testing.T, th Thresholds, results ...report.Result) *FindingsReport {
	t.Helper()
	data, err := Findings{Thresholds: th}.Review(context.Background(), results)
	require.NoError(t, err)
	return data.(*FindingsReport)
}

func codes(r *FindingsReport) []string {
	var c []string
	for _, f := range r.Findings {
		c = append(c, f.Code)
	}
	return c
}

func processWith(limits ...LimitUse) report.Result {
	return report.Result{Name: "process", Data: &ProcessReport{Limits: limits}}
}

func goroutinesWith(total int, counts ...int) report.Result {
	g := &GoroutineReport{Total: total}
	for i, n := range counts {
		g.Groups = append(g.Groups, GoroutineGroup{Count: n, Frames: []Frame{
			{Function: "runtime.gopark"},
			{Function: "main.handler" + strings.Repeat("X", i)},
		}})
	}
	return report.Result{Name: "goroutines", Data: g}
}

func TestFindingsRules(t *testing.T) {
	tests := []struct {
		name    string
		th      Thresholds
		results []report.Result
		want    []string // codes, in order
		sev     []string // their severities
		message string   // in the first finding's message
	}{
		{name: "nothing wrong", results: []report.Result{processWith(LimitUse{Name: "fds", Used: 10, Limit: 1024}), goroutinesWith(50, 40, 10)}},
		{name: "fds at 85% is a warning", results: []report.Result{processWith(LimitUse{Name: "fds", Used: 870, Limit: 1024})},
			want: []string{FindingFDsNearLimit}, sev: []string{SeverityWarning}, message: "open fds at 85% of the limit: 870 of 1,024"},
		{name: "fds at 95% is critical", results: []report.Result{processWith(LimitUse{Name: "fds", Used: 973, Limit: 1024})},
			want: []string{FindingFDsNearLimit}, sev: []string{SeverityCritical}},
		{name: "fds rule off", th: Thresholds{FDs: -1}, results: []report.Result{processWith(LimitUse{Name: "fds", Used: 1023, Limit: 1024})}},
		{name: "a lower fds threshold", th: Thresholds{FDs: 0.5}, results: []report.Result{processWith(LimitUse{Name: "fds", Used: 600, Limit: 1000})},
			want: []string{FindingFDsNearLimit}, sev: []string{SeverityWarning}},
		{name: "GOMEMLIMIT nearly reached", results: []report.Result{{Name: "heap", Data: &HeapReport{GOMEMLIMIT: 64 << 20, GOMEMLIMITUsedBytes: 59 << 20}}},
			want: []string{FindingMemoryNearLimit}, sev: []string{SeverityWarning}, message: "memory at 92% of GOMEMLIMIT: 59.0 MiB of 64.0 MiB"},
		{name: "no GOMEMLIMIT", results: []report.Result{{Name: "heap", Data: &HeapReport{GOMEMLIMIT: NoLimit, GOMEMLIMITUsedBytes: 59 << 20}}}},
		{name: "cgroup memory nearly reached", results: []report.Result{processWith(LimitUse{Name: "memory", Used: 255 << 20, Limit: 256 << 20})},
			want: []string{FindingMemoryNearLimit}, sev: []string{SeverityCritical}, message: "memory at 99.6% of the cgroup memory limit"},
		{name: "pids", results: []report.Result{processWith(LimitUse{Name: "pids", Used: 92, Limit: 100})},
			want: []string{FindingPidsNearLimit}, sev: []string{SeverityWarning}},
		{name: "an unlimited limit is no finding", results: []report.Result{processWith(LimitUse{Name: "fds", Used: 95, Limit: 0})}},
		{name: "a pile-up", results: []report.Result{goroutinesWith(10_100, 10_000, 100)},
			want: []string{FindingGoroutinePileup}, sev: []string{SeverityWarning}, message: "10,000 of 10,100 goroutines (99%) in one stack: main.handler"},
		{name: "a small pool is no pile-up", results: []report.Result{goroutinesWith(60, 50, 10)}},
		{name: "half is no pile-up at 60%", th: Thresholds{Pileup: 0.6}, results: []report.Result{goroutinesWith(2000, 1000, 1000)}},
		{name: "many goroutines", th: Thresholds{Goroutines: 1000}, results: []report.Result{goroutinesWith(1500, 500, 500, 500)},
			want: []string{FindingGoroutinesHigh}, sev: []string{SeverityWarning}, message: "1,500 goroutines, more than 1,000"},
		{name: "waiting long", results: []report.Result{{Name: "goroutines", Data: &GoroutineReport{Total: 3, WaitingLong: GoroutineWaits{
			Available: true, MinWait: Millis(time.Minute), Goroutines: 2,
			Places: []GoroutineWait{{State: "sync.Mutex.Lock", Count: 2, MaxWait: Millis(6 * time.Minute), Frame: Frame{Function: "main.transfer"}}},
		}}}}, want: []string{FindingWaitingLong}, sev: []string{SeverityWarning}, message: "2 goroutines blocked for 1 minute or more; the most in main.transfer (sync.Mutex.Lock, 2 goroutines), for up to 6 minutes"},
		{name: "leaked", results: []report.Result{{Name: "goroutines", Data: &GoroutineReport{Total: 3, Leaks: GoroutineLeaks{
			Available: true, Total: 3, Groups: []GoroutineGroup{{Count: 3, Frames: []Frame{{Function: "runtime.gopark"}, {Function: "main.leaky"}}}},
		}}}}, want: []string{FindingLeakedGoroutines}, sev: []string{SeverityWarning}, message: "3 goroutines leaked: blocked where nothing can wake them; the most in main.leaky"},
		{name: "gc cpu", results: []report.Result{{Name: "heap", Data: &HeapReport{GCCPUFraction: 0.31, GOGC: 100}}},
			want: []string{FindingGCCPUHigh}, sev: []string{SeverityWarning}, message: "the garbage collector has used 31% of the CPU"},
		{name: "heap past its threshold", th: Thresholds{Heap: 1 << 30}, results: []report.Result{{Name: "heap", Data: &HeapReport{HeapInUseBytes: 3 << 29, GOMEMLIMIT: NoLimit}}},
			want: []string{FindingHeapHigh}, sev: []string{SeverityWarning}, message: "heap in use 1.5 GiB, past 1.0 GiB"},
		{name: "no heap threshold by default", results: []report.Result{{Name: "heap", Data: &HeapReport{HeapInUseBytes: 1 << 40, GOMEMLIMIT: NoLimit}}}},
		{name: "gc cpu off", th: Thresholds{GCCPU: -1}, results: []report.Result{{Name: "heap", Data: &HeapReport{GCCPUFraction: 0.9}}}},
		{name: "sched latency", results: []report.Result{{Name: "threads", Data: &ThreadReport{GOMAXPROCS: 2, SchedLatencies: PauseSummary{Count: 100, P99: Millis(80 * time.Millisecond)}}}},
			want: []string{FindingSchedLatencyHigh}, sev: []string{SeverityWarning}, message: "goroutines waited 80ms or more to run"},
		{name: "threads, near the runtime's limit", results: []report.Result{{Name: "threads", Data: &ThreadReport{OSThreads: 8500, GOMAXPROCS: 2}}},
			want: []string{FindingThreadsHigh}, sev: []string{SeverityCritical}, message: "8,500 OS threads (GOMAXPROCS 2); the runtime crashes past 10,000"},
		{name: "lock contention", results: []report.Result{{Name: "threads", Data: &ThreadReport{Contention: Contention{
			MutexWait: Millis(3 * time.Hour), Uptime: Millis(2 * time.Hour), MutexWaitRate: 1.5}}}},
			want: []string{FindingLockContention}, sev: []string{SeverityWarning}, message: "goroutines waited 3h0m0s on locks in 2h0m0s of uptime: 1.5 waiting at any moment, on average"},
		{name: "little contention", results: []report.Result{{Name: "threads", Data: &ThreadReport{Contention: Contention{MutexWaitRate: 0.2}}}}},
		{name: "oom kills", results: []report.Result{{Name: "process", Data: &ProcessReport{Cgroup: &CgroupReport{Memory: &CgroupMemory{OOMKills: 2}}}}},
			want: []string{FindingOOMKills}, sev: []string{SeverityWarning}, message: "killed 2 processes"},
		{name: "a failed section", results: []report.Result{{Name: "heap", Err: errors.New("timed out after 5s: context deadline exceeded\nmore")}},
			want: []string{FindingSectionFailed}, sev: []string{SeverityWarning}, message: "section heap failed: timed out after 5s: context deadline exceeded"},
		{name: "most severe first, then in rule order",
			results: []report.Result{
				{Name: "heap", Err: errors.New("boom")},
				processWith(LimitUse{Name: "fds", Used: 850, Limit: 1000}, LimitUse{Name: "memory", Used: 99, Limit: 100}),
				goroutinesWith(10_100, 10_000, 100),
			},
			want: []string{FindingMemoryNearLimit, FindingSectionFailed, FindingFDsNearLimit, FindingGoroutinePileup},
			sev:  []string{SeverityCritical, SeverityWarning, SeverityWarning, SeverityWarning}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := review(t, tt.th, tt.results...)
			assert.Equal(t, tt.want, codes(r))
			for i, f := range r.Findings {
				if i < len(tt.sev) {
					assert.Equal(t, tt.sev[i], f.Severity, "%s", f.Code)
				}
				assert.NotEmpty(t, f.Section, "%s names a section to read", f.Code)
			}
			if tt.message != "" {
				require.NotEmpty(t, r.Findings)
				assert.Contains(t, r.Findings[0].Message, tt.message)
			}
		})
	}
}

func TestFindingsMeasure(t *testing.T) {
	r := review(t, Thresholds{}, processWith(LimitUse{Name: "fds", Used: 900, Limit: 1000}))
	require.Len(t, r.Findings, 1)
	assert.Equal(t, &FindingMeasure{Threshold: "fds", Value: 0.9, Limit: 0.8, Unit: "ratio"}, r.Findings[0].Measure)
}

func TestFindingsChecked(t *testing.T) {
	r := review(t, Thresholds{})
	assert.Equal(t, []string{FindingSectionFailed}, r.Checked, "with no sections, only failures are checked")
	assert.Equal(t, []Finding{}, r.Findings, "an empty list, not null, in JSON")

	r = review(t, Thresholds{}, processWith(), goroutinesWith(1, 1))
	assert.Equal(t, []string{FindingFDsNearLimit, FindingMemoryNearLimit, FindingPidsNearLimit, FindingOOMKills,
		FindingGoroutinePileup, FindingGoroutinesHigh, FindingWaitingLong, FindingSectionFailed}, r.Checked)

	// A failed section's data is not read, nor is a nil report.
	r = review(t, Thresholds{}, report.Result{Name: "process", Data: (*ProcessReport)(nil)})
	assert.Equal(t, []string{FindingSectionFailed}, r.Checked)
}

func TestFindingsBounded(t *testing.T) {
	var results []report.Result
	for range 30 {
		results = append(results, report.Result{Name: "custom", Err: errors.New(strings.Repeat("x", 10_000))})
	}
	r := review(t, Thresholds{}, results...)
	assert.Len(t, r.Findings, maxFindings)
	assert.Equal(t, 10, r.Omitted)
	assert.Less(t, len(r.Findings[0].Message), 300, "a message is one short line")
}

func TestFindingsSkipsItself(t *testing.T) {
	r := review(t, Thresholds{}, report.Result{Name: "findings", Err: errors.New("boom")})
	assert.Empty(t, r.Findings)
}

func TestFindingsText(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, review(t, Thresholds{}, processWith()).WriteText(&buf))
	assert.Equal(t, "no findings (checked: fds_near_limit, memory_near_limit, pids_near_limit, oom_kills, section_failed)\n", buf.String())

	buf.Reset()
	r := review(t, Thresholds{},
		processWith(LimitUse{Name: "fds", Used: 973, Limit: 1024}),
		goroutinesWith(10_100, 10_000, 100))
	require.NoError(t, r.WriteText(&buf))
	assert.Equal(t, ""+
		"CRITICAL  fds_near_limit    open fds at 95% of the limit: 973 of 1,024 (see process; threshold fds=80%)\n"+
		"WARNING   goroutine_pileup  10,000 of 10,100 goroutines (99%) in one stack: main.handler (see goroutines; threshold pileup=50%)\n"+
		"checked: fds_near_limit, memory_near_limit, pids_near_limit, oom_kills, goroutine_pileup, goroutines_high, waiting_long, section_failed\n",
		buf.String())

	buf.Reset()
	require.NoError(t, (*FindingsReport)(nil).WriteText(&buf))
	assert.Equal(t, "(no findings data)\n", buf.String())
}

func TestPercent(t *testing.T) {
	for share, want := range map[float64]string{0.8: "80%", 0.954: "95%", 0.996: "99.6%", 1: "100%", 1.2: "120%", 0.05: "5%"} {
		assert.Equal(t, want, percent(share), "%v", share)
	}
}

func TestParseThresholds(t *testing.T) {
	tests := []struct {
		in      string
		want    Thresholds
		wantErr string
	}{
		{in: "", want: Thresholds{}},
		{in: "fds=80%,memory=0.9, goroutines=20000 ,gc_cpu=25%,sched_p99=50ms,threads=1_000,pids=95%,pileup=off",
			want: Thresholds{FDs: 0.8, Memory: 0.9, Goroutines: 20000, GCCPU: 0.25, SchedP99: 50 * time.Millisecond, Threads: 1000, Pids: 0.95, Pileup: -1}},
		{in: "sched_p99=off,goroutines=off", want: Thresholds{SchedP99: -1, Goroutines: -1}},
		{in: "fds=120%", wantErr: `threshold "fds=120%": want a share above 0% and at most 100%`},
		{in: "fds=0", wantErr: "want a share above 0%"},
		{in: "fds=lots", wantErr: "want a percentage (80%) or a fraction (0.8)"},
		{in: "goroutines=-5", wantErr: "want a positive whole number"},
		{in: "sched_p99=fast", wantErr: `threshold "sched_p99=fast"`},
		{in: "sched_p99=-1s", wantErr: "want a positive duration"},
		{in: "heap=2GiB,goroutine_growth=2x", want: Thresholds{Heap: 2 << 30, GoroutineGrowth: 2}},
		{in: "mutex_wait=0.5", want: Thresholds{MutexWait: 0.5}},
		{in: "mutex_wait=none", wantErr: "want a positive number of goroutines waiting"},
		{in: "heap=1.5 GB,goroutine_growth=1.5", want: Thresholds{Heap: 1_500_000_000, GoroutineGrowth: 1.5}},
		{in: "heap=4096", want: Thresholds{Heap: 4096}},
		{in: "heap=lots", wantErr: "want a size such as 2GiB"},
		{in: "heap=0", wantErr: "want a size such as 2GiB"},
		{in: "heap=1e30GiB", wantErr: "want a size such as 2GiB"},
		{in: "goroutine_growth=1x", wantErr: "want a factor above 1"},
		{in: "goroutine_growth=off,heap=off", want: Thresholds{}},
		{in: "disk=90%", wantErr: `unknown threshold "disk" (known: fds, memory, pids, goroutines, goroutine_growth, pileup, heap, gc_cpu, sched_p99, threads, mutex_wait)`},
		{in: "fds", wantErr: `threshold "fds": want name=value`},
		{in: "fds=80%,fds=90%", wantErr: "fds given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseThresholds(tt.in)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestThresholdDefaults(t *testing.T) {
	d := Thresholds{}.withDefaults()
	assert.Equal(t, DefaultFDsThreshold, d.FDs)
	assert.Equal(t, DefaultSchedP99Threshold, d.SchedP99)
	assert.Equal(t, DefaultThreadsThreshold, d.Threads)
	off := Thresholds{FDs: -1, Goroutines: -1, Threads: -1}.withDefaults()
	assert.True(t, math.IsNaN(off.FDs))
	assert.Zero(t, off.Goroutines)
	assert.Zero(t, off.Threads)
}

func FuzzParseThresholds(f *testing.F) {
	for _, s := range []string{"", "fds=80%", "memory=0.9,goroutines=20000", "sched_p99=50ms", "pileup=off", "x=", "=,=", "fds=1e309%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseThresholds(s)
		if err != nil {
			return
		}
		// Whatever parses is a usable set of thresholds.
		d := th.withDefaults()
		for _, v := range []float64{d.FDs, d.Memory, d.Pids, d.Pileup, d.GCCPU} {
			if !math.IsNaN(v) && !(v > 0 && v <= 1) {
				t.Fatalf("%q: share %v out of range", s, v)
			}
		}
		if d.SchedP99 == 0 || d.Goroutines < 0 || d.Threads < 0 {
			t.Fatalf("%q: bad thresholds %+v", s, d)
		}
	})
}

func TestTriggerFinding(t *testing.T) {
	fired := Finding{Code: FindingGoroutineGrowth, Severity: SeverityWarning, Message: "5,000 goroutines, 2.5x the baseline of 2,000", Section: "goroutines",
		Measure: &FindingMeasure{Threshold: "goroutine_growth", Value: 2.5, Limit: 2, Unit: "factor"}}
	ctx := WithTriggerFinding(context.Background(), fired)
	data, err := Findings{}.Review(ctx, []report.Result{processWith(LimitUse{Name: "fds", Used: 999, Limit: 1000})})
	require.NoError(t, err)
	r := data.(*FindingsReport)
	assert.Equal(t, []string{FindingFDsNearLimit, FindingGoroutineGrowth}, codes(r), "the trigger's finding, in severity order")

	// A rule that sees the same in the report's data is not repeated.
	ctx = WithTriggerFinding(context.Background(), Finding{Code: FindingFDsNearLimit, Severity: SeverityWarning, Message: "watcher: fds at 81%", Section: "process"})
	data, err = Findings{}.Review(ctx, []report.Result{processWith(LimitUse{Name: "fds", Used: 999, Limit: 1000})})
	require.NoError(t, err)
	r = data.(*FindingsReport)
	require.Len(t, r.Findings, 1)
	assert.Contains(t, r.Findings[0].Message, "999 of 1,000", "the report's own figure")
}
