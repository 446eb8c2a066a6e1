package gmr_test

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"testing"
	"time"
)

// BenchmarkHostileData measures a report whose custom section returns one
// of the hostile values of bounds_test.go (the 25-node DAG with shared
// children, a wide one, the map of 10 million keys), with the default
// sections beside it, in each format. Each reports:
//
//   - report-ms: the mean wall time of WriteReport;
//   - peak-MiB: the highest rise of the heap's objects above their level
//     before WriteReport, while it ran (runtime/metrics
//     /memory/classes/heap/objects:bytes, sampled every 500 µs, after a GC
//     outside the measurement), the worst over the operations.
//
// The values are built once, before the measurement. This is the README's
// table:
//
//	go test ./gmr -run '^$' -bench HostileData -benchtime 5x
func BenchmarkHostileData(b *testing.B) {
	for _, hv := range hostileValues {
		b.Run(hv.name, func(b *testing.B) {
			v := hv.value()
			for _, format := range hostileFormats {
				b.Run(format, func(b *testing.B) {
					var stderr bytes.Buffer
					r := newHostileReporter(b, hv.name, format, v, &stderr)
					ctx := context.Background()
					if err := r.WriteReport(ctx, io.Discard); err != nil { // warm-up
						b.Fatal(err)
					}
					var total time.Duration
					var peak uint64
					n := 0
					for b.Loop() {
						b.StopTimer()
						runtime.GC()
						b.StartTimer()
						var err error
						p := peakHeap(func() {
							start := time.Now()
							err = r.WriteReport(ctx, io.Discard)
							total += time.Since(start)
						})
						if err != nil {
							b.Fatal(err)
						}
						peak = max(peak, p)
						n++
					}
					if stderr.Len() > 0 {
						b.Fatalf("notices on stderr: %s", stderr.String())
					}
					b.ReportMetric(float64(total)/1e6/float64(n), "report-ms")
					b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
				})
			}
			runtime.KeepAlive(v)
		})
	}
}
