//go:build unix

package gmr_test

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
)

var builtinSections = []string{"Package", "Config", "Goroutines", "Threads", "Heap"}

func (c *child) signal(t *testing.T) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGUSR2))
}

func TestSignalWritesReportToStderr(t *testing.T) {
	const parked = 137
	c := startChild(t, nil, "-park", "137", "-db-password", "hunter2-canary")

	c.signal(t)
	waitFor(t, 20*time.Second, "first report", func() bool {
		return strings.Count(c.stderr.String(), formatters.Footer) == 1
	})
	report := c.stderr.String()

	assert.True(t, strings.HasPrefix(report, strings.Repeat("=", 72)+"\n====                        Guru Meditation"), "report starts with the banner:\n%.300s", report)
	for _, name := range builtinSections {
		assert.Regexp(t, `(?m)^==== +`+name+` +====$`, report, "section %s present", name)
	}
	assert.Contains(t, report, "service = child")
	assert.Contains(t, report, "version = 9.9.9")
	assert.Contains(t, report, "trigger = signal SIGUSR2")
	assert.Contains(t, report, runtime.Version(), "the child's Go version, the toolchain that built it")
	assert.Contains(t, report, "main.parkedWorker", "the child's own function names")
	assert.Contains(t, report, "  github.com/google/pprof v0.0.0-", "the dependency list")
	assert.Regexp(t, regexp.MustCompile(`(?m)^`+"137"+` goroutines\b[^\n]*\n(\s+\S[^\n]*\n)*?\s+main\.parkedWorker\b`), report,
		"a group of exactly %d goroutines parked in main.parkedWorker", parked)
	assert.NotContains(t, report, "hunter2-canary", "secret flag value is masked")
	assert.True(t, c.alive(), "child still running after the report")

	c.signal(t)
	waitFor(t, 20*time.Second, "second report", func() bool {
		return strings.Count(c.stderr.String(), formatters.Footer) == 2
	})
	assert.True(t, c.alive(), "child still running after the second report")
}

func TestSignalWritesFilesToDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	c := startChild(t, []string{"GMR_DIR=" + dir}, "-park", "10")

	// Watch the directory the whole time: every visible report file must
	// be complete the moment it can be seen.
	stopWatch := make(chan struct{})
	watchErr := make(chan string, 1)
	go func() {
		defer close(watchErr)
		for {
			select {
			case <-stopWatch:
				return
			default:
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".") || strings.HasSuffix(e.Name(), "-crash.txt") || strings.HasSuffix(e.Name(), ".pb.gz") {
					continue
				}
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err == nil && !strings.HasSuffix(string(b), formatters.Footer+"\n") {
					watchErr <- e.Name() + " was visible before it was complete"
					return
				}
			}
		}
	}()

	for i := 1; i <= 3; i++ {
		c.signal(t)
		// The notice on stderr comes after the file: wait for both.
		waitFor(t, 20*time.Second, "report file and its notice", func() bool {
			return len(reportFiles(t, dir)) == i && strings.Count(c.stderr.String(), ") written to ") == i
		})
	}
	close(stopWatch)
	for msg := range watchErr {
		t.Error(msg)
	}

	files := reportFiles(t, dir)
	require.Len(t, files, 3)
	nameRE := regexp.MustCompile(`^child-\d{8}T\d{6}\.\d{6}Z-\d+-\d{6}\.txt$`)
	for i, name := range files {
		assert.Regexp(t, nameRE, name)
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "%s mode", name)
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.True(t, strings.HasSuffix(string(b), formatters.Footer+"\n"), "%s is complete", name)
		for _, sec := range builtinSections {
			assert.Regexp(t, `(?m)^==== +`+sec+` +====$`, string(b))
		}
		if i > 0 {
			assert.Less(t, files[i-1], name, "names sort in the order written")
		}
		assert.Contains(t, c.stderr.String(), "written to "+filepath.Join(dir, name), "stderr says where the report went")
	}
	dirInfo, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dirInfo.Mode().Perm(), "report dir is created 0700")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 10, "three reports with two profiles each, and the crash output file; no temporary files left behind")
	crash, err := filepath.Glob(filepath.Join(dir, "child-*-crash.txt"))
	require.NoError(t, err)
	require.Len(t, crash, 1, "Setup opened a crash output file")
	fi, err := os.Stat(crash[0])
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	assert.Zero(t, fi.Size())
	assert.NotContains(t, c.stderr.String(), formatters.Footer, "the report went to the file, not stderr")
	assert.True(t, c.alive())

	c.stop(t)
	assert.NoFileExists(t, crash[0], "Stop removes an empty crash file")
	assert.Len(t, reportFiles(t, dir), 3, "the reports stay")
}

// reportFiles lists the visible report files in dir, sorted.
func reportFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") && !strings.HasSuffix(e.Name(), "-crash.txt") && !strings.HasSuffix(e.Name(), ".pb.gz") {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestHungAndPanickingSectionsInChild(t *testing.T) {
	c := startChild(t, nil, "-hang-section", "-panic-section", "-timeout", "500ms")
	start := time.Now()
	c.signal(t)
	waitFor(t, 10*time.Second, "report despite a hung section", func() bool {
		return strings.Contains(c.stderr.String(), formatters.Footer)
	})
	took := time.Since(start)
	report := c.stderr.String()
	assert.Less(t, took, 5*time.Second, "report written within its deadline")
	assert.Regexp(t, `(?m)^==== +Hung +====\n=+\nerror: timed out after`, report)
	assert.Contains(t, report, `error: section "panicky" panicked: section exploded`)
	for _, name := range builtinSections {
		assert.Regexp(t, `(?m)^==== +`+name+` +====$`, report, "section %s still present", name)
	}
	// The hung section must not block the next report, which says it is
	// still running and shows its goroutine, labelled.
	c.signal(t)
	waitFor(t, 10*time.Second, "second report", func() bool {
		return strings.Count(c.stderr.String(), formatters.Footer) == 2
	})
	second := c.stderr.String()[strings.Index(c.stderr.String(), formatters.Footer):]
	assert.Regexp(t, `(?m)^==== +Hung +====\n=+\nerror: skipped: still running from an earlier report`, second)
	assert.Contains(t, second, "[gmr_section=hung]", "the hung section's goroutine is labelled")
	assert.True(t, c.alive())
}

// TestRefusedSignalInChild starts a child with GMR_SIGNAL=URG, the runtime's
// own preemption signal: one notice says so, the default signal takes its
// place, and the busy child makes no report until it is asked.
func TestRefusedSignalInChild(t *testing.T) {
	c := startChild(t, []string{"GMR_SIGNAL=URG"}, "-park", "20")
	notice := `gmr: ignoring GMR_SIGNAL="URG": SIGURG is sent by the Go runtime itself to preempt goroutines`
	// The child wrote it before "ready", but its stderr is copied apart.
	waitFor(t, 10*time.Second, "the notice", func() bool { return strings.Contains(c.stderr.String(), notice) })
	assert.Equal(t, 1, strings.Count(c.stderr.String(), notice), "one notice:\n%s", c.stderr.String())
	assert.NotContains(t, c.stderr.String(), formatters.Footer, "no report without a request")
	c.signal(t) // SIGUSR2, the default
	waitFor(t, 20*time.Second, "a report on the default signal", func() bool {
		return strings.Count(c.stderr.String(), formatters.Footer) == 1
	})
	assert.Contains(t, c.stderr.String(), "trigger = signal SIGUSR2")
}
