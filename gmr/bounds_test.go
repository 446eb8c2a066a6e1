package gmr_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/gmr/report"
)

// This file holds the test of issue 10's "bounded work for any data": a
// custom section returning a value that naive marshalling cannot bound must
// still give a report within the report's deadline, in every format, with
// little extra memory and a note saying where it was cut. The benchmark of
// the same values is in bounds_bench_test.go.

// hostileFormats are the formats a hostile value is rendered in.
var hostileFormats = []string{"text", "json", "jsonl", "jsonl-sections"}

// Bounds the hostile values must be rendered within.
const (
	hostileTimeout = time.Second // the report's WithTimeout
	// hostilePeak bounds the extra heap in use while WriteReport runs,
	// garbage the GC has not collected yet included: typically 10-26 MiB,
	// once 76 MiB under -race on a loaded machine. Unbounded, the DAG's
	// JSON alone would be 900 MB.
	hostilePeak = 128 << 20
)

// dagNode is a node of hostileDAG.
type dagNode struct {
	Name     string     `json:"name"`
	Children []*dagNode `json:"children"`
}

// dagDepth is the number of nodes in hostileDAG.
const dagDepth = 25

// hostileDAG returns the first of 25 nodes, each of which has two children,
// both the next node: a DAG of 25 nodes whose children are shared, which a
// naive marshaller expands into 2^25-1 nodes, about 1 GB of JSON (see
// naiveDAGBytes). It is cut by the depth bound first.
func hostileDAG() *dagNode { return dag(2) }

// dag returns the first of 25 nodes, each of which has width children, all
// the next node. A wide one is cut by the value bound before the depth
// bound.
func dag(width int) *dagNode {
	nodes := make([]*dagNode, dagDepth)
	for i := range nodes {
		nodes[i] = &dagNode{Name: "node-" + strconv.Itoa(i)}
	}
	for i := range dagDepth - 1 {
		for range width {
			nodes[i].Children = append(nodes[i].Children, nodes[i+1])
		}
	}
	return nodes[0]
}

// naiveDAGBytes returns the size of n as encoding/json writes it, without
// writing it: its own fields plus the size of each child, each shared child
// sized once (memo) but counted wherever it appears.
func naiveDAGBytes(t testing.TB, n *dagNode, memo map[*dagNode]int) int {
	t.Helper()
	if size, ok := memo[n]; ok {
		return size
	}
	var own []byte
	var err error
	if len(n.Children) == 0 {
		own, err = json.Marshal(n) // {"name":"node-24","children":null}
	} else {
		own, err = json.Marshal(&dagNode{Name: n.Name, Children: []*dagNode{}}) // ...,"children":[]}
	}
	require.NoError(t, err)
	size := len(own)
	for i, c := range n.Children {
		if i > 0 {
			size++ // a comma
		}
		size += naiveDAGBytes(t, c, memo)
	}
	memo[n] = size
	return size
}

// bigMapKeys is the number of keys in bigMap.
const bigMapKeys = 10_000_000

// bigMap is a map of 10 million keys, built once for the test and the
// benchmark, since building it takes seconds.
var bigMap = sync.OnceValue(func() map[string]int {
	m := make(map[string]int, bigMapKeys)
	for i := range bigMapKeys {
		m["key-"+strconv.Itoa(i)] = i
	}
	return m
})

// hostileValue is one value a custom section returns.
type hostileValue struct {
	name  string     // the section's name
	value func() any // builds or returns the value, outside any measure
	note  string     // what the section's note says, in part
	data  string     // what its data shows, in part
}

var hostileValues = []hostileValue{
	{"dag", func() any { return hostileDAG() }, "nesting", "node-7"},
	{"widedag", func() any { return dag(64) }, "50,000 values", "node-3"},
	{"bigmap", func() any { return bigMap() }, "sample", "key-"},
}

// newHostileReporter returns a Reporter with the default sections and one
// section returning v, writing reports in format with a 1 s timeout.
func newHostileReporter(t testing.TB, name, format string, v any, stderr *bytes.Buffer) *gmr.Reporter {
	t.Helper()
	r, err := gmr.New(
		gmr.WithTimeout(hostileTimeout),
		gmr.WithStderr(stderr),
		gmr.WithService("hostile"),
		gmr.WithFormat(format),
		gmr.WithSections(report.Func(name, func(context.Context) (any, error) { return v, nil })),
	)
	require.NoError(t, err)
	return r
}

// heapObjects is the runtime metric of the bytes of heap objects, live or
// not yet swept: what a value built and dropped during a report adds to.
const heapObjects = "/memory/classes/heap/objects:bytes"

