package sections

import "github.com/gmr-go/gmr/internal/textfmt"

// Methods of MemoryUse.
const (
	// MemorySmaps is the resident bytes of each mapping in
	// /proc/self/smaps, where the kernel shows the names Go gives its
	// mappings ("[anon: Go: heap]"; Go 1.25 and later, on kernels built
	// with CONFIG_ANON_VMA_NAME).
	MemorySmaps = "smaps"
	// MemoryStatus is the resident set of /proc/self/status split by the
	// Go runtime's own account of its memory (runtime/metrics), where the
	// kernel does not name Go's mappings.
	MemoryStatus = "status"
)

// MemoryUse is where the process's resident memory (RSS) went: the Go
// heap, goroutine stacks, the runtime's metadata, other memory of the Go
// runtime, and the rest, which Go does not manage (cgo and C libraries'
// allocations, the binary's text and data, mapped files).
//
// With MemorySmaps every figure is resident memory, measured. With
// MemoryStatus the Go figures are the runtime's account of the memory it
// has mapped and uses (runtime/metrics /memory/classes), scaled down in
// proportion to the anonymous RSS where they add up to more (the runtime
// counts pages it mapped but never touched), and OtherBytes is what of
// the RSS they leave: an estimate.
type MemoryUse struct {
	// Method is how the figures were found: MemorySmaps ("smaps") or
	// MemoryStatus ("status").
	Method string `json:"method"`
	// RSSBytes is the resident set size.
	RSSBytes int64 `json:"rss_bytes"`
	// GoHeapBytes is the Go heap: live and dead objects, and spans kept
	// free for reuse. Goroutine stacks are carved out of the heap's
	// mappings; with MemorySmaps they are taken out of it by the
	// runtime's count of them.
	GoHeapBytes int64 `json:"go_heap_bytes"`
	// GoStacksBytes is the goroutine stacks and the stacks of the OS
	// threads the runtime made.
	GoStacksBytes int64 `json:"go_stacks_bytes"`
	// GoMetadataBytes is the runtime's metadata: span and cache
	// structures, the heap's index and bitmaps, the page allocator's
	// summaries.
	GoMetadataBytes int64 `json:"go_metadata_bytes"`
	// GoOtherBytes is the rest of the runtime's memory: profiling
	// buckets, trace buffers, and other small allocations.
	GoOtherBytes int64 `json:"go_other_bytes"`
	// OtherBytes is the RSS that is not the Go runtime's: the binary
	// and shared libraries, mapped files, cgo and C allocations.
	OtherBytes int64 `json:"other_bytes"`
	// AnonBytes, FileBytes and ShmemBytes split the RSS by kind of page,
	// from /proc/self/status: anonymous memory, file mappings, shared
	// memory.
	AnonBytes  int64 `json:"anon_bytes"`
	FileBytes  int64 `json:"file_bytes"`
	ShmemBytes int64 `json:"shmem_bytes"`
}

// memoryClasses are the runtime/metrics read for MemoryUse, in order.
var memoryClasses = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/os-stacks:bytes",
	"/memory/classes/metadata/mcache/free:bytes",
	"/memory/classes/metadata/mcache/inuse:bytes",
	"/memory/classes/metadata/mspan/free:bytes",
	"/memory/classes/metadata/mspan/inuse:bytes",
	"/memory/classes/metadata/other:bytes",
	"/memory/classes/profiling/buckets:bytes",
	"/memory/classes/other:bytes",
}

// goMemory is the Go runtime's account of its memory, by MemoryUse's
// classes.
type goMemory struct {
	heap, heapStacks, osStacks, metadata, other int64
}

// readGoMemory reads the runtime's memory classes.
func readGoMemory() (goMemory, []string) {
	m := metricValues{samples: readMetrics(memoryClasses...)}
	v := func(i int) int64 { return int64(min(m.uint64(i), 1<<62)) }
	g := goMemory{
		heap:       v(0) + v(1) + v(2),
		heapStacks: v(3),
		osStacks:   v(4),
		metadata:   v(5) + v(6) + v(7) + v(8) + v(9),
		other:      v(10) + v(11),
	}
	return g, m.missingNames()
}

// writeText writes the split as one line, largest first after the heap.
func (m *MemoryUse) writeText(buf interface{ WriteString(string) (int, error) }) {
	b := func(n int64) string { return textfmt.Bytes(uint64(max(n, 0))) }
	method := m.Method
	if method == MemoryStatus {
		method += ", estimated"
	}
	buf.WriteString("  where rss went (" + textfmt.Escape(method) + "): Go heap " + b(m.GoHeapBytes) +
		", goroutine and thread stacks " + b(m.GoStacksBytes) +
		", runtime metadata " + b(m.GoMetadataBytes) +
		", other Go " + b(m.GoOtherBytes) +
		", not Go (binary, cgo, mapped files) " + b(m.OtherBytes) + "\n")
	buf.WriteString("  rss by page kind: anon " + b(m.AnonBytes) + ", file " + b(m.FileBytes) + ", shmem " + b(m.ShmemBytes) + "\n")
}
