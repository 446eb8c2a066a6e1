package formatters_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenPath is the golden file for name, in the repository's testdata.
func goldenPath(name string) string {
	return filepath.Join("..", "testdata", "golden", name)
}

// releaseNeutral rewrites the text that differs between the supported Go
// releases in what encoding/json says of a failing MarshalJSON: Go 1.26
// names the type "formatters_test.badMarshaler", Go 1.27 "*formatters_test.badMarshaler".
func releaseNeutral(s string) string {
	return marshalerTypeRE.ReplaceAllString(s, "for type $1")
}

var marshalerTypeRE = regexp.MustCompile(`for type \*?(formatters_test\.\w+)`)

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	got = []byte(releaseNeutral(string(got)))
	path := goldenPath(name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing: run go test ./formatters -update")
	assert.Equal(t, string(want), string(got), "golden %s differs; run go test ./formatters -update if the change is intended", name)
}

type queueStats struct {
	Name    string            `json:"name"`
	Depth   int               `json:"depth"`
	Oldest  time.Duration     `json:"oldest"`
	Workers []worker          `json:"workers"`
	Tags    map[string]string `json:"tags"`
	Hidden  string            `json:"-"`
	Empty   []int             `json:"empty,omitempty"`
	private int
}

type worker struct {
	ID   int    `json:"id"`
	Busy bool   `json:"busy"`
	Task string `json:"task,omitempty"`
}

type customText struct{}

func (customText) WriteText(w io.Writer) error {
	_, err := io.WriteString(w, "my own layout\n  indented\n")
	return err
}

type panickyText struct{}

func (panickyText) WriteText(io.Writer) error { panic("text layout exploded") }

// fixedReport is a report with every kind of section the text format must
// handle, and a header with fixed values.
func fixedReport(t *testing.T) *report.Report {
	t.Helper()
	run := func(s report.Section) report.Result {
		res := report.Run(context.Background(), s)
		res.Duration = 0
		var pe *report.PanicError
		if errors.As(res.Err, &pe) {
			require.Contains(t, string(pe.Stack), "fixedReport", "panic stack names the panicking function")
			pe.Stack = []byte("goroutine 7 [running]:\nmain.explode()\n\t/src/main.go:10 +0x1d")
		}
		return res
	}
	return &report.Report{
		Header: report.Header{
			Service:    "demo",
			Version:    "1.2.3",
			Host:       "host-1",
			PID:        4242,
			Started:    time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC),
			Time:       time.Date(2026, 11, 25, 17, 0, 0, 123e6, time.UTC),
			Trigger:    "signal SIGUSR2",
			GMRVersion: "devel",
			GoVersion:  "go1.26.8",
			Duration:   1500 * time.Microsecond,
		},
		Sections: []report.Result{
			run(report.Func("queue", func(context.Context) (any, error) {
				return queueStats{
					Name:    "jobs\x1b]0;pwned\x07",
					Depth:   12,
					Oldest:  90 * time.Second,
					Workers: []worker{{ID: 1, Busy: true, Task: "resize"}, {ID: 2}},
					Tags:    map[string]string{"zone": "b", "env": "prod"},
					Hidden:  "never shown",
					private: 1,
				}, nil
			})),
			run(report.Func("scalars", func(context.Context) (any, error) {
				return []any{1, "two", 3.5, nil, map[string]int{}}, nil
			})),
			run(report.Func("own_layout", func(context.Context) (any, error) { return customText{}, nil })),
			run(report.Func("failing", func(context.Context) (any, error) {
				return nil, errors.New("backend unreachable")
			})),
			run(report.Func("partial", func(context.Context) (any, error) {
				return map[string]int{"seen": 3}, context.DeadlineExceeded
			})),
			run(report.Func("panicking", func(context.Context) (any, error) { panic("boom") })),
			run(report.Func("bad_layout", func(context.Context) (any, error) { return panickyText{}, nil })),
			run(report.Func("nothing", func(context.Context) (any, error) { return nil, nil })),
		},
	}
}

func TestTextGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, formatters.Text{}.Format(&buf, fixedReport(t)))
	checkGolden(t, "text_report.txt", buf.Bytes())
}

func TestTextLayout(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, formatters.Text{}.Format(&buf, fixedReport(t)))
	out := buf.String()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")

	require.GreaterOrEqual(t, len(lines), 4)
	assert.Equal(t, strings.Repeat("=", 72), lines[0])
	assert.Equal(t, "====                        Guru Meditation                         ====", lines[1])
	assert.Equal(t, formatters.Footer, lines[len(lines)-1], "report ends with the footer")
	for i, line := range lines {
		if strings.HasPrefix(line, "====") {
			assert.Len(t, line, formatters.Width, "banner line %d", i+1)
		}
	}
	for _, title := range []string{"Queue", "Scalars", "Own Layout", "Failing", "Partial", "Panicking", "Bad Layout", "Nothing"} {
		assert.Contains(t, out, "===="+center(title)+"====\n", "section %q has its banner", title)
	}
	assert.Contains(t, out, "error: backend unreachable\n")
	assert.Contains(t, out, `error: section "panicking" panicked: boom`)
	assert.Contains(t, out, `error: render section "bad_layout": panic: text layout exploded`)
	assert.Contains(t, out, "seen = 3", "data returned with an error is still shown")
	assert.NotContains(t, out, "never shown", `json:"-" fields are not shown`)
	assert.NotContains(t, out, "\x1b", "no raw escape character reaches the output")
	assert.Contains(t, out, `jobs\x1b]0;pwned\x07`)
}

