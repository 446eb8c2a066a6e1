package sections

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkGoroutines measures Collect in grouped mode with n goroutines
// parked in one stack, and reports each call's duration as report-ms. The
// host's stall is much shorter: see gmr's BenchmarkReport.
func BenchmarkGoroutines(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("goroutines=%d", n), func(b *testing.B) {
			parkGoroutines(b, n)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (Goroutines{DetailMax: -1}).Collect(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "report-ms")
		})
	}
}

// BenchmarkGoroutineDetail measures detail mode, whose full stack dump
// (runtime.Stack(buf, true)) stops the world, by goroutine count and stack
// depth. stop-ms is the median time runtime.Stack took, the world stopped;
// stop-max-ms the longest; report-ms is Collect's mean time. It is how the
// default DetailMax was chosen:
//
//	go test ./sections -run '^$' -bench GoroutineDetail -benchtime 20x
func BenchmarkGoroutineDetail(b *testing.B) {
	for _, depth := range []int{1, 10, 20} {
		for _, n := range []int{250, 500, 1_000, 2_000, 4_000} {
			b.Run(fmt.Sprintf("depth=%d/goroutines=%d", depth, n), func(b *testing.B) {
				parkDeep(b, n, depth)
				ctx := context.Background()
				var stops []time.Duration
				for b.Loop() {
					data, err := (Goroutines{DetailMax: math.MaxInt}).Collect(ctx)
					if err != nil {
						b.Fatal(err)
					}
					rep := data.(*GoroutineReport)
					if rep.Dump == nil {
						b.Fatalf("no dump: %s", rep.ModeReason)
					}
					stops = append(stops, rep.Dump.StopTime.D())
				}
				slices.Sort(stops)
				b.ReportMetric(float64(stops[len(stops)/2])/1e6, "stop-ms")
				b.ReportMetric(float64(stops[len(stops)-1])/1e6, "stop-max-ms")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "report-ms")
			})
		}
	}
}

// parkDeep starts n goroutines parked at the bottom of a recursion depth
// calls deep, waits until they are parked, and stops them when the
// benchmark ends.
func parkDeep(b *testing.B, n, depth int) {
	b.Helper()
	stop := make(chan struct{})
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	for range n {
		go func() {
			defer done.Done()
			started.Done()
			parkAtDepth(depth, stop)
		}()
	}
	started.Wait()
	b.Cleanup(func() {
		close(stop)
		done.Wait()
	})
	// Wait until they are all parked at the bottom, in one group.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		data, err := (Goroutines{DetailMax: -1}).Collect(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if g := groupIn(data.(*GoroutineReport), testPkg+"parkAtDepth"); g != nil && g.Count >= n {
			return
		}
	}
	b.Fatalf("%d goroutines did not park within 10s", n)
}

// parkAtDepth recurses depth-1 times, then blocks until stop is closed.
//
//go:noinline
func parkAtDepth(depth int, stop <-chan struct{}) {
	if depth <= 1 {
		<-stop
		return
	}
	parkAtDepth(depth-1, stop)
}
