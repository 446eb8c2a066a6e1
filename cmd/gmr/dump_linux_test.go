//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
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

	"github.com/gmr-go/gmr/formatters"
)

// svcEnv is the environment of a svc child: its own runtime dir, so that
// its marker is its own, plus extra.
func svcEnv(t *testing.T, extra ...string) []string {
	return append([]string{"XDG_RUNTIME_DIR=" + t.TempDir()}, extra...)
}

func TestDumpWithGMRDir(t *testing.T) {
	tests := []struct {
		name   string
		format string
		args   []string
		want   string
		pid    string // how the report says the pid
	}{
		{"text", "text", nil, formatters.Footer, "pid = %d\n"},
		{"json", "json", nil, `"schema_version": "2"`, `"pid": %d,`},
		{"json as text", "json", []string{"--format=text"}, formatters.Footer, "pid = %d\n"},
		{"text as text", "text", []string{"--format=text"}, formatters.Footer, "pid = %d\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := startProc(t, svcBin, svcEnv(t, "GMR_DIR="+dir, "GMR_FORMAT="+tt.format))
			args := append(append([]string{"dump", "--timeout=30s"}, tt.args...), strconv.Itoa(p.pid))
			res := runGMR(t, nil, args...)
			require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
			assert.Contains(t, res.stdout, tt.want)
			assert.Contains(t, res.stdout, fmt.Sprintf(tt.pid, p.pid), "the report of that process")
			assert.Contains(t, res.stderr, "with SIGUSR2 (from its marker")
			files, err := reportFiles(dir, p.pid)
			require.NoError(t, err)
			require.Len(t, files, 1)
			for name := range files {
				assert.Contains(t, res.stderr, filepath.Join(dir, name))
			}
		})
	}
}

func TestDumpStrippedBinary(t *testing.T) {
	// -ldflags=-s -w drops the symbol table; the function table that
	// names gmr.Setup stays.
	dir := t.TempDir()
	p := startProc(t, svcStrippedBin, svcEnv(t, "GMR_DIR="+dir))
	res := runGMR(t, nil, "dump", strconv.Itoa(p.pid))
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Contains(t, res.stdout, formatters.Footer)
}

func TestDumpPrintsTheReportOfThatProcess(t *testing.T) {
	dir := t.TempDir()
	p := startProc(t, svcBin, svcEnv(t, "GMR_DIR="+dir, "GMR_FORMAT=json"))
	res := runGMR(t, nil, "dump", strconv.Itoa(p.pid))
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	rf, err := parseReport([]byte(res.stdout))
	require.NoError(t, err)
	assert.Equal(t, p.pid, rf.Header.PID)
	assert.Equal(t, "signal SIGUSR2", rf.Header.Trigger)

	// A second dump prints the second report, not the first again.
	res = runGMR(t, nil, "dump", strconv.Itoa(p.pid))
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	files, err := reportFiles(dir, p.pid)
	require.NoError(t, err)
	assert.Len(t, files, 2)
	assert.Contains(t, res.stderr, newest(files, nil))
}

func TestDumpWithOnlyTriggerFile(t *testing.T) {
	dir := t.TempDir()
	trigger := filepath.Join(t.TempDir(), "report-now")
	// No GMR_SIGNAL and no marker to be found: the trigger file from the
	// environment is the only way to ask.
	p := startProc(t, svcBin, []string{"XDG_RUNTIME_DIR=/nonexistent", "TMPDIR=" + filepath.Join(t.TempDir(), "missing"),
		"GMR_DIR=" + dir, "GMR_TRIGGER_FILE=" + trigger})
	res := runGMR(t, nil, "dump", strconv.Itoa(p.pid))
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Contains(t, res.stdout, formatters.Footer)
	assert.Contains(t, res.stdout, "trigger = file "+trigger)
	assert.Contains(t, res.stderr, "through its trigger file "+trigger)
}

func TestDumpTriggerFileFromMarker(t *testing.T) {
	dir := t.TempDir()
	trigger := filepath.Join(t.TempDir(), "report-now")
	p := startProc(t, svcBin, svcEnv(t, "GMR_DIR="+dir, "GMR_TRIGGER_FILE="+trigger))
	res := runGMR(t, nil, "dump", strconv.Itoa(p.pid))
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Contains(t, res.stdout, "trigger = file "+trigger, "the trigger file is preferred to the signal")
	assert.Contains(t, res.stderr, "from its marker")
}

func TestDumpSignalAndDirSetInCode(t *testing.T) {
	// WithSignal(SIGUSR1) and WithDir in code, nothing in the environment:
	// only the marker knows them.
	dir := t.TempDir()
	p := startProc(t, svcBin, svcEnv(t), "-signal=SIGUSR1", "-dir="+dir)
	res := runGMR(t, nil, "dump", strconv.Itoa(p.pid))
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Contains(t, res.stdout, "trigger = signal SIGUSR1")
	assert.Contains(t, res.stderr, "with SIGUSR1 (from its marker")
}

