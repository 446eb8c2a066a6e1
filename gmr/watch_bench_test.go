package gmr

import (
	"context"
	"testing"
	"time"

	"github.com/gmr-go/gmr/sections"
)

// BenchmarkWatcherTick measures one idle tick of the threshold watcher with
// every threshold watched and none passed: the figures read from
// runtime/metrics and /proc, and the checks. At the default interval it
// reports the CPU time per hour and the share of one CPU.
func BenchmarkWatcherTick(b *testing.B) {
	th := sections.Thresholds{
		FDs: 0.99, Memory: 0.99, Pids: 0.99, Goroutines: 1 << 30, GoroutineGrowth: 1000,
		Heap: 1 << 50, GCCPU: 0.99, SchedP99: time.Hour, Threads: 1 << 30, MutexWait: 1e9,
	}
	r, err := New(WithStderr(&discard{}), WithoutSignal(), WithThresholds(th))
	if err != nil {
		b.Fatal(err)
	}
	w := newWatcher(r)
	w.write = func(_ context.Context, trigger string) { b.Fatalf("a report: %s", trigger) }
	w.tick()
	for b.Loop() {
		w.tick()
	}
	perTick := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	ticksPerHour := float64(time.Hour / DefaultWatchInterval)
	b.ReportMetric(perTick/1e3, "µs/tick")
	b.ReportMetric(perTick*ticksPerHour/1e6, "cpu-ms/hour")
	b.ReportMetric(perTick/float64(DefaultWatchInterval)*100, "%cpu")
}
