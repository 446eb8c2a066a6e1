package formatters

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/internal/textfmt"
)

// Width is the width of the text report's banners, as in oslo.reports.
const Width = 72

// Text is the human-readable format. Its zero value is ready to use.
type Text struct{}

// Name returns "text".
func (Text) Name() string { return "text" }

// Extension returns "txt".
func (Text) Extension() string { return "txt" }

// Format writes r as text: the "Guru Meditation" banner, the header, then
// each section under its own banner. A section whose data cannot be rendered
// (its renderer panics or fails) shows that error in its place; the other
// sections still render.
func (Text) Format(w io.Writer, r *report.Report) error {
	var buf bytes.Buffer
	writeBanner(&buf, "Guru Meditation")
	buf.WriteString(strings.Repeat("|", Width))
	buf.WriteString("\n")
	writeHeader(&buf, &r.Header)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write report header: %w", err)
	}
	for i := range r.Sections {
		buf.Reset()
		buf.WriteString("\n")
		writeSection(&buf, &r.Sections[i])
		if _, err := w.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write section %q: %w", r.Sections[i].Name, err)
		}
	}
	if _, err := io.WriteString(w, "\n"+Footer+"\n"); err != nil {
		return fmt.Errorf("write report footer: %w", err)
	}
	return nil
}

// Footer is the text report's last line. A report that does not end with it
// was cut short, by a full disk or a log pipeline's line limit, say.
const Footer = "==================== end of Guru Meditation report ====================="

// writeBanner writes a three-line banner with title centred between "====".
func writeBanner(buf *bytes.Buffer, title string) {
	rule := strings.Repeat("=", Width)
	inner := Width - 8
	if n := utf8.RuneCountInString(title); n > inner {
		title = string([]rune(title)[:inner])
	}
	n := utf8.RuneCountInString(title)
	left := (inner - n) / 2
	right := inner - n - left
	buf.WriteString(rule)
	buf.WriteString("\n====")
	buf.WriteString(strings.Repeat(" ", left))
	buf.WriteString(title)
	buf.WriteString(strings.Repeat(" ", right))
	buf.WriteString("====\n")
	buf.WriteString(rule)
	buf.WriteString("\n")
}

func writeHeader(buf *bytes.Buffer, h *report.Header) {
	kv := func(k, v string) {
		if v == "" {
			return
		}
		fmt.Fprintf(buf, "%s = %s\n", k, escape(v))
	}
	kv("service", h.Service)
	kv("version", h.Version)
	kv("host", h.Host)
	pid := ""
	if h.PID != 0 {
		pid = fmt.Sprint(h.PID)
	}
	kv("pid", pid)
	if !h.Started.IsZero() {
		started := h.Started.UTC().Format(time.RFC3339Nano)
		if !h.Time.IsZero() {
			started += " (up " + h.Time.Sub(h.Started).Round(time.Millisecond).String() + ")"
		}
		kv("started", started)
	}
	if !h.Time.IsZero() {
		kv("time", h.Time.UTC().Format(time.RFC3339Nano))
	}
	kv("trigger", h.Trigger)
	if h.Duration != 0 {
		kv("collected_in", h.Duration.Round(time.Microsecond).String())
	}
	kv("go_version", h.GoVersion)
	kv("gmr_version", h.GMRVersion)
	if len(h.Profiles) > 0 {
		kv("profiles", strings.Join(h.Profiles, ", "))
	}
	if h.Trace != "" {
		kv("trace", h.Trace)
	}
	if h.TraceNote != "" {
		kv("trace_note", h.TraceNote)
	}
	// The same process under OpenTelemetry's resource names, on one line.
	var res []string
	for _, a := range [][2]string{
		{"service.name", h.Service}, {"service.version", h.Version}, {"host.name", h.Host},
		{"process.pid", pid}, {"k8s.pod.name", h.PodName}, {"k8s.namespace.name", h.Namespace},
	} {
		if a[1] != "" {
			res = append(res, a[0]+"="+a[1])
		}
	}
	kv("resource", strings.Join(res, " "))
}

// writeSection renders one section into buf. Its body (error, data, note)
// is rendered first and then contained, so that nothing a section returns can
// pass for report structure; a panicking value cannot spoil the report.
func writeSection(buf *bytes.Buffer, res *report.Result) {
	writeBanner(buf, title(res.Name))
	var body bytes.Buffer
	if res.Err != nil {
		fmt.Fprintf(&body, "error: %s\n", errorText(res.Err))
		var pe *report.PanicError
		if errors.As(res.Err, &pe) && len(pe.Stack) > 0 {
			body.WriteString("panic stack:\n")
			for line := range strings.SplitSeq(strings.TrimRight(string(pe.Stack), "\n"), "\n") {
				body.WriteString("    ")
				body.WriteString(line)
				body.WriteString("\n")
			}
		}
	}
	tw, hasText := res.Data.(report.TextWriter)
	switch {
	case res.Text != nil:
		for _, line := range res.Text {
			body.WriteString(line)
			body.WriteString("\n")
		}
	case hasText:
		// A Report that no Reporter made: render the text here.
		text, cut, err := textfmt.Capture(tw.WriteText, maxTextBytes)
		body.WriteString(text)
		if text != "" && !strings.HasSuffix(text, "\n") {
			body.WriteString("\n")
		}
		if err != nil {
			fmt.Fprintf(&body, "error: render section %q: %s\n", res.Name, errorText(err))
		} else if cut {
			fmt.Fprintf(&body, "... (truncated: this section's text is over %s)\n", textfmt.Bytes(maxTextBytes))
		}
	case res.Data != nil:
		mark := body.Len()
		if err := renderData(&body, res.Data); err != nil {
			body.Truncate(mark)
			fmt.Fprintf(&body, "error: render section %q: %s\n", res.Name, errorText(err))
		}
	case res.Err == nil:
		body.WriteString("(no data)\n")
	}
	if res.Note != "" {
		fmt.Fprintf(&body, "(%s)\n", res.Note)
	}
	contain(buf, body.Bytes())
	if res.Duration > 0 {
		fmt.Fprintf(buf, "(collected in %v)\n", res.Duration.Round(time.Microsecond))
	}
}

// contain copies a section's body to buf line by line, escaped for a
// terminal (a tab becomes four spaces), with every line that starts as a
// banner, the header's rule or the footer do ('=' or '|') indented by two
// spaces. So a section's text, whoever wrote it, can forge no banner, no
// footer and no terminal escape.
func contain(buf *bytes.Buffer, body []byte) {
	for line := range strings.Lines(string(body)) {
		line = strings.TrimSuffix(line, "\n")
		line = escape(strings.ReplaceAll(line, "\t", "    "))
		if strings.HasPrefix(line, "=") || strings.HasPrefix(line, "|") {
			buf.WriteString("  ")
		}
		buf.WriteString(line)
		buf.WriteString("\n")
	}
}

// errorText returns err.Error(), or a note if Error itself panics.
func errorText(err error) (s string) {
	defer func() {
		if v := recover(); v != nil {
			s = fmt.Sprintf("(%T whose Error method panicked: %v)", err, v)
		}
	}()
	return err.Error()
}

// renderData renders data generically; a panic becomes an error.
func renderData(buf *bytes.Buffer, data any) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	writeValue(buf, data)
	return nil
}

// title turns a section name such as "goroutines" or "my_queue" into a
// banner title such as "Goroutines" or "My Queue".
func title(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' || r == ' ' })
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	if len(words) == 0 {
		return "(unnamed)"
	}
	return escape(strings.Join(words, " "))
}
