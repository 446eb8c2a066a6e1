package gmr_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/sections"
)

// BenchmarkReport measures what a report costs the program it runs in, with
// 1,000, 10,000 and 100,000 goroutines parked on a channel, against the two
// ways to see every goroutine that the runtime offers. Its sub-benchmarks
// are, for each goroutine count:
//
//   - report: a whole report with the default sections, formatted as text
//     (gmr.New().WriteReport to io.Discard);
//   - section: the goroutines section alone (sections.Goroutines{}.Collect),
//     in grouped mode, as there are more goroutines than DetailMax;
//   - detail: the section in detail mode (DetailMax raised), which adds a
//     full stack dump, at 1,000 and 10,000 goroutines;
//   - profile: pprof.Lookup("goroutine").WriteTo(io.Discard, 0), the
//     concurrent goroutine profile the section reads;
//   - leakprofile: the goroutine leak profile, which the section also reads
//     where the runtime has it (Go 1.27): it runs a GC cycle;
//   - stack: runtime.Stack(buf, true), the full dump that Go's SIGQUIT
//     handler, gops and pprof's debug=2 write, which stops the world;
//   - idle: a 20 ms sleep, the measurement's noise floor.
//
// Each reports:
//
//   - report-ms: the operation's mean wall time;
//   - stall-ms: how long the program stood still, measured as the longest
//     gap between two wake-ups of a goroutine ticking every 100 µs during
//     one operation, the median over operations (stall-max-ms is the
//     worst). Its floor is about 1.1 ms on Linux, whose epoll timeout, by
//     which an idle Go scheduler waits for timers, is in milliseconds: see
//     idle;
//   - stw-max-ms: the longest stop-the-world pause the runtime recorded
//     during any of the operations (runtime/metrics
//     /sched/pauses/total/{gc,other}:seconds; the upper bound of its
//     histogram bucket), which has no such floor;
//   - pauses: how many stop-the-world pauses one operation made, on average;
//   - peak-MiB: the most the heap's objects grew during one operation, as
//     sampled at every tick of the stall meter, the median over operations.
//
// Each runs on an otherwise idle program (load=idle) and beside four
// CPU-bound goroutines (load=busy), which is when people take reports: a
// stop of the world must then wait for every running goroutine to reach a
// safe point. With GMR_BENCH_MILLION=1 it adds 1,000,000 goroutines, whose
// runtime.Stack dump takes about a minute each time.
//
// Each operation runs once to warm up, and after a runtime.GC() outside
// the measurement, so that a stall is the operation's own, not the
// collection of an earlier one's garbage. This is the README's table:
//
//	go test ./gmr -run '^$' -bench BenchmarkReport -benchtime 10x -count 3
func BenchmarkReport(b *testing.B) {
	r, err := gmr.New(gmr.WithStderr(io.Discard), gmr.WithService("bench"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	stackBuf := make([]byte, 64<<20)
	ops := []struct {
		name string
		op   func() error
	}{
		{"report", func() error { return r.WriteReport(ctx, io.Discard) }},
		{"section", func() error {
			_, err := sections.Goroutines{}.Collect(ctx)
			return err
		}},
		{"detail", func() error {
			_, err := sections.Goroutines{DetailMax: math.MaxInt}.Collect(ctx)
			return err
		}},
		{"profile", func() error { return pprof.Lookup("goroutine").WriteTo(io.Discard, 0) }},
		{"leakprofile", func() error { return pprof.Lookup("goroutineleak").WriteTo(io.Discard, 0) }},
		{"stack", func() error {
			if n := runtime.Stack(stackBuf, true); n == len(stackBuf) {
				return fmt.Errorf("stack dump of %d bytes filled its buffer", n)
			}
			return nil
		}},
		{"idle", func() error {
			time.Sleep(20 * time.Millisecond)
			return nil
		}},
	}
	counts := []int{1_000, 10_000, 100_000}
	if os.Getenv("GMR_BENCH_MILLION") == "1" {
		counts = append(counts, 1_000_000)
		stackBuf = make([]byte, 1<<30)
	}
	for _, n := range counts {
		b.Run(fmt.Sprintf("goroutines=%d", n), func(b *testing.B) {
			parkForBench(b, n) // once for all the operations: 100,000 take a while
			for _, load := range []string{"idle", "busy"} {
				b.Run("load="+load, func(b *testing.B) {
					if load == "busy" {
						spin(b, 4)
					}
					for _, o := range ops {
						if o.name == "detail" && n > 10_000 {
							continue // its dump would not fit its 16 MiB buffer
						}
						if o.name == "idle" && load == "busy" || o.name == "leakprofile" && pprof.Lookup("goroutineleak") == nil {
							continue
						}
						b.Run(o.name, func(b *testing.B) { measureStall(b, o.op) })
					}
				})
			}
		})
	}
}

// spin runs n CPU-bound goroutines until the benchmark ends.
func spin(b *testing.B, n int) {
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			x := 0
			for !stop.Load() {
				x++
			}
			_ = x
		})
	}
	b.Cleanup(func() {
		stop.Store(true)
		wg.Wait()
	})
}

