package procfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testdata = "../../testdata/procfs"

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	require.NoError(t, err)
	return b
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		file string
		want Stat
	}{
		{"stat/go-thread-running.stat", Stat{
			PID: 8266, Comm: "dump", State: 'R', PPID: 8231, PGRP: 8225, Session: 3018,
			MinFlt: 23, Priority: 20, NumThreads: 8, StartTime: 66888,
			VSize: 1256673280, RSS: 593, Processor: 0,
		}},
		{"stat/comm-parens.stat", Stat{
			PID: 8264, Comm: "a) b (c", State: 'S', PPID: 8231, PGRP: 8225, Session: 3018,
			MinFlt: 1, Priority: 20, NumThreads: 8, StartTime: 66888,
			VSize: 1256673280, RSS: 593, Processor: 0,
		}},
		{"stat/comm-close-paren.stat", Stat{
			PID: 8261, Comm: "x)", State: 'S', PPID: 8231, PGRP: 8225, Session: 3018,
			MinFlt: 191, Priority: 20, NumThreads: 8, StartTime: 66887,
			VSize: 1256673280, RSS: 561, Processor: 1,
		}},
		{"stat/comm-space-busy.stat", Stat{
			PID: 8263, Comm: "worker 1", State: 'R', PPID: 8231, PGRP: 8225, Session: 3018,
			MinFlt: 15, UTime: 29, Priority: 20, NumThreads: 8, StartTime: 66888,
			VSize: 1256673280, RSS: 593, Processor: 1,
		}},
		{"stat/bash.stat", Stat{
			PID: 3018, Comm: "bash", State: 'S', PPID: 3013, PGRP: 3018, Session: 3018,
			MinFlt: 2766, MajFlt: 0, UTime: 6, STime: 12, Priority: 20, NumThreads: 1,
			StartTime: 26531, VSize: 5124096, RSS: 961, Processor: 1,
		}},
		{"stat/zombie.stat", Stat{
			PID: 8450, Comm: "true", State: 'Z', PPID: 8445, PGRP: 8411, Session: 3018,
			MinFlt: 50, MajFlt: 1, Priority: 20, NumThreads: 1, StartTime: 75382, Processor: 0,
		}},
		{"stat/stopped.stat", Stat{
			PID: 8452, Comm: "sleep", State: 'T', PPID: 8445, PGRP: 8411, Session: 3018,
			MinFlt: 73, Priority: 20, NumThreads: 1, StartTime: 75413,
			VSize: 2990080, RSS: 412, Processor: 0,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseStat(readTestdata(t, tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseStatMalformed(t *testing.T) {
	tests := []struct {
		file    string
		wantErr string
	}{
		{"bad/empty.stat", "procfs: parse stat: empty"},
		{"bad/truncated.stat", "truncated: 20 fields after the command name, want at least 37"},
		{"bad/no-close-paren.stat", `no ")" closing the command name`},
		{"bad/no-open-paren.stat", `no "(" opening the command name`},
		{"bad/bad-pid.stat", `field 1 (pid) "x8266": not a process id`},
		{"bad/bad-utime.stat", `field 14 (utime) "12x": not an unsigned integer`},
		{"bad/bad-state.stat", `field 3 (state) "Rx": want one letter`},
		{"bad/no-space-after-comm.stat", `want " " after the command name, got "R 8231 8225"`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseStat(readTestdata(t, tt.file))
			require.ErrorContains(t, err, tt.wantErr)
			assert.True(t, strings.HasPrefix(err.Error(), "procfs: parse stat: "), "error %q lacks its context", err)
			assert.Zero(t, got, "a failed parse must not return partial data")
		})
	}
}

func TestParseStatInline(t *testing.T) {
	valid := "7 (%s) S" + strings.Repeat(" 1", statFields-1)
	tests := []struct {
		name     string
		in       string
		wantComm string
		wantErr  string
	}{
		{"empty comm", fmt.Sprintf(valid, ""), "", ""},
		{"only parens", fmt.Sprintf(valid, ")("), ")(", ""},
		{"no trailing newline", fmt.Sprintf(valid, "x"), "x", ""},
		{"trailing newline", fmt.Sprintf(valid, "x") + "\n", "x", ""},
		{"newline in comm", fmt.Sprintf(valid, "a\nb"), "a\nb", ""},
		{"negative pid", "-7 (x) S" + strings.Repeat(" 1", statFields-1), "", "not a process id"},
		{"signed pid", "+7 (x) S" + strings.Repeat(" 1", statFields-1), "", "not a process id"},
		{"leading zero pid", "07 (x) S" + strings.Repeat(" 1", statFields-1), "", "not a process id"},
		{"no pid", "(x) S" + strings.Repeat(" 1", statFields-1), "", `want "<pid> (" at the start`},
		{"one field short", "7 (x) S" + strings.Repeat(" 1", statFields-2), "", "truncated: 36 fields"},
		{"negative utime", "7 (x) S" + strings.Repeat(" 1", 10) + " -1" + strings.Repeat(" 1", statFields-12), "", "field 14 (utime)"},
		{"double space", "7 (x) S " + strings.Repeat(" 1", statFields-1), "", "field 4 is empty"},
		{"empty unused field", "7 (x) S" + strings.Repeat(" 1", 5) + " " + strings.Repeat(" 1", statFields-6), "", "field 9 is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStat([]byte(tt.in))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantComm, got.Comm)
			assert.Equal(t, 7, got.PID)
			assert.Equal(t, byte('S'), got.State)
			assert.Equal(t, 1, got.Processor)
		})
	}
}

func TestStateName(t *testing.T) {
	tests := []struct {
		state byte
		want  string
	}{
		{'R', "running"}, {'S', "sleeping"}, {'D', "disk sleep"}, {'T', "stopped"},
		{'t', "tracing stop"}, {'Z', "zombie"}, {'X', "dead"}, {'I', "idle"},
		{'P', "parked"}, {'?', "unknown"}, {0, "unknown"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, StateName(tt.state), "state %q", tt.state)
	}
}

func TestParseComm(t *testing.T) {
	tests := []struct{ in, want string }{
		{"server\n", "server"},
		{"a) b (c\n", "a) b (c"},
		{"two\n\n", "two\n"},
		{"bare", "bare"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ParseComm([]byte(tt.in)), "ParseComm(%q)", tt.in)
	}
}

// FuzzParseStat checks that ParseStat never panics, and that what it accepts
// starts with "<pid> (<comm>) <state>" as parsed.
func FuzzParseStat(f *testing.F) {
	for _, dir := range []string{"stat", "bad"} {
		files, err := filepath.Glob(filepath.Join(testdata, dir, "*.stat"))
		require.NoError(f, err)
		require.NotEmpty(f, files)
		for _, file := range files {
			b, err := os.ReadFile(file)
			require.NoError(f, err)
			f.Add(b)
		}
	}
	f.Add([]byte("1 () R" + strings.Repeat(" 0", statFields-1)))
	f.Add([]byte("1 ((((" + strings.Repeat(" 0", statFields)))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStat(b)
		if err != nil {
			require.Zero(t, st)
			return
		}
		prefix := fmt.Sprintf("%d (%s) %s ", st.PID, st.Comm, []byte{st.State})
		require.True(t, strings.HasPrefix(string(b), prefix), "input %q does not start with %q", b, prefix)
		require.GreaterOrEqual(t, st.PID, 0)
		require.NotContains(t, string(b[len(prefix):]), ")", "comm must end at the last ')'")
	})
}
