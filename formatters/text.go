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

	"github.com/gmr-go/gmr/internal/redact"
	"github.com/gmr-go/gmr/sections"
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
func (Text) Format(w io.Writer, r *Report) error {
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

func writeHeader(buf *bytes.Buffer, h *Header) {
	kv := func(k, v string) {
		if v == "" {
			return
		}
		fmt.Fprintf(buf, "%s = %s\n", k, escape(v))
	}
	kv("service", h.Service)
	kv("version", h.Version)
	kv("host", h.Host)
	if h.PID != 0 {
		kv("pid", fmt.Sprint(h.PID))
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
}

// writeSection renders one section into buf, recovering from a panicking
// TextWriter or value so that one bad section cannot spoil the report.
func writeSection(buf *bytes.Buffer, res *sections.Result) {
	writeBanner(buf, title(res.Name))
	if res.Err != nil {
		fmt.Fprintf(buf, "error: %s\n", escape(errorText(res.Err)))
		var pe *sections.PanicError
		if errors.As(res.Err, &pe) && len(pe.Stack) > 0 {
			buf.WriteString("panic stack:\n")
			for line := range strings.SplitSeq(strings.TrimRight(string(pe.Stack), "\n"), "\n") {
				buf.WriteString("    ")
				buf.WriteString(escape(strings.ReplaceAll(line, "\t", "    ")))
				buf.WriteString("\n")
			}
		}
	}
	var red *redact.Redactor
	if res.Redact {
		red = &redact.Redactor{Extra: res.ExtraSecretKeys}
	}
	switch {
	case res.Data != nil:
		mark := buf.Len()
		if err := renderData(buf, res.Data, red); err != nil {
			buf.Truncate(mark)
			fmt.Fprintf(buf, "error: render section %q: %s\n", escape(res.Name), escape(errorText(err)))
		}
	case res.Err == nil:
		buf.WriteString("(no data)\n")
	}
	if res.Duration > 0 {
		fmt.Fprintf(buf, "(collected in %v)\n", res.Duration.Round(time.Microsecond))
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

// renderData renders data with its own TextWriter when it has one, and
// generically otherwise. Panics become errors.
//
// With a Redactor, secrets are masked: the generic rendering masks values
// under secret keys and secrets inside strings; a TextWriter's output, whose
// structure is unknown, has every line masked as redact.Value masks a string
// (URL passwords, tokens, "key = value" pairs with a secret key).
func renderData(buf *bytes.Buffer, data any, red *redact.Redactor) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	if tw, ok := data.(sections.TextWriter); ok {
		if red == nil {
			return tw.WriteText(buf)
		}
		var tmp bytes.Buffer
		err := tw.WriteText(&tmp)
		for line := range strings.Lines(tmp.String()) {
			buf.WriteString(red.Value(line))
		}
		return err
	}
	writeValue(buf, data, red)
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
