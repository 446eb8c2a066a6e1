package gmr

import (
	"context"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/sections"
)

// fakeWatch is a watcher fed samples by hand, recording its reports.
type fakeWatch struct {
	*watcher
	now     time.Time
	next    sample
	reports []string
	reduced []bool
}

func newFakeWatch(t *testing.T, th sections.Thresholds, cooldown time.Duration, perHour int) *fakeWatch {
	t.Helper()
	r, err := New(WithStderr(&discard{}), WithoutSignal(), WithThresholds(th), WithThresholdLimits(cooldown, perHour))
	require.NoError(t, err)
	f := &fakeWatch{watcher: newWatcher(r), now: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)}
	f.read = func() sample { s := f.next; s.at = f.now; return s }
	f.write = func(ctx context.Context, trigger string) {
		f.reports = append(f.reports, trigger)
		f.reduced = append(f.reduced, sections.Reduced(ctx))
	}
	return f
}

// step advances the clock by d and ticks with the sample s.
func (f *fakeWatch) step(d time.Duration, s sample) {
	f.now = f.now.Add(d)
	f.next = s
	f.tick()
}

func TestWatcherCooldownAndBackoff(t *testing.T) {
	f := newFakeWatch(t, sections.Thresholds{Goroutines: 5000}, time.Minute, 100)
	f.step(0, sample{goroutines: 100})
	assert.Empty(t, f.reports)
	f.step(5*time.Second, sample{goroutines: 6000})
	require.Len(t, f.reports, 1, "one report when the threshold is passed")
	assert.Equal(t, "threshold goroutines: 6,000 goroutines, past 5,000", f.reports[0])

	for range 11 { // 55 s, still over: within the cooldown
		f.step(5*time.Second, sample{goroutines: 7000})
	}
	assert.Len(t, f.reports, 1, "no second report within the cooldown, though still over")
	f.step(5*time.Second, sample{goroutines: 7000}) // 60 s
	assert.Len(t, f.reports, 2, "the next once the cooldown is over")

	// Still over: the cooldown doubles.
	f.step(time.Minute+time.Second, sample{goroutines: 7000})
	assert.Len(t, f.reports, 2, "backoff: two minutes now")
	f.step(time.Minute, sample{goroutines: 7000})
	assert.Len(t, f.reports, 3)

	// Dropping below ends the backoff, but not the cooldown in force.
	f.step(5*time.Second, sample{goroutines: 100})
	f.step(5*time.Second, sample{goroutines: 7000})
	assert.Len(t, f.reports, 3, "a wavering figure gets no report within the cooldown")
	f.step(4*time.Minute, sample{goroutines: 7000})
	assert.Len(t, f.reports, 4)
	f.step(59*time.Second, sample{goroutines: 7000})
	assert.Len(t, f.reports, 4, "after the backoff reset, the cooldown is the base one")
	f.step(time.Second, sample{goroutines: 7000})
	assert.Len(t, f.reports, 5)
}

func TestWatcherHourlyCap(t *testing.T) {
	f := newFakeWatch(t, sections.Thresholds{Goroutines: 10, Heap: 1 << 20, Threads: 10}, time.Second, 2)
	f.step(0, sample{goroutines: 20})
	f.step(time.Minute, sample{goroutines: 1, heapInUse: 2 << 20})
	f.step(time.Minute, sample{goroutines: 1, threads: 20})
	assert.Len(t, f.reports, 2, "at most two an hour, for all thresholds together")
	f.step(time.Hour, sample{goroutines: 1, threads: 20})
	assert.Len(t, f.reports, 3, "an hour later, again")
}

func TestWatcherOneReportForManyThresholds(t *testing.T) {
	f := newFakeWatch(t, sections.Thresholds{Goroutines: 10, Heap: 1 << 20}, time.Minute, 10)
	f.step(0, sample{goroutines: 20, heapInUse: 2 << 20})
	require.Len(t, f.reports, 1)
	assert.Equal(t, "threshold goroutines: 20 goroutines, past 10 (also heap)", f.reports[0])
	f.step(5*time.Second, sample{goroutines: 20, heapInUse: 2 << 20})
	assert.Len(t, f.reports, 1, "both are in their cooldown")
}

