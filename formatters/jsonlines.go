package formatters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/gmr-go/gmr/gmr/report"
)

// DefaultMaxLine is the line length JSONLines keeps to in its per-section
// mode when JSONLines.MaxLine is zero: 16 KiB, newline included. It is the
// smallest limit on the common paths of a container's log line, so a record
// that fits it arrives as one record everywhere:
//
//   - Docker's logging drivers (json-file, local, journald, fluentd, ...)
//     read a container's output through a 16 KiB buffer and split longer
//     lines into "partial" messages (moby daemon/logger/copier.go);
//   - containerd's CRI plugin, behind most Kubernetes clusters, does the
//     same at max_container_log_line_size, 16384 by default, marking the
//     pieces "P" in the node's log files;
//   - journald's own limit, LineMax=, is 48K by default.
const DefaultMaxLine = 16 << 10

// JSONLines writes a report as JSON on a single line, for log pipelines that
// take one line as one record: the object JSON writes, compact, followed by a
// newline. Every newline inside a string is escaped, so the report's only raw
// newline is the last byte. Its zero value is ready to use.
//
// A single-line report is as long as the report: typically 20 to 200 KiB, and
// more with many goroutine groups. Pipelines that split long lines, such as
// Docker's and containerd's at 16 KiB, cut it into pieces that are no longer
// JSON. For those, set PerSection: each section then becomes a record of its
// own on its own line, at most MaxLine bytes long:
//
//	{"schema_version":"1","report_id":"shop/web-1/4242/2026-11-25T17:00:00.123Z",
//	 "header":{...},"section_count":5,"section_index":0,"section_name":"package",
//	 "section":{"name":"package","duration_ms":0.31,"data":{...}}}
//
// (shown here on three lines; it is one). Every record carries the full
// header, so each can be read alone, and report_id (service/host/pid/time),
// section_index and section_count, so that a log search can gather one
// report's records and tell whether all arrived. "section" is the same object
// as in the JSON report's "sections" array.
//
// jsonl, the whole report on one line, is for pipelines without a line
// limit; jsonl-sections is the format to send through a log pipeline.
//
// A section whose record would be longer than MaxLine is split into several
// records by the items of its data: each is a complete JSON object, with the
// same fields and "part_index" (from 0), "part_count" and "part_path", and a
// "section" holding the section's name and duration and a part of its data.
// The split is generic: from the data, it goes into the member that holds
// most of the bytes until it reaches an array (or an object none of whose
// members does), and puts as many of its elements (members) in each part as
// fit; part_path names it, e.g. ["groups"] for the goroutine groups. Every
// other member of the data, and the section's error and note, are in part 0
// only. An element too large for a part of its own is split the same way one
// level down, its part_path then naming it by its index, as in
// ["groups",57,"frames"], where the part's "groups" holds that one group; a
// value with nothing left to split is replaced by the string
// "cut: N bytes, over the line bound", and the record's note says so.
//
// To put a section back together, start from part 0's data and add each
// later part's elements at its part_path. For the goroutine groups, jq:
//
//	jq -s 'map(select(.section_name=="goroutines")) | sort_by(.part_index)
//	       | map(.section.data.groups[]?)'
//
// A header that takes more than half a line has its longest strings
// shortened ("…"), the same in every record, so that a section split into
// parts has at least a quarter of each line for its data; when it still
// leaves less than that (a header of many short strings), a section too long
// for a line is one record whose data is null and whose note says why. MaxLine under 512 is taken as 512. A
// report with no sections is one record with section_count 0.
//
// How it looks: in a file, and in kubectl logs, docker logs and journalctl
// -o cat, each record is one line of JSON, ready for jq. kubectl logs and
// docker logs join the pieces of a line their runtime split, so a whole
// report on one line looks whole there too; but a shipper that reads the
// node's log files (Fluent Bit, Vector, Filebeat) gets the pieces unless it is
// set to merge partial lines, and a journald that receives a service's
// output splits lines longer than its LineMax=. Per-section records pass all
// of them whole.
type JSONLines struct {
	// PerSection writes one record per section, each on its own line, in
	// place of the whole report on one line. Optional.
	PerSection bool
	// MaxLine is the most bytes, newline included, of one line in
	// per-section mode. Optional: zero or negative means DefaultMaxLine,
	// 16 KiB. It has no effect without PerSection.
	MaxLine int
}