// measureStall runs op b.N times and reports its stall-ms, stall-max-ms and
// report-ms.
func measureStall(b *testing.B, op func() error) {
	b.Helper()
	if err := op(); err != nil { // a warm-up: one-time work is not the operation's
		b.Fatal(err)
	}
	var stalls []time.Duration
	var peaks []uint64
	var total, stw time.Duration
	var pauses int
	for b.Loop() {
		// Collect the previous operation's garbage first: each one's
		// stall is its own, not a collection that another triggered.
		b.StopTimer()
		runtime.GC()
		b.StartTimer()
		before := readPauses()
		m := startStallMeter(100 * time.Microsecond)
		start := time.Now()
		err := op()
		total += time.Since(start)
		stall, peak := m.stop()
		stalls, peaks = append(stalls, stall), append(peaks, peak)
		longest, count := pausesSince(before)
		stw, pauses = max(stw, longest), pauses+count
		if err != nil {
			b.Fatal(err)
		}
	}
	slices.Sort(stalls)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(stalls[len(stalls)/2]), "stall-ms")
	b.ReportMetric(ms(stalls[len(stalls)-1]), "stall-max-ms")
	b.ReportMetric(ms(stw), "stw-max-ms")
	b.ReportMetric(float64(pauses)/float64(len(stalls)), "pauses")
	slices.Sort(peaks)
	b.ReportMetric(float64(peaks[len(peaks)/2])/(1<<20), "peak-MiB")
	b.ReportMetric(ms(total)/float64(len(stalls)), "report-ms")
}

// pauseMetrics are the runtime's histograms of stop-the-world pauses, from
// the request to stop to the restart: the GC's and all others (such as
// runtime.Stack's and the goroutine profile's).
var pauseMetrics = []string{"/sched/pauses/total/gc:seconds", "/sched/pauses/total/other:seconds"}

func readPauses() []metrics.Sample {
	s := make([]metrics.Sample, len(pauseMetrics))
	for i, name := range pauseMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	return s
}

// pausesSince returns the upper bound of the bucket of the longest
// stop-the-world pause since before was read, and how many there were.
func pausesSince(before []metrics.Sample) (time.Duration, int) {
	var longest float64
	count := 0
	for i, now := range readPauses() {
		if now.Value.Kind() != metrics.KindFloat64Histogram || before[i].Value.Kind() != metrics.KindFloat64Histogram {
			continue
		}
		h, h0 := now.Value.Float64Histogram(), before[i].Value.Float64Histogram()
		for j := range h.Counts {
			if d := h.Counts[j] - h0.Counts[j]; d > 0 {
				longest = max(longest, min(h.Buckets[j+1], 1e9))
				count += int(d)
			}
		}
	}
	return time.Duration(longest * 1e9), count
}

// stallMeter is a goroutine that ticks and records the longest gap between
// two of its wake-ups, how long the program could not run it, and the most
// the heap's objects grew from its start.
type stallMeter struct {
	quit chan struct{}
	done chan stallResult
}

type stallResult struct {
	longest time.Duration
	peak    uint64
}

func startStallMeter(tick time.Duration) *stallMeter {
	m := &stallMeter{quit: make(chan struct{}), done: make(chan stallResult, 1)}
	started := make(chan struct{})
	go func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		heap := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(heap)
		base, top := heap[0].Value.Uint64(), heap[0].Value.Uint64()
		var longest time.Duration
		last := time.Now()
		close(started)
		for {
			select {
			case <-m.quit:
				m.done <- stallResult{max(longest, time.Since(last)), top - base}
				return
			case <-t.C:
				now := time.Now()
				longest = max(longest, now.Sub(last))
				last = now
				metrics.Read(heap)
				top = max(top, heap[0].Value.Uint64())
			}
		}
	}()
	<-started
	return m
}

// stop ends the measurement and returns the longest gap and the peak growth
// of the heap's objects.
func (m *stallMeter) stop() (time.Duration, uint64) {
	close(m.quit)
	r := <-m.done
	return r.longest, r.peak
}

// parkForBench starts n goroutines blocked on a channel, waits until the
// runtime counts them, and releases them when the benchmark ends.
func parkForBench(b *testing.B, n int) {
	b.Helper()
	release := make(chan struct{})
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	for range n {
		go func() {
			defer done.Done()
			started.Done()
			<-release
		}()
	}
	started.Wait()
	sample := []metrics.Sample{{Name: "/sched/goroutines/waiting:goroutines"}}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 || sample[0].Value.Uint64() >= uint64(n) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d goroutines not parked after a minute", n)
		}
	}
	b.Cleanup(func() {
		close(release)
		done.Wait()
	})
}
