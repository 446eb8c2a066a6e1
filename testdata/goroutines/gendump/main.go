// Command gendump writes a real runtime.Stack(buf, true) dump to stdout, for
// internal/gostack's tests and fuzz seeds and the goroutine section's tests.
// It parks goroutines in every kind of wait a service has (channel, nil
// channel, select, mutex, RWMutex, WaitGroup, Cond, sleep, IO wait, a
// thread-locked goroutine, deep recursion, generics, methods, labels), waits
// -wait (running the GC every second, since the runtime learns how long a
// goroutine has been blocked only at a GC), then dumps.
//
//	go run ./testdata/goroutines/gendump -wait 2m30s > testdata/goroutines/waits.txt
//	GODEBUG=tracebacklabels=1 go run ./testdata/goroutines/gendump > testdata/goroutines/labels.txt
//	GOTRACEBACK=system go run ./testdata/goroutines/gendump -quit 2> testdata/goroutines/sigquit.txt
//	GOEXPERIMENT=goroutineleakprofile go run ./testdata/goroutines/gendump -leak > testdata/goroutines/leaked.txt
//
// With -quit it sends itself SIGQUIT instead, so that the runtime writes
// its crash dump to stderr and exits.
package main

import (
	"context"
	"flag"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"
)

type store struct {
	mu   sync.Mutex
	rw   sync.RWMutex
	data map[string]int
}

//go:noinline
func (s *store) get(k string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data[k]
}

//go:noinline
func (s *store) read(k string) int {
	s.rw.RLock()
	defer s.rw.RUnlock()
	return s.data[k]
}

//go:noinline
func consume[T any](ch <-chan T) T { return <-ch }

//go:noinline
func recurse(n int, ch chan int) int {
	if n == 0 {
		return <-ch
	}
	return recurse(n-1, ch) + 1
}

func main() {
	wait := flag.Duration("wait", 0, "how long to wait before dumping")
	quit := flag.Bool("quit", false, "send SIGQUIT to self instead of dumping")
	leak := flag.Bool("leak", false, "leak goroutines and run the leak detector (needs GOEXPERIMENT=goroutineleakprofile)")
	flag.Parse()

	block := make(chan int)
	s := &store{data: map[string]int{}}
	s.mu.Lock()
	s.rw.Lock()
	var wg sync.WaitGroup
	wg.Add(1)
	cond := sync.NewCond(&sync.Mutex{})
	r, w, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	defer w.Close()

	var started sync.WaitGroup
	start := func(f func()) {
		started.Add(1)
		go func() {
			started.Done()
			f()
		}()
	}
	for range 3 {
		start(func() { <-block })
	}
	unread := make(chan int)
	start(func() { unread <- 1 })
	start(func() {
		var nilch chan int
		<-nilch
	})
	start(func() {
		select {
		case <-block:
		case <-time.After(time.Hour):
		}
	})
	start(func() { select {} })
	for range 2 {
		started.Add(1)
		go func() {
			started.Done()
			s.get("k")
		}()
	}
	start(func() { s.read("k") })
	start(func() { wg.Wait() })
	start(func() {
		cond.L.Lock()
		cond.Wait()
	})
	start(func() { time.Sleep(time.Hour) })
	start(func() {
		var b [1]byte
		r.Read(b[:])
	})
	start(func() {
		runtime.LockOSThread()
		<-block
	})
	start(func() { consume[string](make(chan string)) })
	start(func() { recurse(120, block) })
	pprof.Do(context.Background(), pprof.Labels("worker", "a \"quoted\", value]", "tenant", "x"), func(context.Context) {
		start(func() { <-block })
	})
	if *leak {
		for range 2 {
			start(func() { <-make(chan int) })
		}
	}
	started.Wait()

	deadline := time.Now().Add(*wait)
	for time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Second)
	}
	runtime.GC()
	time.Sleep(100 * time.Millisecond)

	if *leak {
		p := pprof.Lookup("goroutineleak")
		if p == nil {
			panic("no goroutineleak profile: set GOEXPERIMENT=goroutineleakprofile")
		}
		p.WriteTo(io.Discard, 0)
	}
	if *quit {
		syscall.Kill(os.Getpid(), syscall.SIGQUIT)
		time.Sleep(time.Hour)
	}
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	os.Stdout.Write(buf[:n])
}
