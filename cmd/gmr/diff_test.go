package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
)

func stack(fns ...string) []frame {
	out := make([]frame, len(fns))
	for i, fn := range fns {
		out[i] = frame{Function: fn, File: "/src/" + fn + ".go", Line: 10 + i}
	}
	return out
}

func TestCompareGroups(t *testing.T) {
	a, b, c, d := stack("main.a"), stack("main.b"), stack("main.c"), stack("main.d")
	old := &goroutinesData{Total: 17, Groups: []group{
		{Count: 5, Frames: a}, {Count: 10, Frames: b}, {Count: 2, Frames: c},
	}}
	cur := &goroutinesData{Total: 28, Groups: []group{
		{Count: 4, Frames: b}, {Count: 20, Frames: a, State: "chan receive"}, {Count: 1, Frames: a, State: "select"},
		{Count: 3, Frames: d}, {Count: 2, Frames: c},
	}}
	got := compareGroups(old, cur)
	assert.Equal(t, 11, got.Delta)
	assert.Equal(t, 1, got.Unchanged, "main.c")
	want := []struct {
		change   string
		old, new int
		fn       string
	}{
		{"grew", 5, 21, "main.a"}, // states of one stack count as one
		{"appeared", 0, 3, "main.d"},
		{"shrank", 10, 4, "main.b"},
	}
	require.Len(t, got.Changed, len(want))
	for i, w := range want {
		g := got.Changed[i]
		assert.Equal(t, w.change, g.Change, "#%d", i)
		assert.Equal(t, w.old, g.OldCount, "#%d", i)
		assert.Equal(t, w.new, g.NewCount, "#%d", i)
		assert.Equal(t, w.new-w.old, g.Delta, "#%d", i)
		assert.Equal(t, w.fn, g.Frames[0].Function, "#%d", i)
	}

	// The same function at another line is another stack.
	moved := stack("main.a")
	moved[0].Line++
	got = compareGroups(&goroutinesData{Groups: []group{{Count: 1, Frames: a}}}, &goroutinesData{Groups: []group{{Count: 1, Frames: moved}}})
	require.Len(t, got.Changed, 2)
	assert.Equal(t, "appeared", got.Changed[0].Change)
	assert.Equal(t, "gone", got.Changed[1].Change)
}

func TestCompareSitesAndKinds(t *testing.T) {
	sites := compareSites(
		[]alloc{{Function: "f", File: "f.go", Line: 1, InUseBytes: 100}, {Function: "g", File: "g.go", Line: 2, InUseBytes: 50}},
		[]alloc{{Function: "f", File: "f.go", Line: 1, InUseBytes: 90}, {Function: "g", File: "g.go", Line: 2, InUseBytes: 500}, {Function: "h", File: "h.go", Line: 3, InUseBytes: 70}},
	)
	require.Len(t, sites, 2, "f shrank and is left out")
	assert.Equal(t, "g", sites[0].Function)
	assert.Equal(t, 450.0, sites[0].DeltaBytes)
	assert.Equal(t, "h", sites[1].Function)
	assert.Nil(t, sites[1].OldInUseBytes, "not in OLD's top sites")

	kinds := compareKinds(map[string]int{"file": 3, "pipe": 2, "gone": 1}, map[string]int{"file": 3, "pipe": 2, "socket": 40})
	assert.Equal(t, []kindDiff{
		{Kind: "socket", Old: 0, New: 40, Delta: 40},
		{Kind: "file", Old: 3, New: 3}, {Kind: "pipe", Old: 2, New: 2},
		{Kind: "gone", Old: 1, New: 0, Delta: -1},
	}, kinds)
}

