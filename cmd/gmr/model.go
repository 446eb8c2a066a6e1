package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// maxReportBytes bounds what gmr reads of a report file. gmr bounds each
// section's JSON to 4 MiB, so a real report is far smaller.
const maxReportBytes = 256 << 20

// reportFile is a JSON report as gmr writes it (formatters.JSON, schema
// version 2), with the parts of it that the commands use. Fields it does
// not know are ignored, so reports of a newer gmr still read.
type reportFile struct {
	SchemaVersion string       `json:"schema_version"`
	Header        reportHeader `json:"header"`
	Sections      []sectionRaw `json:"sections"`

	// From a jsonl-sections report: the header and the sections as the
	// service wrote them (a split section joined), for writing it again as
	// one JSON report with nothing lost.
	rawHeader   json.RawMessage
	rawSections []json.RawMessage
}

// wholeJSON returns a jsonl-sections report as one JSON report, the header
// and sections as written, or false for a report read from one object.
func (r *reportFile) wholeJSON() ([]byte, bool, error) {
	if r.rawHeader == nil {
		return nil, false, nil
	}
	secs := r.rawSections
	if secs == nil {
		secs = []json.RawMessage{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as gmr writes it
	err := enc.Encode(struct {
		SchemaVersion string            `json:"schema_version"`
		Header        json.RawMessage   `json:"header"`
		Sections      []json.RawMessage `json:"sections"`
	}{r.SchemaVersion, r.rawHeader, secs})
	return buf.Bytes(), true, err
}

// reportHeader is the report's header.
type reportHeader struct {
	Service    string   `json:"service"`
	Version    string   `json:"version"`
	Host       string   `json:"host"`
	PID        int      `json:"pid"`
	Started    string   `json:"started"`
	Time       string   `json:"time"`
	Trigger    string   `json:"trigger"`
	GMRVersion string   `json:"gmr_version"`
	GoVersion  string   `json:"go_version"`
	DurationMS float64  `json:"duration_ms"`
	Profiles   []string `json:"profiles"`
	Trace      string   `json:"trace"`
	TraceNote  string   `json:"trace_note"`
	Resource   struct {
		PodName   string `json:"k8s.pod.name"`
		Namespace string `json:"k8s.namespace.name"`
	} `json:"resource"`
}

// sectionRaw is one section, its data undecoded.
type sectionRaw struct {
	Name       string          `json:"name"`
	DurationMS float64         `json:"duration_ms"`
	Data       json.RawMessage `json:"data"`
	Error      string          `json:"error"`
	PanicStack []string        `json:"panic_stack"`
	Note       string          `json:"note"`
}

// section returns the section called name, or nil.
func (r *reportFile) section(name string) *sectionRaw {
	for i := range r.Sections {
		if r.Sections[i].Name == name {
			return &r.Sections[i]
		}
	}
	return nil
}

// decodeSection decodes the data of the section called name into v. It
// returns false, and no error, when the report has no such section or the
// section has no data.
func (r *reportFile) decodeSection(name string, v any) (bool, error) {
	s := r.section(name)
	if s == nil || len(s.Data) == 0 || string(s.Data) == "null" {
		return false, nil
	}
	if err := json.Unmarshal(s.Data, v); err != nil {
		return false, fmt.Errorf("read section %q: %w", name, err)
	}
	return true, nil
}

// errNotJSON says that a file is not a JSON report.
var errNotJSON = errors.New("not a JSON report")

// readReport reads a JSON report from path: the json or jsonl format (one
// report object), or jsonl-sections (one record per section, which it
// puts back together).
func readReport(path string) (*reportFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxReportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxReportBytes {
		return nil, fmt.Errorf("%s: over %d MiB, larger than any gmr report", path, maxReportBytes>>20)
	}
	r, err := parseReport(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// parseReport parses one JSON report.
func parseReport(b []byte) (*reportFile, error) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if bytes.Contains(b[:min(len(b), 4096)], []byte("Guru Meditation")) {
			return nil, fmt.Errorf("%w: this is a text report; gmr reads JSON reports (GMR_FORMAT=json)", errNotJSON)
		}
		return nil, errNotJSON
	}
	var probe struct {
		reportFile
		Section json.RawMessage `json:"section"`
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&probe); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotJSON, err)
	}
	if probe.Section != nil { // one record per line: jsonl-sections
		return parseRecords(trimmed)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: more than one JSON value", errNotJSON)
	}
	r := probe.reportFile
	if r.SchemaVersion == "" {
		return nil, fmt.Errorf("%w: no schema_version", errNotJSON)
	}
	return &r, nil
}

