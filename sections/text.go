package sections

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/gmr-go/gmr/internal/textfmt"
)

// writeBuffered renders a report into memory with fill, or "(no <what>
// data)" for a nil report, and writes it to w in one call, so that a failing
// writer never leaves half a section behind.
func writeBuffered(w io.Writer, what string, isNil bool, fill func(*bytes.Buffer)) error {
	var buf bytes.Buffer
	if isNil {
		fmt.Fprintf(&buf, "(no %s data)\n", what)
	} else {
		fill(&buf)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write %s report: %w", what, err)
	}
	return nil
}

// table is a tabwriter for a report's tables: columns two spaces apart,
// and, on Flush, rows copied to out with the blanks that pad empty last
// cells trimmed.
type table struct {
	*tabwriter.Writer
	out *bytes.Buffer
	tmp bytes.Buffer
}

func newTable(out *bytes.Buffer) *table {
	t := &table{out: out}
	t.Writer = tabwriter.NewWriter(&t.tmp, 0, 0, 2, ' ', 0)
	return t
}

// Flush writes the table's rows to its output.
func (t *table) Flush() {
	t.Writer.Flush() //nolint:errcheck // writes to a bytes.Buffer
	for line := range strings.Lines(t.tmp.String()) {
		t.out.WriteString(strings.TrimRight(line, " \n"))
		t.out.WriteByte('\n')
	}
	t.tmp.Reset()
}

// countsText writes counts as "200 file, 20 socket", most first.
func countsText(counts map[string]int) string {
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(a, b))
	})
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = textfmt.Commas(counts[name]) + " " + textfmt.Escape(name)
	}
	return strings.Join(parts, ", ")
}

// shortFileLine returns "file.go:42", the base name of file, escaped, and
// line; or "" for no file. It is the AT column of the tables of sites.
func shortFileLine(file string, line int) string {
	if file == "" {
		return ""
	}
	return textfmt.Escape(filepath.Base(file)) + ":" + strconv.Itoa(line)
}
