package formatters_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr/report"
)

func TestJSONLinesOneLine(t *testing.T) {
	out := formatBytes(t, formatters.JSONLines{}, jsonReport(t))
	require.True(t, bytes.HasSuffix(out, []byte("\n")))
	assert.Equal(t, 1, bytes.Count(out, []byte("\n")), "the whole report is one line")
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, formatBytes(t, formatters.JSON{}, jsonReport(t))))
	assert.Equal(t, compact.String()+"\n", string(out), "jsonl is json, compact")
}

// record is one line of JSONLines' per-section mode.
type record struct {
	SchemaVersion string          `json:"schema_version"`
	ReportID      string          `json:"report_id"`
	Header        json.RawMessage `json:"header"`
	SectionCount  int             `json:"section_count"`
	SectionIndex  *int            `json:"section_index"`
	SectionName   string          `json:"section_name"`
	Section       json.RawMessage `json:"section"`
	PartIndex     *int            `json:"part_index"`
	PartCount     int             `json:"part_count"`
	PartPath      json.RawMessage `json:"part_path"`
}

// decodeAny decodes b keeping numbers as they are written.
func decodeAny(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "%.300s", b)
	return v
}

// mergePart adds the data of a part to the data put together so far, as
// JSONLines' doc comment says: at part_path, the part's elements are
// appended (or its members added); on the way there, an element or member
// the whole already has is entered, and one it lacks is taken whole from the
// part.
func mergePart(t testing.TB, whole, part any, path []any) any {
	t.Helper()
	if len(path) == 0 {
		switch p := part.(type) {
		case []any:
			w, ok := whole.([]any)
			require.True(t, ok, "the whole is an array at the part's path")
			return append(w, p...)
		case map[string]any:
			w, ok := whole.(map[string]any)
			require.True(t, ok, "the whole is an object at the part's path")
			for k, v := range p {
				_, dup := w[k]
				require.False(t, dup, "member %q comes in two parts", k)
				w[k] = v
			}
			return w
		default:
			t.Fatalf("a part's data at its path is %T, not an array or an object", part)
			return nil
		}
	}
	switch step := path[0].(type) {
	case string:
		w, p := whole.(map[string]any), part.(map[string]any)
		require.NotNil(t, w)
		require.Contains(t, p, step, "the part has its path")
		if cur, ok := w[step]; ok {
			w[step] = mergePart(t, cur, p[step], path[1:])
		} else {
			w[step] = p[step]
		}
		return w
	case json.Number:
		i, err := strconv.Atoi(string(step))
		require.NoError(t, err)
		w, p := whole.([]any), part.([]any)
		require.Len(t, p, 1, "on its path, a part's array holds the one element the path enters")
		if len(w) > i {
			w[i] = mergePart(t, w[i], p[0], path[1:])
		} else {
			require.Len(t, w, i, "element %d follows the elements before it", i)
			w = append(w, p[0])
		}
		return w
	}
	t.Fatalf("part_path step %v (%T)", path[0], path[0])
	return nil
}

// readRecords parses per-section output, checks what every record must
// hold, and puts split sections back together. It returns the sections'
// JSON in order.
func readRecords(t testing.TB, out []byte, maxLine int) (recs []record, secs []json.RawMessage) {
	t.Helper()
	require.True(t, bytes.HasSuffix(out, []byte("\n")), "output ends with a newline")
	lines := strings.SplitAfter(strings.TrimSuffix(string(out), "\n"), "\n")
	for i, line := range lines {
		if maxLine > 0 {
			require.LessOrEqual(t, len(line)+1, maxLine, "line %d is within MaxLine", i+1)
		}
		require.True(t, json.Valid([]byte(line)), "line %d is valid JSON: %s", i+1, line)
		var rec record
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&rec), "line %d", i+1)
		recs = append(recs, rec)
	}
	var cur map[string]any // the split section being put together
	for i, rec := range recs {
		require.Equal(t, formatters.SchemaVersion, rec.SchemaVersion)
		require.Equal(t, recs[0].ReportID, rec.ReportID, "one report id")
		require.JSONEq(t, string(recs[0].Header), string(rec.Header), "one header")
		require.Equal(t, recs[0].SectionCount, rec.SectionCount)
		if rec.SectionCount == 0 {
			require.Len(t, recs, 1)
			require.Nil(t, rec.SectionIndex)
			return recs, nil
		}
		require.NotNil(t, rec.SectionIndex, "record %d", i)
		require.Equal(t, len(secs), *rec.SectionIndex, "records are in section order")
		require.NotEmpty(t, rec.Section, "record %d carries its section", i)
		checkName(t, rec)
		if rec.PartIndex == nil {
			require.Nil(t, cur, "no part is left over")
			require.Empty(t, rec.PartPath)
			secs = append(secs, rec.Section)
			continue
		}
		require.GreaterOrEqual(t, rec.PartCount, 1)
		sec := decodeAny(t, rec.Section).(map[string]any)
		path, ok := decodeAny(t, rec.PartPath).([]any)
		require.True(t, ok, "part_path is an array")
		if *rec.PartIndex == 0 {
			require.Nil(t, cur, "no part is left over")
			cur = sec
		} else {
			require.NotNil(t, cur, "part %d follows part 0", *rec.PartIndex)
			require.NotContains(t, sec, "error", "only part 0 has the error")
			require.NotContains(t, sec, "panic_stack", "only part 0 has the panic's stack")
			cur["data"] = mergePart(t, cur["data"], sec["data"], path)
		}
		if *rec.PartIndex == rec.PartCount-1 {
			whole, err := json.Marshal(cur)
			require.NoError(t, err)
			secs = append(secs, whole)
			cur = nil
		}
	}
	require.Nil(t, cur, "no part is left over")
	require.Len(t, secs, recs[0].SectionCount, "every section arrived")
	return recs, secs
}

