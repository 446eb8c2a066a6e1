//go:build unix

package gmr

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
)

func TestResolvePrecedence(t *testing.T) {
	tests := []struct {
		name       string
		opts       []Option
		env        map[string]string
		wantDir    string
		wantFormat string
		wantSignal os.Signal
		wantWarn   int
	}{
		{
			name:       "defaults",
			wantFormat: "text",
			wantSignal: syscall.SIGUSR2,
		},
		{
			name:       "environment over default",
			env:        map[string]string{EnvDir: "/env/dir", EnvFormat: "TEXT", EnvSignal: "usr1"},
			wantDir:    "/env/dir",
			wantFormat: "text",
			wantSignal: syscall.SIGUSR1,
		},
		{
			name:       "option over environment",
			opts:       []Option{WithDir("/opt/dir"), WithSignal(syscall.SIGHUP)},
			env:        map[string]string{EnvDir: "/env/dir", EnvSignal: "USR1"},
			wantDir:    "/opt/dir",
			wantFormat: "text",
			wantSignal: syscall.SIGHUP,
		},
		{
			name:       "bad environment falls back to the default with a warning",
			env:        map[string]string{EnvFormat: "xml", EnvSignal: "SIGBOGUS"},
			wantFormat: "text",
			wantSignal: syscall.SIGUSR2,
			wantWarn:   2,
		},
		{
			name:       "a signal for stopping the process is refused from the environment",
			env:        map[string]string{EnvSignal: "TERM"},
			wantFormat: "text",
			wantSignal: syscall.SIGUSR2,
			wantWarn:   1,
		},
		{
			name:       "signal by number",
			env:        map[string]string{EnvSignal: "SIGQUIT"},
			wantFormat: "text",
			wantSignal: syscall.SIGQUIT,
		},
		{
			name:       "without signal wins over the environment",
			opts:       []Option{WithoutSignal()},
			env:        map[string]string{EnvSignal: "USR1"},
			wantFormat: "text",
			wantSignal: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, warnings, err := resolve(append([]Option{withGetenv(env(tt.env))}, tt.opts...))
			require.NoError(t, err)
			assert.Equal(t, tt.wantDir, s.dir)
			assert.Equal(t, tt.wantFormat, s.format.Name())
			assert.Equal(t, tt.wantSignal, s.signal)
			assert.Len(t, warnings, tt.wantWarn, "warnings: %v", warnings)
		})
	}
}