func TestWatcherGrowthAgainstMovingBaseline(t *testing.T) {
	f := newFakeWatch(t, sections.Thresholds{GoroutineGrowth: 2}, time.Minute, 100)
	f.step(0, sample{goroutines: 1000})
	f.step(5*time.Second, sample{goroutines: 1400})
	assert.Empty(t, f.reports, "1.4x is not 2x")
	f.step(5*time.Second, sample{goroutines: 2100})
	require.Len(t, f.reports, 1, "2x the baseline")
	assert.Contains(t, f.reports[0], "threshold goroutine_growth: 2,100 goroutines, 2.")

	// The program stays at its new level: after the baseline's window it
	// is the new normal, and only a doubling of it is a finding. A high
	// watermark would never fire again (cockroach #103321); nor does a
	// spike block the rule.
	for range 12 * 60 { // an hour at 5 s
		f.step(5*time.Second, sample{goroutines: 2100})
	}
	n := len(f.reports)
	f.step(5*time.Second, sample{goroutines: 3000})
	assert.Len(t, f.reports, n, "1.4x the new baseline")
	f.step(5*time.Second, sample{goroutines: 4500})
	assert.Len(t, f.reports, n+1, "2x the new baseline")
}

func TestWatcherGrowthNeedsEnoughGoroutines(t *testing.T) {
	f := newFakeWatch(t, sections.Thresholds{GoroutineGrowth: 2}, time.Minute, 100)
	f.step(0, sample{goroutines: 10})
	f.step(5*time.Second, sample{goroutines: 300})
	assert.Empty(t, f.reports, "30x, but by fewer than MinGoroutineGrowth")
}

func TestWatcherDangerMakesASmallReport(t *testing.T) {
	f := newFakeWatch(t, sections.Thresholds{Memory: 0.9}, time.Minute, 100)
	f.step(0, sample{goMemory: 91, goMemLimit: 100})
	f.step(2*time.Minute, sample{goMemory: 91, goMemLimit: 100, cgMemory: 97, cgLimit: 100})
	require.Len(t, f.reports, 2)
	assert.Equal(t, []bool{false, true}, f.reduced, "past DangerMemory, a small report")
	assert.Equal(t, "threshold memory: memory at 91% of GOMEMLIMIT, past 90%", f.reports[0])
	assert.Equal(t, "threshold memory: memory at 97% of the cgroup memory limit, past 90%; a small report: memory at 97% of the cgroup memory limit", f.reports[1])
}

func TestWatcherRatesOverTheInterval(t *testing.T) {
	f := newFakeWatch(t, sections.Thresholds{GCCPU: 0.25, SchedP99: 50 * time.Millisecond}, time.Minute, 100)
	buckets := []float64{0, 0.001, 0.01, 0.1, 1}
	hist := func(counts ...uint64) *metrics.Float64Histogram {
		return &metrics.Float64Histogram{Buckets: buckets, Counts: counts}
	}
	f.step(0, sample{gcCPU: 100, totalCPU: 200, sched: hist(1000, 0, 0, 0)})
	assert.Empty(t, f.reports, "the first sample is only the start of the deltas, though half the CPU since start was the GC's")
	f.step(5*time.Second, sample{gcCPU: 101, totalCPU: 210, sched: hist(1990, 10, 0, 0)})
	assert.Empty(t, f.reports, "10% of the CPU in the interval; p99 under 10 ms")
	f.step(5*time.Second, sample{gcCPU: 104, totalCPU: 220, sched: hist(1990, 10, 0, 0)})
	require.Len(t, f.reports, 1)
	assert.Equal(t, "threshold gc_cpu: the garbage collector used 30% of the CPU in the last 5s", f.reports[0])
	f.step(5*time.Second, sample{gcCPU: 104, totalCPU: 230, sched: hist(1990, 10, 0, 90)})
	require.Len(t, f.reports, 2)
	assert.Equal(t, "threshold sched_p99: goroutines waited 1s or more to run, 1 time in 100, in the last 5s", f.reports[1])
}