func checkName(t testing.TB, rec record) {
	t.Helper()
	var s struct {
		Name string `json:"name"`
	}
	require.NoError(t, json.Unmarshal(rec.Section, &s))
	require.Equal(t, s.Name, rec.SectionName, "section_name is the section's name")
}

// checkLines checks each line of per-section output alone: within maxLine,
// JSON, and a record of the schema.
func checkLines(t testing.TB, out []byte, maxLine int) {
	t.Helper()
	for line := range strings.Lines(string(out)) {
		require.LessOrEqual(t, len(line), maxLine)
		require.True(t, strings.HasSuffix(line, "\n"))
		require.True(t, json.Valid([]byte(line)), "%.300s", line)
		validate(t, "#/$defs/record", []byte(line))
	}
}

func TestJSONLinesPerSection(t *testing.T) {
	r := jsonReport(t)
	// A section larger than any line, to be split.
	big := make([]string, 2000)
	for i := range big {
		big[i] = fmt.Sprintf(`"quoted" \ %d ü`, i)
	}
	r.Sections = append(r.Sections, report.Result{Name: "big", Data: big, Note: "a note", Err: fmt.Errorf("an error")})

	whole := rawSections(t, formatBytes(t, formatters.JSON{}, r))
	for _, maxLine := range []int{0, 1024, 4096, 1 << 20} {
		t.Run(fmt.Sprint(maxLine), func(t *testing.T) {
			out := formatBytes(t, formatters.JSONLines{PerSection: true, MaxLine: maxLine}, r)
			limit := maxLine
			if limit == 0 {
				limit = formatters.DefaultMaxLine
			}
			checkLines(t, out, limit)
			recs, secs := readRecords(t, out, limit)
			assert.Equal(t, "demo/host-1/4242/2026-11-25T17:00:00.123Z", recs[0].ReportID)
			require.Len(t, secs, len(whole))
			for i, s := range secs {
				assert.JSONEq(t, string(whole[i]), string(s), "section %d is the same as in the JSON report", i)
			}
			if maxLine < 1<<20 {
				assert.Greater(t, len(recs), len(secs), "the big section is split")
				assert.NotContains(t, string(out), "section_part", "no JSON inside strings")
			} else {
				assert.Len(t, recs, len(secs))
			}
		})
	}
}

// TestJSONLinesHugeHeader checks that a header too big for a line is
// shortened, the same in every record, and the records stay within the line.
func TestJSONLinesHugeHeader(t *testing.T) {
	r := jsonReport(t)
	r.Header.Service = strings.Repeat("s", 3000)
	out := formatBytes(t, formatters.JSONLines{PerSection: true, MaxLine: 1024}, r)
	checkLines(t, out, 1024)
	recs, secs := readRecords(t, out, 1024)
	assert.Len(t, secs, len(r.Sections))
	assert.Contains(t, string(recs[0].Header), "s…", "the service name is shortened")
}

func TestJSONLinesNoSections(t *testing.T) {
	r := &report.Report{Header: fixedReport(t).Header}
	out := formatBytes(t, formatters.JSONLines{PerSection: true}, r)
	recs, secs := readRecords(t, out, formatters.DefaultMaxLine)
	assert.Len(t, recs, 1)
	assert.Empty(t, secs)
	validate(t, "#/$defs/record", []byte(strings.TrimSpace(string(out))))

	got := decodeReport(t, formatBytes(t, formatters.JSON{}, r))
	assert.NotNil(t, got.Sections, `"sections" is an empty array, not null`)
	assert.Empty(t, got.Sections)
}