// Name returns "jsonl", or "jsonl-sections" with PerSection, the names
// GMR_FORMAT selects them by.
func (j JSONLines) Name() string {
	if j.PerSection {
		return "jsonl-sections"
	}
	return "jsonl"
}

// Extension returns "jsonl".
func (JSONLines) Extension() string { return "jsonl" }

// Format writes r as one line of JSON, or, with PerSection, one line per
// section.
func (j JSONLines) Format(w io.Writer, r *report.Report) error {
	if !j.PerSection {
		b, err := encode(newJSONReport(r), false)
		if err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("write JSON report: %w", err)
		}
		return nil
	}
	return j.formatRecords(w, r)
}

// formatRecords writes one record per section, splitting those that do not
// fit in a line.
func (j JSONLines) formatRecords(w io.Writer, r *report.Report) error {
	maxLine := j.MaxLine
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	maxLine = max(maxLine, minMaxLine)
	header := mustEncode(newJSONHeader(&r.Header))
	id := reportID(&r.Header)
	prefix := recordPrefix(header, id, len(r.Sections))
	// A header that takes more than half the line has its longest strings
	// shortened, the same in every record: splitSection needs a quarter of
	// the line for a part's data, after the header and the part's own
	// fields.
	for len(prefix)+max(headerRoom, maxLine/2) > maxLine {
		h := &jnode{raw: header}
		leaf := longestString(h)
		switch {
		case len(id) > 16 && (leaf == nil || len(id) >= len(leaf.raw)):
			id = shorten(id, len(id)/2)
		case leaf != nil && len(leaf.raw) > len(`"2006-01-02T15:04:05.999999999Z"`): // times stay whole
			var v string
			if json.Unmarshal(leaf.raw, &v) != nil {
				v = ""
			}
			leaf.raw = mustEncode(shorten(v, len(v)/2))
			header = h.text()
		}
		next := recordPrefix(header, id, len(r.Sections))
		if len(next) == len(prefix) {
			break
		}
		prefix = next
	}

	write := func(line []byte, what string) error {
		if _, err := w.Write(line); err != nil {
			return fmt.Errorf("write JSON record for %s: %w", what, err)
		}
		return nil
	}
	if len(r.Sections) == 0 {
		return write(append(prefix, "}\n"...), "the header")
	}
	var line bytes.Buffer
	for i := range r.Sections {
		sec := newJSONSection(&r.Sections[i])
		sec.Data = escapeUnprintable(sec.Data)
		line.Reset()
		line.Write(prefix)
		line.WriteString(`,"section_index":`)
		line.WriteString(strconv.Itoa(i))
		line.WriteString(`,"section_name":`)
		line.Write(mustEncode(sec.Name))
		head := bytes.Clone(line.Bytes())
		what := "section " + strconv.Quote(sec.Name)

		text := mustEncode(sec)
		if len(head)+len(`,"section":}`)+len(text)+len("\n") <= maxLine {
			line.WriteString(`,"section":`)
			line.Write(text)
			line.WriteString("}\n")
			if err := write(line.Bytes(), what); err != nil {
				return err
			}
			continue
		}
		for _, rec := range splitSection(head, sec, maxLine) {
			if err := write(rec, what); err != nil {
				return err
			}
		}
	}
	return nil
}

