package gmr_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// childBin is the path of testdata/child, built once by TestMain.
var childBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gmr-child-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "make temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	childBin = filepath.Join(dir, "child")
	if runtime.GOOS == "windows" {
		childBin += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", childBin, "../testdata/child")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build child: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// syncBuffer is a bytes.Buffer safe for one writer and many readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// child is a running testdata/child process.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *syncBuffer
	stdout *syncBuffer // what the child printed after "ready"
	ready  string      // the "ready ..." line
	exited chan struct{}
}

// startChild starts testdata/child with args and extra environment, and
// waits until it says it is ready. The child is stopped when the test ends.
func startChild(t *testing.T, env []string, args ...string) *child {
	t.Helper()
	return startProgram(t, childBin, env, args...)
}

// startProgram starts the program bin with args and extra environment, and
// waits until it prints a line starting with "ready ". The program is
// stopped when the test ends.
func startProgram(t *testing.T, bin string, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	c := &child{cmd: cmd, stderr: &syncBuffer{}, stdout: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	c.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	go func() {
		cmd.Wait() //nolint:errcheck // the exit status is checked through ProcessState
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.stdin.Close()
		select {
		case <-c.exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill() //nolint:errcheck // best effort
			<-c.exited
		}
	})

	ready := make(chan error, 1)
	go func() {
		br := bufio.NewReader(stdout)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				ready <- fmt.Errorf("child stdout ended before ready: %w", err)
				return
			}
			if strings.HasPrefix(line, "ready ") {
				c.ready = strings.TrimSpace(line)
				break
			}
		}
		ready <- nil
		io.Copy(c.stdout, br) //nolint:errcheck // the child's exit ends it
	}()
	select {
	case err := <-ready:
		require.NoError(t, err, "child stderr:\n%s", c.stderr.String())
	case <-c.exited:
		t.Fatalf("child exited before it was ready: %v\nstderr:\n%s", cmd.ProcessState, c.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("child not ready after 30s\nstderr:\n%s", c.stderr.String())
	}
	return c
}

// send writes a command line to the child's stdin.
func (c *child) send(t *testing.T, cmd string) {
	t.Helper()
	_, err := io.WriteString(c.stdin, cmd+"\n")
	require.NoError(t, err)
}

// alive reports whether the child is still running.
func (c *child) alive() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// stop closes the child's stdin, which makes it stop gmr and exit, and waits
// for it to exit successfully.
func (c *child) stop(t *testing.T) {
	t.Helper()
	c.stdin.Close()
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("child did not exit after its stdin was closed\nstderr:\n%s", c.stderr.String())
	}
	require.True(t, c.cmd.ProcessState.Success(), "child exit: %v\nstderr:\n%s", c.cmd.ProcessState, c.stderr.String())
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