// frames makes n stack frames.
func frames(rng *rand.Rand, n int) []any {
	fs := make([]any, n)
	for i := range fs {
		fs[i] = map[string]any{
			"function": fmt.Sprintf("github.com/example/pkg%d.(*T).Method%d", rng.IntN(50), rng.IntN(1000)),
			"file":     fmt.Sprintf("/src/pkg%d/file_%d.go", rng.IntN(50), rng.IntN(100)),
			"line":     rng.IntN(5000),
		}
	}
	return fs
}

func groups(rng *rand.Rand, n, depth int) []any {
	gs := make([]any, n)
	for i := range gs {
		gs[i] = map[string]any{"count": rng.IntN(1000) + 1, "state": "chan receive", "frames": frames(rng, 1+rng.IntN(depth))}
	}
	return gs
}

func nested(levels int, inner any) any {
	v := inner
	for i := range levels {
		v = map[string]any{"level": i, "next": v}
	}
	return v
}

// TestJSONLinesSplitByItems checks, on section data of many shapes, that
// every line is within the bound, is JSON alone and a record of the schema,
// and that the parts put together give the data back: no element lost or
// duplicated.
func TestJSONLinesSplitByItems(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	env := map[string]any{}
	for i := range 3000 {
		env[fmt.Sprintf("VAR_%04d", i)] = strings.Repeat("v", rng.IntN(40))
	}
	cases := []struct {
		name string
		data any
		cut  bool // a value is too big for any line and cut
	}{
		{"many groups", map[string]any{"total": 10000, "groups": groups(rng, 2000, 30), "source": "runtime"}, false},
		{"one huge group", map[string]any{"total": 3, "groups": []any{
			groups(rng, 1, 3)[0],
			map[string]any{"count": 1, "state": "select", "frames": frames(rng, 5000)},
			groups(rng, 1, 3)[0],
		}}, false},
		{"deep nesting", map[string]any{"small": 1, "deep": nested(6, map[string]any{"items": groups(rng, 300, 3)})}, false},
		{"too deep nesting", map[string]any{"small": 1, "deep": nested(100, map[string]any{"items": groups(rng, 300, 10)})}, true},
		{"nested arrays", []any{[]any{groups(rng, 200, 10), []any{frames(rng, 2000)}}}, false},
		{"two big arrays", map[string]any{"a": frames(rng, 1500), "b": frames(rng, 1500), "n": 7}, false},
		{"object of many members", map[string]any{"variables": env, "hidden": 3}, false},
		{"huge string", map[string]any{"blob": strings.Repeat("x", 100000), "groups": groups(rng, 50, 5)}, true},
		{"huge root string", strings.Repeat("\"q\"", 30000), true},
		{"array of huge strings", []any{"a", strings.Repeat("y", 40000), "b"}, true},
	}
	for _, c := range cases {
		for _, maxLine := range []int{16384, 8000, 1024} {
			t.Run(fmt.Sprintf("%s/%d", c.name, maxLine), func(t *testing.T) {
				r := &report.Report{Header: fixedReport(t).Header, Sections: []report.Result{
					{Name: "before", Data: "x"},
					{Name: "big", Data: c.data, Note: "from the section"},
					{Name: "after", Data: []int{1, 2}},
				}}
				out := formatBytes(t, formatters.JSONLines{PerSection: true, MaxLine: maxLine}, r)
				checkLines(t, out, maxLine)
				recs, secs := readRecords(t, out, maxLine)
				require.Len(t, secs, 3)
				if !c.cut {
					assert.Greater(t, len(recs), 3, "the big section is split")
				}
				want := rawSections(t, formatBytes(t, formatters.JSON{}, r))
				assert.JSONEq(t, string(want[0]), string(secs[0]))
				assert.JSONEq(t, string(want[2]), string(secs[2]))
				if !c.cut {
					assert.JSONEq(t, string(want[1]), string(secs[1]), "the parts give the section back")
					assert.NotContains(t, string(out), "over the line bound")
					validate(t, "#/$defs/section", secs[1])
					return
				}
				assert.Contains(t, string(out), `bytes, over the line bound"`, "the value is cut with a note")
				for _, rec := range recs {
					if strings.Contains(string(rec.Section), `bytes, over the line bound"`) {
						assert.Contains(t, string(rec.Section), `"note":"`, "a record with a cut says so in its note")
					}
				}
			})
		}
	}
}