// recordPrefix returns the start of every record of a report, up to its
// section_count.
func recordPrefix(header []byte, id string, sections int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"schema_version":`)
	b.Write(mustEncode(SchemaVersion))
	b.WriteString(`,"report_id":`)
	b.Write(mustEncode(id))
	b.WriteString(`,"header":`)
	b.Write(header)
	b.WriteString(`,"section_count":`)
	b.WriteString(strconv.Itoa(sections))
	return b.Bytes()
}

// splitSection returns the records, newlines included, of a section too
// large for one line, each starting with head: parts split by the items of
// its data, or one record whose data is replaced by a note when head leaves
// no room for a part.
func splitSection(head []byte, sec jsonSection, maxLine int) [][]byte {
	name, dur := mustEncode(sec.Name), mustEncode(sec.DurationMS)
	// The room of a part is what its line has left after the fixed fields,
	// with the part numbers at their widest and room for a cut note.
	width := len(strconv.Itoa(len(sec.Data) + 1))
	fixed := len(head) + len(`,"part_index":,"part_count":,"part_path":,"section":{"name":,"duration_ms":,"data":,"note":""}}`) +
		2*width + len(name) + len(dur) + len(mustEncode(sec.Note+"; "+cutNote)) + len("\n")
	meta := func() []byte {
		var b []byte
		if sec.Error != "" {
			b = append(append(b, `,"error":`...), mustEncode(sec.Error)...)
		}
		if len(sec.PanicStack) > 0 {
			b = append(append(b, `,"panic_stack":`...), mustEncode(sec.PanicStack)...)
		}
		return b
	}
	room := func(path []byte, first bool) int {
		n := maxLine - fixed - len(path)
		if first {
			n -= len(meta())
		}
		return n
	}
	// An error, or a panic's stack, that leaves the first part no room is
	// shortened.
	if room([]byte("[]"), true) < minRoom && len(sec.PanicStack) > 0 {
		sec.PanicStack = []string{shorten(sec.PanicStack[0], 200), "(the rest of the stack is cut: over the line bound)"}
	}
	if room([]byte("[]"), true) < minRoom {
		sec.Error = shorten(sec.Error, 200)
	}

	record := func(parts string, data []byte, note string, withMeta bool) []byte {
		b := bytes.Clone(head)
		b = append(b, parts...)
		b = append(b, `,"section":{"name":`...)
		b = append(b, name...)
		b = append(b, `,"duration_ms":`...)
		b = append(b, dur...)
		b = append(b, `,"data":`...)
		b = append(b, data...)
		if withMeta {
			b = append(b, meta()...)
		}
		if note != "" {
			b = append(append(b, `,"note":`...), mustEncode(note)...)
		}
		return append(b, "}}\n"...)
	}
	joinNote := func(a, b string) string {
		if a == "" || b == "" {
			return a + b
		}
		return a + "; " + b
	}

	if room([]byte("[]"), true) < max(minRoom, maxLine/4) {
		note := joinNote(sec.Note, "data cut: "+strconv.Itoa(len(sec.Data))+" bytes, the header leaves no room for it under the line bound")
		rec := record("", []byte("null"), note, true)
		if len(rec) > maxLine {
			rec = record("", []byte("null"), note, false)
		}
		return [][]byte{rec}
	}
	s := splitter{room: room}
	s.split(&jnode{raw: sec.Data}, wrap{}, nil, 0)
	recs := make([][]byte, len(s.parts))
	for k, p := range s.parts {
		note := ""
		if k == 0 {
			note = sec.Note
		}
		if p.cut {
			note = joinNote(note, cutNote)
		}
		parts := `,"part_index":` + strconv.Itoa(k) + `,"part_count":` + strconv.Itoa(len(s.parts)) + `,"part_path":` + string(p.path)
		recs[k] = record(parts, p.data, note, k == 0)
	}
	return recs
}

// reportID identifies a report among the records of many processes: process
// ids repeat across hosts (every container's main process is pid 1), so it
// names the host too.
func reportID(h *report.Header) string {
	return h.Service + "/" + h.Host + "/" + strconv.Itoa(h.PID) + "/" + rfc3339(h.Time)
}

// minRoom is the least room for section data a part must leave before a
// value is split further; a smaller one gets a cut note in its place.
const minRoom = 128

// minMaxLine is the smallest MaxLine honoured: a smaller one is taken as it.
const minMaxLine = 512

// headerRoom is what the header leaves, at least, of a line for the rest of
// a record, or half the line if more; a longer header has its longest
// strings shortened.
const headerRoom = 256

// maxSplitDepth bounds how deep a section's data is split.
const maxSplitDepth = 64

// cutNote is added to the note of a record in which a value is cut.
const cutNote = `values over the line bound are replaced by "cut: N bytes, over the line bound"`

func cutValueText(n int) []byte {
	return []byte(`"cut: ` + strconv.Itoa(n) + ` bytes, over the line bound"`)
}

// jnode is a JSON value whose members or elements are parsed on demand.
// raw is its compact text.
type jnode struct {
	raw    []byte
	parsed bool
	keys   [][]byte // an object's keys, as JSON strings
	vals   []*jnode
}

// kind returns '{', '[' or 0 for a scalar.
func (n *jnode) kind() byte {
	if len(n.raw) > 0 && (n.raw[0] == '{' || n.raw[0] == '[') {
		return n.raw[0]
	}
	return 0
}

func (n *jnode) parse() error {
	if n.parsed {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(n.raw))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		if n.raw[0] == '{' {
			start := dec.InputOffset()
			if _, err := dec.Token(); err != nil {
				return err
			}
			n.keys = append(n.keys, bytes.TrimLeft(n.raw[start:dec.InputOffset()], ", \t\r\n"))
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		n.vals = append(n.vals, &jnode{raw: v})
	}
	n.parsed = true
	return nil
}

// text returns n as JSON text, with any change made to its children.
func (n *jnode) text() []byte {
	if !n.parsed {
		return n.raw
	}
	b := []byte{n.raw[0]}
	for i, v := range n.vals {
		if i > 0 {
			b = append(b, ',')
		}
		if n.raw[0] == '{' {
			b = append(append(b, n.keys[i]...), ':')
		}
		b = append(b, v.text()...)
	}
	if n.raw[0] == '{' {
		return append(b, '}')
	}
	return append(b, ']')
}

// longestString returns the longest string in n, parsing all of n, or nil.
func longestString(n *jnode) *jnode {
	if n.kind() == 0 {
		if len(n.raw) > 0 && n.raw[0] == '"' {
			return n
		}
		return nil
	}
	if n.parse() != nil {
		return nil
	}
	var best *jnode
	for _, v := range n.vals {
		if l := longestString(v); l != nil && (best == nil || len(l.raw) > len(best.raw)) {
			best = l
		}
	}
	return best
}

// item returns child i as it is written inside n: "key":value or value.
func (n *jnode) item(i int) []byte {
	if n.raw[0] == '{' {
		return concat(n.keys[i], []byte(":"), n.vals[i].raw)
	}
	return n.vals[i].raw
}

// members returns children [from, to) of object n as JSON text, without
// braces.
func (n *jnode) members(from, to int) []byte {
	var b []byte
	for i := from; i < to; i++ {
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = append(b, n.item(i)...)
	}
	return b
}

// bulkMember returns the index of the member of object n that holds more
// than half its bytes and is an object or an array, or -1.
func (n *jnode) bulkMember() int {
	best := -1
	for i, v := range n.vals {
		if v.kind() != 0 && 2*len(v.raw) > len(n.raw) && (best < 0 || len(v.raw) > len(n.vals[best].raw)) {
			best = i
		}
	}
	return best
}

func concat(bs ...[]byte) []byte {
	var b []byte
	for _, p := range bs {
		b = append(b, p...)
	}
	return b
}

func pathJSON(path [][]byte) []byte {
	return concat([]byte("["), bytes.Join(path, []byte(",")), []byte("]"))
}

// wrap is the data around a value being split, as JSON text: before and
// after it in its first part, and in the parts after that.
type wrap struct{ preFirst, sufFirst, preRest, sufRest []byte }

type dataPart struct {
	data, path []byte
	cut        bool
}

// splitter cuts a section's data into parts that each fit in a line.
type splitter struct {
	room  func(path []byte, first bool) int // bytes of data a part may hold
	parts []dataPart
}

func (s *splitter) fits(n int, path []byte) bool { return n <= s.room(path, len(s.parts) == 0) }

// split appends the parts that carry n, the value at path, written between
// w's texts.
func (s *splitter) split(n *jnode, w wrap, path [][]byte, depth int) {
	if n.kind() == 0 || depth > maxSplitDepth || n.parse() != nil ||
		len(path) > 0 && s.room(pathJSON(path), false)-len(w.preRest)-len(w.sufRest) < minRoom {
		parent := path
		if len(parent) > 0 {
			parent = parent[:len(parent)-1]
		}
		s.parts = append(s.parts, dataPart{concat(w.preFirst, cutValueText(len(n.raw)), w.sufFirst), pathJSON(parent), true})
		return
	}
	if n.kind() == '{' {
		if ci := n.bulkMember(); ci >= 0 {
			s.splitMember(n, ci, w, path, depth)
			return
		}
	}
	s.pack(n, w, path, depth)
}

// splitMember splits object n by its member ci, which holds its bulk: the
// other members go with the first part of it if they fit in a line, else
// before it in parts of their own.
func (s *splitter) splitMember(n *jnode, ci int, w wrap, path [][]byte, depth int) {
	c, key := n.vals[ci], n.keys[ci]
	before, after := n.members(0, ci), n.members(ci+1, len(n.vals))
	comma := func(b []byte) []byte {
		if len(b) > 0 {
			return []byte(",")
		}
		return nil
	}
	cPath := append(path[:len(path):len(path)], key)
	rest := wrap{preRest: concat(w.preRest, []byte("{"), key, []byte(":")), sufRest: concat([]byte("}"), w.sufRest)}
	open := concat([]byte("{"), before, comma(before), key, []byte(":"))
	closing := concat(comma(after), after, []byte("}"))
	if s.fits(len(w.preFirst)+len(open)+2+len(closing)+len(w.sufFirst), pathJSON(cPath)) {
		rest.preFirst, rest.sufFirst = concat(w.preFirst, open), concat(closing, w.sufFirst)
		s.split(c, rest, cPath, depth+1)
		return
	}
	sep := []byte(nil)
	if len(before) > 0 && len(after) > 0 {
		sep = []byte(",")
	}
	others := &jnode{raw: concat([]byte("{"), before, sep, after, []byte("}"))}
	s.split(others, w, path, depth+1)
	rest.preFirst, rest.sufFirst = rest.preRest, rest.sufRest
	s.split(c, rest, cPath, depth+1)
}

// pack puts the children of n, an array or an object, into as few parts as
// fit, splitting a child too large for a part of its own.
func (s *splitter) pack(n *jnode, w wrap, path [][]byte, depth int) {
	open, closing := []byte("["), []byte("]")
	if n.kind() == '{' {
		open, closing = []byte("{"), []byte("}")
	}
	pj := pathJSON(path)
	first, count, cut := true, 0, false
	var cur []byte
	start := func() {
		cur, count, cut = concat(w.preRest, open), 0, false
		if first {
			cur = concat(w.preFirst, open)
		}
	}
	suffix := func() []byte {
		if first {
			return concat(closing, w.sufFirst)
		}
		return concat(closing, w.sufRest)
	}
	flush := func() {
		s.parts = append(s.parts, dataPart{concat(cur, suffix()), pj, cut})
		first = false
		start()
	}
	add := func(item []byte) {
		if count > 0 {
			cur = append(cur, ',')
		}
		cur = append(cur, item...)
		count++
	}
	start()
	for i, child := range n.vals {
		item := n.item(i)
		sep := min(count, 1)
		if s.fits(len(cur)+sep+len(item)+len(suffix()), pj) {
			add(item)
			continue
		}
		if count > 0 || first {
			flush()
		}
		if s.fits(len(cur)+len(item)+len(suffix()), pj) {
			add(item)
			continue
		}
		// Too large for a part of its own.
		step, label := []byte(strconv.Itoa(i)), []byte(nil)
		if n.kind() == '{' {
			step, label = n.keys[i], concat(n.keys[i], []byte(":"))
		}
		cPath := append(path[:len(path):len(path)], step)
		cw := wrap{preRest: concat(w.preRest, open, label), sufRest: concat(closing, w.sufRest)}
		cw.preFirst, cw.sufFirst = cw.preRest, cw.sufRest
		if child.kind() != 0 && s.room(pathJSON(cPath), false)-len(cw.preRest)-len(cw.sufRest) >= minRoom {
			s.split(child, cw, cPath, depth+1)
			continue
		}
		add(concat(label, cutValueText(len(child.raw))))
		cut = true
	}
	if count > 0 || first {
		flush()
	}
}

// shorten returns s cut to at most n bytes, on a character boundary, with
// "…" after it if it was cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
