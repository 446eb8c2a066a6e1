package gmr_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr"
)

// panicRecord is what TestReportPanic* read of a jsonl-sections record.
type panicRecord struct {
	Header struct {
		Trigger string `json:"trigger"`
	} `json:"header"`
	prefix  string // the record up to its section_count
	Section *struct {
		Name string          `json:"name"`
		Note string          `json:"note"`
		Data json.RawMessage `json:"data"`
	} `json:"section"`
}

// reportPanicJSONL panics with v under ReportPanic, with a report directory
// as in production (the header then also names the profiles written beside
// the report), and returns the records of the jsonl-sections report and
// the length of each line.
func reportPanicJSONL(t *testing.T, v any, opts ...gmr.Option) ([]panicRecord, []int) {
	t.Helper()
	dir := t.TempDir()
	r, err := gmr.New(append([]gmr.Option{gmr.WithStderr(io.Discard), gmr.WithDir(dir), gmr.WithFormat("jsonl-sections")}, opts...)...)
	require.NoError(t, err)
	func() {
		defer func() { assert.Equal(t, v, recover(), "ReportPanic panics again with the value") }()
		defer r.ReportPanic()
		panic(v)
	}()
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	require.Len(t, files, 1)
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	var recs []panicRecord
	var lens []int
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec panicRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		rec.prefix, _, _ = strings.Cut(sc.Text(), `"section_count"`)
		recs, lens = append(recs, rec), append(lens, len(sc.Bytes())+1)
	}
	return recs, lens
}

// A long panic value is cut in the trigger, which every jsonl-sections
// record repeats, so that the goroutine section, the one that shows the
// panicking stack, keeps its data under the default line bound.
func TestReportPanicLongValueKeepsGoroutinesInJSONLSections(t *testing.T) {
	value := strings.Repeat("request body: abcdefgh ", 1000) // 23,000 bytes
	recs, lens := reportPanicJSONL(t, value)
	require.NotEmpty(t, recs)
	trigger := recs[0].Header.Trigger
	assert.LessOrEqual(t, len(trigger), 1200, "the trigger: %d bytes", len(trigger))
	assert.True(t, strings.HasPrefix(trigger, "panic: request body: abcdefgh request body"), trigger)
	assert.Contains(t, trigger, "(cut: 23,000 bytes in all)")
	found := false
	for i, rec := range recs {
		assert.LessOrEqual(t, lens[i], formatters.DefaultMaxLine)
		assert.Equal(t, trigger, rec.Header.Trigger, "the same header in every record")
		if rec.Section == nil || rec.Section.Name != "goroutines" {
			continue
		}
		found = true
		assert.NotContains(t, rec.Section.Note, "no room")
		assert.NotEqual(t, "null", string(rec.Section.Data), "the goroutine section's data")
		assert.Contains(t, string(rec.Section.Data), "TestReportPanicLongValueKeepsGoroutinesInJSONLSections", "the panicking stack")
	}
	assert.True(t, found, "no goroutine section in the report")
}

// The panic value is masked before it is cut, so that a secret the cut
// falls in is masked whole, not left as an unrecognised prefix.
func TestReportPanicCutMasksFirst(t *testing.T) {
	// The cut, at 1,024 bytes, falls in the password: cut first, it would
	// have no '@' after it and not be recognised.
	value := strings.Repeat("x", 1000) + " postgres://app:CANARYhunter2secretpassword@db:5432/shop " + strings.Repeat("y", 2000)
	recs, _ := reportPanicJSONL(t, value)
	require.NotEmpty(t, recs)
	trigger := recs[0].Header.Trigger
	assert.NotContains(t, trigger, "CANARY")
	assert.LessOrEqual(t, len(trigger), 1200)
}

// A short panic value is the trigger whole.
// The 64 KiB masking bound falls in a password, and masking shrinks the
// text before it (a long token= value becomes ***), pulling that cut end
// into the kept 1 KiB: the token the bound falls in must not be kept.
func TestReportPanicMaskingBoundInASecret(t *testing.T) {
	head := "token=" + strings.Repeat("A", 64<<10-6-len(" postgres://user:CANARY"))
	value := head + " postgres://user:CANARY64kurlsecret@host/db"
	require.Greater(t, len(value), 64<<10)
	recs, _ := reportPanicJSONL(t, value)
	require.NotEmpty(t, recs)
	trigger := recs[0].Header.Trigger
	assert.NotContains(t, trigger, "CANARY")
	assert.Contains(t, trigger, "token=***")
}

func TestReportPanicShortValue(t *testing.T) {
	recs, _ := reportPanicJSONL(t, "boom")
	require.NotEmpty(t, recs)
	assert.Equal(t, "panic: boom", recs[0].Header.Trigger)
}

// At the least line bound, the sections of a typical report, with a report
// directory and so the profiles' names in the header, keep their data and
// the header is whole: at 1,024 bytes, the former least bound, the header
// left no room for any section split into parts.
func TestMaxLineLeastBoundKeepsData(t *testing.T) {
	recs, lens := reportPanicJSONL(t, "boom", gmr.WithMaxLine(gmr.MinMaxLine))
	for i, rec := range recs {
		assert.LessOrEqual(t, lens[i], gmr.MinMaxLine)
		assert.Equal(t, "panic: boom", rec.Header.Trigger)
		assert.NotContains(t, rec.prefix, "…", "the header is not shortened")
		assert.Contains(t, rec.prefix, ".goroutine.pb.gz", "the header names the profiles")
		if rec.Section != nil {
			assert.NotContains(t, rec.Section.Note, "no room", "section %s", rec.Section.Name)
		}
	}
	_, err := gmr.New(gmr.WithMaxLine(1024))
	assert.ErrorContains(t, err, "below the least bound")
}
