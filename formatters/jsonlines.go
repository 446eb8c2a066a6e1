package formatters

import (
	"bytes"
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

// minPart is the least section text one part record carries, so that the
// parts always make progress, even when MaxLine leaves no room.
const minPart = 512

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
// A section whose record would be longer than MaxLine is split into parts:
// its section object, as JSON text, is cut into pieces, each carried as the
// string "section_part" of a record with "part_index" (from 0) and
// "part_count" in place of "section". Concatenating the pieces in order gives
// the section object back; with jq:
//
//	jq -s 'map(select(.section_part)) | group_by(.report_id, .section_index)
//	       | map(sort_by(.part_index) | map(.section_part) | add | fromjson)'
//
// Nothing is dropped. A part carries at least 512 bytes of section text, so a
// line can be longer than MaxLine only when the header alone takes nearly all
// of it (a service name of kilobytes, say). A report with no sections is one
// record with section_count 0.
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
	h := newJSONHeader(&r.Header)
	var prefix bytes.Buffer
	prefix.WriteString(`{"schema_version":`)
	prefix.Write(mustEncode(SchemaVersion))
	prefix.WriteString(`,"report_id":`)
	prefix.Write(mustEncode(reportID(&r.Header)))
	prefix.WriteString(`,"header":`)
	prefix.Write(mustEncode(h))
	prefix.WriteString(`,"section_count":`)
	prefix.WriteString(strconv.Itoa(len(r.Sections)))

	write := func(line []byte, what string) error {
		if _, err := w.Write(line); err != nil {
			return fmt.Errorf("write JSON record for %s: %w", what, err)
		}
		return nil
	}
	if len(r.Sections) == 0 {
		return write(append(bytes.Clone(prefix.Bytes()), "}\n"...), "the header")
	}
	var line bytes.Buffer
	for i := range r.Sections {
		sec := newJSONSection(&r.Sections[i])
		text := mustEncode(sec)
		line.Reset()
		line.Write(prefix.Bytes())
		line.WriteString(`,"section_index":`)
		line.WriteString(strconv.Itoa(i))
		line.WriteString(`,"section_name":`)
		line.Write(mustEncode(sec.Name))
		head := line.Len()
		what := "section " + strconv.Quote(sec.Name)

		// The room for a part is what a line has left after the fixed
		// fields, with the part numbers at their widest.
		width := len(strconv.Itoa(len(text)))
		fixed := head + len(`,"part_index":,"part_count":,"section_part":}`) + 2*width + len("\n")
		var parts [][]byte
		if head+len(`,"section":}`)+len(text)+len("\n") > maxLine {
			parts = splitEscaped(text, max(maxLine-fixed, minPart))
		}
		if len(parts) <= 1 {
			// It fits, or the header leaves no room to split it into.
			line.WriteString(`,"section":`)
			line.Write(text)
			line.WriteString("}\n")
			if err := write(line.Bytes(), what); err != nil {
				return err
			}
			continue
		}
		for k, part := range parts {
			line.Truncate(head)
			line.WriteString(`,"part_index":`)
			line.WriteString(strconv.Itoa(k))
			line.WriteString(`,"part_count":`)
			line.WriteString(strconv.Itoa(len(parts)))
			line.WriteString(`,"section_part":`)
			line.Write(mustEncode(string(part)))
			line.WriteString("}\n")
			if err := write(line.Bytes(), what); err != nil {
				return err
			}
		}
	}
	return nil
}

// splitEscaped cuts text, JSON that encode wrote, into pieces whose length
// as JSON strings, quotes included, is at most room. Pieces end on
// character boundaries, so each is valid UTF-8. text holds printable
// characters only, so a JSON string doubles its '"' and '\' and keeps the
// rest.
func splitEscaped(text []byte, room int) [][]byte {
	var parts [][]byte
	for len(text) > 0 {
		size, cut := 2, 0
		for cut < len(text) {
			n := 1
			if c := text[cut]; c == '"' || c == '\\' {
				n = 2
			}
			if size+n > room && cut > 0 {
				break
			}
			size += n
			cut++
		}
		for cut < len(text) && cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		if cut == 0 { // room for less than a character: take one anyway
			_, cut = utf8.DecodeRune(text)
		}
		parts = append(parts, text[:cut])
		text = text[cut:]
	}
	return parts
}

// reportID identifies a report among the records of many processes: process
// ids repeat across hosts (every container's main process is pid 1), so it
// names the host too.
func reportID(h *report.Header) string {
	return h.Service + "/" + h.Host + "/" + strconv.Itoa(h.PID) + "/" + rfc3339(h.Time)
}
