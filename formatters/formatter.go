package formatters

import (
	"io"
	"time"

	"github.com/gmr-go/gmr/sections"
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
	Format(w io.Writer, r *Report) error
}

// Report is one Guru Meditation Report: a header and the sections in order.
type Report struct {
	Header   Header
	Sections []sections.Result
}

// Header says which process a report is about, and when and why it was made.
type Header struct {
	// Service and Version are the names the service gave itself.
	Service string
	Version string
	// Host is the host name; PID is the process id.
	Host string
	PID  int
	// Time is when the report was started.
	Time time.Time
	// Trigger says what asked for the report, such as "signal SIGUSR2".
	Trigger string
	// GMRVersion is the version of this library; GoVersion the runtime's.
	GMRVersion string
	GoVersion  string
	// Duration is how long the sections took to collect.
	Duration time.Duration
	// Profiles names the runtime profiles written beside a report file, as
	// files in the same directory that `go tool pprof` opens, such as
	// "svc-20261125T170000.123456Z-42-000001.goroutine.pb.gz".
	Profiles []string
}
