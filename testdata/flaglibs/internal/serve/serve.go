// Package serve is the part the test programs share: it prints
// "ready <pid>" and serves until stdin is closed, as the gmr tests' other
// children do.
package serve

import (
	"fmt"
	"io"
	"os"

	"github.com/gmr-go/gmr/gmr"
)

// Until prints "ready <pid>", waits until stdin is closed and stops r.
func Until(r *gmr.Reporter) {
	fmt.Println("ready", os.Getpid())
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck // EOF or an error ends it alike
	r.Stop()
}

// Fail prints err and exits.
func Fail(err error) {
	fmt.Fprintln(os.Stderr, "flaglibs:", err)
	os.Exit(2)
}