// TestJSONLinesConcatenateGroups checks the README's jq recipe: the
// goroutine groups of all parts, concatenated in order, are the section's
// groups.
func TestJSONLinesConcatenateGroups(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gs := groups(rng, 3000, 20)
	r := &report.Report{Header: fixedReport(t).Header, Sections: []report.Result{
		{Name: "goroutines", Data: map[string]any{"total": 3000, "groups": gs}},
	}}
	out := formatBytes(t, formatters.JSONLines{PerSection: true, MaxLine: 8000}, r)
	var got []any
	parts := 0
	for line := range strings.Lines(string(out)) {
		var rec struct {
			PartPath []string `json:"part_path"`
			Section  struct {
				Data struct {
					Groups []any `json:"groups"`
				} `json:"data"`
			} `json:"section"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		assert.Equal(t, []string{"groups"}, rec.PartPath)
		got = append(got, rec.Section.Data.Groups...)
		parts++
	}
	assert.Greater(t, parts, 10)
	want, err := json.Marshal(gs)
	require.NoError(t, err)
	gotJSON, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(gotJSON))
}

// TestJSONLinesHeaderFillsLine checks that a header that leaves no room for
// a part, even shortened, still gives records within the line: the data is
// replaced by a note. Its strings are long, and too many short ones, which
// are not shortened, fill most of the line.
func TestJSONLinesHeaderFillsLine(t *testing.T) {
	r := &report.Report{Header: fixedReport(t).Header, Sections: []report.Result{
		{Name: "goroutines", Data: map[string]any{"groups": groups(rand.New(rand.NewPCG(5, 6)), 100, 10)}},
	}}
	r.Header.Service = strings.Repeat("s", 20000)
	r.Header.Host = strings.Repeat("h", 20000)
	// Bytes of short strings: more than a quarter of the line, and few
	// enough for the header and a note to fit in it.
	for maxLine, short := range map[int]int{1024: 250, 8000: 5600, 16384: 12000} {
		r.Header.Profiles = nil
		for i := range short / len(`"p00000.pprof",`) {
			r.Header.Profiles = append(r.Header.Profiles, fmt.Sprintf("p%05d.pprof", i))
		}
		out := formatBytes(t, formatters.JSONLines{PerSection: true, MaxLine: maxLine}, r)
		checkLines(t, out, maxLine)
		recs, secs := readRecords(t, out, maxLine)
		require.Len(t, secs, 1)
		require.Len(t, recs, 1, "one record, with the data replaced by a note")
		assert.Contains(t, string(recs[0].Section), `"data":null`)
		assert.Contains(t, string(recs[0].Section), "the header leaves no room for it under the line bound")
		assert.Contains(t, string(recs[0].Header), "…", "the header is shortened to fit")
	}
}

// TestJSONLinesLongHeaderKeepsData checks that a header of long strings that
// leaves less than half a line is shortened until a split section has room
// for its data: a header of 12 KiB left the parts of a 16 KiB line too
// little, and every split section's data was null.
func TestJSONLinesLongHeaderKeepsData(t *testing.T) {
	r := &report.Report{Header: fixedReport(t).Header, Sections: []report.Result{
		{Name: "goroutines", Data: map[string]any{"groups": groups(rand.New(rand.NewPCG(5, 6)), 100, 10)}},
	}}
	for _, tc := range []struct {
		maxLine, trigger int
	}{{16384, 11500}, {16384, 15000}, {8000, 5000}, {2048, 900}} {
		r.Header.Trigger = "panic: " + strings.Repeat("t", tc.trigger)
		out := formatBytes(t, formatters.JSONLines{PerSection: true, MaxLine: tc.maxLine}, r)
		checkLines(t, out, tc.maxLine)
		recs, secs := readRecords(t, out, tc.maxLine)
		require.Len(t, secs, 1)
		assert.Greater(t, len(recs), 1, "line %d, trigger %d: the section is split into parts", tc.maxLine, tc.trigger)
		for _, rec := range recs {
			assert.NotContains(t, string(rec.Section), "no room", "line %d, trigger %d", tc.maxLine, tc.trigger)
			assert.LessOrEqual(t, len(rec.Header), tc.maxLine/2, "line %d, trigger %d: the header is at most half the line", tc.maxLine, tc.trigger)
			assert.Equal(t, string(recs[0].Header), string(rec.Header), "the same header in every record")
		}
	}
}
