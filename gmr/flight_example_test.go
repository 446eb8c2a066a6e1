package gmr_test

import (
	"log"
	"time"

	"github.com/gmr-go/gmr/gmr"
)

// A service that wants the last seconds of execution trace beside each
// report, and a report if it is still running 30 s after SIGTERM. The same,
// without a rebuild: GMR_DIR=/var/log/svc GMR_FLIGHT_RECORDER=10s
// GMR_SHUTDOWN_REPORT_AFTER=30s.
func ExampleWithFlightRecorder() {
	r, err := gmr.Setup(
		gmr.WithDir("/var/log/svc"),
		gmr.WithFlightRecorder(10*time.Second, 8<<20),
		gmr.WithShutdownReport(30*time.Second),
	)
	if err != nil {
		log.Printf("gmr: %v", err)
	}
	defer r.Stop()
	// ... serve ...
}
