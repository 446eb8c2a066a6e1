// Command watchdogchild is the service gmr's watchdog tests start as a child
// process: it calls gmr.Setup (configured by the GMR_* environment), prints
// "ready <pid>" on stdout, and obeys commands on stdin until stdin ends.
//
// Flags choose what the service does around the watchdogs: -handle-term
// handles SIGTERM and SIGINT itself and ignores them for a while; -heartbeat
// watches a loop; -own-flight and -own-trace start the service's own flight
// recorder or execution trace before Setup; -shutdown-started handles
// SIGTERM with signal.NotifyContext and calls Reporter.ShutdownStarted,
// twice, then hangs in its shutdown until stdin ends.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/trace"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gmr-go/gmr/gmr"
)

func main() {
	handle := flag("-handle-term")
	heartbeat := flag("-heartbeat")
	if flag("-own-flight") {
		fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{})
		if err := fr.Start(); err != nil {
			fail("own flight recorder: %v", err)
		}
		defer fr.Stop()
	}
	if flag("-own-trace") {
		if err := trace.Start(io.Discard); err != nil {
			fail("own trace: %v", err)
		}
		defer trace.Stop()
	}
	var out sync.Mutex
	say := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		fmt.Printf(format+"\n", args...)
	}

	r, err := gmr.Setup(gmr.WithService("watchdogchild"))
	if err != nil {
		fail("setup: %v", err)
	}
	defer r.Stop()

	if flag("-notify-context") {
		// The os/signal documentation's pattern: stop listening as soon
		// as the signal has come, drain, and exit cleanly.
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		// A service that has been up for a moment: gmr's watchdog counts
		// the service's listeners every 100 ms, and one that registered
		// less than that before the signal may not be counted yet.
		time.AfterFunc(300*time.Millisecond, func() { say("listening") })
		go func() {
			<-ctx.Done()
			stop()
			time.Sleep(300 * time.Millisecond) // the drain
			say("drained")
			os.Exit(0)
		}()
	}
	if flag("-shutdown-started") {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		go func() {
			<-ctx.Done()
			stop()
			r.ShutdownStarted()
			r.ShutdownStarted() // the watchdog reports once
			say("shutting down")
		}()
	}
	if handle {
		// The service's own shutdown handling, which ignores the signal:
		// it counts and prints each one, so the test sees that it got
		// every signal exactly once.
		ch := make(chan os.Signal, 4)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		go func() {
			n := 0
			for sig := range ch {
				n++
				say("got %v %d", sig, n)
			}
		}()
	}

	var beating chan struct{} // closed to stop the beating loop
	var loop sync.WaitGroup
	var hb *gmr.Heartbeat
	if heartbeat {
		hb = r.Heartbeat("queue-consumer", time.Second)
	}
	startBeating := func() {
		beating = make(chan struct{})
		stop := beating
		hb.Beat()
		loop.Go(func() {
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					hb.Beat()
				}
			}
		})
	}
	if heartbeat {
		startBeating()
	}

	say("ready %d", os.Getpid())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "ping":
			say("pong")
		case "beat-off":
			close(beating)
			loop.Wait()
			say("silent")
		case "beat-on":
			startBeating()
			say("beating")
		case "log-secret":
			// A secret in a trace.Log message, which the trace holds
			// as it is.
			trace.Log(context.Background(), "audit", "password="+arg)
			say("logged")
		case "log-secret-category":
			// A secret as the message of a secret-named category.
			trace.Log(context.Background(), "db_password", arg)
			say("logged")
		case "mark-then-report":
			// Work 1-2 s before the report, that the flight recorder's
			// trace must still hold when the report is made.
			wait, err := time.ParseDuration(arg)
			if err != nil {
				fail("mark-then-report: %v", err)
			}
			markedWork()
			time.Sleep(wait)
			loc, err := r.Report(context.Background())
			if err != nil {
				fail("report: %v", err)
			}
			say("reported %s", loc)
		}
	}
	if beating != nil {
		select {
		case <-beating:
		default:
			close(beating)
		}
	}
	loop.Wait()
}

// markedWork leaves a region and a log message in the execution trace, by
// which the test finds it in the flight recorder's trace.
//
//go:noinline
func markedWork() {
	ctx, task := trace.NewTask(context.Background(), "watchdogchild-marked-task")
	defer task.End()
	trace.WithRegion(ctx, "watchdogchild-marked-region", func() {
		trace.Log(ctx, "watchdogchild", "marked-work-ran")
	})
}

// flag reports whether the command line holds name.
func flag(name string) bool {
	for _, a := range os.Args[1:] {
		if a == name {
			return true
		}
	}
	return false
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "watchdogchild: "+format+"\n", args...)
	os.Exit(2)
}
