package procfs

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var fakeProc = FS(filepath.Join(testdata, "proc"))

func TestTasks(t *testing.T) {
	tids, err := fakeProc.Proc(4242).Tasks()
	require.NoError(t, err)
	assert.Equal(t, []int{4242, 4243, 4244, 4245, 4246}, tids)

	_, err = fakeProc.Proc(1).Tasks()
	require.Error(t, err)
	assert.True(t, IsGone(err), "missing process: %v", err)
	assert.ErrorContains(t, err, "procfs: list threads: open ")
}

func TestTaskFiles(t *testing.T) {
	p := fakeProc.Proc(4242)
	tests := []struct {
		tid      int
		wantComm string
		wantStat Stat
		statErr  string // substring; "gone" means IsGone must hold
		commErr  bool
	}{
		{tid: 4242, wantComm: "server", wantStat: Stat{PID: 4242, Comm: "server", State: 'S', UTime: 250, STime: 40, Processor: 1}},
		{tid: 4243, wantComm: "evil\x1b]0;x\a\n", wantStat: Stat{PID: 4243, Comm: "evil\x1b]0;x\a\n", State: 'R', UTime: 1234, STime: 5}},
		{tid: 4244, wantComm: "io worker", wantStat: Stat{PID: 4244, Comm: "io worker", State: 'D', UTime: 3, STime: 17, Processor: 1}},
		{tid: 4245, wantComm: "half", statErr: "procfs: parse " + filepath.Join(string(fakeProc), "4242/task/4245/stat") + ": truncated"},
		{tid: 4246, wantComm: "gone", statErr: "gone"},
		{tid: 9999, statErr: "gone", commErr: true},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(p.Task(tt.tid).Dir()), func(t *testing.T) {
			task := p.Task(tt.tid)
			comm, err := task.Comm()
			if tt.commErr {
				require.Error(t, err)
				assert.True(t, IsGone(err))
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.wantComm, comm)
			}

			st, err := task.Stat()
			switch tt.statErr {
			case "":
				require.NoError(t, err)
				// Compare the fields that vary between the canned threads.
				got := Stat{PID: st.PID, Comm: st.Comm, State: st.State, UTime: st.UTime, STime: st.STime, Processor: st.Processor}
				assert.Equal(t, tt.wantStat, got)
			case "gone":
				require.Error(t, err)
				assert.True(t, IsGone(err), "want IsGone for %v", err)
			default:
				require.ErrorContains(t, err, tt.statErr)
				assert.False(t, IsGone(err))
			}
		})
	}
}

func TestSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	self := Default.Self()
	st, err := self.Stat()
	require.NoError(t, err)
	assert.Equal(t, os.Getpid(), st.PID)
	// The process's state is its main thread's, which may be asleep while
	// another thread runs this test; the thread reading its own stat is
	// running.
	runtime.LockOSThread()
	thread, err := Proc{dir: filepath.Join(string(Default), "thread-self")}.Stat()
	runtime.UnlockOSThread()
	require.NoError(t, err)
	assert.Equal(t, byte('R'), thread.State, "the thread reading its own stat is running")

	tids, err := self.Tasks()
	require.NoError(t, err)
	require.Contains(t, tids, os.Getpid(), "the main thread's id is the pid")
	// The runtime may start a thread between two reads: compare the count
	// in stat with a task list read before and after it, the same both
	// times. A few tries find a quiet moment.
	for try := 0; ; try++ {
		before, err := self.Tasks()
		require.NoError(t, err)
		st, err := self.Stat()
		require.NoError(t, err)
		after, err := self.Tasks()
		require.NoError(t, err)
		if len(before) == len(after) {
			assert.EqualValues(t, len(after), st.NumThreads)
			break
		}
		require.Less(t, try, 100, "the thread count never held still for three reads")
	}

	comm, err := Default.Proc(os.Getpid()).Comm()
	require.NoError(t, err)
	assert.Equal(t, st.Comm, comm)
}
