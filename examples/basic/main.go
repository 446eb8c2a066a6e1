// Command basic shows gmr in one run: it installs the report trigger, signals
// itself with SIGUSR2 as an operator would with kill -USR2, and the Guru
// Meditation Report appears on stderr.
//
//	go run ./examples/basic
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/gmr-go/gmr/gmr"
)

// Config is the demo's configuration; the password is masked in the report.
type Config struct {
	ListenAddr string `json:"listen_addr"`
	Workers    int    `json:"workers"`
	DB         struct {
		Host     string `json:"host"`
		Password string `json:"password"`
	} `json:"db"`
}

func main() {
	workers := flag.Int("workers", 8, "number of idle workers")
	flag.String("api-token", "s3cr3t-demo-token", "token for the upstream API (masked in reports)")
	flag.Parse()

	cfg := Config{ListenAddr: ":8080", Workers: *workers}
	cfg.DB.Host = "db.internal:5432"
	cfg.DB.Password = "correct-horse-battery-staple"

	done := make(chan error, 1)
	r, err := gmr.Setup(
		gmr.WithService("basic-demo"),
		gmr.WithVersion("v1.0.0"),
		gmr.WithConfig("app", cfg),
		gmr.WithOnReport(func(_ string, err error) { done <- err }),
	)
	if err != nil && r == nil {
		fmt.Fprintln(os.Stderr, "basic:", err)
		os.Exit(1)
	}
	defer r.Stop()

	// Something for the report to show: idle workers, labelled, and one
	// goroutine sleeping.
	jobs := make(chan int)
	var wg, started sync.WaitGroup
	started.Add(*workers)
	for i := range *workers {
		wg.Go(func() {
			pprof.Do(context.Background(), pprof.Labels("pool", "resize"), func(context.Context) {
				started.Done()
				worker(i, jobs)
			})
		})
	}
	started.Wait()
	go func() { time.Sleep(time.Hour) }()

	fmt.Fprintf(os.Stderr, "basic: pid %d sends itself %s, as `kill -USR2 %d` would\n\n", os.Getpid(), "SIGUSR2", os.Getpid())
	if err := signalSelf(); err != nil {
		// No signals here (Windows): ask for the report directly.
		fmt.Fprintln(os.Stderr, "basic:", err, "- calling Report instead")
		_, err := r.Report(context.Background())
		done <- err
	}
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintln(os.Stderr, "basic: report failed:", err)
			os.Exit(1)
		}
	case <-time.After(30 * time.Second):
		fmt.Fprintln(os.Stderr, "basic: no report after 30s")
		os.Exit(1)
	}
	close(jobs)
	wg.Wait()
}

// worker waits for jobs; in the report, the pool's goroutines form one group.
func worker(id int, jobs <-chan int) {
	for j := range jobs {
		_ = id * j
	}
}
