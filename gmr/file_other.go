//go:build !unix

package gmr

import "os"

// createFlags opens a new report file, never an existing one. O_EXCL also
// refuses a symbolic link planted at the name.
const createFlags = os.O_WRONLY | os.O_CREATE | os.O_EXCL
