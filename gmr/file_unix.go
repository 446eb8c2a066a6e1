//go:build unix

package gmr

import (
	"os"
	"syscall"
)

// createFlags opens a new report file: never an existing file, and never
// through a symbolic link planted at its name.
const createFlags = os.O_WRONLY | os.O_CREATE | os.O_EXCL | syscall.O_NOFOLLOW
