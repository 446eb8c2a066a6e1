package formatters

import (
	"io"

	"github.com/gmr-go/gmr/gmr/report"
)

// A Formatter renders a Report to a writer.
//
// Format must not modify the report, and must render every section even when
// another section's data cannot be rendered: a section that cannot be
// rendered shows an error in its place. Format returns an error only when the
// writer fails. Formatters must be safe for concurrent use.
type Formatter interface {
	// Name is the format's name as GMR_FORMAT spells it, such as "text".
	Name() string
	// Extension is the file name extension for reports in this format,
	// without the dot, such as "txt".
	Extension() string
	// Format writes r to w.
	Format(w io.Writer, r *report.Report) error
}
