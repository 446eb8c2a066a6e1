//go:build linux

package sections

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/internal/procfs"
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

// BenchmarkProcessMemory measures where-memory-went on its own: reading
// /proc/self/maps to learn whether the kernel names Go's mappings, and
// /proc/self/smaps, which the section reads only where it does, parsed.
// It reports each call's time as maps-ms and smaps-ms, with the process's
// RSS as rss-mib (smaps' cost grows with the resident memory) after it
// has touched 256 MiB of heap.
//
//	go test ./sections -run '^$' -bench BenchmarkProcessMemory
func BenchmarkProcessMemory(b *testing.B) {
	heap := make([]byte, 256<<20)
	for i := 0; i < len(heap); i += 4096 {
		heap[i] = 1
	}
	self := procfs.Default.Self()
	b.Run("maps", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := self.Maps(maxMapsBytes); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "maps-ms")
	})
	b.Run("smaps", func(b *testing.B) {
		var rss uint64
		for b.Loop() {
			data, _, err := self.Smaps(maxSmapsBytes)
			if err != nil {
				b.Fatal(err)
			}
			m, err := procfs.ParseSmapsRSS(data)
			if err != nil {
				b.Fatal(err)
			}
			rss = 0
			for _, v := range m {
				rss += v
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "smaps-ms")
		b.ReportMetric(float64(rss)/(1<<20), "rss-mib")
	})
	runtime.KeepAlive(heap)
}
