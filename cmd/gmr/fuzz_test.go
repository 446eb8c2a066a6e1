package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/gmr-go/gmr/formatters"
)

// FuzzReport feeds any bytes to what view, diff and ls do with a report:
// parse, turn into the model, render as text and HTML, and compare with
// itself. None may panic.
func FuzzReport(f *testing.F) {
	for _, path := range []string{"../../testdata/golden/report.json", "../../testdata/golden/report.jsonl", "../../testdata/golden/report_sections.jsonl"} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"schema_version":"2","sections":[{"name":"goroutines","data":{"total":1,"groups":[{"count":1,"frames":[{"function":"main.f"}]}]}},{"name":"heap","data":{"top_allocations":[{}]}},{"name":"process","data":{"fds":{"kinds":{"file":1}}}}]}`))
	f.Add([]byte(`{"schema_version":"2","sections":[{"name":"threads","data":[1,2]},{"name":"findings","data":{"findings":[{"code":"x"}]}}]}`))
	// Deep nesting: past decodeGeneric's bound, and just within it.
	f.Add([]byte(`{"schema_version":"2","sections":[{"name":"mine","data":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `},{"name":"yours","data":` + strings.Repeat(`{"a":`, maxDepth) + `[1,"x"]` + strings.Repeat("}", maxDepth) + `}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rf, err := parseReport(b)
		if err != nil {
			return
		}
		rep := toReport(rf)
		var buf bytes.Buffer
		if err := (formatters.Text{}).Format(&buf, rep); err != nil {
			t.Fatalf("text: %v", err)
		}
		buf.Reset()
		if err := writeHTML(&buf, rf, rep); err != nil {
			t.Fatalf("html: %v", err)
		}
		d := compare(rf, rf)
		writeDiffText(&buf, d, 20)
		if d.Goroutines != nil && len(d.Goroutines.Changed) != 0 {
			t.Fatalf("a report differs from itself: %+v", d.Goroutines.Changed)
		}
	})
}
