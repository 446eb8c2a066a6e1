package sections_test

import (
	"context"
	"fmt"
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
		GCPauses:     sections.PauseSummary{Count: 24, P50: sections.Millis(48 * time.Microsecond), P90: sections.Millis(112 * time.Microsecond), P99: sections.Millis(448 * time.Microsecond), Max: sections.Millis(896 * time.Microsecond)},
		RecentPauses: []sections.Millis{sections.Millis(61 * time.Microsecond), sections.Millis(75 * time.Microsecond)},
		GOGC:         100, GOMEMLIMIT: 40 << 20, GCCPUFraction: 0.004,
		GOMEMLIMITUsedBytes: 26 << 20,
		MemoryClasses: []sections.MemoryClass{
			{Name: "heap/objects", Bytes: 12000000}, {Name: "heap/stacks", Bytes: 1 << 20}, {Name: "metadata/other", Bytes: 3 << 20},
		},
		TopAllocations: []sections.AllocSite{
			{Function: "main.loadCatalog", File: "/src/shop/catalog.go", Line: 88, InUseBytes: 8 << 20, InUseObjects: 1200,
				Callers: []sections.Frame{{Function: "main.main"}, {Function: "runtime.main"}}},
			{Function: "bufio.NewReaderSize", File: "/go/src/bufio/bufio.go", Line: 62, InUseBytes: 2 << 20, InUseObjects: 512,
				Callers: []sections.Frame{{Function: "net/http.newBufioReader"}, {Function: "net/http.(*conn).serve"}}},
		},
		AllocationSites: 31, ProfileInUseBytes: 11 << 20, ProfileRate: 512 << 10,
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
	// gomemlimit_bytes = 41943040 (40.0 MiB)
	// gc_cpu_fraction = 0.004 (0.40%)
	// gc_limiter_last_enabled = never
	// gomemlimit_used_bytes = 27262976 (26.0 MiB, 65% of GOMEMLIMIT)
	// memory_classes (by use):
	//   heap = 12000000 (11.4 MiB): heap/objects
	//   goroutine stacks = 1048576 (1.0 MiB): heap/stacks
	//   runtime metadata = 3145728 (3.0 MiB): metadata/other
	// top_allocations: 2 sites of 11.0 MiB in use at the last GC, by allocating function (heap profile, sampled every 512.0 KiB)
	//   BYTES    OBJECTS  FUNCTION             AT             CALLED FROM
	//   8.0 MiB  1,200    main.loadCatalog     catalog.go:88  main.main < runtime.main
	//   2.0 MiB  512      bufio.NewReaderSize  bufio.go:62    net/http.newBufioReader < net/http.(*conn).serve
	//   ... 29 sites not listed
}
