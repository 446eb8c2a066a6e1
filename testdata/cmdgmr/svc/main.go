//go:build unix

// Command svc is the gmr service that cmd/gmr's tests ask for reports. It
// calls gmr.Setup (configured by GMR_* variables, or by the flags below as
// options in code), prints "ready <pid>" on stdout, and then reads commands
// from stdin, one a line, until stdin is closed:
//
//	grow N   start N more goroutines parked in grownWorker, and print
//	         "grown N" once every one of them is blocked
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gmr-go/gmr/gmr"
)

func main() {
	signal := flag.String("signal", "", "WithSignal in code: SIGUSR1 or SIGHUP")
	dir := flag.String("dir", "", "WithDir in code")
	flag.Parse()

	var opts []gmr.Option
	switch *signal {
	case "SIGUSR1":
		opts = append(opts, gmr.WithSignal(syscall.SIGUSR1))
	case "SIGHUP":
		opts = append(opts, gmr.WithSignal(syscall.SIGHUP))
	}
	if *dir != "" {
		opts = append(opts, gmr.WithDir(*dir))
	}
	r, err := gmr.Setup(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "svc:", err)
		os.Exit(1)
	}
	defer r.Stop()

	release := make(chan struct{})
	defer close(release)
	fmt.Println("ready", os.Getpid())
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(sc.Text(), " ")
		switch cmd {
		case "grow":
			n, err := strconv.Atoi(arg)
			if err != nil {
				fmt.Fprintln(os.Stderr, "svc: grow:", err)
				continue
			}
			grow(n, release)
			fmt.Println("grown", n)
		}
	}
}

// grow starts n goroutines in grownWorker and returns once the runtime
// counts all of them as waiting.
func grow(n int, release <-chan struct{}) {
	base := waitingGoroutines()
	var started sync.WaitGroup
	started.Add(n)
	for range n {
		go grownWorker(&started, release)
	}
	started.Wait()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if waitingGoroutines() >= base+n {
			return
		}
	}
}

// grownWorker is the function whose group the diff test looks for.
//
//go:noinline
func grownWorker(started *sync.WaitGroup, release <-chan struct{}) {
	started.Done()
	<-release
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
