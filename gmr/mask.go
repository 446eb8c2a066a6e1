package gmr

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/internal/textfmt"
	"github.com/gmr-go/gmr/sections"
)

// This file is the masking pass: the one place every value goes through
// between a section's Collect and anything that leaves the process. The
// Reporter builds one Redactor in New, from the built-in rules,
// WithSecretKeys and WithSecretFlags, and masks with it:
//
//   - each section's result, in the section's own goroutine right after
//     Collect returns (maskResult): its error and panic value, its data, the
//     lines of its TextWriter, and the labels of the profile it was built
//     from;
//   - the header's text (maskHeader): trigger, service, version, host;
//   - every notice gmr writes, to stderr or to the WithLogger logger, its
//     message and each of its attributes (Reporter.notice).
//
// Formatters and sinks see nothing else.

// maxText bounds the text one section's TextWriter may write.
const maxText = 1 << 20

// sectionsPkg is the import path of the built-in sections.
const sectionsPkg = "github.com/gmr-go/gmr/sections"

// maskResult masks res in place. builtin says whether res came from one of
// gmr's own sections: its typed data is masked in place (its field names are
// a schema, and the section masked its key=value data as it collected it
// with the same Redactor); any other section's data is replaced by a masked,
// bounded tree, since nothing is known of it.
func (r *Reporter) maskResult(ctx context.Context, res *report.Result, builtin bool) {
	red := r.red
	res.Err = red.Error(res.Err)
	if res.Data == nil {
		return
	}
	tw, hasText := res.Data.(report.TextWriter)
	builtin = builtin && isBuiltinType(res.Data)
	var notes []string
	if builtin {
		red.InPlace(res.Data)
		if p := profileOf(res.Data); p != nil {
			red.Profile(p)
		}
	}
	if hasText {
		// A built-in's text is rendered from its data, masked above, and
		// is not masked again as text, which would take its "PWD = /srv"
		// for a secret pair; a user's text is taken before its data is
		// replaced by a tree, and masked line by line.
		var note string
		res.Text, note = r.textLines(tw, !builtin)
		if note != "" {
			notes = append(notes, note)
		}
	}
	if !builtin {
		var note string
		res.Data, note = red.Data(ctx, res.Data)
		if note != "" {
			notes = append(notes, note)
		}
	}
	res.Note = strings.Join(notes, "; ")
}

// textLines calls tw.WriteText and returns its lines, masked when mask is
// set, escaped for a terminal (tabs as four spaces), and cut at maxText
// bytes. A WriteText that fails or panics has its error as the last line.
func (r *Reporter) textLines(tw report.TextWriter, mask bool) (lines []string, note string) {
	text, cut, err := textfmt.Capture(tw.WriteText, maxText)
	if cut {
		note = fmt.Sprintf("text cut at %s, the bound for one section", textfmt.Bytes(maxText))
	}
	if err != nil {
		text += "\nerror: write text: " + err.Error()
	}
	if mask {
		text = r.red.Value(text)
	}
	text = strings.TrimSuffix(text, "\n")
	lines = []string{}
	if text == "" {
		return lines, note
	}
	for line := range strings.SplitSeq(text, "\n") {
		lines = append(lines, textfmt.Escape(strings.ReplaceAll(line, "\t", "    ")))
	}
	return lines, note
}

// maskHeader masks the header's text fields in place.
func (r *Reporter) maskHeader(h *report.Header) {
	for _, s := range []*string{&h.Service, &h.Version, &h.Host, &h.Trigger, &h.PodName, &h.Namespace} {
		*s = r.red.Value(*s)
	}
}

// isBuiltinType reports whether v's type, or the type it points to, is one
// of gmr's built-in sections' own.
func isBuiltinType(v any) bool {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t != nil && t.PkgPath() == sectionsPkg
}

// profileOf returns the runtime profile a built-in section's data was built
// from, if it keeps one.
func profileOf(data any) *profile.Profile {
	switch d := data.(type) {
	case *sections.GoroutineReport:
		return d.Profile()
	case *sections.HeapReport:
		return d.Profile()
	}
	return nil
}

// profileKind names the profile profileOf returns, as in its file name.
func profileKind(data any) string {
	if _, ok := data.(*sections.HeapReport); ok {
		return "heap"
	}
	return "goroutine"
}
