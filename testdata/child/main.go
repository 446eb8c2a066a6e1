// Command child is the service gmr's tests start as a child process and
// signal for real. It parks a known number of goroutines in a function with a
// known name, calls gmr.Setup, prints "ready <pid>" on stdout, and serves
// until its stdin is closed.
//
// Flags choose hostile behaviour for the tests: a section that hangs or
// panics, or many goroutines.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/sections"
)

func main() {
	park := flag.Int("park", 0, "goroutines to park in parkedWorker")
	hang := flag.Bool("hang-section", false, "add a section that never returns")
	panicky := flag.Bool("panic-section", false, "add a section that panics")
	timeout := flag.Duration("timeout", 0, "report timeout (0: the default)")
	flag.String("db-password", "", "a secret flag, masked in reports")
	flag.Parse()

	release := make(chan struct{})
	var ready sync.WaitGroup
	ready.Add(*park)
	for range *park {
		go parkedWorker(&ready, release)
	}
	ready.Wait()

	opts := []gmr.Option{gmr.WithService("child"), gmr.WithVersion("9.9.9")}
	if *hang {
		opts = append(opts, gmr.WithSections(sections.Func("hung", func(ctx context.Context) (any, error) {
			select {} // ignores its deadline, as a buggy section might
		})))
	}
	if *panicky {
		opts = append(opts, gmr.WithSections(sections.Func("panicky", func(context.Context) (any, error) {
			panic("section exploded")
		})))
	}
	if *timeout > 0 {
		opts = append(opts, gmr.WithTimeout(*timeout))
	}
	r, err := gmr.Setup(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: setup:", err)
		os.Exit(2)
	}
	defer r.Stop()

	// Busy work, so that the service is visibly serving while reports are made.
	var ticks sync.WaitGroup
	stop := make(chan struct{})
	ticks.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})

	fmt.Println("ready", os.Getpid())
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck // any end of stdin means stop
	close(stop)
	ticks.Wait()
	close(release)
}

// parkedWorker blocks until release is closed. Tests look for its name and
// count in the goroutine section.
//
//go:noinline
func parkedWorker(ready *sync.WaitGroup, release <-chan struct{}) {
	ready.Done()
	<-release
}
