package gmr_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/gmr/report"
)

// The whole integration: one statement in main. From then on,
// `kill -USR2 <pid>` writes a report to stderr, or to GMR_DIR.
func ExampleSetup() {
	r, err := gmr.Setup(gmr.WithService("billing"), gmr.WithVersion("v1.4.2"))
	if err != nil {
		log.Printf("gmr: %v", err) // a report trigger is a nice-to-have: carry on
	}
	defer r.Stop()
	// ... the service runs ...
}

// A Reporter made with New installs no trigger; it writes a report on demand
// to any writer, here with one custom section only.
func ExampleReporter_WriteReport() {
	queue := report.Func("queue", func(ctx context.Context) (any, error) {
		return struct {
			Depth   int `json:"depth"`
			Workers int `json:"workers"`
		}{Depth: 12, Workers: 4}, nil
	})
	r, err := gmr.New(gmr.WithService("billing"), gmr.WithOnlySections(queue))
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteReport(context.Background(), &buf); err != nil {
		log.Fatal(err)
	}
	// Print the section, without the header's time, host and pid, or the
	// time it took.
	report := buf.String()
	start := strings.Index(report, "====                             Queue")
	for line := range strings.Lines(report[start:]) {
		if !strings.HasPrefix(line, "(collected in") {
			fmt.Print(line)
		}
	}
	// Output:
	// ====                             Queue                              ====
	// ========================================================================
	// depth = 12
	// workers = 4
	//
	// ==================== end of Guru Meditation report =====================
}

// Sections that fail do not spoil the report: the error is shown in the
// section's place.
func ExampleWithSections() {
	broken := report.Func("upstream", func(ctx context.Context) (any, error) {
		return nil, fmt.Errorf("dial upstream: connection refused")
	})
	r, err := gmr.New(gmr.WithOnlySections(broken))
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteReport(context.Background(), &buf); err != nil {
		log.Fatal(err)
	}
	for line := range strings.Lines(buf.String()) {
		if strings.HasPrefix(line, "error:") {
			fmt.Print(line)
		}
	}
	// Output:
	// error: dial upstream: connection refused
}
