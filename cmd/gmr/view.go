package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/sections"
)

func viewCommand() *command {
	return &command{
		name:  "view",
		args:  "[--html] [-o FILE] REPORT.json",
		short: "render a JSON report as the text report, or as an offline HTML page",
		long: `View renders a JSON report (the json, jsonl or jsonl-sections format) as
the text report gmr would have written, with each built-in section in its
own text layout and any other section in the generic layout.

With --html it writes one self-contained HTML page instead: the findings,
the goroutine groups (collapsible, with counts), an icicle view of the
goroutine stacks, and the other sections. The page loads nothing: no
scripts, fonts or styles from elsewhere, so it opens offline from a file.
With -o it writes the page (or the text) to FILE instead of stdout.
`,
		flags: func(fs *flag.FlagSet) {
			fs.Bool("html", false, "write one self-contained HTML page")
			fs.String("o", "", "write to this file instead of stdout")
		},
		run: runView,
	}
}

func runView(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return usageError("want one report file, got %d arguments", len(args))
	}
	rf, err := readReport(args[0])
	if err != nil {
		return err
	}
	rep := toReport(rf)
	var buf bytes.Buffer
	if flagBool(fs, "html") {
		err = writeHTML(&buf, rf, rep)
	} else {
		err = formatters.Text{}.Format(&buf, rep)
	}
	if err != nil {
		return err
	}
	return output(e, flagString(fs, "o"), buf.Bytes())
}

// output writes b to stdout, or to the file out, created with mode 0600
// (a report can hold what its service would rather keep private).
func output(e *env, out string, b []byte) error {
	if out == "" {
		_, err := e.stdout.Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o600); err != nil {
		return err
	}
	abs, _ := filepath.Abs(out)
	fmt.Fprintf(e.stderr, "wrote %s\n", abs)
	return nil
}

func flagBool(fs *flag.FlagSet, name string) bool {
	return fs.Lookup(name).Value.(flag.Getter).Get().(bool)
}

func flagString(fs *flag.FlagSet, name string) string {
	return fs.Lookup(name).Value.String()
}

// builtinData returns a new value of the Go type of a built-in section's
// data, or nil for a section that is not built in.
func builtinData(name string) report.TextWriter {
	switch name {
	case "findings":
		return new(sections.FindingsReport)
	case "package":
		return new(sections.PackageReport)
	case "config":
		return new(sections.ConfigReport)
	case "environment":
		return new(sections.EnvironmentReport)
	case "goroutines":
		return new(sections.GoroutineReport)
	case "threads":
		return new(sections.ThreadReport)
	case "process":
		return new(sections.ProcessReport)
	case "heap":
		return new(sections.HeapReport)
	}
	return nil
}

// toReport turns a JSON report back into the report model. The data of a
// built-in section is decoded into its Go type, so that the text formatter
// renders it in its own layout; other data, and built-in data that does not
// decode, becomes generic values (report.Object, []any, strings, numbers)
// in the order of the JSON.
func toReport(rf *reportFile) *report.Report {
	h := rf.Header
	rep := &report.Report{Header: report.Header{
		Service: h.Service, Version: h.Version, Host: h.Host, PID: h.PID,
		PodName: h.Resource.PodName, Namespace: h.Resource.Namespace,
		Started: parseTime(h.Started), Time: parseTime(h.Time), Trigger: h.Trigger,
		GMRVersion: h.GMRVersion, GoVersion: h.GoVersion,
		Duration: millis(h.DurationMS), Profiles: h.Profiles, Trace: h.Trace, TraceNote: h.TraceNote,
	}}
	for _, s := range rf.Sections {
		res := report.Result{Name: s.Name, Duration: millis(s.DurationMS), Note: s.Note}
		if s.Error != "" {
			res.Err = errors.New(s.Error)
			if len(s.PanicStack) > 0 {
				res.Err = &viewPanic{msg: s.Error, pe: &report.PanicError{Section: s.Name, Stack: []byte(strings.Join(s.PanicStack, "\n"))}}
			}
		}
		res.Data = decodeData(s.Name, s.Data)
		rep.Sections = append(rep.Sections, res)
	}
	return rep
}

// viewPanic is a section's error from a panic: its message as the report
// gave it, with the panic stack for the text formatter.
type viewPanic struct {
	msg string
	pe  *report.PanicError
}

func (v *viewPanic) Error() string { return v.msg }

// As gives the text formatter the panic stack.
func (v *viewPanic) As(target any) bool {
	if p, ok := target.(**report.PanicError); ok {
		*p = v.pe
		return true
	}
	return false
}

// decodeData decodes one section's data: typed for a built-in section,
// generic otherwise. nil stands for null or no data.
func decodeData(name string, raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if v := builtinData(name); v != nil {
		if err := json.Unmarshal(raw, v); err == nil {
			return v
		}
	}
	v, err := decodeGeneric(json.NewDecoder(bytes.NewReader(raw)), 0)
	if err != nil {
		return "(data that gmr cannot read: " + err.Error() + ")"
	}
	return v
}

// maxDepth bounds the nesting of generic values.
const maxDepth = 200

// decodeGeneric decodes one JSON value, keeping the order of object
// members (as report.Object) and integers as int64.
func decodeGeneric(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxDepth)
	}
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := report.Object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeGeneric(dec, depth+1)
				if err != nil {
					return nil, err
				}
				obj = append(obj, report.Member{Key: k.(string), Value: v})
			}
			_, err := dec.Token()
			return obj, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeGeneric(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, nil
		}
		f, err := t.Float64()
		return f, err
	default:
		return t, nil
	}
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func millis(ms float64) time.Duration {
	return time.Duration(ms * float64(time.Millisecond))
}
