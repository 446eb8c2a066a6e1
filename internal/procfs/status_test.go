package procfs

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStatus(t *testing.T) {
	tests := []struct {
		file string
		want Status
	}{
		{"status/go-process.status", Status{
			Name: "resources", State: 'S', TGID: 7188, PID: 7188, PPID: 1, FDSize: 256, Threads: 15,
			VMPeak: 2330848 << 10, VMSize: 2265312 << 10, VMHWM: 9136 << 10, VMRSS: 9136 << 10,
			RSSAnon: 3872 << 10, RSSFile: 5264 << 10,
			VoluntarySwitches: 51, InvoluntarySwitches: 116,
		}},
		{"status/go-thread.status", Status{
			Name: "gmr-busy", State: 'S', TGID: 7188, PID: 7191, PPID: 1, FDSize: 256, Threads: 15,
			VMPeak: 2330848 << 10, VMSize: 2265312 << 10, VMHWM: 9136 << 10, VMRSS: 9136 << 10,
			RSSAnon: 3872 << 10, RSSFile: 5264 << 10,
			VoluntarySwitches: 56, InvoluntarySwitches: 10,
		}},
		{"status/kthreadd.status", Status{
			Name: "kthreadd", State: 'S', TGID: 2, PID: 2, FDSize: 64, Threads: 1,
			VoluntarySwitches: 67, InvoluntarySwitches: 1,
		}},
		{"status/user-escaped.status", Status{
			Name: `web\nworker`, State: 'S', TGID: 7188, PID: 7200, PPID: 1,
			UID: [4]int{1000, 1001, 1002, 1003}, GID: [4]int{100, 101, 102, 103}, FDSize: 256, Threads: 15,
			VMPeak: 2330848 << 10, VMSize: 2265312 << 10, VMHWM: 9136 << 10, VMRSS: 9136 << 10,
			RSSAnon: 3872 << 10, RSSFile: 5264 << 10,
			VoluntarySwitches: 51, InvoluntarySwitches: 116,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseStatus(readTestdata(t, tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseStatusMalformed(t *testing.T) {
	tests := []struct {
		file    string
		wantErr string
	}{
		{"bad/empty.status", "procfs: parse status: empty"},
		{"bad/no-colon.status", `line 3 "this line has none": no colon`},
		{"bad/three-uids.status", `line 9: Uid "0\t0\t0": want 4 ids, got 3`},
		{"bad/bad-kb.status", `line 23: VmRSS "9136 MB": want "<n> kB"`},
		{"bad/negative-switches.status", `line 58: voluntary_ctxt_switches "-5": invalid syntax`},
		{"bad/stat-not-status.status", `line 1 "3018 (bash) S 3013 3018 3018 0 -1 4194560 2766 49165 0 41 6 12 1...": no colon`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseStatus(readTestdata(t, tt.file))
			require.ErrorContains(t, err, tt.wantErr)
			assert.True(t, strings.HasPrefix(err.Error(), "procfs: parse status: "), "error %q lacks its context", err)
			assert.Zero(t, got, "a failed parse must not return partial data")
		})
	}
}

func TestParseStatusInline(t *testing.T) {
	tests := []struct {
		name, in string
		want     Status
		wantErr  string
	}{
		{name: "minimal", in: "Name:\tx\n", want: Status{Name: "x"}},
		{name: "pid only", in: "Pid:\t7", want: Status{PID: 7}},
		{name: "unknown keys ignored", in: "Name:\tx\nFuture:\twhatever: it is\n", want: Status{Name: "x"}},
		{name: "name with colon", in: "Name:\ta:b\n", want: Status{Name: "a:b"}},
		{name: "no name or pid", in: "State:\tR (running)\n", wantErr: `no "Name" or "Pid" line`},
		{name: "empty state", in: "Name:\tx\nState:\t\n", wantErr: `line 2: State "": empty`},
		{name: "pid too big", in: "Pid:\t99999999999\n", wantErr: `line 1: Pid "99999999999": value out of range`},
		{name: "kB overflow", in: "Name:\tx\nVmRSS:\t18446744073709551615 kB\n", wantErr: "out of range"},
		{name: "blank only", in: " \n\t\n", wantErr: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatus([]byte(tt.in))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestStatusSelf(t *testing.T) {
	st, err := Default.Self().Status()
	if IsGone(err) {
		t.Skip("no /proc here")
	}
	require.NoError(t, err)
	assert.Positive(t, st.PID)
	assert.Equal(t, st.PID, st.TGID)
	assert.Positive(t, st.Threads)
	assert.Positive(t, st.VMRSS)
	assert.GreaterOrEqual(t, st.VMHWM, st.VMRSS)

	_, err = FS(t.TempDir()).Self().Status()
	assert.True(t, IsGone(err), "no status file: %v", err)
}

// FuzzParseStatus checks that ParseStatus never panics, and that what it
// accepts has the name or pid it promises.
func FuzzParseStatus(f *testing.F) {
	for _, pattern := range []string{"status/*.status", "bad/*.status"} {
		files, err := filepath.Glob(filepath.Join(testdata, pattern))
		require.NoError(f, err)
		require.NotEmpty(f, files)
		for _, file := range files {
			f.Add(readTestdata(f, strings.TrimPrefix(file, testdata+"/")))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStatus(b)
		if err != nil {
			require.Zero(t, st)
			return
		}
		s := string(b)
		require.True(t, strings.Contains(s, "Name:") || strings.Contains(s, "Pid:"))
		require.GreaterOrEqual(t, st.PID, 0)
		require.Zero(t, st.VMRSS%1024, "sizes are whole kB")
	})
}
