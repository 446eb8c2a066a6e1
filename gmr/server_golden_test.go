//go:build unix

package gmr_test

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// serverReport builds examples/server, runs it with GMR_DIR, signals it
// once and returns its text report.
func serverReport(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	out, err := exec.Command("go", "build", "-o", bin, "../examples/server").CombinedOutput()
	require.NoError(t, err, "build examples/server: %s", out)

	dir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "GMR_DIR="+dir)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck // the exit is checked below
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill() //nolint:errcheck // best effort
			<-exited
		}
	}()
	waitFor(t, 30*time.Second, "the server to start", func() bool { return strings.Contains(stderr.String(), "kill -USR2") })
	require.NoError(t, cmd.Process.Signal(syscall.SIGUSR2))
	waitFor(t, 30*time.Second, "the report file", func() bool { return len(reportFiles(t, dir)) == 1 })
	b, err := os.ReadFile(filepath.Join(dir, reportFiles(t, dir)[0]))
	require.NoError(t, err)
	return string(b)
}

// The parts of a report that change from run to run, with what a golden
// file has in their place.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`), "<time>"},
	{regexp.MustCompile(`(?m)^host = .*$`), "host = <host>"},
	{regexp.MustCompile(`host\.name=\S+`), "host.name=<host>"},
	{regexp.MustCompile(`go_version = go\S+`), "go_version = <go>"},
	// "devel", or the pseudo-version go build stamps from the VCS.
	{regexp.MustCompile(`(?m)^gmr_version = .*$`), "gmr_version = <gmr>"},
	{regexp.MustCompile(`\d+(\.\d+)?(ns|µs|ms|s|m|h)\b`), "<duration>"},
	{regexp.MustCompile(`\d+(\.\d+)? (B|KiB|MiB|GiB)\b`), "<size>"},
	{regexp.MustCompile(`\d[\d,]*`), "<n>"},
}

func normalize(s string) string {
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

// TestServerReportGolden checks the top of a real report of
// examples/server, normalized, against testdata/golden/server_top.txt: the
// header, the findings, then the goroutines, which start within the first
// 40 lines. Run go test ./gmr -run TestServerReportGolden -update to
// rewrite it.
func TestServerReportGolden(t *testing.T) {
	rep := serverReport(t)
	lines := strings.Split(rep, "\n")

	titles := regexp.MustCompile(`^==== +(\w[\w ]*?) +====$`)
	var order []string
	goroutinesAt := -1
	for i, l := range lines {
		if m := titles.FindStringSubmatch(l); m != nil {
			order = append(order, m[1])
			if m[1] == "Goroutines" {
				goroutinesAt = i + 1
			}
		}
	}
	assert.Equal(t, []string{"Guru Meditation", "Findings", "Goroutines", "Threads", "Process", "Heap", "Config", "Package", "Environment"}, order,
		"findings, goroutines, then the rest, with the build and the environment last")
	require.Positive(t, goroutinesAt)
	assert.LessOrEqual(t, goroutinesAt, 40, "the goroutine section starts within the first 40 lines:\n%s", strings.Join(lines[:min(len(lines), 45)], "\n"))

	// The top: up to the goroutine section's first two lines. The findings
	// depend on the machine (a loaded one may see scheduler latency), so
	// each finding line is checked for its form and left out of the
	// comparison.
	var top []string
	finding := regexp.MustCompile(`^(CRITICAL|WARNING|INFO) +[a-z][a-z0-9_]* +.+ \(see [a-z]+\)$`)
	for _, l := range lines[:min(len(lines), goroutinesAt+3)] {
		switch {
		case finding.MatchString(l), strings.HasPrefix(l, "no findings (checked: "):
			if top[len(top)-1] != "<findings>" {
				top = append(top, "<findings>")
			}
		default:
			top = append(top, normalize(l))
		}
	}
	got := strings.Join(top, "\n") + "\n"
	path := filepath.Join("..", "testdata", "golden", "server_top.txt")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing: run go test ./gmr -run TestServerReportGolden -update")
	assert.Equal(t, string(want), got, "the top of the server's report changed; run go test ./gmr -run TestServerReportGolden -update if that is intended")
}