// record is one line of the jsonl-sections format.
type record struct {
	SchemaVersion string          `json:"schema_version"`
	ReportID      string          `json:"report_id"`
	Header        json.RawMessage `json:"header"`
	SectionCount  *int            `json:"section_count"`
	SectionIndex  *int            `json:"section_index"`
	PartIndex     *int            `json:"part_index"`
	PartCount     int             `json:"part_count"`
	PartPath      json.RawMessage `json:"part_path"`
	Section       json.RawMessage `json:"section"`
}

// parseRecords puts a jsonl-sections report back together: each line holds
// the header and one section, or one part of a section too long for a line,
// which it joins as formatters.JSONLines documents: from part 0's data, each
// later part's elements are added at its part_path.
func parseRecords(b []byte) (*reportFile, error) {
	var r reportFile
	var cur *partial // the split section being joined
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, maxReportBytes)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var rec record
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("%w: %v", errNotJSON, err)
		}
		if len(rec.Header) == 0 || bytes.Equal(rec.Header, []byte("null")) || len(rec.Section) == 0 {
			return nil, fmt.Errorf("%w: a line without header and section", errNotJSON)
		}
		if err := json.Unmarshal(rec.Header, &r.Header); err != nil {
			return nil, fmt.Errorf("%w: header: %v", errNotJSON, err)
		}
		r.SchemaVersion, r.rawHeader = rec.SchemaVersion, rec.Header
		var s sectionRaw
		if err := json.Unmarshal(rec.Section, &s); err != nil {
			return nil, fmt.Errorf("%w: %v", errNotJSON, err)
		}
		if rec.PartIndex == nil {
			if cur != nil {
				return nil, cur.incomplete()
			}
			r.Sections = append(r.Sections, s)
			r.rawSections = append(r.rawSections, rec.Section)
			continue
		}
		index := -1
		if rec.SectionIndex != nil {
			index = *rec.SectionIndex
		}
		switch {
		case *rec.PartIndex == 0:
			if cur != nil {
				return nil, cur.incomplete()
			}
			data, err := decodeNumbers(s.Data)
			if err != nil {
				return nil, err
			}
			cur = &partial{sec: s, raw: rec.Section, data: data, index: index, count: rec.PartCount, got: 1}
		case cur == nil || cur.index != index:
			return nil, fmt.Errorf("%w: part %d of section %d without part 0", errNotJSON, *rec.PartIndex, index)
		default:
			if err := cur.add(*rec.PartIndex, s.Data, rec.PartPath); err != nil {
				return nil, err
			}
		}
		if cur.got == cur.count {
			data, err := marshalText(cur.data)
			if err != nil {
				return nil, err
			}
			cur.sec.Data = data
			raw, err := replaceMember(cur.raw, "data", data)
			if err != nil {
				return nil, err
			}
			r.Sections = append(r.Sections, cur.sec)
			r.rawSections = append(r.rawSections, raw)
			cur = nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotJSON, err)
	}
	if cur != nil {
		return nil, cur.incomplete()
	}
	return &r, nil
}

// last reports whether rec is the last record of its report.
func (rec *record) last() bool {
	if rec.SectionCount == nil {
		return false
	}
	if *rec.SectionCount == 0 {
		return true
	}
	return rec.SectionIndex != nil && *rec.SectionIndex == *rec.SectionCount-1 &&
		(rec.PartIndex == nil || *rec.PartIndex == rec.PartCount-1)
}

// partial is a split section of a jsonl-sections report being joined.
type partial struct {
	sec   sectionRaw
	raw   json.RawMessage // part 0's section, as written
	data  any             // decoded, numbers kept as written
	index int             // section_index
	count int             // part_count
	got   int             // parts joined so far
}

func (p *partial) incomplete() error {
	return fmt.Errorf("%w: section %d (%s): %d of its %d parts", errNotJSON, p.index, p.sec.Name, p.got, p.count)
}

// add joins the data of part i, split at path.
func (p *partial) add(i int, data, path json.RawMessage) error {
	part, err := decodeNumbers(data)
	if err != nil {
		return err
	}
	steps, err := decodeNumbers(path)
	if err != nil {
		return err
	}
	list, ok := steps.([]any)
	if !ok {
		return fmt.Errorf("%w: part %d of section %d (%s): part_path is not an array", errNotJSON, i, p.index, p.sec.Name)
	}
	whole, err := mergePart(p.data, part, list)
	if err != nil {
		return fmt.Errorf("%w: part %d of section %d (%s): %v", errNotJSON, i, p.index, p.sec.Name, err)
	}
	p.data = whole
	p.got++
	return nil
}

