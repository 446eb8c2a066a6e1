package sections

import "time"

// The defaults of the sections' bounds: what a zero field means. See
// "Bounds" in the package documentation for the rule every bound follows.
const (
	// DefaultMaxGroups is the default of Goroutines.MaxGroups.
	DefaultMaxGroups = 64
	// DefaultMaxFrames is the default of Goroutines.MaxFrames.
	DefaultMaxFrames = 64
	// DefaultMaxBytes is the default of Goroutines.MaxBytes: 1 MiB.
	DefaultMaxBytes = 1 << 20
	// DefaultDetailMax is the default of Goroutines.DetailMax. See
	// BenchmarkGoroutineDetail and gmr's BenchmarkReport for how it was
	// chosen.
	DefaultDetailMax = 1000
	// DefaultLongWait is the default of Goroutines.LongWait. It is a
	// threshold rather than a bound: a negative LongWait lists every
	// blocked goroutine.
	DefaultLongWait = time.Minute
	// DefaultMaxThreads is the default of Threads.MaxThreads.
	DefaultMaxThreads = 256
	// DefaultMaxFDs is the default of Process.MaxFDs.
	DefaultMaxFDs = 64
	// DefaultMaxDependencies is the default of Package.MaxDependencies.
	DefaultMaxDependencies = 200
	// DefaultMaxSites is the default of Heap.MaxSites.
	DefaultMaxSites = 10
)

// bound applies the rule every section's bounds follow to a field n whose
// default is def: zero means def, a negative value means none (0), and a
// positive value is the bound.
func bound(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return 0
	}
	return n
}
