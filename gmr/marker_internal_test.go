//go:build unix

package gmr

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envWith(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestMarkerWrittenBySetupRemovedByStop(t *testing.T) {
	runtimeDir := t.TempDir()
	reports := t.TempDir()
	trigger := filepath.Join(t.TempDir(), "trigger")
	var notices lockedBuffer
	r, err := Setup(WithStderr(&notices), WithService("svc"), WithDir(reports), WithFormat("json"),
		WithSignal(syscall.SIGUSR1), WithTriggerFile(trigger, time.Hour),
		withGetenv(envWith(map[string]string{"XDG_RUNTIME_DIR": runtimeDir})))
	require.NoError(t, err)
	defer r.Stop()

	dir := filepath.Join(runtimeDir, "gmr")
	path := filepath.Join(dir, strconv.Itoa(os.Getpid())+".json")
	b, err := os.ReadFile(path)
	require.NoError(t, err, "marker; notices: %s", notices.String())
	var m markerFile
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, os.Getpid(), m.PID)
	assert.Equal(t, "svc", m.Service)
	assert.Equal(t, "SIGUSR1", m.Signal)
	assert.Equal(t, trigger, m.TriggerFile)
	assert.Equal(t, reports, m.Dir)
	assert.Equal(t, "json", m.Format)
	assert.NotEmpty(t, m.GMRVersion)
	if _, err := os.Stat("/proc/self/stat"); err == nil {
		assert.NotZero(t, m.StartTicks, "the start time, to tell a reused pid apart")
	}

	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "marker file mode")
	fi, err = os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), "marker dir mode")
	assert.Empty(t, notices.String())

	r.Stop()
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "Stop removes the marker")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no temporary file left")
}

func TestMarkerWithoutSignalOrDir(t *testing.T) {
	runtimeDir := t.TempDir()
	var notices lockedBuffer
	r, err := Setup(WithStderr(&notices), WithoutSignal(),
		withGetenv(envWith(map[string]string{"XDG_RUNTIME_DIR": runtimeDir})))
	require.NoError(t, err)
	defer r.Stop()
	b, err := os.ReadFile(filepath.Join(runtimeDir, "gmr", strconv.Itoa(os.Getpid())+".json"))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.NotContains(t, m, "signal", "no signal is named when there is none")
	assert.NotContains(t, m, "dir", "reports go to stderr")
	assert.NotContains(t, m, "trigger_file")
	assert.Equal(t, "text", m["format"])
}

func TestMarkerUnsafeDirIsANoticeNotAFailure(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		want    string
	}{
		{"symlink", func(t *testing.T, dir string) {
			require.NoError(t, os.Symlink(t.TempDir(), dir))
		}, "not a directory"},
		{"open to others", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(dir, 0o700))
			require.NoError(t, os.Chmod(dir, 0o777))
		}, "open to other users"},
		{"a file", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(dir, nil, 0o600))
		}, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtimeDir := t.TempDir()
			dir := filepath.Join(runtimeDir, "gmr")
			tt.prepare(t, dir)
			var notices lockedBuffer
			r, err := Setup(WithStderr(&notices), WithoutSignal(),
				withGetenv(envWith(map[string]string{"XDG_RUNTIME_DIR": runtimeDir})))
			require.NoError(t, err, "a marker never makes Setup fail")
			r.Stop()
			assert.Contains(t, notices.String(), "cannot write the marker")
			assert.Contains(t, notices.String(), tt.want)
			_, err = os.Lstat(filepath.Join(dir, strconv.Itoa(os.Getpid())+".json"))
			assert.Error(t, err, "nothing written through or into the unsafe dir")
		})
	}
}

func TestMarkerDir(t *testing.T) {
	xdg := t.TempDir()
	uid := strconv.Itoa(os.Geteuid())
	assert.Equal(t, filepath.Join(xdg, "gmr"), markerDir(envWith(map[string]string{"XDG_RUNTIME_DIR": xdg})))
	assert.Equal(t, filepath.Join(os.TempDir(), "gmr-"+uid), markerDir(envWith(nil)))
	assert.Equal(t, filepath.Join(os.TempDir(), "gmr-"+uid), markerDir(envWith(map[string]string{"XDG_RUNTIME_DIR": "relative"})))
	assert.Equal(t, filepath.Join(os.TempDir(), "gmr-"+uid), markerDir(envWith(map[string]string{"XDG_RUNTIME_DIR": filepath.Join(xdg, "missing")})))
}
