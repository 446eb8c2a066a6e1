//go:build unix

package gmr

import (
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/internal/ownfd"
)

// processStderr returns the writer gmr uses for the process's standard
// error: a duplicate of file descriptor 2, made once per process.
//
// A write to fd 1 or 2 whose pipe has lost its reader (a log shipper that
// died, `svc 2>&1 | head`) makes the Go runtime end the program with
// SIGPIPE, unless the program asked for SIGPIPE with signal.Notify; a write
// to any other descriptor just fails with EPIPE. Through the duplicate, a
// broken stderr costs gmr a notice or a report, never the process. If the
// duplicate cannot be made, os.Stderr is used.
var processStderr = sync.OnceValue(func() io.Writer {
	fd, err := unix.FcntlInt(2, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return os.Stderr
	}
	ownfd.Add(fd, "stderr duplicate")
	return os.NewFile(uintptr(fd), "stderr")
})
