package sections

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/gmr-go/gmr/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBound(t *testing.T) {
	tests := []struct{ n, def, want int }{
		{n: 0, def: 64, want: 64},
		{n: -1, def: 64, want: 0},
		{n: math.MinInt, def: 64, want: 0},
		{n: 1, def: 64, want: 1},
		{n: 1000, def: 64, want: 1000},
		{n: math.MaxInt, def: 64, want: math.MaxInt},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, bound(tt.n, tt.def), "bound(%d, %d)", tt.n, tt.def)
	}
}

// boundWaiterA, B and C block in three different stacks, so that the
// goroutines section has more groups than the small bound of
// TestSectionBounds.
func boundWaiterA(stop <-chan struct{}, wg *sync.WaitGroup) { wg.Done(); <-stop }
func boundWaiterB(stop <-chan struct{}, wg *sync.WaitGroup) { wg.Done(); <-stop }
func boundWaiterC(stop <-chan struct{}, wg *sync.WaitGroup) { wg.Done(); <-stop }

// boundAllocA, B and C allocate 4 MiB each, live until the test ends, so
// that the heap profile has more allocation sites than the small bound of
// TestSectionBounds, however sparse the rest of the heap is.
//
//go:noinline
func boundAllocA() (out [][]byte) {
	for range 64 {
		out = append(out, make([]byte, 64<<10))
	}
	return out
}

//go:noinline
func boundAllocB() (out [][]byte) {
	for range 64 {
		out = append(out, make([]byte, 64<<10))
	}
	return out
}

//go:noinline
func boundAllocC() (out [][]byte) {
	for range 64 {
		out = append(out, make([]byte, 64<<10))
	}
	return out
}

