//go:build unix

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// proc is a running test program that prints "ready <pid>" and reads
// commands on stdin.
type proc struct {
	cmd    *exec.Cmd
	pid    int
	stdin  io.WriteCloser
	lines  chan string // stdout after "ready", line by line
	exited chan struct{}
}

// startProc starts bin with args and extra environment (its environment is
// only env, so that the tests' own GMR_* settings do not leak in) and waits
// for "ready". The program is stopped when the test ends.
func startProc(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stderr = io.Discard // reports on stderr are read through gmr dump, not here
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &proc{cmd: cmd, lines: make(chan string, 16), exited: make(chan struct{})}
	p.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	go func() {
		cmd.Wait() //nolint:errcheck // checked through exited
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stdin.Close()
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill() //nolint:errcheck // best effort
			<-p.exited
		}
	})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	line := p.next(t)
	pid, ok := strings.CutPrefix(line, "ready ")
	require.True(t, ok, "want ready, got %q", line)
	p.pid, err = strconv.Atoi(pid)
	require.NoError(t, err)
	return p
}

// next returns the program's next line on stdout.
func (p *proc) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		require.True(t, ok, "program's stdout ended")
		return l
	case <-time.After(30 * time.Second):
		t.Fatal("no line from the program in 30s")
		return ""
	}
}

// say writes a command to the program and returns its answer.
func (p *proc) say(t *testing.T, cmd string) string {
	t.Helper()
	_, err := fmt.Fprintln(p.stdin, cmd)
	require.NoError(t, err)
	return p.next(t)
}

// running reports whether the program has not exited.
func (p *proc) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}
