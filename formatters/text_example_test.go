package formatters_test

import (
	"context"
	"errors"
	"os"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr/report"
)

// Text renders any section data; a failing section shows its error in place.
func ExampleText() {
	ok := report.Run(context.Background(), report.Func("cache", func(context.Context) (any, error) {
		return map[string]any{"entries": 1024, "hit_ratio": 0.93}, nil
	}))
	failed := report.Run(context.Background(), report.Func("upstream", func(context.Context) (any, error) {
		return nil, errors.New("connection refused")
	}))
	ok.Duration, failed.Duration = 0, 0 // so that the output below is fixed
	report := &report.Report{
		Header:   report.Header{Service: "billing"},
		Sections: []report.Result{ok, failed},
	}
	if err := (formatters.Text{}).Format(os.Stdout, report); err != nil {
		panic(err)
	}
	// Output:
	// ========================================================================
	// ====                        Guru Meditation                         ====
	// ========================================================================
	// ||||||||||||||||||||||||||||||||||||||||||||||||||||||||||||||||||||||||
	// service = billing
	// resource = service.name=billing
	//
	// ========================================================================
	// ====                             Cache                              ====
	// ========================================================================
	// entries = 1024
	// hit_ratio = 0.93
	//
	// ========================================================================
	// ====                            Upstream                            ====
	// ========================================================================
	// error: connection refused
	//
	// ==================== end of Guru Meditation report =====================
}
