//go:build linux

package sections

import (
	"context"
	"slices"
	"strings"

	"github.com/gmr-go/gmr/internal/procfs"
)

const (
	// maxMapsBytes bounds the read of /proc/self/maps, which tells
	// whether the kernel names Go's mappings: 4 MiB is some 40,000
	// mappings.
	maxMapsBytes = 4 << 20
	// maxSmapsBytes bounds the read of /proc/self/smaps: about 1 KiB per
	// mapping, so 16 MiB is some 15,000 mappings. A Go program has a few
	// dozen, plus its shared libraries' and mapped files'.
	maxSmapsBytes = 16 << 20
)

// goStackMappings and goMetadataMappings are the names Go gives its
// mappings (runtime.setVMAName) that hold stacks and metadata; any other
// "[anon: Go: ...]" name but the heap's is other Go memory.
var (
	goStackMappings    = []string{"goroutine stack (system)", "OS thread stack"}
	goMetadataMappings = []string{"heap index", "immortal metadata", "allspans array", "gc bits",
		"page summary", "page alloc", "page alloc index", "scavenge index", "GC span queue"}
)

// readMemory says where the resident memory of p went: from smaps where
// the kernel names Go's mappings (but not in a small report), or else from
// status and the runtime's memory classes.
func readMemory(ctx context.Context, p procfs.Proc, st procfs.Status, r *ProcessReport) *MemoryUse {
	g, missing := readGoMemory()
	if len(missing) > 0 {
		r.note("memory: runtime/metrics without %s", strings.Join(missing, ", "))
	}
	m := &MemoryUse{
		AnonBytes:  int64(min(st.RSSAnon, 1<<62)),
		FileBytes:  int64(min(st.RSSFile, 1<<62)),
		ShmemBytes: int64(min(st.RSSShmem, 1<<62)),
	}
	maps, _, err := p.Maps(maxMapsBytes)
	if err != nil {
		r.note("memory: %v", err)
	}
	// A small report (Reduced) reads no smaps: up to 16 MiB of text, in a
	// process near its memory limit.
	if err == nil && procfs.HasGoMappingNames(maps) && ctx.Err() == nil && !Reduced(ctx) {
		if smaps, cut, err := p.Smaps(maxSmapsBytes); err != nil {
			r.note("memory: %v", err)
		} else if rss, err := procfs.ParseSmapsRSS(smaps); err != nil {
			r.note("memory: %v", err)
		} else {
			if cut {
				r.note("memory: /proc/self/smaps read to its first %d bytes only; the rest counts as not Go", maxSmapsBytes)
			}
			splitSmaps(m, rss, g)
			if vmRSS := int64(min(st.VMRSS, 1<<62)); cut && vmRSS > m.RSSBytes {
				m.OtherBytes += vmRSS - m.RSSBytes
				m.RSSBytes = vmRSS
			}
			return m
		}
	}
	splitStatus(m, int64(min(st.VMRSS, 1<<62)), g)
	return m
}

// splitStatus fills in m from the RSS and the runtime's account of its
// memory. The runtime counts memory it has mapped, some of which was never
// touched and is not resident (a large new slice of zeroes); Go's memory
// is anonymous, so where the runtime's figures add up to more than the
// anonymous RSS, they are scaled down to it, each in proportion.
func splitStatus(m *MemoryUse, rss int64, g goMemory) {
	m.Method = MemoryStatus
	m.RSSBytes = rss
	m.GoHeapBytes, m.GoStacksBytes = g.heap, g.heapStacks+g.osStacks
	m.GoMetadataBytes, m.GoOtherBytes = g.metadata, g.other
	if total := m.goBytes(); total > m.AnonBytes && total > 0 {
		scale := func(v int64) int64 { return int64(float64(v) / float64(total) * float64(m.AnonBytes)) }
		m.GoHeapBytes, m.GoStacksBytes = scale(m.GoHeapBytes), scale(m.GoStacksBytes)
		m.GoMetadataBytes, m.GoOtherBytes = scale(m.GoMetadataBytes), scale(m.GoOtherBytes)
	}
	m.OtherBytes = max(m.RSSBytes-m.goBytes(), 0)
}

// goBytes is the sum of the Go figures.
func (m *MemoryUse) goBytes() int64 {
	return m.GoHeapBytes + m.GoStacksBytes + m.GoMetadataBytes + m.GoOtherBytes
}

// splitSmaps fills in m from the resident bytes of each mapping name: the
// heap's mappings less the stacks the runtime carved from them, Go's
// stack, metadata and other mappings, and the rest.
func splitSmaps(m *MemoryUse, rss map[string]uint64, g goMemory) {
	m.Method = MemorySmaps
	var heap int64
	for name, n := range rss {
		v := int64(min(n, 1<<62))
		m.RSSBytes += v
		switch goName := procfs.GoMappingName(name); {
		case goName == "":
			m.OtherBytes += v
		case goName == "heap" || goName == "heap reservation" || goName == "user arena chunk":
			heap += v
		case slices.Contains(goStackMappings, goName):
			m.GoStacksBytes += v
		case slices.Contains(goMetadataMappings, goName):
			m.GoMetadataBytes += v
		default:
			m.GoOtherBytes += v
		}
	}
	stacks := min(g.heapStacks, heap)
	m.GoHeapBytes = heap - stacks
	m.GoStacksBytes += stacks
}