func TestDumpRefusesWithoutMarkerOrVariables(t *testing.T) {
	// A gmr service whose marker cannot be found and whose environment
	// names no signal: dump must not guess SIGUSR2.
	svc := startWithStderrFile(t, []string{"XDG_RUNTIME_DIR=/nonexistent", "TMPDIR=" + filepath.Join(t.TempDir(), "missing")}, "")

	// The service could not write its marker (its TMPDIR is missing):
	// its stderr says so.
	b, err := os.ReadFile(svc.log)
	require.NoError(t, err)
	require.Contains(t, string(b), "cannot write the marker")
	res := runGMR(t, nil, "dump", "--timeout=2s", strconv.Itoa(svc.cmd.Process.Pid))
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "will not send a signal on a guess")
	assert.Empty(t, res.stdout)
	_, err = svc.stdin.Write([]byte("grow 1\n")) // best effort only: the decisive no-signal checks are TestDumpRefusesNonGMRProcess's
	require.NoError(t, err)
	svc.readLine(t)
	b, err = os.ReadFile(svc.log)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "Guru Meditation", "no report was asked for")
}

func TestDumpRefusesNonGMRProcess(t *testing.T) {
	for _, tt := range []struct {
		name, bin, want string
	}{
		{"go program without gmr", plainBin, "no dependency on github.com/gmr-go/gmr"},
		{"gmr's module without gmr.Setup", nogmrBin, "without github.com/gmr-go/gmr/gmr.Setup"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Even with GMR_SIGNAL in its environment, it is not signalled.
			p := startProc(t, tt.bin, []string{"GMR_SIGNAL=SIGUSR2", "GMR_DIR=" + t.TempDir()})
			res := runGMR(t, nil, "dump", "--timeout=2s", strconv.Itoa(p.pid))
			assert.Equal(t, 1, res.code)
			assert.Contains(t, res.stderr, tt.want)
			assert.Contains(t, res.stderr, "sends it nothing")
			assert.Empty(t, res.stdout)
			assert.Equal(t, "signals 0", p.say(t, "check"), "the process got no signal")
			assert.True(t, p.running())
		})
	}
	t.Run("not a go program", func(t *testing.T) {
		sleep, err := exec.LookPath("sleep")
		if err != nil {
			t.Skip("no sleep(1) on this system")
		}
		cmd := exec.Command(sleep, "60")
		cmd.Env = []string{"GMR_SIGNAL=SIGUSR2"}
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		defer func() { cmd.Process.Kill(); <-done }() //nolint:errcheck // the test is over
		res := runGMR(t, nil, "dump", "--timeout=2s", strconv.Itoa(cmd.Process.Pid))
		assert.Equal(t, 1, res.code)
		assert.Contains(t, res.stderr, "is not a Go program built with gmr")
		// SIGUSR2's default action ends sleep: it is alive, so it got none.
		require.NoError(t, syscall.Kill(cmd.Process.Pid, 0), "still there")
		b, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/stat")
		require.NoError(t, err)
		assert.NotContains(t, string(b[strings.LastIndexByte(string(b), ')'):]), ") Z ", "not a zombie")
		select {
		case err := <-done:
			t.Fatalf("sleep exited: %v", err)
		default:
		}
	})
	t.Run("no such process", func(t *testing.T) {
		res := runGMR(t, nil, "dump", "999999999")
		assert.Equal(t, 1, res.code)
		assert.Contains(t, res.stderr, "no process 999999999")
	})
}

// stderrService is the test service, started with its stderr a file.
type stderrService struct {
	cmd    *exec.Cmd
	log    string // the stderr file
	stdin  io.WriteCloser
	stdout io.Reader
}

