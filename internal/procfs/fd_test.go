package procfs

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFDTarget(t *testing.T) {
	tests := []struct {
		target    string
		wantKind  string
		wantInode uint64
	}{
		{"/var/log/app.log", KindFile, 0},
		{"/var/log/app.log (deleted)", KindFile, 0},
		{"/dev/shm/buf", KindFile, 0},
		{"/dev/null", KindDevice, 0},
		{"/dev/pts/0", KindDevice, 0},
		{"socket:[12345]", KindSocket, 12345},
		{"pipe:[678]", KindPipe, 678},
		{"anon_inode:[eventpoll]", KindAnonInode, 0},
		{"anon_inode:inotify", KindAnonInode, 0},
		{"/memfd:buffer (deleted)", KindOther, 0},
		{"net:[4026531840]", KindOther, 0},
		{"socket:[x]", KindOther, 0},
		{"socket:12", KindOther, 0},
		{"pipe:[18446744073709551616]", KindOther, 0},
		{"", KindOther, 0},
		{"relative", KindOther, 0},
	}
	for _, tt := range tests {
		kind, inode := ParseFDTarget(tt.target)
		assert.Equal(t, tt.wantKind, kind, "ParseFDTarget(%q)", tt.target)
		assert.Equal(t, tt.wantInode, inode, "ParseFDTarget(%q)", tt.target)
	}
}

func TestFDsSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("no /proc/self/fd")
	}
	path := filepath.Join(t.TempDir(), "held")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()

	self := Default.Self()
	fds, err := self.FDs()
	require.NoError(t, err)
	assert.True(t, slices.IsSorted(fds))
	assert.Subset(t, fds, []int{0, 1, 2, int(f.Fd())})
	target, err := self.FDTarget(int(f.Fd()))
	require.NoError(t, err)
	assert.Equal(t, path, target)

	// The descriptor FDs reads the directory through is not listed: every
	// listed one is still open.
	for _, fd := range fds {
		_, err := self.FDTarget(fd)
		assert.NoError(t, err, "fd %d", fd)
	}

	// The same through /proc/<pid>.
	byPID, err := Default.Proc(os.Getpid()).FDs()
	require.NoError(t, err)
	assert.Equal(t, fds, byPID)

	_, err = self.FDTarget(1 << 30)
	assert.True(t, IsGone(err), "a closed descriptor: %v", err)
}

func TestFDsCanned(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "4242")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "fd"), 0o755))
	for fd, target := range map[int]string{0: "/dev/null", 3: "socket:[99]", 12: "pipe:[7]", 10: "/a b"} {
		require.NoError(t, os.Symlink(target, filepath.Join(dir, "fd", strconv.Itoa(fd))))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fd", "not-a-number"), nil, 0o644))

	p := FS(filepath.Dir(dir)).Proc(4242)
	fds, err := p.FDs()
	require.NoError(t, err)
	assert.Equal(t, []int{0, 3, 10, 12}, fds)
	target, err := p.FDTarget(10)
	require.NoError(t, err)
	assert.Equal(t, "/a b", target)

	_, err = FS(t.TempDir()).Self().FDs()
	assert.True(t, IsGone(err), "no fd directory: %v", err)
}
