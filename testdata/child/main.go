// Command child is the service gmr's tests start as a child process and
// signal for real. It parks a known number of goroutines in a function with a
// known name, calls gmr.Setup, prints "ready <pid>" on stdout, and serves
// until its stdin is closed.
//
// Flags choose hostile behaviour for the tests: a section that hangs or
// panics, or many goroutines.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
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
	setupDelay := flag.Duration("setup-delay", 0, "print \"starting <pid>\" and wait this long before Setup")
	nofile := flag.Uint64("nofile", 0, "after Setup, lower RLIMIT_NOFILE to this and use up every descriptor")
	flag.Parse()

	if *setupDelay > 0 {
		fmt.Println("starting", os.Getpid())
		time.Sleep(*setupDelay)
	}

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

	var hoard []*os.File
	if *nofile > 0 {
		hoard = exhaustFDs(*nofile)
	}

	fmt.Println("ready", os.Getpid())
	// Commands on stdin; its end means stop.
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "panic":
			go func() {
				defer gmr.ReportPanic()
				panic("child panic canary")
			}()
		case "fatal":
			go fatalStackOverflow()
		case "fds":
			fmt.Println("fds", len(hoard))
		case "ping":
			fmt.Println("pong")
		case "goroutines":
			fmt.Println("goroutines", runtime.NumGoroutine())
		}
	}
	close(stop)
	ticks.Wait()
	close(release)
}

// fatalStackOverflow makes a real fatal runtime error, one that no recover
// can catch: "fatal error: stack overflow".
func fatalStackOverflow() {
	debug.SetMaxStack(1 << 16)
	var recurse func(n int) int
	recurse = func(n int) int {
		var pad [256]byte
		pad[n%256] = byte(n)
		return recurse(n+1) + int(pad[0])
	}
	recurse(0)
}

// parkedWorker blocks until release is closed. Tests look for its name and
// count in the goroutine section.
//
//go:noinline
func parkedWorker(ready *sync.WaitGroup, release <-chan struct{}) {
	ready.Done()
	<-release
}
