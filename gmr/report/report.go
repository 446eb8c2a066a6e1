package report

import (
	"bytes"
	"encoding/json"
	"time"
)

// Report is one Guru Meditation Report: a header and the sections in order.
type Report struct {
	Header   Header
	Sections []Result
}

// Header says which process a report is about, and when and why it was made.
//
// The JSON formats also write Service, Version, Host, PID, PodName and
// Namespace under their OpenTelemetry resource names, as the header's
// "resource" object: service.name, service.version, host.name, process.pid,
// k8s.pod.name and k8s.namespace.name (the last two only when set), so that
// a pipeline can join a report to the service's traces and metrics.
type Header struct {
	// Service and Version are the names the service gave itself.
	Service string
	Version string
	// Host is the host name; PID is the process id.
	Host string
	PID  int
	// PodName and Namespace are the Kubernetes pod and namespace the
	// process runs in, "" outside Kubernetes: gmr takes them from the
	// environment variables K8S_POD_NAME (else POD_NAME) and
	// K8S_NAMESPACE (else POD_NAMESPACE), which a pod spec sets from the
	// Downward API (fieldRef metadata.name and metadata.namespace).
	PodName   string
	Namespace string
	// Started is when the process started: to the clock tick on Linux,
	// else when gmr was initialised.
	Started time.Time
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
	// Trace names the execution trace written beside a report file by the
	// flight recorder, in the same directory, which `go tool trace` opens,
	// such as "svc-20261125T170000.123456Z-42-000001.trace"; "" when none
	// was written.
	Trace string
	// TraceNote says why a report has no trace though the flight recorder
	// is on (the report went to stderr, the recorder could not start), or
	// what was cut from it; "" otherwise.
	TraceNote string
}

// Result is what one section produced for one report.
type Result struct {
	// Name is the section's name.
	Name string
	// Data is the value Collect returned; it may be set even when Err is.
	// See the package documentation for what it holds once masked.
	Data any
	// Err is the error Collect returned, a recovered panic, or a timeout.
	Err error
	// Duration is how long Collect ran, or how long the reporter waited for it.
	Duration time.Duration
	// Text is the section's own text layout, one line per element without
	// its newline, when Data implements TextWriter; nil otherwise.
	Text []string
	// Note says what was left out of Data or Text to keep the section
	// within its bounds, such as "cut at 50,000 values"; "" when nothing was.
	Note string
}

// Object is a JSON object whose members keep their order: the masked form
// of a struct or a map in a Result's Data.
type Object []Member

// Member is one member of an Object.
type Member struct {
	Key   string
	Value any
}

// MarshalJSON writes the members in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(m.Key); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		buf.WriteByte(':')
		if err := enc.Encode(m.Value); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