func center(title string) string {
	inner := formatters.Width - 8
	left := (inner - len(title)) / 2
	return strings.Repeat(" ", left) + title + strings.Repeat(" ", inner-len(title)-left)
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestTextWriterError(t *testing.T) {
	err := formatters.Text{}.Format(&failWriter{n: 600}, fixedReport(t))
	require.Error(t, err)
	assert.ErrorContains(t, err, "disk full")
}

func TestTextEscapesEverywhere(t *testing.T) {
	evil := "a\x1b[31mred\x1b]0;title\x07\r\n\x00\u202e\xff"
	rep := &report.Report{
		Header: report.Header{Service: evil, Trigger: evil},
		Sections: []report.Result{
			{Name: evil, Data: map[string]any{evil: evil, "list": []string{evil}}, Err: errors.New(evil)},
		},
	}
	var buf bytes.Buffer
	require.NoError(t, formatters.Text{}.Format(&buf, rep))
	out := buf.String()
	for _, bad := range []string{"\x1b", "\x07", "\r", "\x00", "\u202e", "\xff"} {
		assert.NotContains(t, out, bad)
	}
	assert.Contains(t, out, `a\x1b[31mred\x1b]0;title\x07\r\n\x00\u202e\xff`)
}

type panickyError struct{}

func (panickyError) Error() string { panic("Error exploded") }

func TestTextSurvivesPanickingError(t *testing.T) {
	rep := &report.Report{Sections: []report.Result{
		{Name: "bad", Err: panickyError{}},
		{Name: "good", Data: "fine", Duration: 1500 * time.Microsecond},
	}}
	var buf bytes.Buffer
	require.NoError(t, formatters.Text{}.Format(&buf, rep))
	assert.Contains(t, buf.String(), "error: (formatters_test.panickyError whose Error method panicked: Error exploded)")
	assert.Contains(t, buf.String(), "fine\n(collected in 1.5ms)\n", "the per-section duration, as JSON's duration_ms")
}

type listNode struct {
	Name string    `json:"name"`
	Next *listNode `json:"next"`
}

func TestTextBoundsHugeAndCyclicData(t *testing.T) {
	huge := make([]int, 5000)
	for i := range huge {
		huge[i] = i
	}
	bigMap := make(map[string]int, 3000)
	for i := range 3000 {
		bigMap[fmt.Sprintf("k%05d", i)] = i
	}
	longStrings := make([]string, 900)
	for i := range longStrings {
		longStrings[i] = strings.Repeat("x", 4096)
	}
	cyc := &listNode{Name: "a"}
	cyc.Next = cyc
	self := map[string]any{}
	self["me"] = self

	tests := []struct {
		name string
		data any
		want string
	}{
		{"long slice", huge, "- 0\n"},
		{"big map", bigMap, "k00000 = 0\n"},
		{"more than the byte bound", longStrings, "... (truncated: this section's data is over 1.0 MiB of text)\n"},
		{"pointer cycle", cyc, "... (nesting too deep)\n"},
		{"map holding itself", self, "... (nesting too deep)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			rep := &report.Report{Sections: []report.Result{{Name: "x", Data: tt.data}}}
			require.NoError(t, formatters.Text{}.Format(&buf, rep))
			assert.True(t, strings.Contains(buf.String(), tt.want), "output lacks %q", tt.want)
			assert.Less(t, buf.Len(), 2<<20, "bounded output")
			assert.True(t, strings.HasSuffix(buf.String(), formatters.Footer+"\n"))
		})
	}
	var buf bytes.Buffer
	require.NoError(t, formatters.Text{}.Format(&buf, &report.Report{Sections: []report.Result{{Name: "x", Data: huge}}}))
	assert.True(t, strings.Contains(buf.String(), "- 999\n... and 4,000 more\n"), "a long slice says what it left out")
}

type selfEmbed struct {
	*selfEmbed
	Name string `json:"name"`
}

func TestTextSurvivesPathologicalData(t *testing.T) {
	var loop any
	loop = &loop
	se := &selfEmbed{Name: "x"}
	se.selfEmbed = se
	hugeMap := make(map[int]int, 20000)
	for i := range 20000 {
		hugeMap[i] = i
	}
	tests := []struct {
		name string
		data any
		want string
	}{
		{"interface pointing at itself", loop, "<cycle>"},
		{"struct embedding itself", se, "(embedding too deep)"},
		{"huge string", strings.Repeat("\x00", 10<<20), "... (10485760 bytes in all)"},
		{"huge map", hugeMap, "(a map of 20,000 entries: a sample is shown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			rep := &report.Report{Sections: []report.Result{{Name: "x", Data: tt.data}}}
			require.NoError(t, formatters.Text{}.Format(&buf, rep))
			assert.True(t, strings.Contains(buf.String(), tt.want), "output lacks %q", tt.want)
			assert.Less(t, buf.Len(), 2<<20, "bounded output")
		})
	}
}

// TestTextHeaderResource checks the header's line of OpenTelemetry
// resource names, with the Kubernetes names only when they are known.
func TestTextHeaderResource(t *testing.T) {
	h := report.Header{Service: "shop", Version: "1.4.2", Host: "web-1", PID: 42}
	out := string(formatBytes(t, formatters.Text{}, &report.Report{Header: h}))
	assert.Contains(t, out, "\nresource = service.name=shop service.version=1.4.2 host.name=web-1 process.pid=42\n")
	h.PodName, h.Namespace = "web-7f9c", "prod"
	out = string(formatBytes(t, formatters.Text{}, &report.Report{Header: h}))
	assert.Contains(t, out, "\nresource = service.name=shop service.version=1.4.2 host.name=web-1 process.pid=42 k8s.pod.name=web-7f9c k8s.namespace.name=prod\n")
}
