package gmr_test

import (
	"fmt"
	"time"

	"github.com/gmr-go/gmr/gmr"
)

// A loop says how often it should come round; when it misses, the Reporter
// writes one report naming it.
func ExampleReporter_Heartbeat() {
	r, err := gmr.New(gmr.WithService("queue"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Stop()

	jobs := make(chan string)
	go func() { jobs <- "job 1"; close(jobs) }()

	hb := r.Heartbeat("queue-consumer", 10*time.Second)
	defer hb.Stop()
	for job := range jobs {
		hb.Beat()
		fmt.Println("handled", job)
	}
	// Output: handled job 1
}

// A service tells gmr where its own shutdown starts: if it is still running
// the watchdog's time later (GMR_SHUTDOWN_REPORT_AFTER, or 30 seconds), one
// report says where it hangs.
func ExampleReporter_ShutdownStarted() {
	r, err := gmr.New(gmr.WithService("api"))
	if err != nil {
		fmt.Println(err)
		return
	}
	shutdown := make(chan struct{}) // the service's signal.NotifyContext, in a real one
	go close(shutdown)

	<-shutdown
	r.ShutdownStarted()
	fmt.Println("draining")
	r.Stop() // the drain is done: no report
	// Output: draining
}
