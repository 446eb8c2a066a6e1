//go:build linux

package procfs

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/internal/ownfd"
)

func TestFDDirSelf(t *testing.T) {
	f, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer f.Close()
	d, err := Default.Self().OpenFDDir()
	require.NoError(t, err)
	assert.True(t, d.Self())
	fds, _ := ownfd.Snapshot()
	assert.Equal(t, "listing /proc/self/fd", fds[d.FD()], "the listing's own descriptor is gmr's")

	all, total, err := d.List(1 << 20)
	require.NoError(t, err)
	assert.Len(t, all, total)
	assert.Contains(t, all, int(f.Fd()))
	assert.Contains(t, all, d.FD(), "the directory's own descriptor is listed")
	buf := make([]byte, 4096)
	target, err := d.Readlink(int(f.Fd()), buf)
	require.NoError(t, err)
	assert.Equal(t, os.DevNull, string(target))
	kind, _ := ClassifyFDTarget(target)
	assert.Equal(t, KindDevice, kind)

	// A bounded listing keeps the lowest and counts them all.
	first, total2, err := d.List(2)
	require.NoError(t, err)
	assert.Equal(t, all[:2], first)
	assert.Equal(t, total, total2)

	_, err = d.Readlink(1<<30, buf)
	assert.True(t, IsGone(err), "a closed descriptor: %v", err)
	require.NoError(t, d.Close())
	fds, _ = ownfd.Snapshot()
	assert.NotContains(t, fds, d.FD(), "forgotten once closed")

	_, err = FS(t.TempDir()).Self().OpenFDDir()
	assert.True(t, IsGone(err))
}

func TestParseFDName(t *testing.T) {
	for name, want := range map[string]int{"0": 0, "42": 42, "2147483647": 1<<31 - 1} {
		got, ok := parseFDName([]byte(name))
		assert.True(t, ok, name)
		assert.Equal(t, want, got, name)
	}
	for _, name := range []string{"", ".", "..", "-1", "2147483648", "9999999999", "12345678901", "1a"} {
		_, ok := parseFDName([]byte(name))
		assert.False(t, ok, name)
	}
}

func TestClassifyFDTarget(t *testing.T) {
	for target, want := range map[string]string{
		"/dev/null": KindDevice, "/dev/shm/x": KindFile, "/memfd:x (deleted)": KindOther, "/var/log/a": KindFile,
		"socket:[12]": KindSocket, "pipe:[13]": KindPipe, "anon_inode:[eventfd]": KindAnonInode,
		"socket:[x]": KindOther, "socket:12": KindOther, "net:[4026531840]": KindOther, "weird": KindOther,
		"socket:[99999999999999999999]": KindOther,
	} {
		kind, _ := ClassifyFDTarget([]byte(target))
		assert.Equal(t, want, kind, target)
		kind2, _ := ParseFDTarget(target)
		assert.Equal(t, kind, kind2, target)
	}
	_, inode := ClassifyFDTarget([]byte("socket:[160356]"))
	assert.Equal(t, uint64(160356), inode)
}
