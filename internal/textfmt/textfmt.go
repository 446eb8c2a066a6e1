// Package textfmt holds the small text helpers every text renderer in gmr
// shares: escaping untrusted strings for a terminal, and numbers for people.
package textfmt

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes s safe to write to a terminal or a log line: control
// characters, including ESC (which starts ANSI and OSC sequences) and the C1
// controls, format characters such as U+202E (right-to-left override), and
// invalid UTF-8 are written as Go escapes (\n, \x1b, \u202e). Printable text,
// including non-ASCII letters, is unchanged.
func Escape(s string) string {
	i := strings.IndexFunc(s, Unprintable)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case !Unprintable(r):
			b.WriteString(s[i : i+n])
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// Unprintable reports whether Escape escapes r: control and format
// characters, other non-printable runes, and utf8.RuneError (invalid UTF-8).
func Unprintable(r rune) bool {
	return r == utf8.RuneError || r != ' ' && !unicode.IsPrint(r)
}

// Commas formats n in decimal with a comma between groups of three digits:
// 4213 becomes "4,213".
func Commas(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Plural returns n with thousands separators and noun, with an "s" added
// unless n is 1: "1 group", "4,213 goroutines".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Commas(n) + " " + noun + "s"
}

// Bytes formats a byte count for people: "512 B", "12.3 MiB".
func Bytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	f, exp := float64(n)/unit, 0
	// Divide while the value would print as 1024.0 or more.
	for f >= unit-0.05 && exp < 5 {
		f /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", f, "KMGTPE"[exp])
}

// Cut returns at most the first n bytes of s, cut on a character boundary.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Capture calls write with a writer that keeps the first limit bytes and
// then fails, and returns what was written, cut after its last whole line
// when the limit was reached. A panic in write is returned as an error.
func Capture(write func(io.Writer) error, limit int) (text string, cut bool, err error) {
	w := &boundedWriter{limit: limit}
	func() {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("panic: %v", v)
			}
		}()
		err = write(w)
	}()
	text = w.buf.String()
	if w.cut {
		if i := strings.LastIndexByte(text, '\n'); i >= 0 {
			text = text[:i+1] // no half line
		}
		err = nil
	}
	return text, w.cut, err
}

// boundedWriter keeps the first limit bytes written to it and then fails.
type boundedWriter struct {
	buf   strings.Builder
	limit int
	cut   bool
}

func (b *boundedWriter) Write(p []byte) (int, error) {
	if room := b.limit - b.buf.Len(); len(p) > room {
		room = max(room, 0)
		b.buf.Write(p[:room])
		b.cut = true
		return room, errFull
	}
	return b.buf.Write(p)
}

var errFull = errors.New("text over its bound")
