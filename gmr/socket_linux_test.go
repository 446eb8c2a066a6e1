package gmr_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
)

// sockets lists the socket file descriptors of process pid.
func sockets(t *testing.T, pid int) []string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err == nil && strings.HasPrefix(target, "socket:") {
			out = append(out, e.Name()+" -> "+target)
		}
	}
	return out
}

func TestNoSocketBeforeOrAfterReport(t *testing.T) {
	c := startChild(t, nil, "-park", "5")
	pid := c.cmd.Process.Pid
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	require.NoError(t, err)
	require.NotEmpty(t, fds, "the check can see the child's descriptors")

	assert.Empty(t, sockets(t, pid), "no socket before a report")
	c.signal(t)
	waitFor(t, 20*time.Second, "report", func() bool {
		return strings.Contains(c.stderr.String(), formatters.Footer)
	})
	assert.Empty(t, sockets(t, pid), "no socket after a report")
}
