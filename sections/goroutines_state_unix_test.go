//go:build unix

package sections

import (
	"net"
	"os"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Functions TestStackStateMatchesDump parks goroutines in, one a wait.

//go:noinline
func sendOnChan(ch chan<- struct{}) { ch <- struct{}{} }

//go:noinline
func readLockRW(rw *sync.RWMutex) {
	rw.RLock()
	//lint:ignore SA2001 blocking on the lock is the point
	rw.RUnlock()
}

//go:noinline
func writeLockRW(rw *sync.RWMutex) {
	rw.Lock()
	//lint:ignore SA2001 blocking on the lock is the point
	rw.Unlock()
}

//go:noinline
func waitOnCond(c *sync.Cond, done *bool) {
	c.L.Lock()
	for !*done {
		c.Wait()
	}
	c.L.Unlock()
}

//go:noinline
func readConn(c net.Conn) { c.Read(make([]byte, 1)) } //nolint:errcheck // it only waits

//go:noinline
func readPipe(fd int) { syscall.Read(fd, make([]byte, 1)) } //nolint:errcheck // it only waits

// TestStackStateMatchesDump parks goroutines in this process in every wait
// the inference knows of, takes a report in detail mode, and checks that
// for every group the dump has, the state inferred from its stack is the
// state the dump says.
func TestStackStateMatchesDump(t *testing.T) {
	var running sync.WaitGroup
	stop := make(chan struct{})
	sends := make(chan struct{})
	var rw1, rw2 sync.RWMutex
	rw1.Lock()
	rw2.RLock()
	cond := sync.NewCond(&sync.Mutex{})
	done := false
	var wg sync.WaitGroup
	wg.Add(1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	server, err := ln.Accept()
	require.NoError(t, err)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	fd := int(r.Fd())

	running.Go(func() { sendOnChan(sends) })
	running.Go(func() { parkOnChan(stop) })
	running.Go(func() { parkInSelect(stop, stop) })
	running.Go(func() { readLockRW(&rw1) })
	running.Go(func() { writeLockRW(&rw2) })
	running.Go(func() { waitOnCond(cond, &done) })
	running.Go(func() { parkOnWaitGroup(&wg) })
	running.Go(func() { readConn(client) })
	running.Go(func() { readPipe(fd) })
	t.Cleanup(func() {
		<-sends
		close(stop)
		rw1.Unlock()
		rw2.RUnlock()
		cond.L.Lock()
		done = true
		cond.Broadcast()
		cond.L.Unlock()
		wg.Done()
		client.Close()
		w.Close()
		running.Wait()
		server.Close()
		ln.Close()
		r.Close()
	})

	rep := collectUntil(t, Goroutines{}, map[string]string{
		testPkg + "sendOnChan":      "chan send",
		testPkg + "parkOnChan":      "chan receive",
		testPkg + "parkInSelect":    "select",
		testPkg + "readLockRW":      "sync.RWMutex.RLock",
		testPkg + "writeLockRW":     "sync.RWMutex.Lock",
		testPkg + "waitOnCond":      "sync.Cond.Wait",
		testPkg + "parkOnWaitGroup": "sync.WaitGroup.Wait",
		testPkg + "readConn":        "IO wait",
		testPkg + "readPipe":        "syscall",
	})
	checked := 0
	for _, g := range append(rep.Groups, rep.Own.Groups...) {
		if g.StateSource != "dump" || len(g.Detail.States) != 1 {
			continue // not in the dump, or in two states at once
		}
		checked++
		assert.Equal(t, baseState(g.State), g.InferredState, "group in %s: %v", g.Where, g.Frames)
	}
	assert.GreaterOrEqual(t, checked, 9)
}