func TestParseReportFormats(t *testing.T) {
	for _, path := range []string{"../../testdata/golden/report.json", "../../testdata/golden/report.jsonl", "../../testdata/golden/report_sections.jsonl"} {
		t.Run(path, func(t *testing.T) {
			rf, err := readReport(path)
			require.NoError(t, err)
			assert.Equal(t, "2", rf.SchemaVersion)
			assert.Equal(t, "demo", rf.Header.Service)
			assert.Equal(t, 4242, rf.Header.PID)
			require.NotEmpty(t, rf.Sections)
			assert.Equal(t, "queue", rf.Sections[0].Name)
		})
	}
	for _, tt := range []struct{ name, in, want string }{
		{"text", "=====\n====  Guru Meditation  ====\n", "this is a text report"},
		{"empty", "", "not a JSON report"},
		{"garbage", "{nope", "not a JSON report"},
		{"two values", `{"schema_version":"2"} {"schema_version":"2"}`, "more than one JSON value"},
		{"no version", `{"header":{}}`, "no schema_version"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseReport([]byte(tt.in))
			require.ErrorIs(t, err, errNotJSON)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestConvert(t *testing.T) {
	for _, path := range []string{"../../testdata/golden/report.json", "../../testdata/golden/report.jsonl", "../../testdata/golden/report_sections.jsonl"} {
		t.Run(path, func(t *testing.T) {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			same, err := convert(b, "")
			require.NoError(t, err)
			assert.Equal(t, b, same)
			text, err := convert(b, "text")
			require.NoError(t, err)
			assert.Contains(t, string(text), "service = demo\n")
			assert.True(t, strings.HasSuffix(string(text), formatters.Footer+"\n"))
			j, err := convert(b, "json")
			require.NoError(t, err)
			rf, err := parseReport(j)
			require.NoError(t, err, "%s", j)
			assert.Equal(t, "demo", rf.Header.Service)
			assert.Equal(t, "queue", rf.Sections[0].Name)
		})
	}
	text, err := os.ReadFile("../../testdata/golden/text_report.txt")
	require.NoError(t, err)
	_, err = convert(text, "json")
	assert.ErrorContains(t, err, "cannot turn into JSON")
	same, err := convert(text, "text")
	require.NoError(t, err)
	assert.Equal(t, text, same)
}

// A jsonl-sections report splits a section longer than a line into parts;
// read back, it has the same sections as the JSON report of the same data.
func TestParseRecordsJoinsParts(t *testing.T) {
	whole, err := readReport("../../testdata/golden/report.json")
	require.NoError(t, err)
	b, err := os.ReadFile("../../testdata/golden/report_sections.jsonl")
	require.NoError(t, err)
	require.Contains(t, string(b), `"part_index":1`, "the golden has a split section")
	joined, err := parseReport(b)
	require.NoError(t, err)
	// The jsonl-sections golden has one more section, "long", 120 strings
	// written in parts.
	require.Len(t, joined.Sections, len(whole.Sections)+1)
	long := joined.Sections[len(whole.Sections)]
	assert.Equal(t, "long", long.Name)
	var items []string
	require.NoError(t, json.Unmarshal(long.Data, &items))
	require.Len(t, items, 120)
	for i, item := range items {
		assert.Equal(t, fmt.Sprintf("item %d", i), item)
	}
	for i, s := range whole.Sections {
		j := joined.Sections[i]
		assert.Equal(t, s.Name, j.Name)
		assert.Equal(t, s.Error, j.Error, s.Name)
		assert.Equal(t, s.Note, j.Note, s.Name)
		assert.JSONEq(t, string(s.Data), string(j.Data), s.Name)
	}

	for _, tt := range []struct{ name, in, want string }{
		{"part without part 0", `{"schema_version":"2","header":{},"section_index":0,"section_count":1,"part_index":1,"part_count":2,"part_path":["a"],"section":{"name":"x","data":{"a":[1]}}}`, "part 1 of section 0 without part 0"},
		{"missing parts", `{"schema_version":"2","header":{},"section_index":0,"section_count":1,"part_index":0,"part_count":2,"part_path":["a"],"section":{"name":"x","data":{"a":[1]}}}`, "section 0 (x): 1 of its 2 parts"},
		{"path not in the part", `{"schema_version":"2","header":{},"section_index":0,"section_count":1,"part_index":0,"part_count":2,"part_path":["a"],"section":{"name":"x","data":{"a":[1]}}}` + "\n" +
			`{"schema_version":"2","header":{},"section_index":0,"section_count":1,"part_index":1,"part_count":2,"part_path":["a"],"section":{"name":"x","data":{"b":[2]}}}`, `part 1 of section 0 (x): no "a" at its part_path`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseReport([]byte(tt.in))
			require.ErrorIs(t, err, errNotJSON)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// --format=json of a jsonl-sections report is the JSON report of the same
// data: the header and sections as the service wrote them, the split
// section joined.
func TestConvertRecordsToJSON(t *testing.T) {
	whole, err := os.ReadFile("../../testdata/golden/report.json")
	require.NoError(t, err)
	b, err := os.ReadFile("../../testdata/golden/report_sections.jsonl")
	require.NoError(t, err)
	out, err := convert(b, "json")
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got))
	secs := got["sections"].([]any)
	require.Len(t, secs, 18)
	assert.Equal(t, "long", secs[17].(map[string]any)["name"], "the golden's extra section, joined")
	assert.Len(t, secs[17].(map[string]any)["data"], 120)
	got["sections"] = secs[:17]
	trimmed, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, string(whole), string(trimmed))
}

// A joined section's data keeps its text as written: no \u003c for '<'.
func TestParseRecordsKeepsText(t *testing.T) {
	in := `{"schema_version":"2","header":{},"section_index":0,"section_count":1,"part_index":0,"part_count":2,"part_path":["a"],"section":{"name":"x","data":{"z":"<autogenerated> a&b","a":[1]}}}` + "\n" +
		`{"schema_version":"2","header":{},"section_index":0,"section_count":1,"part_index":1,"part_count":2,"part_path":["a"],"section":{"name":"x","data":{"a":[2]}}}` + "\n"
	rf, err := parseReport([]byte(in))
	require.NoError(t, err)
	require.Len(t, rf.Sections, 1)
	assert.JSONEq(t, `{"z":"<autogenerated> a&b","a":[1,2]}`, string(rf.Sections[0].Data))
	assert.Contains(t, string(rf.Sections[0].Data), `"<autogenerated> a&b"`)
}
