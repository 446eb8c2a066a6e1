//go:build linux

// Command resources is the service gmr's resource tests start as a child
// process and signal for real. It holds a known set of resources: 200 open
// files in a directory of its own, 20 sockets (a TCP listener on
// 127.0.0.1, 8 connected TCP pairs, a UDP socket and a UDP socket
// connected to it, and a Unix socket listening in the directory), 6 busy
// OS threads named "gmr-busy" (goroutines locked to their threads with
// runtime.LockOSThread; no cgo), and 16 MiB of heap allocated by
// retainBlocks and kept live. Then it calls gmr.Setup, prints
// "ready <pid> <dir> <tcp-listener-addr> <udp-addr>" on stdout, and serves
// until its stdin is closed.
//
// Tests that need more set these variables (the command line is the
// config section's secrets test):
//
//	RESOURCES_NOFILE=n  set RLIMIT_NOFILE's soft limit to n ("max": the hard limit)
//	RESOURCES_CONNS=n   hold n more loopback TCP connections (2n sockets)
//	RESOURCES_FDS=n     then hold descriptors on /dev/null until n are open
//	RESOURCES_HEAP=n    keep n more bytes of heap live, every page touched
//	RESOURCES_HEAP_ON_SIGNAL=n  the same on SIGUSR1, then print "heap n"
//	                    (after a test has moved it into a cgroup, say)
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/gmr"
)

const (
	numFiles       = 200
	numPairs       = 8
	numBusyThreads = 6
	busyThreadName = "gmr-busy"
	blockSize      = 64 << 10
	numBlocks      = 256
)

// retained keeps retainBlocks' allocations live.
var retained [][]byte

func main() {
	// Sample nearly every allocation of retainBlocks' size, so that the
	// heap profile's estimate of it is exact.
	runtime.MemProfileRate = 4096

	dir, err := os.MkdirTemp("", "gmr-resources-")
	check(err)
	defer os.RemoveAll(dir)

	files := make([]*os.File, 0, numFiles)
	for i := range numFiles {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("held-%03d", i)))
		check(err)
		files = append(files, f)
	}

	socks := openSockets(dir)
	extra := holdExtra(socks.tcp)

	stop := make(chan struct{})
	var busy sync.WaitGroup
	started := make(chan struct{}, numBusyThreads)
	for range numBusyThreads {
		busy.Go(func() { busyThread(started, stop) })
	}
	for range numBusyThreads {
		<-started
	}

	retainBlocks()
	runtime.GC() // the heap profile shows the heap as of the last GC

	r, err := gmr.Setup(gmr.WithService("resources"))
	check(err)
	defer r.Stop()

	fmt.Println("ready", os.Getpid(), dir, socks.tcp.Addr(), socks.udp.LocalAddr())
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck // any end of stdin means stop
	close(stop)
	busy.Wait()
	socks.close()
	for _, f := range files {
		f.Close()
	}
	runtime.KeepAlive(retained)
	runtime.KeepAlive(extra)
}

// extra holds what the RESOURCES_* variables asked for.
type extra struct {
	conns []net.Conn
	fds   []int
	heap  []byte
}