// peakHeap calls f and returns how far the heap's objects rose above what
// they were before it, at their peak while f ran. The peak is sampled every
// 500 µs by a goroutine, and once more when f returns. Call runtime.GC()
// first, so that the baseline holds only live objects and f's own garbage
// is counted until a GC that f causes.
func peakHeap(f func()) (peak uint64) {
	sample := []metrics.Sample{{Name: heapObjects}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	done := make(chan struct{})
	result := make(chan uint64, 1)
	go func() {
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		top := read()
		for {
			select {
			case <-done:
				result <- max(top, read())
				return
			case <-tick.C:
				top = max(top, read())
			}
		}
	}()
	f()
	close(done)
	top := <-result
	if top < base {
		return 0
	}
	return top - base
}

// writeHostile makes one report with r and returns it, its wall time and
// the peak of the extra heap while it was made.
func writeHostile(t testing.TB, r *gmr.Reporter) (out []byte, took time.Duration, peak uint64) {
	t.Helper()
	var buf bytes.Buffer
	buf.Grow(4 << 20) // the report's buffer is not the report's memory
	var err error
	runtime.GC()
	peak = peakHeap(func() {
		start := time.Now()
		err = r.WriteReport(context.Background(), &buf)
		took = time.Since(start)
	})
	require.NoError(t, err)
	return buf.Bytes(), took, peak
}

func TestHostileDAGIsHostile(t *testing.T) {
	// The DAG is what the issue describes: about 1 GB marshalled naively.
	size := naiveDAGBytes(t, hostileDAG(), map[*dagNode]int{})
	assert.Greater(t, size, 900_000_000, "naive JSON of the DAG")
	// The size computation is right: check it where marshalling is cheap.
	small := hostileDAG()
	for range 12 {
		small = small.Children[0]
	}
	b, err := json.Marshal(small)
	require.NoError(t, err)
	assert.Equal(t, len(b), naiveDAGBytes(t, small, map[*dagNode]int{}))
	t.Logf("the DAG marshals naively to %d bytes", size)
}

func TestHostileData(t *testing.T) {
	for _, hv := range hostileValues {
		t.Run(hv.name, func(t *testing.T) {
			start := time.Now()
			v := hv.value()
			t.Logf("built %s in %v", hv.name, time.Since(start).Round(time.Millisecond))
			for _, format := range hostileFormats {
				t.Run(format, func(t *testing.T) {
					var stderr bytes.Buffer
					r := newHostileReporter(t, hv.name, format, v, &stderr)
					out, took, peak := writeHostile(t, r)
					t.Logf("%s as %s: %d bytes in %v, peak heap +%.1f MiB", hv.name, format, len(out), took.Round(time.Millisecond), float64(peak)/(1<<20))
					// A bound, not a speed: collection stops at the report's
					// timeout; formatting the section's at most 1 MiB of data
					// comes after it, and on a loaded machine under -race takes
					// a few hundred ms more. Unbounded, the DAG alone would
					// marshal to 900 MB. The speed is BenchmarkHostileData's.
					assert.Less(t, took, hostileTimeout+2*time.Second, "WriteReport's wall time")
					assert.Less(t, peak, uint64(hostilePeak), "extra heap in use while WriteReport ran")
					assert.Less(t, len(out), 8<<20, "the report's size")

					sec := findSection(t, format, out, hv.name)
					t.Logf("note: %s", sec.note)
					assert.Empty(t, sec.err, "the section has no error")
					assert.Contains(t, sec.note, "cut at", "the section says where it was cut")
					assert.Contains(t, sec.note, hv.note)
					assert.Contains(t, sec.data, hv.data, "the section shows its data, cut")
					assert.Empty(t, stderr.String(), "no notice on stderr")
				})
			}
			runtime.KeepAlive(v)
		})
	}
}

// hostileSection is what a report shows of one section.
type hostileSection struct {
	note string // the section's note
	err  string // the section's error
	data string // the section's data, as text or JSON
}

// findSection parses out as a report in format and returns the section
// called name, failing the test if out is not a whole, valid report.
func findSection(t *testing.T, format string, out []byte, name string) hostileSection {
	t.Helper()
	switch format {
	case "text":
		return textSectionOf(t, string(out), name)
	case "json", "jsonl":
		if format == "jsonl" {
			require.Equal(t, 1, bytes.Count(out, []byte("\n")), "jsonl is one line")
		}
		return jsonSectionOf(t, out, name)
	case "jsonl-sections":
		return recordSectionOf(t, out, name)
	}
	t.Fatalf("unknown format %q", format)
	return hostileSection{}
}

// textSectionOf returns the section called name of a text report.
func textSectionOf(t *testing.T, out, name string) hostileSection {
	t.Helper()
	require.True(t, strings.HasSuffix(out, "\n"+formatters.Footer+"\n"), "the text report ends with its footer")
	assert.Equal(t, 1, strings.Count(out, formatters.Footer), "one footer")
	rule := strings.Repeat("=", formatters.Width)
	title := strings.ToUpper(name[:1]) + name[1:]
	banner := rule + "\n====" + bannerCenter(title, formatters.Width-8) + "====\n" + rule + "\n"
	i := strings.Index(out, banner)
	require.GreaterOrEqual(t, i, 0, "the report has the %s section's banner", name)
	body := out[i+len(banner):]
	body = body[:strings.Index(body, "\n\n=")] // the next banner or the footer
	var sec hostileSection
	sec.data = body
	for line := range strings.Lines(body) {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "error: "):
			sec.err = line
		case strings.HasPrefix(line, "(") && strings.HasSuffix(line, ")") &&
			!strings.HasPrefix(line, "(collected in ") && line != "(no data)":
			sec.note = line[1 : len(line)-1] // the note, the body's last line
		}
	}
	return sec
}

