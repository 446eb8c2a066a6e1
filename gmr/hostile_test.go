//go:build unix

package gmr_test

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
)

// childGoroutines asks the child for its goroutine count.
func childGoroutines(t *testing.T, c *child) int {
	t.Helper()
	before := strings.Count(c.stdout.String(), "goroutines ")
	c.send(t, "goroutines")
	waitFor(t, 10*time.Second, "goroutine count", func() bool {
		return strings.Count(c.stdout.String(), "goroutines ") > before
	})
	m := regexp.MustCompile(`goroutines (\d+)\n`).FindAllStringSubmatch(c.stdout.String(), -1)
	n, err := strconv.Atoi(m[len(m)-1][1])
	require.NoError(t, err)
	return n
}

// ping checks that the child still answers.
func ping(t *testing.T, c *child) {
	t.Helper()
	before := strings.Count(c.stdout.String(), "pong")
	c.send(t, "ping")
	waitFor(t, 5*time.Second, "pong", func() bool { return strings.Count(c.stdout.String(), "pong") > before })
}

func TestSignalStorm(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, []string{"GMR_DIR=" + dir}, "-park", "2000")
	baseline := childGoroutines(t, c)

	pid := c.cmd.Process.Pid
	for range 500 {
		require.NoError(t, syscall.Kill(pid, syscall.SIGUSR2))
	}
	ping(t, c)
	// Let the folded follow-up report (after the minimum interval) finish.
	waitFor(t, 15*time.Second, "reports to settle", func() bool {
		n := len(reportFiles(t, dir))
		time.Sleep(1500 * time.Millisecond)
		return n > 0 && n == len(reportFiles(t, dir))
	})

	files := reportFiles(t, dir)
	assert.GreaterOrEqual(t, len(files), 1)
	assert.LessOrEqual(t, len(files), 10, "500 signals fold into a handful of reports: %v", files)
	for _, f := range files {
		fi, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.Contains(t, string(b), "2,000 goroutines")
	}
	assert.True(t, c.alive())
	ping(t, c)
	waitFor(t, 10*time.Second, "goroutines back to baseline", func() bool {
		return childGoroutines(t, c) <= baseline
	})
	t.Logf("500 signals gave %d reports", len(files))
}

func TestReportWhenOutOfFileDescriptors(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, []string{"GMR_DIR=" + dir}, "-nofile", "64")
	waitFor(t, 5*time.Second, "the child to be at EMFILE", func() bool {
		return strings.Contains(c.stderr.String(), "out of file descriptors")
	})

	c.signal(t)
	waitFor(t, 20*time.Second, "report file despite EMFILE", func() bool { return len(reportFiles(t, dir)) == 1 })
	b, err := os.ReadFile(filepath.Join(dir, reportFiles(t, dir)[0]))
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(string(b), formatters.Footer+"\n"))
	assert.Regexp(t, `(?m)^==== +Goroutines +====$`, string(b))

	// The reserve descriptor is taken back, so a second report works too.
	time.Sleep(time.Second) // the minimum interval
	c.signal(t)
	waitFor(t, 20*time.Second, "second report file", func() bool { return len(reportFiles(t, dir)) == 2 })
	assert.True(t, c.alive())
}

func TestCrashOutputFile(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, []string{"GMR_DIR=" + dir})
	c.send(t, "fatal")
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		t.Fatal("child did not die of its fatal error")
	}
	assert.False(t, c.cmd.ProcessState.Success())
	crash, err := filepath.Glob(filepath.Join(dir, "child-*-crash.txt"))
	require.NoError(t, err)
	require.Len(t, crash, 1)
	b, err := os.ReadFile(crash[0])
	require.NoError(t, err)
	// The runtime writes its "fatal error:" line to stderr only, before
	// it turns to the crash output; the stacks go to both.
	assert.True(t, strings.Contains(string(b), "runtime.throw"), "the crash file holds the throw")
	assert.True(t, strings.Contains(string(b), "main.fatalStackOverflow"), "the crash file holds the failing stack")
	assert.True(t, strings.Contains(c.stderr.String(), "fatal error: stack overflow"), "stderr still gets it all")
}

func TestReportPanicInChild(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, []string{"GMR_DIR=" + dir})
	c.send(t, "panic")
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		t.Fatal("child did not re-panic")
	}
	assert.False(t, c.cmd.ProcessState.Success(), "the panic still ends the program")
	assert.Contains(t, c.stderr.String(), "panic: child panic canary")
	files := reportFiles(t, dir)
	require.Len(t, files, 1, "one report written before the program died")
	b, err := os.ReadFile(filepath.Join(dir, files[0]))
	require.NoError(t, err)
	assert.Contains(t, string(b), "trigger = panic: child panic canary")
	assert.Contains(t, string(b), "main.main.func", "the report shows the panicking goroutine")
}

func TestSignalBeforeSetupReturns(t *testing.T) {
	cmd := exec.Command(childBin, "-setup-delay", "1s")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() {
		stdin.Close()
		cmd.Wait() //nolint:errcheck // checked below where it matters
	}()
	br := bufio.NewReader(stdout)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "starting "), line)

	// gmr is initialised but Setup has not run: the signal must not kill.
	require.NoError(t, cmd.Process.Signal(syscall.SIGUSR2))
	line, err = br.ReadString('\n')
	require.NoError(t, err, "child died of an early SIGUSR2; stderr:\n%s", stderr.String())
	require.True(t, strings.HasPrefix(line, "ready "), line)
	go io.Copy(io.Discard, br) //nolint:errcheck // drain

	require.NoError(t, cmd.Process.Signal(syscall.SIGUSR2))
	waitFor(t, 20*time.Second, "report after Setup", func() bool {
		return strings.Contains(stderr.String(), formatters.Footer)
	})
	assert.Equal(t, 1, strings.Count(stderr.String(), formatters.Footer), "the early signal was dropped, not queued")
}

func TestPanickingFormatterInChild(t *testing.T) {
	c := startChild(t, nil, "-panic-formatter", "-park", "3")
	c.signal(t)
	waitFor(t, 20*time.Second, "text report after the formatter panicked", func() bool {
		return strings.Contains(c.stderr.String(), formatters.Footer)
	})
	assert.Contains(t, c.stderr.String(), `gmr: formatter "panicky" failed: formatter panicked: formatter exploded; writing the report as text`)
	assert.Regexp(t, `(?m)^==== +Goroutines +====$`, c.stderr.String())
	assert.True(t, c.alive())
}

func TestUnwritableDirInChild(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	c := startChild(t, []string{"GMR_DIR=" + filepath.Join(file, "reports")})
	waitFor(t, 5*time.Second, "the warning", func() bool {
		return strings.Contains(c.stderr.String(), "gmr: ignoring GMR_DIR=")
	})
	c.signal(t)
	waitFor(t, 20*time.Second, "report on stderr instead", func() bool {
		return strings.Contains(c.stderr.String(), formatters.Footer)
	})
	assert.True(t, c.alive())
	ping(t, c)
}

func TestSignalAfterStopInChild(t *testing.T) {
	c := startChild(t, nil)
	c.send(t, "stop")
	waitFor(t, 10*time.Second, "Stop to return", func() bool { return strings.Contains(c.stdout.String(), "stopped") })
	for range 3 {
		c.signal(t)
	}
	ping(t, c) // the signals were delivered before the child answered
	time.Sleep(200 * time.Millisecond)
	assert.True(t, c.alive(), "SIGUSR2 after Stop is ignored, not fatal")
	assert.NotContains(t, c.stderr.String(), formatters.Footer, "and makes no report")
}