// holdExtra holds the descriptors, connections and heap that the
// RESOURCES_* variables ask for; l is the listener to connect to.
func holdExtra(l net.Listener) *extra {
	var e extra
	if v := os.Getenv("RESOURCES_NOFILE"); v != "" {
		var lim unix.Rlimit
		check(unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
		if v == "max" {
			lim.Cur = lim.Max
		} else {
			n, err := strconv.ParseUint(v, 10, 64)
			check(err)
			lim.Cur = n
		}
		check(unix.Setrlimit(unix.RLIMIT_NOFILE, &lim))
	}
	for range envInt("RESOURCES_CONNS") {
		c, err := net.Dial("tcp4", l.Addr().String())
		check(err)
		a, err := l.Accept()
		check(err)
		e.conns = append(e.conns, c, a)
	}
	if want := envInt("RESOURCES_FDS"); want > 0 {
		entries, err := os.ReadDir("/proc/self/fd")
		check(err)
		null, err := os.Open(os.DevNull)
		check(err)
		// The listing's own descriptor is closed again; gmr's duplicate
		// of stderr is yet to come.
		for open := len(entries) - 1 + 1; open < want-1; open++ {
			fd, err := unix.Dup(int(null.Fd()))
			check(err)
			e.fds = append(e.fds, fd)
		}
	}
	if n := envInt("RESOURCES_HEAP"); n > 0 {
		e.heap = touched(n)
	}
	if n := envInt("RESOURCES_HEAP_ON_SIGNAL"); n > 0 {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, unix.SIGUSR1)
		go func() {
			<-sig
			late = touched(n)
			fmt.Println("heap", n)
		}()
	}
	return &e
}

// late is the heap RESOURCES_HEAP_ON_SIGNAL asks for.
var late []byte

// touched returns n bytes with every page written.
func touched(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 4096 {
		b[i] = 1
	}
	return b
}

// envInt returns the integer in environment variable name, or 0.
func envInt(name string) int {
	v := os.Getenv(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	check(err)
	return n
}

// sockets holds the child's 20 sockets.
type sockets struct {
	tcp     net.Listener
	conns   []net.Conn // 8 dialled and 8 accepted
	udp     *net.UDPConn
	udpPeer net.Conn
	unix    net.Listener
}

func openSockets(dir string) *sockets {
	var s sockets
	var err error
	s.tcp, err = net.Listen("tcp4", "127.0.0.1:0")
	check(err)
	for range numPairs {
		c, err := net.Dial("tcp4", s.tcp.Addr().String())
		check(err)
		a, err := s.tcp.Accept()
		check(err)
		s.conns = append(s.conns, c, a)
	}
	s.udp, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	check(err)
	s.udpPeer, err = net.Dial("udp4", s.udp.LocalAddr().String())
	check(err)
	s.unix, err = net.Listen("unix", filepath.Join(dir, "ctl.sock"))
	check(err)
	return &s
}

func (s *sockets) close() {
	s.tcp.Close()
	for _, c := range s.conns {
		c.Close()
	}
	s.udp.Close()
	s.udpPeer.Close()
	s.unix.Close()
}

// busyThread locks itself to an OS thread other than the main one (whose
// name is the process's), names it, and works a little every 20 ms until
// stop is closed; then it exits still locked, so its thread exits too.
func busyThread(started chan<- struct{}, stop <-chan struct{}) {
	runtime.LockOSThread()
	if unix.Gettid() == os.Getpid() {
		// On the main thread. A new goroutine cannot run on it while this
		// one holds it, so it starts on another thread: hand the work over
		// and hold the main thread until it is done. (Unlocking and trying
		// again never leaves the main thread with one P.)
		var next sync.WaitGroup
		next.Go(func() { busyThread(started, stop) })
		next.Wait()
		runtime.UnlockOSThread()
		return
	}
	name := append([]byte(busyThreadName), 0)
	check(unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&name[0])), 0, 0, 0))
	started <- struct{}{}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	x := uint64(1)
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		for range 20_000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
		if x == 0 {
			fmt.Println() // keeps the loop from being optimised away
		}
	}
}

// retainBlocks allocates numBlocks blocks of blockSize bytes and keeps
// them live. Tests look for its name among the top allocation sites.
//
//go:noinline
func retainBlocks() {
	// One slice, made to size: growing it by append would leave small
	// arrays whose sampled estimate (one sampled 64-byte array counts as
	// 64 objects at a 4 KiB rate) blurs the count of blocks.
	retained = make([][]byte, 0, numBlocks)
	for i := range numBlocks {
		b := make([]byte, blockSize)
		b[0] = byte(i)
		retained = append(retained, b)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "resources:", err)
		os.Exit(2)
	}
}
