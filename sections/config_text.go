package sections

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gmr-go/gmr/internal/redact"
	"github.com/gmr-go/gmr/internal/textfmt"
)

// WriteText writes the report as indented lines:
//
//	command line: /usr/bin/shop -db-password *** -v "two words"
//	flags (/usr/bin/shop):
//	  -addr = :8080
//	  -db-password = *** (set)
//	  -v = true (set; default false)
//	db:
//	  db.host = localhost
//	  db.password = ***
//
// A flag set without flags (flag.CommandLine beside the service's own
// flag set, say) is left out when another flag set has flags, and is one
// line, "flags (name): none defined", when none has. A flag set none of
// whose flags was set or changed is one line, "flags (name): 12 defined,
// all at their defaults", when another one has a flag that was; JSON keeps
// them all. A flag set of another library than flag names it: "flags
// (shop serve; cobra):". Where a value came from follows it: "set" (on the
// command line), "environment $SHOP_DB_PASSWORD", "set from a file" or
// "changed in code", and the default when it differs. A registered
// value's fields tagged json:"-" are named on a line of their own.
//
// A value that is empty, has spaces at its ends or characters that are not
// printable is quoted, with Go escapes ("\x1b[31m"), as is an argument of
// the command line that is empty or has spaces.
func (r *ConfigReport) WriteText(w io.Writer) error {
	return writeBuffered(w, "config", r == nil, func(buf *bytes.Buffer) { r.writeText(buf) })
}

func (r *ConfigReport) writeText(buf *bytes.Buffer) {
	if len(r.CommandLine) > 0 {
		buf.WriteString("command line:")
		for _, a := range r.CommandLine {
			buf.WriteString(" " + argText(a))
		}
		buf.WriteString("\n")
	}
	withFlags := slices.ContainsFunc(r.FlagSets, func(fs ConfigFlagSet) bool { return len(fs.Flags) > 0 })
	withTouched := slices.ContainsFunc(r.FlagSets, func(fs ConfigFlagSet) bool { return fs.touched() })
	for i := range r.FlagSets {
		fs := &r.FlagSets[i]
		switch {
		case len(fs.Flags) == 0 && withFlags && fs.Error == "":
		case withTouched && !fs.touched() && fs.Error == "" && fs.Omitted == 0:
			fs.writeHeader(buf)
			fmt.Fprintf(buf, ": %s defined, all at their defaults\n", textfmt.Commas(len(fs.Flags)))
		default:
			fs.writeText(buf)
		}
	}
	for i := range r.Values {
		r.Values[i].writeText(buf)
	}
	if len(r.CommandLine) == 0 && len(r.FlagSets) == 0 && len(r.Values) == 0 {
		buf.WriteString("(no flags or values)\n")
	}
}

// writeText writes the flag set's name and its flags, one to a line, with
// whether each was set and its default when it differs.
func (fs *ConfigFlagSet) writeText(buf *bytes.Buffer) {
	fs.writeHeader(buf)
	if len(fs.Flags) == 0 && fs.Error == "" {
		buf.WriteString(": none defined\n")
		return
	}
	buf.WriteString(":\n")
	if fs.Error != "" {
		buf.WriteString("  error: " + configText(fs.Error, false) + "\n")
	}
	dash := "-"
	if fs.Library != "" && fs.Library != "flag" {
		dash = "--"
	}
	for _, f := range fs.Flags {
		fmt.Fprintf(buf, "  %s%s = %s", dash, configText(f.Name, false), configText(f.Value, f.Redacted))
		var notes []string
		switch {
		case f.Source == "environment":
			notes = append(notes, strings.TrimSpace("environment $"+f.EnvVar))
		case f.Source == "file":
			notes = append(notes, "set from a file")
		case f.Source == "code":
			notes = append(notes, "changed in code")
		case f.Source != "":
			notes = append(notes, configText(f.Source, false))
		case f.Set:
			notes = append(notes, "set")
		}
		if f.Default != f.Value {
			notes = append(notes, "default "+configText(f.Default, f.Redacted))
		}
		if len(notes) > 0 {
			buf.WriteString(" (" + strings.Join(notes, "; ") + ")")
		}
		buf.WriteString("\n")
	}
	if fs.Omitted > 0 {
		fmt.Fprintf(buf, "  ... %s more not shown\n", textfmt.Commas(fs.Omitted))
	}
}

// writeHeader writes "flags (name)", with the library when it is not the
// flag package: "flags (shop serve; cobra)".
func (fs *ConfigFlagSet) writeHeader(buf *bytes.Buffer) {
	buf.WriteString("flags")
	var about []string
	if fs.Name != "" {
		about = append(about, configText(fs.Name, false))
	}
	if fs.Library != "" && fs.Library != "flag" {
		about = append(about, configText(fs.Library, false))
	}
	if len(about) > 0 {
		buf.WriteString(" (" + strings.Join(about, "; ") + ")")
	}
}

// touched reports whether a flag of fs was set or changed in code.
func (fs *ConfigFlagSet) touched() bool {
	return slices.ContainsFunc(fs.Flags, func(f ConfigFlag) bool { return f.Set || f.Source != "" })
}

// writeText writes the value's name and its entries, one to a line, and
// how many were left out.
func (v *ConfigValue) writeText(buf *bytes.Buffer) {
	buf.WriteString(configText(v.Name, false) + ":\n")
	for _, e := range v.Entries {
		fmt.Fprintf(buf, "  %s = %s\n", configText(e.Key, false), configText(e.Value, e.Redacted))
	}
	if v.Omitted > 0 {
		fmt.Fprintf(buf, "  ... %s more not shown\n", textfmt.Commas(v.Omitted))
	}
	if len(v.Hidden) > 0 {
		keys := make([]string, len(v.Hidden))
		for i, k := range v.Hidden {
			keys[i] = configText(k, false)
		}
		buf.WriteString("  hidden from JSON (json:\"-\"), not shown: " + strings.Join(keys, ", ") + "\n")
	}
}

// configText returns s as it is if it is plain text, and quoted with Go
// escapes otherwise: if it is empty, has spaces at its ends, starts with a
// quote, has characters that are not printable, or is "***" but was not
// masked.
func configText(s string, redacted bool) string {
	if s == redact.Mask {
		if redacted {
			return s
		}
		return strconv.Quote(s)
	}
	plain := s != "" && s[0] != '"' && s[0] != ' ' && s[len(s)-1] != ' '
	for _, r := range s {
		if !plain {
			break
		}
		plain = r != utf8.RuneError && (r == ' ' || unicode.IsPrint(r))
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}

// argText returns an argument of the command line as configText does, and
// quoted if it has spaces, so that the arguments can be told apart.
func argText(s string) string {
	if strings.ContainsRune(s, ' ') {
		return strconv.Quote(s)
	}
	return configText(s, true)
}
