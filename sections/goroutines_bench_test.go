package sections

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkGoroutines measures Collect with n goroutines parked in one
// stack, and reports each call's duration as report-ms. The host's stall
// (how long the world is stopped) is much shorter: see the Goroutines doc.
func BenchmarkGoroutines(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("goroutines=%d", n), func(b *testing.B) {
			parkGoroutines(b, n)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (Goroutines{}).Collect(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "report-ms")
		})
	}
}
