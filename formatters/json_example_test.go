package formatters_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr/report"
)

// exampleReport is a small report with fixed values: one section with data
// and one that failed.
func exampleReport() *report.Report {
	return &report.Report{
		Header: report.Header{
			Service:    "shop",
			Version:    "1.4.2",
			Host:       "web-1",
			PID:        4242,
			Started:    time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC),
			Time:       time.Date(2026, 11, 25, 17, 0, 0, 123e6, time.UTC),
			Trigger:    "signal SIGUSR2",
			GMRVersion: "v0.3.0",
			GoVersion:  "go1.26.8",
			Duration:   1500 * time.Microsecond,
		},
		Sections: []report.Result{
			{Name: "queue", Data: map[string]int{"depth": 12}, Duration: 40 * time.Microsecond},
			{Name: "cache", Err: errors.New("backend unreachable"), Duration: 2 * time.Millisecond},
		},
	}
}

func ExampleJSON() {
	if err := (formatters.JSON{}).Format(os.Stdout, exampleReport()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {
	//   "schema_version": "2",
	//   "header": {
	//     "service": "shop",
	//     "version": "1.4.2",
	//     "host": "web-1",
	//     "pid": 4242,
	//     "started": "2026-11-25T16:00:00Z",
	//     "time": "2026-11-25T17:00:00.123Z",
	//     "trigger": "signal SIGUSR2",
	//     "gmr_version": "v0.3.0",
	//     "go_version": "go1.26.8",
	//     "duration_ms": 1.5,
	//     "resource": {
	//       "service.name": "shop",
	//       "service.version": "1.4.2",
	//       "host.name": "web-1",
	//       "process.pid": 4242
	//     }
	//   },
	//   "sections": [
	//     {
	//       "name": "queue",
	//       "duration_ms": 0.04,
	//       "data": {
	//         "depth": 12
	//       }
	//     },
	//     {
	//       "name": "cache",
	//       "duration_ms": 2,
	//       "data": null,
	//       "error": "backend unreachable"
	//     }
	//   ]
	// }
}

// A section whose data JSON cannot hold shows an error in its place; the
// rest of the report is written as usual.
func ExampleJSON_unsupportedData() {
	r := exampleReport()
	r.Sections = []report.Result{
		report.Run(context.Background(), report.Func("ratio", func(context.Context) (any, error) {
			return map[string]float64{"hit_rate": 0.0 / zero}, nil
		})),
	}
	var out strings.Builder
	if err := (formatters.JSON{}).Format(&out, r); err != nil {
		fmt.Println(err)
	}
	var doc struct {
		Sections []struct {
			Data  any    `json:"data"`
			Error string `json:"error"`
		} `json:"sections"`
	}
	if err := json.Unmarshal([]byte(out.String()), &doc); err != nil {
		fmt.Println(err)
	}
	fmt.Println(doc.Sections[0].Data)
	fmt.Println(doc.Sections[0].Error)
	// Output:
	// <nil>
	// render section "ratio": json: unsupported value: NaN
}

var zero float64

func ExampleJSONLines() {
	if err := (formatters.JSONLines{}).Format(os.Stdout, exampleReport()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"schema_version":"2","header":{"service":"shop","version":"1.4.2","host":"web-1","pid":4242,"started":"2026-11-25T16:00:00Z","time":"2026-11-25T17:00:00.123Z","trigger":"signal SIGUSR2","gmr_version":"v0.3.0","go_version":"go1.26.8","duration_ms":1.5,"resource":{"service.name":"shop","service.version":"1.4.2","host.name":"web-1","process.pid":4242}},"sections":[{"name":"queue","duration_ms":0.04,"data":{"depth":12}},{"name":"cache","duration_ms":2,"data":null,"error":"backend unreachable"}]}
}

// With PerSection, each section is a record of its own, carrying the header
// and the report id that ties the records together.
func ExampleJSONLines_perSection() {
	f := formatters.JSONLines{PerSection: true}
	if err := f.Format(os.Stdout, exampleReport()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"schema_version":"2","report_id":"shop/web-1/4242/2026-11-25T17:00:00.123Z","header":{"service":"shop","version":"1.4.2","host":"web-1","pid":4242,"started":"2026-11-25T16:00:00Z","time":"2026-11-25T17:00:00.123Z","trigger":"signal SIGUSR2","gmr_version":"v0.3.0","go_version":"go1.26.8","duration_ms":1.5,"resource":{"service.name":"shop","service.version":"1.4.2","host.name":"web-1","process.pid":4242}},"section_count":2,"section_index":0,"section_name":"queue","section":{"name":"queue","duration_ms":0.04,"data":{"depth":12}}}
	// {"schema_version":"2","report_id":"shop/web-1/4242/2026-11-25T17:00:00.123Z","header":{"service":"shop","version":"1.4.2","host":"web-1","pid":4242,"started":"2026-11-25T16:00:00Z","time":"2026-11-25T17:00:00.123Z","trigger":"signal SIGUSR2","gmr_version":"v0.3.0","go_version":"go1.26.8","duration_ms":1.5,"resource":{"service.name":"shop","service.version":"1.4.2","host.name":"web-1","process.pid":4242}},"section_count":2,"section_index":1,"section_name":"cache","section":{"name":"cache","duration_ms":2,"data":null,"error":"backend unreachable"}}
}

func ExampleJSONSchema() {
	var schema struct {
		Schema string         `json:"$schema"`
		Defs   map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal(formatters.JSONSchema(), &schema); err != nil {
		fmt.Println(err)
	}
	fmt.Println(schema.Schema)
	for _, name := range []string{"header", "section", "record", "goroutines_data"} {
		_, ok := schema.Defs[name]
		fmt.Printf("#/$defs/%s: %v\n", name, ok)
	}
	// Output:
	// https://json-schema.org/draft/2020-12/schema
	// #/$defs/header: true
	// #/$defs/section: true
	// #/$defs/record: true
	// #/$defs/goroutines_data: true
}