// TestSectionBounds checks that every bound of every section follows the
// one rule: zero means the default, a negative value none, and a positive
// value is the bound.
func TestSectionBounds(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	var wg sync.WaitGroup
	wg.Add(3)
	go boundWaiterA(stop, &wg)
	go boundWaiterB(stop, &wg)
	go boundWaiterC(stop, &wg)
	wg.Wait()
	// Sample every allocation of 4 KiB or more, so that each of the three
	// sites is in the heap profile whatever the sampler's luck (at the
	// default 512 KiB rate, one of them was sometimes missing on 386).
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 4 << 10
	heapSink = slices.Concat(boundAllocA(), boundAllocB(), boundAllocC())
	defer func() { heapSink = nil }()
	// The heap profile shows the heap as of a completed GC cycle, and may
	// be up to two cycles old (runtime.MemProfile).
	runtime.GC()
	runtime.GC()

	const small = 2
	tests := []struct {
		field string
		def   int
		linux bool // the bound applies to what is read from Linux's /proc
		// check collects with the field set to n and checks that the
		// section applied the bound want.
		check func(t *testing.T, n, want int)
	}{
		{field: "Goroutines.MaxGroups", def: DefaultMaxGroups, check: func(t *testing.T, n, want int) {
			r := collectGoroutines(t, Goroutines{MaxGroups: n, DetailMax: -1})
			require.Greater(t, r.GroupCount, small)
			assert.Len(t, r.Groups, min(r.GroupCount, want))
			if want < r.GroupCount {
				require.NotNil(t, r.Omitted)
				assert.Equal(t, "max_groups", r.Omitted.Reason)
			}
		}},
		{field: "Goroutines.MaxFrames", def: DefaultMaxFrames, check: func(t *testing.T, n, want int) {
			r := collectGoroutines(t, Goroutines{MaxFrames: n, MaxGroups: math.MaxInt, DetailMax: -1})
			deepest := 0
			for _, g := range r.Groups {
				all := len(g.Frames) + g.FramesOmitted
				deepest = max(deepest, all)
				assert.Len(t, g.Frames, min(all, want))
			}
			require.Greater(t, deepest, small)
		}},
		{field: "Goroutines.MaxBytes", def: DefaultMaxBytes, check: func(t *testing.T, n, want int) {
			r := collectGoroutines(t, Goroutines{MaxBytes: n, MaxGroups: math.MaxInt, DetailMax: -1})
			if want < 100 { // too small for any group's text
				assert.Empty(t, r.Groups)
				require.NotNil(t, r.Omitted)
				assert.Equal(t, "max_bytes", r.Omitted.Reason)
				return
			}
			assert.Nil(t, r.Omitted, "a test process's groups fit the default")
		}},
		{field: "Goroutines.DetailMax", def: DefaultDetailMax, check: func(t *testing.T, n, want int) {
			r := collectGoroutines(t, Goroutines{DetailMax: n})
			switch want {
			case 0:
				assert.Equal(t, modeGrouped, r.Mode)
				assert.Contains(t, r.ModeReason, "detail is off")
			case small:
				assert.Equal(t, modeGrouped, r.Mode)
				assert.Contains(t, r.ModeReason, "more than the detail limit of 2")
			default:
				assert.Equal(t, modeDetail, r.Mode, "a test process has fewer goroutines than the default")
				assert.Contains(t, r.ModeReason, "detail limit of "+strconv.Itoa(want/1000)+",000")
			}
		}},
		{field: "Threads.MaxThreads", def: DefaultMaxThreads, linux: true, check: func(t *testing.T, n, want int) {
			r := collectThreads(t, Threads{MaxThreads: n})
			assert.Equal(t, want, r.MaxThreads)
			all := len(r.Threads) + r.Omitted
			require.Greater(t, all, small)
			assert.Len(t, r.Threads, min(all, want))
		}},
		{field: "Process.MaxFDs", def: DefaultMaxFDs, linux: true, check: func(t *testing.T, n, want int) {
			r := collectProcess(t, Process{MaxFDs: n})
			require.NotNil(t, r.FDs, "notes: %v", r.Notes)
			assert.Equal(t, want, r.FDs.MaxFDs)
			require.Greater(t, r.FDs.Count, small)
			assert.Len(t, r.FDs.List, min(r.FDs.Count, want))
		}},
		{field: "Package.MaxDependencies", def: DefaultMaxDependencies, check: func(t *testing.T, n, want int) {
			// A test binary's build information lists no dependencies.
			bi := &debug.BuildInfo{Path: "example.com/shop"}
			for i := range DefaultMaxDependencies + 1 {
				bi.Deps = append(bi.Deps, &debug.Module{Path: fmt.Sprintf("example.com/dep%d", i), Version: "v1.0.0"})
			}
			r := &PackageReport{Dependencies: []Dependency{}}
			Package{MaxDependencies: n}.addBuildInfo(r, bi, &redact.Redactor{})
			assert.Len(t, r.Dependencies, min(len(bi.Deps), want))
			assert.Equal(t, len(bi.Deps)-len(r.Dependencies), r.DependenciesOmitted)
		}},
		{field: "Heap.MaxSites", def: DefaultMaxSites, check: func(t *testing.T, n, want int) {
			data, err := Heap{MaxSites: n}.Collect(context.Background())
			require.NoError(t, err)
			r := data.(*HeapReport)
			if want == 0 {
				assert.Empty(t, r.TopAllocations)
				assert.Nil(t, r.Profile(), "no sites: the heap profile is not read")
				return
			}
			require.Greater(t, r.AllocationSites, small, "note: %s", r.ProfileNote)
			assert.Len(t, r.TopAllocations, min(r.AllocationSites, want))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			if tt.linux && runtime.GOOS != "linux" {
				t.Skip("read from Linux's /proc")
			}
			for _, c := range []struct{ n, want int }{{0, tt.def}, {-1, 0}, {math.MinInt, 0}, {small, small}} {
				t.Run(strconv.Itoa(c.n), func(t *testing.T) { tt.check(t, c.n, c.want) })
			}
		})
	}
	runtime.KeepAlive(heapSink)
}
