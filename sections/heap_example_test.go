package sections_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/gmr-go/gmr/sections"
)

func ExampleHeap() {
	data, err := sections.Heap{}.Collect(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	rep := data.(*sections.HeapReport)
	fmt.Printf("%d bytes in use, next GC at %d; GC pauses p99 %v\n", rep.HeapInUseBytes, rep.NextGCBytes, rep.GCPauses.P99)
}

func ExampleHeapReport_WriteText() {
	rep := &sections.HeapReport{
		HeapInUseBytes: 12897412, HeapAllocBytes: 12000000, HeapLiveBytes: 9000000, HeapObjects: 41000,
		HeapSysBytes: 20 << 20, HeapReleasedBytes: 4 << 20, SysBytes: 30 << 20, NextGCBytes: 18 << 20,
		GCCycles: 12, GCForcedCycles: 0,
		LastGC:       time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC),
		GCPauses:     sections.PauseSummary{Count: 24, P50: 48 * time.Microsecond, P90: 112 * time.Microsecond, P99: 448 * time.Microsecond, Max: 896 * time.Microsecond},
		RecentPauses: []time.Duration{61 * time.Microsecond, 75 * time.Microsecond},
		GOGC:         100, GOMEMLIMIT: math.MaxInt64, GCCPUFraction: 0.004,
	}
	if err := rep.WriteText(os.Stdout); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// heap_in_use_bytes = 12897412 (12.3 MiB)
	// heap_alloc_bytes = 12000000 (11.4 MiB)
	// heap_live_bytes = 9000000 (8.6 MiB)
	// heap_objects = 41000
	// heap_sys_bytes = 20971520 (20.0 MiB)
	// heap_released_bytes = 4194304 (4.0 MiB)
	// sys_bytes = 31457280 (30.0 MiB)
	// next_gc_bytes = 18874368 (18.0 MiB)
	// gc_cycles = 12
	// gc_forced_cycles = 0
	// last_gc = 2026-11-25T17:00:00Z
	// gc_pauses:
	//   count = 24
	//   p50 = 48µs
	//   p90 = 112µs
	//   p99 = 448µs
	//   max = 896µs
	// recent_pauses = [61µs, 75µs]
	// gogc = 100
	// gomemlimit_bytes = unlimited (9223372036854775807)
	// gc_cpu_fraction = 0.004 (0.40%)
}