func TestWatcherLockContention(t *testing.T) {
	f := newFakeWatch(t, sections.Thresholds{MutexWait: 2}, time.Minute, 100)
	f.step(0, sample{mutexWait: 1000})
	f.step(5*time.Second, sample{mutexWait: 1005})
	assert.Empty(t, f.reports, "one goroutine waiting on average in the interval, though 1000 s since start")
	f.step(5*time.Second, sample{mutexWait: 1020})
	require.Len(t, f.reports, 1)
	assert.Equal(t, "threshold mutex_wait: 3.0 goroutines waiting on locks at any moment, on average, in the last 5s", f.reports[0])
}

func TestWatchSettingsFromTheEnvironment(t *testing.T) {
	tests := []struct {
		env      map[string]string
		on       bool
		interval time.Duration
		cooldown time.Duration
		warnings []string
	}{
		{env: nil, on: false, interval: DefaultWatchInterval, cooldown: DefaultThresholdCooldown},
		{env: map[string]string{EnvThresholds: "goroutines=20000", EnvWatchInterval: "1s", EnvThresholdCooldown: "30s"}, on: true, interval: time.Second, cooldown: 30 * time.Second},
		{env: map[string]string{EnvThresholds: "goroutines=lots", EnvWatchInterval: "1ms", EnvThresholdCooldown: "-1s"}, interval: DefaultWatchInterval, cooldown: DefaultThresholdCooldown,
			warnings: []string{"goroutines", `GMR_WATCH_INTERVAL="1ms": less than 100ms; using 5s`, "GMR_THRESHOLD_COOLDOWN"}},
		{env: map[string]string{EnvThresholds: "goroutines=20000", EnvWatchInterval: "9999999h"}, on: true, interval: DefaultWatchInterval, cooldown: DefaultThresholdCooldown,
			warnings: []string{`GMR_WATCH_INTERVAL="9999999h": not a duration such as "5s"; using 5s`}},
	}
	for _, tt := range tests {
		s, warnings, err := resolve([]Option{withGetenv(func(k string) string { return tt.env[k] })})
		require.NoError(t, err)
		require.Len(t, warnings, len(tt.warnings), "%v", warnings)
		for i, w := range tt.warnings {
			assert.Contains(t, warnings[i].Error(), w)
		}
		assert.Equal(t, tt.on, s.watch.on)
		assert.Equal(t, tt.interval, s.watch.interval)
		assert.Equal(t, tt.cooldown, s.watch.cooldown)
	}
}

func TestWatchedThresholdsTuneTheFindings(t *testing.T) {
	s, _, err := resolve([]Option{withGetenv(func(k string) string {
		return map[string]string{EnvThresholds: "fds=50%,heap=1GiB"}[k]
	})})
	require.NoError(t, err)
	secs, err := s.sections()
	require.NoError(t, err)
	assert.Equal(t, sections.Findings{Thresholds: sections.Thresholds{FDs: 0.5, Heap: 1 << 30}}, secs[0])

	_, err = New(WithThresholds(sections.Thresholds{}))
	assert.ErrorContains(t, err, "no threshold set")
	_, err = New(WithWatchInterval(time.Millisecond))
	assert.ErrorContains(t, err, "less than 100ms")
}

func TestWatcherDangerWhateverIsWatched(t *testing.T) {
	f := newFakeWatch(t, sections.Thresholds{Goroutines: 10}, time.Minute, 100)
	f.step(0, sample{goroutines: 20, cgMemory: 97, cgLimit: 100})
	require.Len(t, f.reports, 1)
	assert.Equal(t, []bool{true}, f.reduced, "a goroutines report near the cgroup's memory limit is a small one too")
	assert.Contains(t, f.reports[0], "; a small report: memory at 97% of the cgroup memory limit")
}