// marshalText encodes v as JSON without escaping <, > and &, as gmr writes
// reports. The members of a joined section's objects come out sorted by
// name: the content is the service's, the order of members may not be.
func marshalText(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// replaceMember returns the JSON object obj with the value of its member
// key replaced by val, its members in their order.
func replaceMember(obj json.RawMessage, key string, val json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("%w: a section is not an object", errNotJSON)
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errNotJSON, err)
		}
		name, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: %v", errNotJSON, err)
		}
		if name == key {
			v = val
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		out.Write(k)
		out.WriteByte(':')
		out.Write(v)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// decodeNumbers decodes JSON, keeping numbers as they are written.
func decodeNumbers(b json.RawMessage) (any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotJSON, err)
	}
	return v, nil
}

// mergePart adds a part's data to the whole joined so far: at the end of
// path, its elements are appended (or its members added); on the way, an
// element or member the whole already has is entered, and one it lacks is
// taken whole from the part.
func mergePart(whole, part any, path []any) (any, error) {
	if len(path) == 0 {
		switch pv := part.(type) {
		case []any:
			w, ok := whole.([]any)
			if !ok {
				return nil, errors.New("the whole is not an array at its part_path")
			}
			return append(w, pv...), nil
		case map[string]any:
			w, ok := whole.(map[string]any)
			if !ok {
				return nil, errors.New("the whole is not an object at its part_path")
			}
			for k, v := range pv {
				w[k] = v
			}
			return w, nil
		}
		return nil, errors.New("its data at its part_path is not an array or an object")
	}
	switch step := path[0].(type) {
	case string:
		w, wok := whole.(map[string]any)
		pv, pok := part.(map[string]any)
		if !wok || !pok {
			return nil, fmt.Errorf("no object for %q at its part_path", step)
		}
		next, ok := pv[step]
		if !ok {
			return nil, fmt.Errorf("no %q at its part_path", step)
		}
		cur, ok := w[step]
		if !ok {
			w[step] = next
			return w, nil
		}
		merged, err := mergePart(cur, next, path[1:])
		if err != nil {
			return nil, err
		}
		w[step] = merged
		return w, nil
	case json.Number:
		i, err := strconv.Atoi(string(step))
		w, wok := whole.([]any)
		pv, pok := part.([]any)
		if err != nil || i < 0 || !wok || !pok || len(pv) != 1 || i > len(w) {
			return nil, fmt.Errorf("no element %s at its part_path", step)
		}
		if i == len(w) {
			return append(w, pv[0]), nil
		}
		merged, err := mergePart(w[i], pv[0], path[1:])
		if err != nil {
			return nil, err
		}
		w[i] = merged
		return w, nil
	}
	return nil, fmt.Errorf("part_path step %v is not a name or an index", path[0])
}

// The parts of the built-in sections' data that the commands read.

type goroutinesData struct {
	Total  int     `json:"total"`
	Groups []group `json:"groups"`
}

type group struct {
	Count  int     `json:"count"`
	State  string  `json:"state"`
	Frames []frame `json:"frames"`
}

type frame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

type heapData struct {
	HeapInUseBytes  float64 `json:"heap_in_use_bytes"`
	HeapAllocBytes  float64 `json:"heap_alloc_bytes"`
	HeapObjects     float64 `json:"heap_objects"`
	HeapSysBytes    float64 `json:"heap_sys_bytes"`
	SysBytes        float64 `json:"sys_bytes"`
	NextGCBytes     float64 `json:"next_gc_bytes"`
	GCCycles        float64 `json:"gc_cycles"`
	GCForcedCycles  float64 `json:"gc_forced_cycles"`
	GCCPUFraction   float64 `json:"gc_cpu_fraction"`
	GCPauses        pauses  `json:"gc_pauses"`
	TopAllocations  []alloc `json:"top_allocations"`
	AllocationSites int     `json:"allocation_sites"`
}

type pauses struct {
	Count float64 `json:"count"`
	P99MS float64 `json:"p99_ms"`
	MaxMS float64 `json:"max_ms"`
}

type alloc struct {
	Function     string  `json:"function"`
	File         string  `json:"file"`
	Line         int     `json:"line"`
	InUseBytes   float64 `json:"in_use_bytes"`
	InUseObjects float64 `json:"in_use_objects"`
}

type processData struct {
	Usage struct {
		RSSBytes float64 `json:"rss_bytes"`
	} `json:"usage"`
	FDs struct {
		Count int            `json:"count"`
		Kinds map[string]int `json:"kinds"`
	} `json:"fds"`
}

type threadsData struct {
	OSThreads int `json:"os_threads"`
}

type findingsData struct {
	Findings []finding `json:"findings"`
}

type finding struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Section  string `json:"section"`
}