// startWithStderrFile starts the test service with env and its stderr a
// new file that begins with logged, and waits until it is ready. The
// service ends with the test.
func startWithStderrFile(t *testing.T, env []string, logged string) *stderrService {
	t.Helper()
	s := &stderrService{cmd: exec.Command(svcBin), log: filepath.Join(t.TempDir(), "svc.log")}
	require.NoError(t, os.WriteFile(s.log, []byte(logged), 0o600))
	f, err := os.OpenFile(s.log, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	s.cmd.Env = env
	s.cmd.Stderr = f
	s.stdin, err = s.cmd.StdinPipe()
	require.NoError(t, err)
	s.stdout, err = s.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	t.Cleanup(func() { s.stdin.Close(); s.cmd.Wait() }) //nolint:errcheck // the test is over
	// "ready <pid>"
	s.readLine(t)
	return s
}

// readLine reads what the service printed next.
func (s *stderrService) readLine(t *testing.T) {
	t.Helper()
	buf := make([]byte, 64)
	_, err := s.stdout.Read(buf)
	require.NoError(t, err)
}

func TestDumpToStderrFile(t *testing.T) {
	// Reports to stderr, which is a regular file: dump prints the report
	// from it and says where it is, in each format gmr writes.
	for _, format := range []string{"json", "text", "jsonl", "jsonl-sections"} {
		t.Run(format, func(t *testing.T) {
			// A log line before the report, as a service writes them.
			svc := startWithStderrFile(t, svcEnv(t, "GMR_FORMAT="+format), `{"schema_version":"log","msg":"not a report"}`+"\n")

			start := time.Now()
			res := runGMR(t, nil, "dump", "--timeout=20s", strconv.Itoa(svc.cmd.Process.Pid))
			require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
			assert.Less(t, time.Since(start), 15*time.Second, "the whole report is seen, not waited out")
			assert.Contains(t, res.stderr, "from its stderr, the file "+svc.log)
			if format == "text" {
				assert.True(t, strings.HasSuffix(res.stdout, formatters.Footer+"\n"), "one whole text report: %s", res.stdout)
				return
			}
			rf, err := parseReport([]byte(res.stdout))
			require.NoError(t, err, "one whole report: %.2000s", res.stdout)
			assert.Equal(t, "2", rf.SchemaVersion)
			require.NotNil(t, rf.section("goroutines"))
			var g goroutinesData
			require.NoError(t, json.Unmarshal(rf.section("goroutines").Data, &g))
			assert.Positive(t, g.Total)
			assert.NotEmpty(t, g.Groups)
		})
	}
}

func TestDumpToStderrPipe(t *testing.T) {
	// Reports to a pipe: dump asks, then says where to read the report.
	p := startProc(t, svcBin, svcEnv(t))
	res := runGMR(t, nil, "dump", strconv.Itoa(p.pid))
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Empty(t, res.stdout)
	assert.Contains(t, res.stderr, "writes its reports to its stderr")
	assert.Contains(t, res.stderr, "fd 2 is ")
}

func TestDumpIgnoresStaleMarker(t *testing.T) {
	runtimeDir := t.TempDir()
	p := startProc(t, svcBin, []string{"XDG_RUNTIME_DIR=" + runtimeDir, "GMR_DIR=" + t.TempDir()}, "-signal=SIGUSR1")
	path := filepath.Join(runtimeDir, "gmr", strconv.Itoa(p.pid)+".json")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var m markerFile
	require.NoError(t, json.Unmarshal(b, &m))
	require.Equal(t, p.pid, m.PID)
	require.Equal(t, "SIGUSR1", m.Signal)

	// The same pid, but another process's start time: a marker left by a
	// process that had the pid before. Dump removes it and, with no
	// GMR_SIGNAL, refuses rather than guess.
	m.StartTicks++
	b, err = json.Marshal(m)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
	res := runGMR(t, nil, "dump", "--timeout=2s", strconv.Itoa(p.pid))
	assert.Equal(t, 1, res.code, "stderr: %s", res.stderr)
	assert.Contains(t, res.stderr, "will not send a signal on a guess")
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "the stale marker is removed")
}

func TestDumpTimeout(t *testing.T) {
	// A report directory the service does not write to (GMR_DIR says one
	// thing, WithDir in code another, and there is no marker: its TMPDIR
	// is missing): dump waits for the timeout and says so.
	codeDir, envDir := t.TempDir(), t.TempDir()
	p := startProc(t, svcBin, []string{"XDG_RUNTIME_DIR=/nonexistent", "TMPDIR=" + filepath.Join(t.TempDir(), "missing"),
		"GMR_SIGNAL=SIGUSR2", "GMR_DIR=" + envDir}, "-dir="+codeDir)
	start := time.Now()
	res := runGMR(t, nil, "dump", "--timeout=500ms", strconv.Itoa(p.pid))
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "no new report")
	assert.Contains(t, res.stderr, "options set in code may differ")
	assert.Less(t, time.Since(start), 20*time.Second)
}

func TestDumpSweepsMarkersOfEndedProcesses(t *testing.T) {
	runtimeDir := t.TempDir()
	p := startProc(t, svcBin, []string{"XDG_RUNTIME_DIR=" + runtimeDir, "GMR_DIR=" + t.TempDir()})
	dir := filepath.Join(runtimeDir, "gmr")

	// A process that ended without Stop: its marker stays behind.
	ended := exec.Command(svcBin)
	ended.Env = []string{"XDG_RUNTIME_DIR=" + runtimeDir}
	stdin, err := ended.StdinPipe() // held open: at EOF svc stops, and Stop removes its marker
	require.NoError(t, err)
	defer stdin.Close()
	stdout, err := ended.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, ended.Start())
	buf := make([]byte, 64)
	_, err = stdout.Read(buf) // "ready": its marker is written
	require.NoError(t, err)
	endedMarker := filepath.Join(dir, strconv.Itoa(ended.Process.Pid)+".json")
	require.FileExists(t, endedMarker)
	require.NoError(t, ended.Process.Kill())
	ended.Wait() //nolint:errcheck // killed

	res := runGMR(t, nil, "dump", strconv.Itoa(p.pid))
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.NoFileExists(t, endedMarker, "the marker of the ended process is removed")
	assert.FileExists(t, filepath.Join(dir, strconv.Itoa(p.pid)+".json"), "the live one stays")
}
