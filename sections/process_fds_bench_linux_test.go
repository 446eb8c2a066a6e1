//go:build linux

package sections

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// raiseNofile raises RLIMIT_NOFILE's soft limit to n, and the hard one if
// it must (which needs CAP_SYS_RESOURCE), until the test or benchmark
// ends; it reports whether the limit is now at least n.
func raiseNofile(tb testing.TB, n uint64) bool {
	tb.Helper()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		tb.Fatal(err)
	}
	lim := unix.Rlimit{Cur: n, Max: max(old.Max, n)}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return false
	}
	tb.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &old) }) //nolint:errcheck // best effort
	return true
}

// holdFDs opens n descriptors on /dev/null (dup(2) of one), closed when
// the test or benchmark ends.
func holdFDs(tb testing.TB, n int) {
	tb.Helper()
	f, err := os.Open(os.DevNull)
	if err != nil {
		tb.Fatal(err)
	}
	fds := make([]int, 0, n)
	tb.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
		f.Close()
	})
	for range n {
		fd, err := unix.Dup(int(f.Fd()))
		if err != nil {
			tb.Fatalf("dup after %d: %v", len(fds), err)
		}
		fds = append(fds, fd)
	}
}

// holdConns opens n connected loopback TCP pairs (2n sockets) and a
// listener, closed when the test or benchmark ends.
func holdConns(tb testing.TB, n int) {
	tb.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var conns []net.Conn
	tb.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
		l.Close()
	})
	for range n {
		c, err := net.Dial("tcp4", l.Addr().String())
		if err != nil {
			tb.Fatalf("dial after %d: %v", len(conns)/2, err)
		}
		a, err := l.Accept()
		if err != nil {
			tb.Fatal(err)
		}
		conns = append(conns, c, a)
	}
}

// BenchmarkProcessFDs measures the process section's Collect in a process
// holding many descriptors: 100,000, or as many as RLIMIT_NOFILE's hard
// limit allows (less 500), all files, or 60% files and 40% loopback TCP
// sockets, whose states it looks up in the socket tables. It reports each
// call's time as report-ms, the descriptors counted and classified, and
// the time per descriptor as us-per-fd, from which the time at 100,000
// follows where the hard limit is lower: the cost is one readlinkat(2)
// per descriptor and one line of a socket table per socket.
//
//	go test ./sections -run '^$' -bench BenchmarkProcessFDs -benchtime 5x
func BenchmarkProcessFDs(b *testing.B) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	n := 100_000
	if !raiseNofile(b, uint64(n)+1000) {
		n = int(min(lim.Max, 1<<20)) - 500
		if n < 1000 || !raiseNofile(b, lim.Max) {
			b.Skipf("RLIMIT_NOFILE's hard limit is %d", lim.Max)
		}
	}
	for _, socketShare := range []int{0, 40} {
		conns := n * socketShare / 100 / 2
		files := n - 2*conns
		b.Run(fmt.Sprintf("files=%d/sockets=%d", files, 2*conns), func(b *testing.B) {
			holdFDs(b, files)
			holdConns(b, conns)
			ctx := context.Background()
			var r *ProcessReport
			for b.Loop() {
				data, err := (Process{}).Collect(ctx)
				if err != nil {
					b.Fatal(err)
				}
				r = data.(*ProcessReport)
			}
			perCall := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(perCall/1e6, "report-ms")
			b.ReportMetric(float64(r.FDs.Count), "fds")
			b.ReportMetric(float64(r.FDs.Classified), "classified")
			b.ReportMetric(float64(r.FDs.SocketStates["tcp ESTABLISHED"]), "established")
			b.ReportMetric(perCall/1e3/float64(r.FDs.Count), "us-per-fd")
		})
	}
}