// bannerCenter centres s in width columns as the text formatter's banners do.
func bannerCenter(s string, width int) string {
	left := (width - len(s)) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", width-len(s)-left)
}

// jsonReportSection is a section in the JSON formats.
type jsonReportSection struct {
	Name  string          `json:"name"`
	Data  json.RawMessage `json:"data"`
	Error string          `json:"error"`
	Note  string          `json:"note"`
}

// jsonSectionOf returns the section called name of a JSON report.
func jsonSectionOf(t *testing.T, out []byte, name string) hostileSection {
	t.Helper()
	require.True(t, json.Valid(out), "the report is valid JSON")
	var rep struct {
		SchemaVersion string              `json:"schema_version"`
		Sections      []jsonReportSection `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(out, &rep))
	require.NotEmpty(t, rep.SchemaVersion)
	for _, s := range rep.Sections {
		if s.Name == name {
			return sectionFromJSON(t, s)
		}
	}
	t.Fatalf("no section %q in the report", name)
	return hostileSection{}
}

func sectionFromJSON(t *testing.T, s jsonReportSection) hostileSection {
	t.Helper()
	require.True(t, json.Valid(s.Data), "the section's data is valid JSON")
	data := string(s.Data)
	if data == "null" {
		data = ""
	}
	return hostileSection{note: s.Note, err: s.Error, data: data}
}

// recordSectionOf returns the section called name of a jsonl-sections report,
// joining its parts when it was split across lines.
func recordSectionOf(t *testing.T, out []byte, name string) hostileSection {
	t.Helper()
	type record struct {
		SectionIndex *int            `json:"section_index"`
		SectionName  string          `json:"section_name"`
		Section      json.RawMessage `json:"section"`
		PartIndex    *int            `json:"part_index"`
		PartCount    int             `json:"part_count"`
		PartPath     json.RawMessage `json:"part_path"`
	}
	var parts []jsonlPart
	var whole *jsonReportSection
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	lines := 0
	for sc.Scan() {
		lines++
		line := sc.Bytes()
		require.LessOrEqual(t, len(line)+1, formatters.DefaultMaxLine, "record %d fits in a line", lines)
		require.True(t, json.Valid(line), "record %d is valid JSON", lines)
		var rec record
		require.NoError(t, json.Unmarshal(line, &rec))
		require.NotNil(t, rec.SectionIndex, "record %d is a section's", lines)
		if rec.SectionName != name {
			continue
		}
		if rec.PartIndex == nil {
			whole = new(jsonReportSection)
			require.NoError(t, json.Unmarshal(rec.Section, whole))
			continue
		}
		require.Equal(t, len(parts), *rec.PartIndex, "parts in order")
		path, _ := decodeNumbers(t, rec.PartPath).([]any)
		parts = append(parts, jsonlPart{Section: rec.Section, Path: path})
		require.LessOrEqual(t, len(parts), rec.PartCount)
	}
	require.NoError(t, sc.Err())
	if whole == nil {
		require.NotEmpty(t, parts, "the report has the %s section", name)
		joined := joinParts(t, parts)
		whole = &joined
	}
	return sectionFromJSON(t, *whole)
}

// TestPeakHeapMeasures checks that peakHeap sees memory held while f runs,
// so that the bound above can fail.
func TestPeakHeapMeasures(t *testing.T) {
	var hold [][]byte
	runtime.GC()
	peak := peakHeap(func() {
		for range 80 {
			hold = append(hold, make([]byte, 1<<20))
		}
	})
	runtime.KeepAlive(hold)
	assert.GreaterOrEqual(t, peak, uint64(80<<20))
	assert.Less(t, peak, uint64(160<<20))
}
