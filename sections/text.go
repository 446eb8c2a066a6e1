package sections

import (
	"bytes"
	"fmt"
	"io"
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
