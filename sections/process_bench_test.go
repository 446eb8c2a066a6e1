package sections

import (
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"runtime/metrics"
	"sync"
	"testing"

	"github.com/gmr-go/gmr/gmr/report"
)

// stwPauseMetrics are the runtime's histograms of stop-the-world pauses:
// those the GC makes, and all others (goroutine profiles,
// runtime.ReadMemStats, runtime.Stack(all) ...).
var stwPauseMetrics = []string{"/sched/pauses/total/other:seconds", "/sched/pauses/total/gc:seconds"}

// readPauses reads the stop-the-world pause histograms.
func readPauses() []metrics.Sample { return readMetrics(stwPauseMetrics...) }

// longestPause returns the upper bound, in milliseconds, of the longest
// stop-the-world pause of histogram i recorded between the before and
// after readings.
func longestPause(before, after []metrics.Sample, i int) float64 {
	longest := 0.0
	if after[i].Value.Kind() == metrics.KindFloat64Histogram {
		a, b := after[i].Value.Float64Histogram(), before[i].Value.Float64Histogram()
		for j := range a.Counts {
			if a.Counts[j] > b.Counts[j] {
				hi := a.Buckets[j+1]
				if math.IsInf(hi, 1) {
					hi = a.Buckets[j]
				}
				longest = max(longest, hi*1e3)
			}
		}
	}
	return longest
}

// benchParked parks n goroutines until the returned channel is closed.
func benchParked(tb testing.TB, n int) chan<- struct{} {
	tb.Helper()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go func() {
			wg.Done()
			<-stop
		}()
	}
	wg.Wait()
	return stop
}

// BenchmarkReportSections measures the process, threads and heap sections
// next to the goroutine section, alone and all four at once as a report
// collects them, in a process with 1,000 parked goroutines, 20 extra OS
// threads, 200 open files and the heap this test binary has. It reports
// each run's time as report-ms; the longest stop-the-world pause other
// than the GC's seen while the runs went on as stall-ms (what a section
// makes the whole program wait for); and the longest GC pause as
// gc-pause-ms (the sections' garbage may bring a GC cycle forward).
// Pauses are from runtime/metrics, to the upper bound of a histogram
// bucket.
func BenchmarkReportSections(b *testing.B) {
	stopParked := benchParked(b, 1000)
	defer close(stopParked)
	stopThreads := lockThreads(b, 20)
	defer close(stopThreads)
	dir := b.TempDir()
	for i := range 200 {
		f, err := os.Create(filepath.Join(dir, fmt.Sprint(i)))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
	}

	cases := []struct {
		name string
		secs []report.Section
	}{
		{"goroutines", []report.Section{Goroutines{}}},
		{"threads", []report.Section{Threads{}}},
		{"process", []report.Section{Process{}}},
		{"heap", []report.Section{Heap{}}},
		{"all", []report.Section{Goroutines{}, Threads{}, Process{}, Heap{}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			// No b.ReportAllocs, and the pauses are read inside the loop:
			// the runtime.ReadMemStats the harness calls when it starts
			// and stops the timer stops the world, which would count as
			// the sections' stall.
			ctx := context.Background()
			var before, after []metrics.Sample
			for b.Loop() {
				if before == nil {
					before = readPauses()
				}
				var wg sync.WaitGroup
				for _, s := range c.secs {
					wg.Go(func() {
						if res := report.Run(ctx, s); res.Err != nil {
							b.Error(res.Err)
						}
					})
				}
				wg.Wait()
				after = readPauses()
			}
			b.ReportMetric(longestPause(before, after, 0), "stall-ms")
			b.ReportMetric(longestPause(before, after, 1), "gc-pause-ms")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "report-ms")
		})
	}
}

// BenchmarkProcess measures the process section's Collect by the
// descriptors the process holds: files, and connected TCP sockets, whose
// addresses it looks up in the socket tables. It reports each call's time
// as report-ms and the descriptors counted as fds.
//
//	go test ./sections -run '^$' -bench BenchmarkProcess
func BenchmarkProcess(b *testing.B) {
	for _, c := range []struct{ files, sockets int }{{0, 0}, {200, 20}, {1000, 100}} {
		b.Run(fmt.Sprintf("files=%d/sockets=%d", c.files, c.sockets), func(b *testing.B) {
			dir := b.TempDir()
			for i := range c.files {
				f, err := os.Create(filepath.Join(dir, fmt.Sprint(i)))
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
			}
			l, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			for range c.sockets / 2 { // each connection is two sockets
				conn, err := net.Dial("tcp4", l.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				defer conn.Close()
				peer, err := l.Accept()
				if err != nil {
					b.Fatal(err)
				}
				defer peer.Close()
			}
			ctx := context.Background()
			var r *ProcessReport
			for b.Loop() {
				data, err := (Process{}).Collect(ctx)
				if err != nil {
					b.Fatal(err)
				}
				r = data.(*ProcessReport)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "report-ms")
			if r.FDs != nil {
				b.ReportMetric(float64(r.FDs.Count), "fds")
			}
		})
	}
}