func TestOptionErrors(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o600))

	tests := []struct {
		name    string
		opt     Option
		wantErr string
	}{
		{"unknown format", WithFormat("xml"), `gmr: WithFormat: unknown format "xml" (known: text, json, jsonl, jsonl-sections)`},
		{"nil formatter", WithFormatter(nil), "gmr: WithFormatter: nil formatter"},
		{"uncatchable signal", WithSignal(syscall.SIGKILL), "gmr: WithSignal: SIGKILL cannot be caught"},
		{"shutdown signal", WithSignal(syscall.SIGTERM), "gmr: WithSignal: SIGTERM is for stopping the process, not for reports"},
		{"the runtime's preemption signal", WithSignal(syscall.SIGURG), "gmr: WithSignal: SIGURG is sent by the Go runtime itself to preempt goroutines"},
		{"the profiler's signal", WithSignal(syscall.SIGPROF), "gmr: WithSignal: SIGPROF is sent by the kernel to a program being CPU-profiled"},
		{"empty service", WithService(" "), "gmr: WithService: empty service name"},
		{"empty dir", WithDir(""), "gmr: WithDir: empty directory name"},
		{"dir is a file", WithDir(notDir), "not a directory"},
		{"dir under a file", WithDir(filepath.Join(notDir, "sub")), "gmr: WithDir: create report dir"},
		{"zero timeout", WithTimeout(0), "gmr: WithTimeout: 0s is not positive"},
		{"nil section", WithSections(nil), "gmr: WithSections: section 0 is nil"},
		{"nil writer", WithStderr(nil), "gmr: WithStderr: nil writer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.opt)
			require.Error(t, err)
			assert.Nil(t, r)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// TestRefusedSignalsFromTheEnvironment checks every signal that something
// other than an operator sends: from GMR_SIGNAL it gives one warning that
// names it and the default signal; from WithSignal it is an error.
func TestRefusedSignalsFromTheEnvironment(t *testing.T) {
	for _, name := range []string{"URG", "PROF", "VTALRM", "CHLD", "PIPE", "ALRM", "IO", "POLL", "SYS", "SEGV", "BUS", "FPE", "ILL", "TRAP", "ABRT"} {
		t.Run(name, func(t *testing.T) {
			s, warnings, err := resolve([]Option{withGetenv(env(map[string]string{EnvSignal: name}))})
			require.NoError(t, err)
			assert.Equal(t, syscall.SIGUSR2, s.signal, "the default signal")
			require.Len(t, warnings, 1)
			assert.Contains(t, warnings[0].Error(), `GMR_SIGNAL="`+name+`"`)
			assert.Contains(t, warnings[0].Error(), "use SIGUSR1, SIGUSR2, SIGHUP or a trigger file")
			sig, err := parseSignal(name)
			require.NoError(t, err)
			_, err = New(WithSignal(sig), WithStderr(&discard{}))
			assert.ErrorContains(t, err, "gmr: WithSignal: ")
		})
	}
	// WINCH is a terminal's resize signal: fine for a daemon, so allowed.
	s, warnings, err := resolve([]Option{withGetenv(env(map[string]string{EnvSignal: "WINCH"}))})
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, syscall.SIGWINCH, s.signal)
}

func TestParseSignal(t *testing.T) {
	tests := []struct {
		in      string
		want    os.Signal
		wantErr bool
	}{
		{"USR2", syscall.SIGUSR2, false},
		{"SIGUSR1", syscall.SIGUSR1, false},
		{" sighup ", syscall.SIGHUP, false},
		{"quit", syscall.SIGQUIT, false},
		{"", nil, true},
		{"NOPE", nil, true},
		{"SIG", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSignal(tt.in)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		service string
		want    string
	}{
		{"api", "api-20261125T170000.123456Z-42-000007.txt"},
		{"../../etc/passwd", "_.._etc_passwd-20261125T170000.123456Z-42-000007.txt"},
		{"", "service-20261125T170000.123456Z-42-000007.txt"},
		{"my service\n", "my_service_-20261125T170000.123456Z-42-000007.txt"},
	}
	ts, err := timeParse("2026-11-25T17:00:00.123456789Z")
	require.NoError(t, err)
	for _, tt := range tests {
		m := fileMeta{service: tt.service, time: ts, pid: 42, seq: 7, ext: formatters.Text{}.Extension()}
		assert.Equal(t, tt.want, m.fileName())
	}
}

func timeParse(s string) (t time.Time, err error) { return time.Parse(time.RFC3339Nano, s) }

func TestDeadlinesScaleWithGoroutines(t *testing.T) {
	tests := []struct {
		name                       string
		opts                       []Option
		goroutines                 int
		report, section, goroutine time.Duration
	}{
		{name: "defaults, few goroutines", goroutines: 100,
			report: DefaultTimeout, section: DefaultSectionTimeout, goroutine: DefaultSectionTimeout + time.Millisecond},
		{name: "defaults, a million goroutines", goroutines: 1_000_000,
			report: 15*time.Second + 2*collectGrace, section: DefaultSectionTimeout, goroutine: 15 * time.Second},
		{name: "an explicit report timeout is kept", opts: []Option{WithTimeout(2 * time.Second)}, goroutines: 1_000_000,
			report: 2 * time.Second, section: 2*time.Second - collectGrace, goroutine: 2*time.Second - collectGrace},
		{name: "an explicit section timeout is kept", opts: []Option{WithSectionTimeout(time.Second)}, goroutines: 1_000_000,
			report: DefaultTimeout, section: time.Second, goroutine: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(append(tt.opts, WithStderr(&discard{}))...)
			require.NoError(t, err)
			report, section, goroutine := r.deadlines(tt.goroutines)
			assert.Equal(t, tt.report, report, "report")
			assert.Equal(t, tt.section, section, "section")
			assert.Equal(t, tt.goroutine, goroutine, "goroutine section")
		})
	}
}

func TestMaxLine(t *testing.T) {
	tests := []struct {
		name   string
		opts   []Option
		env    map[string]string
		format string
		want   int
		warn   int
	}{
		{name: "default", format: "jsonl-sections", want: 0},
		{name: "environment", env: map[string]string{EnvMaxLine: "8000"}, format: "jsonl-sections", want: 8000},
		{name: "option over environment", opts: []Option{WithMaxLine(4096)}, env: map[string]string{EnvMaxLine: "8000"}, format: "jsonl-sections", want: 4096},
		{name: "not a number", env: map[string]string{EnvMaxLine: "8k"}, format: "jsonl-sections", want: 0, warn: 1},
		// A pipeline's limit below the least bound: the closest line gmr
		// keeps to, not the 16 KiB default.
		{name: "too small", env: map[string]string{EnvMaxLine: "100"}, format: "jsonl-sections", want: MinMaxLine, warn: 1},
		{name: "the former least bound", env: map[string]string{EnvMaxLine: "1024"}, format: "jsonl-sections", want: MinMaxLine, warn: 1},
		{name: "not positive", env: map[string]string{EnvMaxLine: "-5"}, format: "jsonl-sections", want: 0, warn: 1},
		{name: "the least bound", env: map[string]string{EnvMaxLine: "2048"}, format: "jsonl-sections", want: 2048},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]Option{withGetenv(env(tt.env)), WithFormat(tt.format)}, tt.opts...)
			s, warnings, err := resolve(opts)
			require.NoError(t, err)
			assert.Len(t, warnings, tt.warn, "%v", warnings)
			jl, ok := s.format.(formatters.JSONLines)
			require.True(t, ok)
			assert.Equal(t, tt.want, jl.MaxLine)
		})
	}
	_, err := New(WithMaxLine(10))
	assert.ErrorContains(t, err, "gmr: WithMaxLine: 10 is below the least bound, 2048 bytes")
}
