package gmr

import (
	"os"
	"time"
)

// watchFile polls the trigger file and sends a trigger when it appears, when
// its modification time changes (touch), or when the path comes to name
// another file (a different device and inode). The last is how a Kubernetes
// Downward API volume updates a file: kubelet writes the new contents into a
// new directory and swaps the "..data" symbolic link that the file's path
// goes through, so one annotation change is one new file, hence one report,
// whatever its modification time. One stat call per poll interval is the
// watch's whole cost when idle.
func (r *Reporter) watchFile(trigger chan<- string) {
	path := r.s.triggerFile
	last, _ := os.Stat(path) // an existing file is not a request
	name := "file " + path
	r.wg.Go(func() {
		t := time.NewTicker(r.s.pollInterval)
		defer t.Stop()
		for {
			select {
			case <-r.quit:
				return
			case <-t.C:
			}
			fi, err := os.Stat(path)
			if err != nil || !triggerFileChanged(last, fi) {
				continue
			}
			last = fi
			select {
			case trigger <- name:
			default:
			}
		}
	})
}

// triggerFileChanged reports whether the trigger file now is not the one
// seen before: it has appeared, it is another file, or it was touched.
func triggerFileChanged(before, now os.FileInfo) bool {
	return before == nil || !os.SameFile(before, now) || !now.ModTime().Equal(before.ModTime())
}
