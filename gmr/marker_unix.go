//go:build unix

package gmr

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// createMarker writes b as dir/<pid>.json. It creates dir with mode 0700
// when missing, and refuses a dir that is a symbolic link, belongs to
// another user or is open to others. The file is written under a hidden
// name, created with O_EXCL and O_NOFOLLOW and mode 0600, then renamed into
// place, so a reader never sees half a marker.
func createMarker(dir string, pid int, b []byte) (string, error) {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("create marker dir: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("marker dir: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("marker dir %q is not a directory (%v)", dir, fi.Mode().Type())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return "", fmt.Errorf("marker dir %q belongs to uid %d, not to this process's uid %d", dir, st.Uid, os.Geteuid())
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("marker dir %q has mode %v, open to other users; it must be 0700", dir, fi.Mode().Perm())
	}
	name := filepath.Join(dir, strconv.Itoa(pid)+".json")
	tmp := filepath.Join(dir, "."+strconv.Itoa(pid)+".json.tmp")
	os.Remove(tmp) // left by a process that had this pid before
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return "", fmt.Errorf("create marker: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("write marker %q: %w", name, err)
	}
	return name, nil
}
