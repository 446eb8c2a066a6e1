//go:build unix

package gmr_test

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJSONLSectionsLineBoundFromChild signals a real child with 10,000
// goroutines in 100 stack shapes and checks every jsonl-sections line on its
// stderr: within the bound, and JSON alone (and for jq, when it is there).
func TestJSONLSectionsLineBoundFromChild(t *testing.T) {
	for _, tc := range []struct {
		env   []string
		bound int
	}{
		{nil, 16384},
		{[]string{"GMR_MAX_LINE=8000"}, 8000},
	} {
		t.Run(strconv.Itoa(tc.bound), func(t *testing.T) {
			lines := childRecords(t, tc.env)
			longest, parts := 0, 0
			for i, l := range lines {
				longest = max(longest, len(l))
				require.LessOrEqual(t, len(l), tc.bound, "line %d: %.200s", i, l)
				require.True(t, json.Valid([]byte(l)), "line %d parses alone: %.200s", i, l)
				if strings.Contains(l, `"part_index":`) {
					parts++
				}
			}
			require.Greater(t, parts, 1, "the goroutines section is split")
			t.Logf("%d records (%d parts), longest line %d bytes, bound %d", len(lines), parts, longest, tc.bound)
			jq, err := exec.LookPath("jq")
			if err != nil {
				t.Log("jq is not on PATH: not piping the lines through jq -e .")
				return
			}
			for i, l := range lines {
				cmd := exec.Command(jq, "-e", ".")
				cmd.Stdin = strings.NewReader(l)
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "jq -e . on line %d: %s", i, out)
			}
		})
	}
}

// childRecords returns the jsonl-sections lines, newlines included, of one
// report of a child with 10,000 goroutines in 100 stack shapes.
func childRecords(t *testing.T, env []string) []string {
	t.Helper()
	c := startChild(t, append([]string{"GMR_FORMAT=jsonl-sections"}, env...), "-park", "10000", "-shapes", "100")
	c.signal(t)
	var lines []string
	waitFor(t, 60*time.Second, "the report's last record on stderr", func() bool {
		lines = lines[:0]
		for l := range strings.Lines(c.stderr.String()) {
			if strings.HasPrefix(l, `{"schema_version"`) {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 || !strings.HasSuffix(lines[len(lines)-1], "\n") {
			return false
		}
		var last struct {
			SectionIndex, SectionCount, PartIndex, PartCount int
		}
		last.PartCount = 1
		if json.Unmarshal([]byte(lines[len(lines)-1]), &struct {
			SectionIndex *int `json:"section_index"`
			SectionCount *int `json:"section_count"`
			PartIndex    *int `json:"part_index"`
			PartCount    *int `json:"part_count"`
		}{&last.SectionIndex, &last.SectionCount, &last.PartIndex, &last.PartCount}) != nil {
			return false
		}
		return last.SectionIndex == last.SectionCount-1 && last.PartIndex == last.PartCount-1
	})
	c.stop(t)
	return lines
}

// TestJSONLSectionsThroughRsyslog sends every jsonl-sections record of a
// real report, at GMR_MAX_LINE=8000, to a real rsyslogd with its default
// message size (8 KiB) and checks that its mmjsonparse parses every one.
func TestJSONLSectionsThroughRsyslog(t *testing.T) {
	rsyslogd, err := exec.LookPath("rsyslogd")
	if err != nil {
		t.Skip("rsyslogd is not installed (apt-get install rsyslog): skipping the rsyslog test")
	}
	mods, _ := filepath.Glob("/usr/lib/*/rsyslog/mmjsonparse.so")
	more, _ := filepath.Glob("/usr/lib/rsyslog/mmjsonparse.so")
	if len(mods)+len(more) == 0 {
		t.Skip("rsyslog's mmjsonparse module (mmjsonparse.so) is not installed: skipping the rsyslog test")
	}
	dir, err := os.MkdirTemp("", "gmr-rsyslog-") // short: a socket path has a small limit
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Mkdir(filepath.Join(dir, "work"), 0o700))
	sock, out := filepath.Join(dir, "log.sock"), filepath.Join(dir, "out.txt")
	conf := fmt.Sprintf(`global(workDirectory=%[1]q)
module(load="imuxsock" SysSock.Use="off")
module(load="mmjsonparse")
input(type="imuxsock" Socket=%[2]q)
template(name="ok" type="string" string="OK %%$!report_id%%\n")
template(name="fail" type="string" string="FAIL %%msg:1:200%%\n")
action(type="mmjsonparse" cookie="")
if $parsesuccess == "OK" then action(type="omfile" file=%[3]q template="ok")
else action(type="omfile" file=%[3]q template="fail")
`, filepath.Join(dir, "work"), sock, out)
	confPath := filepath.Join(dir, "rsyslog.conf")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o600))
	var logs syncBuffer
	cmd := exec.Command(rsyslogd, "-n", "-f", confPath, "-i", filepath.Join(dir, "rsyslogd.pid"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		cmd.Wait() //nolint:errcheck // stopped by the test
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill() //nolint:errcheck // best effort
			<-exited
		}
	})
	waitFor(t, 10*time.Second, "rsyslogd's socket", func() bool {
		_, err := os.Stat(sock)
		return err == nil
	})

	lines := childRecords(t, []string{"GMR_MAX_LINE=8000"})
	conn, err := net.Dial("unixgram", sock)
	require.NoError(t, err)
	defer conn.Close()
	var id struct {
		ReportID string `json:"report_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &id))
	for _, l := range lines {
		// What logger(1) sends: a priority, a tag and the message.
		_, err := conn.Write([]byte("<14>gmr: " + strings.TrimSuffix(l, "\n")))
		require.NoError(t, err)
	}
	var got []string
	waitFor(t, 20*time.Second, fmt.Sprintf("rsyslog's output to hold %d records", len(lines)), func() bool {
		b, _ := os.ReadFile(out)
		got = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		return len(b) > 0 && len(got) >= len(lines)
	})
	require.Len(t, got, len(lines), "rsyslogd's log:\n%s", logs.String())
	for i, g := range got {
		assert.Equal(t, "OK "+id.ReportID, g, "record %d parsed by mmjsonparse", i)
	}
	t.Logf("rsyslog %s: mmjsonparse parsed all %d records", rsyslogd, len(got))
}
