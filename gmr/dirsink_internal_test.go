//go:build unix

package gmr

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/sections"
)

func testMeta(seq uint64) fileMeta {
	return fileMeta{service: "svc", time: time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC), pid: 42, seq: seq, ext: "txt"}
}

func TestDirSinkRefusesSymlinks(t *testing.T) {
	tests := []struct {
		name    string
		plant   func(meta fileMeta) string // the name the link is planted at
		wantErr bool
	}{
		{"at the temporary name", func(m fileMeta) string { return "." + m.fileName() + ".tmp" }, true},
		// rename(2) replaces the link itself; it never writes through it.
		{"at the final name", func(m fileMeta) string { return m.fileName() }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			victim := filepath.Join(t.TempDir(), "victim")
			require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o644))
			ds, err := newDirSink(dir)
			require.NoError(t, err)
			defer ds.close()

			meta := testMeta(1)
			link := filepath.Join(dir, tt.plant(meta))
			require.NoError(t, os.Symlink(victim, link))

			_, err = ds.write([]byte("report body"), meta)
			if tt.wantErr {
				require.Error(t, err)
				assert.ErrorContains(t, err, "file exists")
			} else {
				require.NoError(t, err)
				fi, err := os.Lstat(filepath.Join(dir, meta.fileName()))
				require.NoError(t, err)
				assert.True(t, fi.Mode().IsRegular(), "the link was replaced by a regular file")
			}
			b, err := os.ReadFile(victim)
			require.NoError(t, err)
			assert.Equal(t, "precious", string(b), "the link's target is untouched")
		})
	}
}

func TestRetention(t *testing.T) {
	dir := t.TempDir()
	foreign := []string{
		"notes.txt",
		"other-20261125T170000.000000Z-1-000001.txt", // another service's report
		"svc-backup.txt",
	}
	for _, name := range foreign {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("keep me"), 0o600))
	}
	var stderr bytes.Buffer
	// The goroutine and heap sections keep the profiles written beside
	// each report.
	r, err := New(WithService("svc"), WithDir(dir), WithRetention(3, 0), WithStderr(&stderr),
		WithOnlySections(report.Func("x", func(context.Context) (any, error) { return 1, nil }),
			sections.Goroutines{}, sections.Heap{}))
	require.NoError(t, err)
	defer r.dir.close()
	// Another replica's crash output file, empty while that process lives.
	// Its parent (the go command) is alive.
	liveCrash := filepath.Join(dir, fmt.Sprintf("svc-20190101T000000.000000Z-%d-crash.txt", os.Getppid()))
	require.NoError(t, os.WriteFile(liveCrash, nil, 0o600))
	// The empty crash file of a process that has exited without Stop, and
	// the non-empty one of a process that crashed.
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	deadCrash := filepath.Join(dir, fmt.Sprintf("svc-20190101T000000.000000Z-%d-crash.txt", dead.Process.Pid))
	require.NoError(t, os.WriteFile(deadCrash, nil, 0o600))
	crashed := filepath.Join(dir, fmt.Sprintf("svc-20190101T000000.000000Z-%d-crash.txt", dead.Process.Pid+1))
	require.NoError(t, os.WriteFile(crashed, []byte("fatal error: stack overflow"), 0o600))
	// An old report from an earlier run of this service, with a profile beside it.
	old := "svc-20200101T000000.000000Z-7-000001"
	for _, ext := range []string{".txt", ".goroutine.pb.gz"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, old+ext), []byte("old"), 0o600))
	}

	var written []string
	for range 5 {
		loc, err := r.Report(context.Background())
		require.NoError(t, err)
		written = append(written, filepath.Base(loc))
	}
	var ours, profiles []string
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		switch {
		case strings.HasSuffix(e.Name(), "-crash.txt"):
		case strings.HasPrefix(e.Name(), "svc-2") && strings.HasSuffix(e.Name(), ".pb.gz"):
			profiles = append(profiles, e.Name())
		case strings.HasPrefix(e.Name(), "svc-2"):
			ours = append(ours, e.Name())
		}
	}
	assert.Equal(t, written[2:], ours, "the three newest reports remain; the old run's files are gone")
	var wantProfiles []string
	for _, w := range written[2:] {
		stem := strings.TrimSuffix(w, ".txt")
		wantProfiles = append(wantProfiles, stem+".goroutine.pb.gz", stem+".heap.pb.gz")
	}
	assert.Equal(t, wantProfiles, profiles, "profiles go with their reports")
	for _, name := range foreign {
		assert.FileExists(t, filepath.Join(dir, name), "a file gmr did not write for this service")
	}
	assert.FileExists(t, liveCrash, "a live process's empty crash file is never pruned")
	assert.NoFileExists(t, deadCrash, "an exited process's empty crash file is cleaned up")

	t.Run("by bytes", func(t *testing.T) {
		r.s.maxReports, r.s.maxBytes = 0, 1 // only the newest can stay
		loc, err := r.Report(context.Background())
		require.NoError(t, err)
		all, err := filepath.Glob(filepath.Join(dir, "svc-2*"))
		require.NoError(t, err)
		var files []string
		for _, f := range all {
			if !strings.HasSuffix(f, "-crash.txt") {
				files = append(files, f)
			}
		}
		stem := strings.TrimSuffix(loc, ".txt")
		assert.Equal(t, []string{stem + ".goroutine.pb.gz", stem + ".heap.pb.gz", loc}, files)
	})
}

func TestTriggerFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trigger")
	require.NoError(t, os.WriteFile(path, nil, 0o600)) // exists at Setup: not a request
	var out bytes.Buffer
	done := make(chan string, 10)
	r, err := Setup(WithoutSignal(), WithTriggerFile(path, 10*time.Millisecond), WithStderr(&syncWriter{w: &out}),
		WithMinInterval(0),
		WithOnlySections(report.Func("x", func(context.Context) (any, error) { return 1, nil })),
		WithFormatter(triggerOnly{}), WithOnReport(func(loc string, err error) { done <- loc }))
	require.NoError(t, err)
	defer r.Stop()

	select {
	case <-done:
		t.Fatal("a report without a touch")
	case <-time.After(100 * time.Millisecond):
	}
	for i := range 2 {
		mtime := time.Now().Add(time.Duration(i+1) * time.Second)
		require.NoError(t, os.Chtimes(path, mtime, mtime))
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("no report after touch %d", i+1)
		}
	}
}

// triggerOnly formats only the trigger, for tests.
type triggerOnly struct{ formatters.Text }

func (triggerOnly) Format(w io.Writer, r *report.Report) error {
	_, err := fmt.Fprintln(w, r.Header.Trigger)
	return err
}

func TestFullAndReadOnlyDisk(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (needs root and mount rights): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() }) //nolint:errcheck // best effort

	var stderr syncWriter
	stderr.w = &bytes.Buffer{}
	big := strings.Repeat("x", 100<<10) // larger than the whole file system
	r, err := New(WithDir(mnt), WithStderr(&stderr), WithOnlySections(
		report.Func("big", func(context.Context) (any, error) { return big, nil })))
	require.NoError(t, err)
	defer r.dir.close()

	t.Run("full", func(t *testing.T) {
		loc, err := r.Report(context.Background())
		require.NoError(t, err, "the report is not lost")
		assert.Equal(t, "stderr", loc)
		assert.Contains(t, stderr.String(), "no space left on device")
		assert.Contains(t, stderr.String(), formatters.Footer)
		entries, err := os.ReadDir(mnt)
		require.NoError(t, err)
		assert.Empty(t, entries, "no partial or temporary file left behind")
	})
	t.Run("read-only", func(t *testing.T) {
		if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
			t.Skipf("cannot remount read-only: %v %s", err, out)
		}
		loc, err := r.Report(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "stderr", loc)
		assert.Contains(t, stderr.String(), "read-only file system")
	})
}

// syncWriter serialises writes, for a Reporter's stderr in tests.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func TestReportAfterStopGoesToStderr(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	r, err := New(WithDir(dir), WithStderr(&syncWriter{w: &stderr}),
		WithOnlySections(report.Func("x", func(context.Context) (any, error) { return 1, nil })))
	require.NoError(t, err)
	r.Stop()
	loc, err := r.Report(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "stderr", loc, "the directory was released by Stop")
	assert.NotContains(t, stderr.String(), "cannot write", "no attempt at profiles in a released directory")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// TestRetentionThroughTheOpenedDirectory swaps the report directory for a
