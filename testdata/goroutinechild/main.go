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
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"

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
	var mu sync.Mutex // held until release: handler and mutexWaiter wait for it
	mu.Lock()
	if *states {
		parkStates(&mu, release)
		parkSyscall()
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
		expect["main.handler"] = *pileup
	}
	for range *others {
		go idleWorker(release)
	}
	if *others > 0 {
		expect["main.idleWorker"] = *others
	}
	if *secretFile != "" {
		b, err := os.ReadFile(*secretFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goroutinechild:", err)
			os.Exit(2)
		}
		parkSecretLabels(string(b), release)
	}
	// Wait until every one of them is blocked where it should be, so
	// that none is caught before it blocks.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got := blocked()
		missing := ""
		for fn, n := range expect {
			if got[fn] < n {
				missing += fmt.Sprintf(" %s: %d of %d", fn, got[fn], n)
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "goroutinechild: not blocked after 30s:"+missing)
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

// expect is how many goroutines must be blocked in each function before
// the child is ready.
var expect = map[string]int{}

// parkStates parks one goroutine or more in each wait but the syscall.
func parkStates(mu *sync.Mutex, release chan struct{}) {
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
	for fn, n := range map[string]int{
		"main.chanReceiver": 3, "main.selectWaiter": 2, "main.mutexWaiter": 4, "main.sleeper": 1,
		"main.netReader": 1, "main.groupWorker": 2, "main.spawnedWorker": 1,
	} {
		expect[fn] = n
	}
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
// secret.
func parkSecretLabels(secret string, release <-chan struct{}) {
	const n = 3
	for i := range n {
		labels := pprof.Labels(
			"token", secret+"-"+strconv.Itoa(i), // a secret key, a value each
			"api_key", secret+"-shared", // a secret key, one value for all
			"upstream", "https://app:"+secret+"-url"+strconv.Itoa(i%2)+"@db.internal/", // a secret in an innocent key's value
			"tenant", "acme")
		go pprof.Do(context.Background(), labels, func(context.Context) { labelledWorker(release) })
	}
	expect["main.labelledWorker"] = n
}

//go:noinline
func labelledWorker(release <-chan struct{}) { <-release }

// blocked counts, by function of this program, the goroutines blocked in
// it: parked by the runtime or in a system call, as the goroutine profile
// shows them.
func blocked() map[string]int {
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 0); err != nil {
		fmt.Fprintln(os.Stderr, "goroutinechild: goroutine profile:", err)
		os.Exit(2)
	}
	p, err := profile.Parse(&b)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goroutinechild: goroutine profile:", err)
		os.Exit(2)
	}
	counts := map[string]int{}
	for _, s := range p.Sample {
		var fns []string
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				if ln.Function != nil {
					fns = append(fns, ln.Function.Name)
				}
			}
		}
		switch {
		case len(fns) == 0:
			continue
		case fns[0] == "runtime.gopark", fns[0] == "runtime.goparkunlock", strings.HasPrefix(fns[0], "syscall.Syscall"):
		default:
			continue // running or runnable: not blocked yet
		}
		for _, fn := range fns {
			if strings.HasPrefix(fn, "main.") {
				counts[fn] += int(s.Value[0])
			}
		}
	}
	return counts
}
