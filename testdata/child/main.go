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
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/gmr/report"
)

func main() {
	park := flag.Int("park", 0, "goroutines to park in parkedWorker")
	parkMutex := flag.Int("park-mutex", 0, "goroutines to park in mutexWaiter, on a mutex that mutexHolder holds")
	parkSelect := flag.Int("park-select", 0, "goroutines to park in selectWaiter")
	leak := flag.Int("leak", 0, "goroutines to leak in leakedWorker, blocked on a channel nothing else can reach")
	hang := flag.Bool("hang-section", false, "add a section that never returns")
	panicky := flag.Bool("panic-section", false, "add a section that panics")
	panickyFormat := flag.Bool("panic-formatter", false, "use a formatter that panics")
	timeout := flag.Duration("timeout", 0, "report timeout (0: the default)")
	flag.String("db-password", "", "a secret flag, masked in reports")
	secretConfig := flag.Bool("secret-config", false, "register a config value with a field tagged secret (from $CHILD_SECRET_FIELD) and $DATABASE_URL")
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
	parkBlocked(*parkMutex, *parkSelect, release)
	for range *leak {
		go leakedWorker()
	}

	opts := []gmr.Option{gmr.WithService("child"), gmr.WithVersion("9.9.9")}
	if *hang {
		opts = append(opts, gmr.WithSections(report.Func("hung", func(ctx context.Context) (any, error) {
			select {} // ignores its deadline, as a buggy section might
		})))
	}
	if *panickyFormat {
		opts = append(opts, gmr.WithFormatter(panickyFormatter{}))
	}
	if *panicky {
		opts = append(opts, gmr.WithSections(report.Func("panicky", func(context.Context) (any, error) {
			panic("section exploded")
		})))
	}
	if *secretConfig {
		opts = append(opts, gmr.WithConfig("app", &struct {
			Name        string `json:"name"`
			License     string `json:"license" gmr:"secret"`
			DatabaseURL string `json:"database_url"`
		}{"child", os.Getenv("CHILD_SECRET_FIELD"), os.Getenv("DATABASE_URL")}))
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
		case "stop":
			r.Stop()
			fmt.Println("stopped")
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

// panickyFormatter is a formatter with a bug: it panics.
type panickyFormatter struct{}

func (panickyFormatter) Name() string                           { return "panicky" }
func (panickyFormatter) Extension() string                      { return "txt" }
func (panickyFormatter) Format(io.Writer, *report.Report) error { panic("formatter exploded") }

// parkedWorker blocks until release is closed. Tests look for its name and
// count in the goroutine section.
//
//go:noinline
func parkedWorker(ready *sync.WaitGroup, release <-chan struct{}) {
	ready.Done()
	<-release
}

// parkBlocked parks mutex goroutines in mutexWaiter, stuck on a mutex that
// one goroutine in mutexHolder holds, and sel goroutines in selectWaiter,
// and returns once they are all blocked. release frees them all.
func parkBlocked(mutex, sel int, release <-chan struct{}) {
	base := waitingGoroutines()
	var mu sync.Mutex
	if mutex > 0 {
		locked := make(chan struct{})
		go mutexHolder(&mu, locked, release)
		<-locked
	}
	var started sync.WaitGroup
	started.Add(mutex + sel)
	for range mutex {
		go mutexWaiter(&mu, &started)
	}
	for range sel {
		go selectWaiter(&started, release)
	}
	started.Wait()
	// Started is not yet blocked: wait until the runtime counts every one
	// of them as waiting.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if waitingGoroutines() >= base+mutex+sel {
			break
		}
	}
}

// waitingGoroutines returns how many goroutines the runtime counts as
// waiting.
func waitingGoroutines() int {
	s := []metrics.Sample{{Name: "/sched/goroutines/waiting:goroutines"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return math.MaxInt // no such metric: do not wait
	}
	return int(s[0].Value.Uint64())
}

// mutexHolder locks mu until release is closed.
//
//go:noinline
func mutexHolder(mu *sync.Mutex, locked chan<- struct{}, release <-chan struct{}) {
	mu.Lock()
	close(locked)
	<-release
	mu.Unlock()
}

// mutexWaiter blocks on mu, which mutexHolder holds.
//
//go:noinline
func mutexWaiter(mu *sync.Mutex, started *sync.WaitGroup) {
	started.Done()
	mu.Lock()
	//lint:ignore SA2001 blocking on the lock is the point
	mu.Unlock()
}

// selectWaiter blocks in a select until release is closed.
//
//go:noinline
func selectWaiter(started *sync.WaitGroup, release <-chan struct{}) {
	started.Done()
	select {
	case <-release:
	case <-time.After(time.Hour):
	}
}

// leakedWorker blocks forever on a channel no other goroutine can reach:
// the goroutineleak profile (GOEXPERIMENT=goroutineleakprofile) finds it.
//
//go:noinline
func leakedWorker() {
	<-make(chan struct{})
}
