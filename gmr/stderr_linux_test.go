package gmr_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestStalledStderrDoesNotHang starts a service whose stderr is a FIFO
// whose reader never reads, as a stuck log shipper's, shrinks the pipe to
// one page so that the first report fills it, and signals it. While that
// report's write is blocked, WriteReport must give up when its context is
// done; the blocked write must fail after the report timeout, and say so to
// the OnReport function; a later report must fail at once, not queue; and
// Stop must return.
func TestStalledStderrDoesNotHang(t *testing.T) {
	bin := buildStderrChild(t)

	fifo := filepath.Join(t.TempDir(), "stderr")
	require.NoError(t, unix.Mkfifo(fifo, 0o600))
	// The reader: opened, never read.
	rd, err := unix.Open(fifo, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	defer unix.Close(rd)
	wr, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	require.NoError(t, err)
	size, err := unix.FcntlInt(uintptr(rd), unix.F_SETPIPE_SZ, 4096)
	require.NoError(t, err)

	cmd := exec.Command(bin, "-timeout=3s")
	cmd.Stderr = wr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	wr.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }) //nolint:errcheck // may have exited
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(prefix string, timeout time.Duration) string {
		t.Helper()
		deadline := time.After(timeout)
		for {
			select {
			case line, ok := <-lines:
				require.True(t, ok, "the service's stdout ended: it died")
				if strings.HasPrefix(line, prefix) {
					return line
				}
				t.Logf("service: %s", line)
			case <-deadline:
				t.Fatalf("no %q line from the service after %v", prefix, timeout)
				return ""
			}
		}
	}
	send := func(line string) {
		t.Helper()
		_, err := stdin.Write([]byte(line + "\n"))
		require.NoError(t, err)
	}
	inPipe := func() int {
		n, err := unix.IoctlGetInt(rd, unix.TIOCINQ) // FIONREAD
		require.NoError(t, err)
		return n
	}

	next("ready ", 30*time.Second)
	require.NoError(t, cmd.Process.Signal(syscall.SIGUSR2))
	waitFor(t, 10*time.Second, "the pipe to fill", func() bool { return inPipe() == size })

	// The report's write is blocked, holding the report lock.
	send("writereport 500ms")
	line := next("writereport ", 5*time.Second)
	assert.Contains(t, line, "waiting for the report in progress: context deadline exceeded")

	line = next("reported ", 10*time.Second)
	assert.Contains(t, line, "reported stderr ")
	assert.Contains(t, line, "not done after 3s")

	// Still blocked: the next report is refused at once.
	start := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGUSR2))
	line = next("reported ", 5*time.Second)
	assert.Contains(t, line, "writes dropped since")
	assert.Less(t, time.Since(start), 2*time.Second, "a report while stderr is blocked fails at once")

	send("stop")
	line = next("stopped in ", 5*time.Second)
	d, err := time.ParseDuration(strings.TrimPrefix(line, "stopped in "))
	require.NoError(t, err)
	assert.Less(t, d, time.Second, "Stop while stderr is blocked")
	t.Logf("Stop took %v; %d bytes in the pipe", d, inPipe())

	send("ping")
	next("pong", 5*time.Second)
	require.NoError(t, stdin.Close())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "the service exits normally with its stderr still blocked")
	case <-time.After(20 * time.Second):
		t.Fatal("the service did not exit")
	}
}