// symbolic link to another directory after New: retention must list and
// remove only in the directory opened at New, never through the path.
func TestRetentionThroughTheOpenedDirectory(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "reports")
	require.NoError(t, os.Mkdir(dir, 0o700))
	r, err := New(WithService("svc"), WithDir(dir), WithRetention(1, 0), WithStderr(&discard{}), WithoutProfiles(),
		WithOnlySections(report.Func("x", func(context.Context) (any, error) { return 1, nil })))
	require.NoError(t, err)
	defer r.dir.close()

	elsewhere := filepath.Join(base, "elsewhere")
	require.NoError(t, os.Mkdir(elsewhere, 0o700))
	victims := []string{"svc-20200101T000000.000000Z-7-000001.txt", "svc-20200101T000000.000000Z-7-000002.txt"}
	for _, v := range victims {
		require.NoError(t, os.WriteFile(filepath.Join(elsewhere, v), []byte("not gmr's to delete"), 0o600))
	}
	moved := filepath.Join(base, "moved")
	require.NoError(t, os.Rename(dir, moved))
	require.NoError(t, os.Symlink(elsewhere, dir))

	for range 3 {
		_, err := r.Report(context.Background())
		require.NoError(t, err)
	}
	for _, v := range victims {
		assert.FileExists(t, filepath.Join(elsewhere, v), "retention did not follow the swapped path")
	}
	left, err := filepath.Glob(filepath.Join(moved, "svc-*.txt"))
	require.NoError(t, err)
	assert.Len(t, left, 1, "retention pruned the opened directory to its bound")
}

// kubeletUpdate writes content as kubelet's atomic writer updates a
// Downward API volume: into a new timestamped directory, then a new
// "..data" symbolic link to it swapped in by rename, then the old directory
// removed. The file's path, "<dir>/<name>", is a link through "..data".
func kubeletUpdate(t *testing.T, dir, name, content string, mtime time.Time, gen int) {
	t.Helper()
	ts := fmt.Sprintf("..2026_12_01_09_00_%02d.%09d", gen, gen)
	require.NoError(t, os.Mkdir(filepath.Join(dir, ts), 0o755))
	file := filepath.Join(dir, ts, name)
	require.NoError(t, os.WriteFile(file, []byte(content), 0o644))
	require.NoError(t, os.Chtimes(file, mtime, mtime))
	old, _ := os.Readlink(filepath.Join(dir, "..data"))
	require.NoError(t, os.Symlink(ts, filepath.Join(dir, "..data_tmp")))
	require.NoError(t, os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
	if _, err := os.Lstat(filepath.Join(dir, name)); os.IsNotExist(err) {
		require.NoError(t, os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)))
	}
	if old != "" {
		require.NoError(t, os.RemoveAll(filepath.Join(dir, old)))
	}
}

// TestTriggerFileDownwardAPI watches a Downward API file (a pod annotation
// that `kubectl annotate` changes): each kubelet update is exactly one
// report, even when the new file has the old one's modification time, and
// touching the file still works.
func TestTriggerFileDownwardAPI(t *testing.T) {
	dir := t.TempDir()
	mtime := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	kubeletUpdate(t, dir, "annotations", `gmr.dev/report="1"`, mtime, 1)
	path := filepath.Join(dir, "annotations")

	var reports atomic.Int64
	done := make(chan struct{}, 10)
	r, err := Setup(WithoutSignal(), WithTriggerFile(path, 5*time.Millisecond), WithStderr(&discard{}),
		WithMinInterval(0),
		WithOnlySections(report.Func("x", func(context.Context) (any, error) { return 1, nil })),
		WithFormatter(triggerOnly{}), WithOnReport(func(string, error) { reports.Add(1); done <- struct{}{} }))
	require.NoError(t, err)
	defer r.Stop()

	wait := func(what string) {
		t.Helper()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("no report after %s", what)
		}
	}
	// The same modification time: only the swap to a new file tells.
	kubeletUpdate(t, dir, "annotations", `gmr.dev/report="2"`, mtime, 2)
	wait("the first update")
	kubeletUpdate(t, dir, "annotations", `gmr.dev/report="3"`, mtime.Add(time.Minute), 3)
	wait("the second update")
	// Touching the file (through the links) is a request too; by the time
	// its report is done, the watcher has seen every earlier state, so a
	// second report for one update would have been counted.
	touched := mtime.Add(2 * time.Minute)
	require.NoError(t, os.Chtimes(path, touched, touched))
	wait("touch")
	assert.Equal(t, int64(3), reports.Load(), "one report per update and per touch")
}
