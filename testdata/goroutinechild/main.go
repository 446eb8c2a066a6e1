// Command goroutinechild is a service whose goroutines wait in known ways,
// for gmr's goroutine section tests: it parks them, calls gmr.Setup, prints
// "ready <pid>" on stdout, and serves until its stdin is closed.
//
// With -states it parks one group of goroutines in each of the waits a
// report must name: a channel receive, a select, a mutex, a sleep, a read
// from a loopback TCP connection and a read(2) on a pipe (unix only), and
// goroutines started by sync.(*WaitGroup).Go and by a helper that starts a
// func. With -pileup N it parks N goroutines in one stack, each with a
// unique request_id pprof label, all waiting for one mutex, and -others M
// goroutines elsewhere. With -secret-labels FILE it parks goroutines whose
// labels hold the secret in FILE: under the secret key token, one value a
// goroutine and one shared by all, and inside a URL under the innocent key
// upstream.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math"
	"net"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/sections"
)

func main() {
	states := flag.Bool("states", false, "park goroutines in chan receive, select, sync.Mutex.Lock, sleep, IO wait and syscall")
	pileup := flag.Int("pileup", 0, "goroutines to park in handler, each with a unique request_id label")
	others := flag.Int("others", 0, "goroutines to park in idleWorker")
	detailMax := flag.Int("detail-max", 0, "the goroutine section's DetailMax (0: the default)")
	secretFile := flag.String("secret-labels", "", "park labelled goroutines with the secret in this file")
	flag.Parse()

	release := make(chan struct{})
	base := waiting()
	want, inSyscall := 0, 0
	var mu sync.Mutex // held until release: handler and mutexWaiter wait for it
	mu.Lock()
	if *states {
		want += parkStates(&mu, release)
		inSyscall += parkSyscall()
	}
	if *pileup > 0 {
		ctx := context.Background()
		for i := range *pileup {
			labels := pprof.Labels("request_id", "req-"+strconv.Itoa(i), "team", "payments")
			go func() {
				pprof.SetGoroutineLabels(pprof.WithLabels(ctx, labels))
				handler(&mu)
			}()
		}
		want += *pileup
	}
	for range *others {
		go idleWorker(release)
	}
	want += *others
	if *secretFile != "" {
		b, err := os.ReadFile(*secretFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goroutinechild:", err)
			os.Exit(2)
		}
		want += parkSecretLabels(string(b), release)
	}
	// Wait until the runtime counts every one of them as waiting, so
	// that none is caught before it blocks.
	for deadline := time.Now().Add(20 * time.Second); waiting() < base+want || notInGo() < inSyscall; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "goroutinechild: %d of %d goroutines waiting after 20s\n", waiting()-base, want)
			os.Exit(2)
		}
	}

	opts := []gmr.Option{gmr.WithService("goroutinechild")}
	if *detailMax != 0 {
		opts = append(opts, gmr.WithSections(sections.Goroutines{DetailMax: *detailMax}))
	}
	r, err := gmr.Setup(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goroutinechild: setup:", err)
		os.Exit(2)
	}
	defer r.Stop()
	fmt.Println("ready", os.Getpid())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
	}
	close(release)
	mu.Unlock()
}

// parkStates parks one goroutine or more in each wait but the syscall, and
// returns how many it parked.
func parkStates(mu *sync.Mutex, release chan struct{}) int {
	for range 3 {
		go chanReceiver(release)
	}
	for range 2 {
		go selectWaiter(release)
	}
	for range 4 {
		go mutexWaiter(mu)
	}
	go sleeper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "goroutinechild: listen:", err)
		os.Exit(2)
	}
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "goroutinechild: dial:", err)
		os.Exit(2)
	}
	server, err := ln.Accept()
	if err != nil {
		fmt.Fprintln(os.Stderr, "goroutinechild: accept:", err)
		os.Exit(2)
	}
	go netReader(client)
	keep = append(keep, ln, server)

	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { groupWorker(release) })
	}
	spawn(func() { spawnedWorker(release) })
	return 3 + 2 + 4 + 1 + 1 + 2 + 1
}

// keep holds what must stay open while the goroutines wait on it.
var keep []any

// spawn is a helper that starts a func it is given.
func spawn(f func()) {
	go func() { f() }()
}

//go:noinline
func chanReceiver(release <-chan struct{}) { <-release }

//go:noinline
func selectWaiter(release <-chan struct{}) {
	select {
	case <-release:
	case <-time.After(time.Hour):
	}
}

//go:noinline
func mutexWaiter(mu *sync.Mutex) {
	mu.Lock()
	//lint:ignore SA2001 blocking on the lock is the point
	mu.Unlock()
}

//go:noinline
func sleeper() { time.Sleep(time.Hour) }

//go:noinline
func netReader(c net.Conn) {
	b := make([]byte, 1)
	c.Read(b) //nolint:errcheck // it only waits
}

//go:noinline
func groupWorker(release <-chan struct{}) { <-release }

//go:noinline
func spawnedWorker(release <-chan struct{}) { <-release }

// handler is where the pile-up waits: every request on one mutex.
//
//go:noinline
func handler(mu *sync.Mutex) {
	mu.Lock()
	//lint:ignore SA2001 blocking on the lock is the point
	mu.Unlock()
}

//go:noinline
func idleWorker(release <-chan struct{}) { <-release }

// parkSecretLabels parks goroutines in labelledWorker whose labels hold
// secret, and returns how many.
func parkSecretLabels(secret string, release <-chan struct{}) int {
	const n = 3
	for i := range n {
		labels := pprof.Labels(
			"token", secret+"-"+strconv.Itoa(i), // a secret key, a value each
			"api_key", secret+"-shared", // a secret key, one value for all
			"upstream", "https://app:"+secret+"-url"+strconv.Itoa(i%2)+"@db.internal/", // a secret in an innocent key's value
			"tenant", "acme")
		go pprof.Do(context.Background(), labels, func(context.Context) { labelledWorker(release) })
	}
	return n
}

//go:noinline
func labelledWorker(release <-chan struct{}) { <-release }

// waiting returns how many goroutines the runtime counts as waiting.
func waiting() int { return metric("/sched/goroutines/waiting:goroutines") }

// notInGo returns how many goroutines are in a system call or cgo call.
func notInGo() int { return metric("/sched/goroutines/not-in-go:goroutines") }

func metric(name string) int {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return math.MaxInt // no such metric: do not wait
	}
	return int(s[0].Value.Uint64())
}
