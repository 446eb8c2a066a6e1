//go:build linux

package sections

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/internal/procfs"
)

// sum is the parts of m.
func (m *MemoryUse) sum() int64 { return m.goBytes() + m.OtherBytes }

func TestSplitSmapsNamed(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "procfs", "smaps", "go-named.smaps"))
	require.NoError(t, err)
	rss, err := procfs.ParseSmapsRSS(b)
	require.NoError(t, err)
	m := &MemoryUse{}
	splitSmaps(m, rss, goMemory{heapStacks: 100 << 10})
	assert.Equal(t, MemorySmaps, m.Method)
	assert.Equal(t, int64(424-100)<<10, m.GoHeapBytes, "the heap mapping less the stacks carved from it")
	assert.Equal(t, int64(100+4)<<10, m.GoStacksBytes, "those stacks and the OS thread stack mapping")
	var metadata int64
	for name, v := range rss {
		switch procfs.GoMappingName(name) {
		case "immortal metadata", "heap index", "page summary", "scavenge index", "gc bits":
			metadata += int64(v)
		}
	}
	assert.Equal(t, metadata, m.GoMetadataBytes)
	assert.Positive(t, m.GoMetadataBytes)
	assert.Equal(t, int64(rss["/srv/shop/shop"]+rss[""]+rss["[stack]"]+rss["[vvar]"]+rss["[vvar_vclock]"]+rss["[vdso]"]+rss["[vsyscall]"]),
		m.OtherBytes, "the binary, the unnamed mapping and the kernel's")
	assert.Equal(t, m.RSSBytes, m.sum(), "every resident byte in one part")

	// More stacks counted than the heap holds: no negative heap.
	m = &MemoryUse{}
	splitSmaps(m, rss, goMemory{heapStacks: 1 << 30})
	assert.Zero(t, m.GoHeapBytes)
	assert.Equal(t, m.RSSBytes, m.sum())
}

func TestSplitStatus(t *testing.T) {
	m := &MemoryUse{AnonBytes: 60 << 20, FileBytes: 40 << 20}
	splitStatus(m, 100<<20, goMemory{heap: 40 << 20, heapStacks: 1 << 20, osStacks: 1 << 20, metadata: 4 << 20, other: 2 << 20})
	assert.Equal(t, &MemoryUse{Method: MemoryStatus, RSSBytes: 100 << 20, AnonBytes: 60 << 20, FileBytes: 40 << 20,
		GoHeapBytes: 40 << 20, GoStacksBytes: 2 << 20, GoMetadataBytes: 4 << 20, GoOtherBytes: 2 << 20, OtherBytes: 52 << 20}, m)

	// The runtime counts 200 MiB it mapped, of which 50 MiB is resident:
	// its figures are scaled down to the anonymous RSS.
	m = &MemoryUse{AnonBytes: 50 << 20, FileBytes: 10 << 20}
	splitStatus(m, 60<<20, goMemory{heap: 180 << 20, metadata: 20 << 20})
	assert.Equal(t, int64(45<<20), m.GoHeapBytes)
	assert.Equal(t, int64(5<<20), m.GoMetadataBytes)
	assert.Equal(t, int64(10<<20), m.OtherBytes)
	assert.Equal(t, m.RSSBytes, m.sum())
}

func TestReadMemoryLive(t *testing.T) {
	self := procfs.Default.Self()
	st, err := self.Status()
	require.NoError(t, err)
	maps, _, err := self.Maps(maxMapsBytes)
	require.NoError(t, err)
	r := &ProcessReport{}
	m := readMemory(context.Background(), self, st, r)
	assert.Empty(t, r.Notes)
	want := MemoryStatus
	if procfs.HasGoMappingNames(maps) {
		want = MemorySmaps
	}
	assert.Equal(t, want, m.Method, "smaps only where the kernel names Go's mappings")
	assert.Positive(t, m.RSSBytes)
	assert.Positive(t, m.GoHeapBytes)
	assert.Positive(t, m.GoMetadataBytes)
	assert.Positive(t, m.OtherBytes, "the test binary's text")
	assert.LessOrEqual(t, m.sum(), m.RSSBytes+m.RSSBytes/10, "the parts are of the RSS")
	assert.Equal(t, int64(st.RSSAnon), m.AnonBytes)
	assert.Equal(t, int64(st.RSSFile), m.FileBytes)
}

func TestReadMemoryCannedSmaps(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "procfs", "smaps", "go-named.smaps"))
	require.NoError(t, err)
	root := t.TempDir()
	dir := filepath.Join(root, "7")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "maps"), b, 0o600)) // the names are what counts
	require.NoError(t, os.WriteFile(filepath.Join(dir, "smaps"), b, 0o600))
	r := &ProcessReport{}
	m := readMemory(context.Background(), procfs.FS(root).Proc(7), procfs.Status{VMRSS: 1 << 20}, r)
	assert.Empty(t, r.Notes)
	assert.Equal(t, MemorySmaps, m.Method)
	assert.Positive(t, m.GoMetadataBytes)
	assert.Equal(t, m.RSSBytes, m.sum())

	// A malformed smaps: a note, and the estimate from status.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "smaps"), []byte("garbage\n"), 0o600))
	r = &ProcessReport{}
	m = readMemory(context.Background(), procfs.FS(root).Proc(7), procfs.Status{VMRSS: 1 << 20}, r)
	assert.Equal(t, MemoryStatus, m.Method)
	require.Len(t, r.Notes, 1)
	assert.Contains(t, r.Notes[0], "memory: procfs: parse smaps")
}
