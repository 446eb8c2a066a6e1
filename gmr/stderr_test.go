//go:build unix

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

	"github.com/gmr-go/gmr/formatters"
)

// buildStderrChild builds testdata/stderrchild and returns its path.
func buildStderrChild(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "stderrchild")
	out, err := exec.Command("go", "build", "-o", bin, "../testdata/stderrchild").CombinedOutput()
	require.NoError(t, err, "build testdata/stderrchild:\n%s", out)
	return bin
}

// TestBrokenStderrDoesNotKill starts a service whose stderr is a pipe, lets
// the pipe's reader exit, as a dead log shipper or `svc 2>&1 | head` does,
// and signals it three times: without GMR_DIR (the report itself goes to
// the broken pipe) and with it (only gmr's notice does). The service must
// live, and its report files must be complete.
func TestBrokenStderrDoesNotKill(t *testing.T) {
	bin := buildStderrChild(t)

	for _, withDir := range []bool{false, true} {
		name := map[bool]string{false: "to stderr", true: "to GMR_DIR"}[withDir]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(bin)
			cmd.Env = os.Environ()
			if withDir {
				cmd.Env = append(cmd.Env, "GMR_DIR="+dir)
			}
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			stderr, err := cmd.StderrPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			exited := make(chan error, 1)
			lines := make(chan string, 16)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
				exited <- cmd.Wait()
			}()
			t.Cleanup(func() { cmd.Process.Kill() }) //nolint:errcheck // may have exited

			next := func(prefix string) string {
				t.Helper()
				select {
				case line, ok := <-lines:
					require.True(t, ok, "the service's stdout ended: it died")
					require.True(t, strings.HasPrefix(line, prefix), "want %q..., got %q", prefix, line)
					return line
				case <-time.After(30 * time.Second):
					t.Fatalf("no %q line after 30s", prefix)
					return ""
				}
			}
			next("ready ")
			// The reader goes away: every write to the service's fd 2
			// now fails with EPIPE.
			require.NoError(t, stderr.Close())

			for i := range 3 {
				require.NoError(t, cmd.Process.Signal(syscall.SIGUSR2))
				line := next("reported ")
				if withDir {
					assert.Contains(t, line, dir, "report %d went to the directory", i+1)
					assert.True(t, strings.HasSuffix(line, " <nil>"), "report %d: %s", i+1, line)
				} else {
					assert.Contains(t, line, "broken pipe", "report %d could not be written, and said so", i+1)
				}
			}
			_, err = stdin.Write([]byte("ping\n"))
			require.NoError(t, err)
			next("pong")
			require.NoError(t, stdin.Close())
			select {
			case err := <-exited:
				require.NoError(t, err, "the service exits normally when its stdin closes")
			case <-time.After(20 * time.Second):
				t.Fatal("the service did not exit")
			}

			if withDir {
				files, err := filepath.Glob(filepath.Join(dir, "stderrchild-*.txt"))
				require.NoError(t, err)
				var reports int
				for _, f := range files {
					if strings.HasSuffix(f, "-crash.txt") {
						continue
					}
					reports++
					b, err := os.ReadFile(f)
					require.NoError(t, err)
					assert.True(t, strings.HasSuffix(string(b), formatters.Footer+"\n"), "%s is complete", f)
				}
				assert.Equal(t, 3, reports)
			}
		})
	}
}
